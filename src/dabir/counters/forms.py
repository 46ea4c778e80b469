"""Forms of the counter offices' pages: they read and keep what was typed; the rules live in the services
(a DomainError from a service is put back on the field it names, see `field_error`).

The service's own form at the counter is built from its definition by the desk's form builder
(dabir.desk.views.request_form), not here.
"""

from django import forms

from dabir.core.errors import DomainError

BIG = {"class": "form-control form-control-lg"}


def _big(**extra) -> dict:
    return {**BIG, **extra}


def field_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's refusal on the field it names (or on the whole form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class FinderForm(forms.Form):
    q = forms.CharField(label="جست‌وجوی خدمت", max_length=200, required=False,
                        widget=forms.TextInput(attrs=_big(placeholder="نام خدمت یا دستگاه، مانند «پروانه»",
                                                          autocomplete="off", type="search")))


class VisitForm(forms.Form):
    """Who the citizen is: the national code, their own mobile (the consent code goes there) and name."""

    national_code = forms.CharField(
        label="کد ملی متقاضی", max_length=30,
        error_messages={"required": "کد ملی متقاضی را وارد کنید."},
        widget=forms.TextInput(attrs=_big(dir="ltr", inputmode="numeric", autocomplete="off", autofocus=True)))
    mobile = forms.CharField(
        label="تلفن همراه متقاضی", max_length=30,
        error_messages={"required": "تلفن همراه متقاضی را وارد کنید."},
        help_text="کد رضایت به همین شماره پیامک می‌شود؛ شماره باید از آنِ خود متقاضی باشد.",
        widget=forms.TextInput(attrs=_big(dir="ltr", inputmode="tel", autocomplete="off")))
    name = forms.CharField(label="نام و نام خانوادگی", max_length=200, required=False,
                           widget=forms.TextInput(attrs=_big(autocomplete="off")))
    service = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)


class ConsentForm(forms.Form):
    code = forms.CharField(
        label="کد پیامک‌شده به متقاضی", max_length=20,
        error_messages={"required": "کدی را که متقاضی از پیامک می‌خواند وارد کنید."},
        widget=forms.TextInput(attrs=_big(dir="ltr", inputmode="numeric", autocomplete="one-time-code",
                                          autofocus=True)))


class CardPaymentForm(forms.Form):
    reference = forms.CharField(
        label="شماره پیگیری کارت‌خوان", max_length=40,
        error_messages={"required": "شماره پیگیری رسید کارت‌خوان را وارد کنید."},
        widget=forms.TextInput(attrs=_big(dir="ltr", inputmode="numeric", autocomplete="off", autofocus=True)))
    card_mask = forms.CharField(
        label="شماره کارت (پوشیده، از رسید کارت‌خوان)", max_length=32, required=False,
        help_text="مانند ۶۰۳۷-****-****-۱۲۳۴؛ شماره کامل کارت را وارد نکنید.",
        widget=forms.TextInput(attrs=_big(dir="ltr", autocomplete="off")))

    def clean_card_mask(self):
        from dabir.core.text import to_latin_digits

        mask = to_latin_digits(self.cleaned_data.get("card_mask") or "").strip()
        digits = sum(ch.isdigit() for ch in mask)
        if digits > 10:  # more than the first six and last four: a whole card number was typed
            raise forms.ValidationError("شماره کامل کارت را وارد نکنید؛ فقط شش رقم اول و چهار رقم آخر.")
        return mask
