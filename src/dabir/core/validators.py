"""Iranian identity numbers: national code, mobile number, postal code.

Each validator accepts Persian, Arabic and Latin digits (and the separators people type:
spaces, dashes, dots, half-spaces), returns the normalised Latin-digit form, and raises
DomainError with a Persian message and `field` set when the value is not acceptable.

- National code (کد ملی): 10 digits; the last is a check digit over the first nine with
  weights 10..2: r = sum % 11; check = r when r < 2, else 11 - r. Codes of one repeated
  digit (0000000000, 1111111111, ...) pass that arithmetic but are never issued: refused.
- Mobile (تلفن همراه): 09 followed by 9 digits. Also accepted: +989..., 00989..., 989...
  and 9... (10 digits); the result is always 09xxxxxxxxx.
- Postal code (کد پستی): 10 digits under the rule of the national post company's code plan as
  commonly checked by Iranian software: the first five digits (the delivery area) use neither
  0 nor 2, the fifth digit is not 5 either, the last five digits (the building) do not use 2,
  and the code does not begin with four identical digits. A code that breaks it was mistyped.
"""

import re

from .errors import DomainError
from .text import to_latin_digits, to_persian_digits

# Separators people type between digit groups; removed before checking.
_SEPARATORS = re.compile(r"[\s\u200c\u200d\u200e\u200f\u00a0\-_.()/]+")


def _digits(value, field: str, what: str) -> str:
    if value is None:
        raise DomainError(f"{what} را وارد کنید.", field=field)
    text = _SEPARATORS.sub("", to_latin_digits(str(value)))
    if not text:
        raise DomainError(f"{what} را وارد کنید.", field=field)
    return text


def national_code_check_digit(first_nine: str) -> int:
    """The check digit of a national code from its first nine digits."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def validate_national_code(value) -> str:
    """Ten Latin digits with a correct check digit, or DomainError(field="national_code")."""
    code = _digits(value, "national_code", "کد ملی")
    if not code.isascii() or not code.isdigit() or len(code) != 10:
        raise DomainError("کد ملی باید ۱۰ رقم باشد.", field="national_code")
    if len(set(code)) == 1:
        raise DomainError("این کد ملی معتبر نیست.", field="national_code")
    if national_code_check_digit(code[:9]) != int(code[9]):
        raise DomainError("کد ملی نادرست است؛ رقم‌ها را دوباره بررسی کنید.", field="national_code")
    return code


def validate_mobile(value) -> str:
    """An Iranian mobile number as 09xxxxxxxxx, or DomainError(field="mobile")."""
    text = _digits(value, "mobile", "شماره تلفن همراه")
    if text.startswith("+"):
        text = text[1:]
        if not text.startswith("98"):
            raise DomainError("فقط شماره‌های تلفن همراه ایران (+۹۸) پذیرفته می‌شود.", field="mobile")
    if not text.isascii() or not text.isdigit():
        raise DomainError("شماره تلفن همراه باید فقط رقم باشد.", field="mobile")
    if text.startswith("0098"):
        text = text[4:]
    elif text.startswith("98") and len(text) == 12:
        text = text[2:]
    elif text.startswith("0"):
        text = text[1:]
    if len(text) != 10 or not text.startswith("9"):
        raise DomainError(
            "شماره تلفن همراه نادرست است؛ آن را به شکل ۰۹۱۲۳۴۵۶۷۸۹ (۱۱ رقم) وارد کنید.", field="mobile"
        )
    return "0" + text


_POSTAL = re.compile(r"(?!(\d)\1{3})[13-9]{4}[1346-9][013-9]{5}")


def validate_postal_code(value) -> str:
    """Ten Latin digits that follow the postal code plan, or DomainError(field="postal_code")."""
    code = _digits(value, "postal_code", "کد پستی")
    if not code.isascii() or not code.isdigit() or len(code) != 10:
        raise DomainError("کد پستی باید ۱۰ رقم باشد.", field="postal_code")
    if not _POSTAL.fullmatch(code):
        raise DomainError("کد پستی نادرست است؛ رقم‌ها را دوباره بررسی کنید.", field="postal_code")
    return code


def mask_mobile(mobile: str) -> str:
    """09121234567 → ۰۹۱۲***۴۵۶۷, for showing where a code was sent."""
    mobile = to_latin_digits(mobile or "")
    if len(mobile) < 8:
        return to_persian_digits(mobile)
    return to_persian_digits(mobile[:4]) + "***" + to_persian_digits(mobile[-4:])


def clean_text(value, field: str, label: str, limit: int, required: bool = True) -> str:
    """A line or paragraph typed by a person: trimmed, without NUL, present when required, within `limit`."""
    value = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if "\x00" in value:
        raise DomainError(f"{label} نویسه نامعتبر دارد.", field=field)
    if required and not value:
        raise DomainError(f"{label} را وارد کنید.", field=field)
    if len(value) > limit:
        raise DomainError(f"{label} بیش از {to_persian_digits(limit)} نویسه است.", field=field)
    return value
