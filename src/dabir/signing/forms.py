"""Forms of the public verification page: a typed (or scanned) code, or an uploaded PDF."""

import re

from django import forms

from dabir.core.text import to_latin_digits

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
