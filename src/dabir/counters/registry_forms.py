"""Forms of the registry and outsourcing pages: they carry what was typed (Persian digits and Jalali dates
as typed) to the services, which check it; a service's refusal goes back on the field it names
(letters.forms.apply_error)."""

from django import forms

from dabir.core.jalali_forms import example_date
from dabir.letters.forms import BootstrapMixin

from .models import Area, HolderKind, LicenceState, Staff

BLANK = [("", "— همه —")]


def _text(label, *, required=True, max_length=None, ltr=False, placeholder="", help_text=""):
    attrs = {"dir": "ltr"} if ltr else {}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           widget=forms.TextInput(attrs=attrs))


def _date(label, *, required=True):
    return forms.CharField(label=label, required=required, max_length=20,
                           widget=forms.TextInput(attrs={"dir": "ltr", "inputmode": "numeric", "autocomplete": "off",
                                                         "placeholder": f"مثلاً {example_date()}"}))


class RegistryFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label="نام یا کد دفتر", required=False, max_length=100)
    city = forms.ChoiceField(label="شهر یا روستا", required=False)
    area = forms.ChoiceField(label="نوع", required=False, choices=BLANK + Area.choices)
    state = forms.ChoiceField(label="وضعیت پروانه", required=False, choices=BLANK + LicenceState.choices)
    expiring = forms.BooleanField(label="رو به انقضا (۳۰ روز)", required=False)

    def __init__(self, *args, cities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = BLANK + [(c, c) for c in cities]


class OfficeForm(BootstrapMixin, forms.Form):
    """Create (every field) or edit (no holder, no expiry: they have their own pages)."""

    code = _text("کد دفتر", max_length=16, ltr=True, placeholder="مثلاً ۲۱۰۰۱")
    name = _text("نام دفتر", max_length=200)
    area = forms.ChoiceField(label="نوع", choices=Area.choices)
    province = _text("استان", max_length=100, required=False, help_text="خالی: استان ناظر")
    city = _text("شهر یا روستا", max_length=100)
    address = _text("نشانی", max_length=400)
    postal_code = _text("کد پستی", required=False, max_length=20, ltr=True)
    phone = _text("تلفن", required=False, max_length=50, ltr=True)
    hours = _text("ساعات کار", required=False, max_length=200, placeholder="شنبه تا چهارشنبه ۸ تا ۱۶")
    latitude = _text("عرض جغرافیایی", required=False, max_length=20, ltr=True, placeholder="۳۱٫۳۱۸۳")
    longitude = _text("طول جغرافیایی", required=False, max_length=20, ltr=True, placeholder="۴۸٫۶۷۰۶")
    licence_number = _text("شماره پروانه", max_length=32, ltr=True)
    holder_kind = forms.ChoiceField(label="دارنده پروانه", choices=HolderKind.choices)
    holder_name = _text("نام دارنده", max_length=200)
    holder_id = _text("کد ملی (حقیقی) یا شناسه ملی (حقوقی) دارنده", max_length=20, ltr=True)
    licence_issued_on = _date("تاریخ صدور پروانه")
    licence_expires_on = _date("تاریخ انقضای پروانه")
    licence_value_rials = _text("ارزش پروانه (ریال)", required=False, max_length=25, ltr=True)

    EDIT_EXCLUDED = ("holder_kind", "holder_name", "holder_id", "licence_expires_on")

    def __init__(self, *args, editing=False, all_provinces=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in self.EDIT_EXCLUDED:
                del self.fields[name]
        if not all_provinces:
            del self.fields["province"]

    def values(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items()
                if not (name == "province" and not value)}


class StateForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(label="وضعیت تازه", choices=[
        (LicenceState.SUSPENDED, "تعلیق پروانه"), (LicenceState.ACTIVE, "رفع تعلیق (فعال)"),
        (LicenceState.REVOKED, "لغو پروانه (برگشت‌ناپذیر)")])
    reason = forms.CharField(label="علت", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="برای تعلیق و لغو لازم است؛ به کاربران باجه دفتر نشان داده می‌شود.")


class RenewForm(BootstrapMixin, forms.Form):
    new_expiry = _date("تاریخ انقضای تازه")
    licence_value_rials = _text("ارزش پروانه (ریال)", required=False, max_length=25, ltr=True,
                                help_text="خالی: ارزش کنونی پروانه")
    payment_reference = _text("شماره پیگیری پرداخت هزینه تمدید", required=False, max_length=64, ltr=True)
    confirm = forms.CharField(required=False, widget=forms.HiddenInput)


class HolderForm(BootstrapMixin, forms.Form):
    holder_kind = forms.ChoiceField(label="نوع دارنده تازه", choices=HolderKind.choices)
    holder_name = _text("نام دارنده تازه (شخص یا شرکت)", max_length=200)
    holder_id = _text("کد ملی (حقیقی) یا شناسه ملی ۱۱ رقمی (حقوقی)", max_length=20, ltr=True)
    reason = forms.CharField(label="علت تغییر", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class StaffForm(BootstrapMixin, forms.Form):
    username = _text("نام کاربری حساب", max_length=150, ltr=True)
    role = forms.ChoiceField(label="نقش", choices=Staff.Role.choices, initial=Staff.Role.OPERATOR)

    def __init__(self, *args, operators_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        if operators_only:
            self.fields["role"].choices = [(Staff.Role.OPERATOR, Staff.Role.OPERATOR.label)]


class OutsourcingForm(BootstrapMixin, forms.Form):
    outsourceable = forms.BooleanField(label="قابل واگذاری", required=False)
    offered = forms.BooleanField(label="واگذار شده به دفاتر", required=False)
    all_offices = forms.BooleanField(label="همه دفاتر", required=False)
    offices = forms.MultipleChoiceField(label="دفاتر برگزیده", required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offices"].choices = [
            (str(o.pk), f"{o.name} — {o.city} (کد {o.code})") for o in offices]
        self.fields["offices"].widget.attrs["class"] = "form-check-input"
