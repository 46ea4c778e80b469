"""Forms of the citizen sign-in: the numbers (national code, mobile), then the SMS code.

They check the shape of the input with the project's validators (Persian and Arabic digits
accepted); the services check it again and apply the rules (rate limits, expiry, attempts).
The template writes the inputs itself (mobile keyboard hints, one-time-code autofill).
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits
from dabir.core.validators import validate_mobile, validate_national_code

from .services import SignInLocked


def _domain(validator, value):
    try:
        return validator(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message) from None


class NumbersForm(forms.Form):
    national_code = forms.CharField(
        label="کد ملی", max_length=30, strip=True,
        error_messages={"required": "کد ملی را وارد کنید.", "max_length": "کد ملی بیش از حد بلند است."},
    )
    mobile = forms.CharField(
        label="شماره تلفن همراه", max_length=30, strip=True,
        error_messages={"required": "شماره تلفن همراه را وارد کنید.", "max_length": "شماره بیش از حد بلند است."},
    )

    def clean_national_code(self):
        return _domain(validate_national_code, self.cleaned_data["national_code"])

    def clean_mobile(self):
        return _domain(validate_mobile, self.cleaned_data["mobile"])


class CodeForm(forms.Form):
    code = forms.CharField(
        label="کد یک‌بارمصرف", max_length=20, strip=True,
        error_messages={"required": "کد پیامک‌شده را وارد کنید.", "max_length": "کد بیش از حد بلند است."},
    )

    def clean_code(self):
        code = to_latin_digits(self.cleaned_data["code"]).replace(" ", "")
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise forms.ValidationError("کد یک‌بارمصرف ۶ رقم است.")
        return code


class ThrottledSignInMixin:
    """A locked account or address becomes the form's error (with its Persian message), not a crash.

    `locked` keeps the refusal, so the view can answer 429 with Retry-After.
    """

    locked: SignInLocked | None = None

    def clean(self):
        try:
            return super().clean()
        except SignInLocked as exc:
            self.locked = exc
            raise forms.ValidationError(exc.message, code="signin_locked") from None


class StaffSignInForm(ThrottledSignInMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledSignInMixin, AdminAuthenticationForm):
    pass
