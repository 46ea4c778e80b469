"""Forms of the address book pages: they carry what was typed; services.contacts checks it (a DomainError
comes back on the field it names)."""

from django import forms

from .models import Correspondent

BLANK = [("", "— همه —")]


class _Bootstrap:
    def _style(self):
        for f in self.fields.values():
            w = f.widget
            css = "form-select" if isinstance(w, forms.Select) else (
                "form-check-input" if isinstance(w, forms.CheckboxInput) else "form-control")
            w.attrs["class"] = (w.attrs.get("class", "") + " " + css).strip()


class ContactFilterForm(_Bootstrap, forms.Form):
    q = forms.CharField(label="جستجو (نام، ایمیل یا نمابر)", required=False, max_length=200)
    kind = forms.ChoiceField(label="نوع", required=False, choices=BLANK + Correspondent.Kind.choices)
    agency = forms.TypedChoiceField(label="دستگاه", required=False, coerce=int, empty_value=None)
    inactive = forms.BooleanField(label="غیرفعال‌ها هم", required=False)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.id, a.name) for a in agencies]
        self._style()


class ContactForm(_Bootstrap, forms.Form):
    # Plain text fields: the e-mail, numbers and codes are checked (Persian digits accepted) by the service.
    name = forms.CharField(label="نام", max_length=300)
    kind = forms.ChoiceField(label="نوع", choices=Correspondent.Kind.choices, initial=Correspondent.Kind.ORGANISATION)
    email = forms.CharField(label="ایمیل", required=False, max_length=254,
                            widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "email"}))
    fax = forms.CharField(label="نمابر", required=False, max_length=40,
                          widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}))
    phone = forms.CharField(label="تلفن", required=False, max_length=40,
                            widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "tel"}))
    postal_address = forms.CharField(label="نشانی پستی", required=False, max_length=500,
                                     widget=forms.Textarea(attrs={"rows": 2}))
    postal_code = forms.CharField(label="کد پستی", required=False, max_length=20,
                                  widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric"}))
    exchange_code = forms.CharField(label="کد عضو شبکه تبادل", required=False, max_length=32,
                                    widget=forms.TextInput(attrs={"dir": "ltr"}),
                                    help_text="اگر دستگاه در شبکه تبادل نامه است، نامه‌ها الکترونیکی می‌روند.")
    prefer = forms.ChoiceField(label="روش ارسال", required=False, choices=Correspondent.Prefer.choices)
    note = forms.CharField(label="یادداشت", required=False, max_length=500)
    active = forms.BooleanField(label="فعال", required=False, initial=True)

    def __init__(self, *args, agencies=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:  # a new correspondent is active; an unticked box must not save it inactive
            del self.fields["active"]
        if len(agencies) > 1:  # a keeper of several books picks which one
            self.fields["agency"] = forms.TypedChoiceField(label="دفترچه دستگاه", coerce=int,
                                                           choices=[(a.id, a.name) for a in agencies])
        self._style()

    def service_fields(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "agency"}


class ImportForm(_Bootstrap, forms.Form):
    file = forms.FileField(label="پرونده CSV (UTF-8)")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(label="دفترچه دستگاه", coerce=int,
                                                           choices=[(a.id, a.name) for a in agencies])
        self._style()
