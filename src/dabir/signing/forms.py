"""Forms of the public verification page (a typed or scanned code, or an uploaded PDF) and of the
staff page «امضای من» (signature image, issuing and revoking certificates)."""

import re

from django import forms

from dabir.core.text import to_latin_digits, to_persian_digits

MAX_CODE_INPUT = 200
_URL_CODE = re.compile(r"/verify/([^/?#\s]+)")


def code_from_input(text: str) -> str:
    """The code part of what was typed or scanned: a bare code, or a whole verification URL."""
    text = to_latin_digits((text or "").strip())
    match = _URL_CODE.search(text)
    return match.group(1) if match else text


class CodeForm(forms.Form):
    code = forms.CharField(
        label="کد صحت‌سنجی", max_length=MAX_CODE_INPUT, strip=True,
        error_messages={"required": "کد صحت‌سنجی را وارد کنید.", "max_length": "کد واردشده بیش از حد بلند است."},
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "dir": "ltr",
            "placeholder": "XXXX-XXXX-XXX", "class": "form-control form-control-lg text-center code-input",
        }),
    )


class PdfForm(forms.Form):
    pdf = forms.FileField(
        label="پرونده PDF نامه",
        error_messages={"required": "پرونده PDF را انتخاب کنید.", "empty": "پرونده فرستاده‌شده خالی است."},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf", "class": "form-control"}),
    )


# ---------------------------------------------------------------- «امضای من» (staff)


class SignatureImageForm(forms.Form):
    """A PNG of the holder's handwritten signature; the service checks the content, this the size first."""

    image = forms.FileField(
        label="تصویر امضا (PNG)",
        error_messages={"required": "پرونده تصویر امضا را انتخاب کنید.", "empty": "پرونده فرستاده‌شده خالی است."},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,.png", "class": "form-control"}),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > self.max_bytes:
            raise forms.ValidationError(
                f"تصویر امضا بیش از {to_persian_digits(self.max_bytes // 1024)} کیلوبایت است؛ آن را کوچک‌تر کنید."
            )
        return image


class IssueCertificateForm(forms.Form):
    position = forms.TypedChoiceField(
        label="سمت امضاکننده", coerce=int,
        error_messages={"required": "سمت را انتخاب کنید.", "invalid_choice": "این سمت امضاکننده این دستگاه نیست."},
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    days = forms.IntegerField(
        label="مدت اعتبار (روز)", required=False, min_value=1, max_value=3650,
        error_messages={
            "invalid": "مدت اعتبار را به عدد روز بنویسید.",
            "min_value": "مدت اعتبار دست‌کم یک روز است.",
            "max_value": "مدت اعتبار بیش از ده سال (۳۶۵۰ روز) نمی‌تواند باشد.",
        },
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric", "dir": "ltr",
                                      "placeholder": "۷۳۰", "autocomplete": "off"}),
    )

    def __init__(self, *args, positions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["position"].choices = [("", "— انتخاب سمت —")] + [
            (p.id, f"{p.title} — {p.unit.name}") for p in positions
        ]

    def full_clean(self):
        # Persian or Arabic digits typed in the number field are read as Latin ones.
        if self.is_bound and self.data.get(self.add_prefix("days")):
            data = self.data.copy()
            data[self.add_prefix("days")] = to_latin_digits(data[self.add_prefix("days")]).strip()
            self.data = data
        super().full_clean()


class RevokeCertificateForm(forms.Form):
    reason = forms.ChoiceField(
        label="علت ابطال",
        error_messages={"required": "علت ابطال را انتخاب کنید.", "invalid_choice": "علت ابطال نامعتبر است."},
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label="توضیح", required=False, max_length=500,
        error_messages={"max_length": "توضیح بیش از ۵۰۰ نویسه است."},
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "autocomplete": "off"}),
    )

    def __init__(self, *args, reasons=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "— علت —")] + list(reasons)
