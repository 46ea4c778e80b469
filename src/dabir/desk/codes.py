"""Tracking codes: 10 digits, nine random and a Verhoeff check digit.

The Verhoeff scheme catches every single mistyped digit and every swap of two neighbouring
digits, so a mistyped code is refused before the database is asked. Request codes start with
1–7, the letters citizens file at counter offices with 8 and complaint codes with 9, so they never
collide and a code says what it tracks.
Codes are stored as Latin digits and shown one way everywhere (pages, letters, PDFs, SMS): grouped
Latin digits in a left-to-right run, 123-456-7890; typing is forgiving (Persian digits, any separators).
"""

import random
import re
import secrets

from dabir.core.errors import DomainError
from dabir.core.jalali import ltr_code
from dabir.core.text import to_latin_digits

LENGTH = 10
COMPLAINT_PREFIX = "9"
COUNTER_LETTER_PREFIX = "8"
WRONG_CODE = "کد رهگیری نادرست است؛ رقم‌ها را دوباره بررسی کنید."

_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)
_SEPARATORS = re.compile(r"[\s\-_.\u200c\u200e\u200f\u2066-\u2069\u00a0]+")


def check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def is_valid(code: str) -> bool:
    if not code.isdigit() or not code.isascii():
        return False
    c = 0
    for i, ch in enumerate(reversed(code)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def _new(first_digits: str, rng: random.Random | None) -> str:
    choice = secrets.choice if rng is None else rng.choice
    body = choice(first_digits) + "".join(choice("0123456789") for _ in range(LENGTH - 2))
    return body + check_digit(body)


def new_tracking_code(rng: random.Random | None = None) -> str:
    """A random request tracking code (first digit 1–7).

    Drawn from the secrets module; `rng` (a seeded random.Random) is for the demo only, so a reload
    makes the same codes.
    """
    return _new("1234567", rng)


def new_complaint_code(rng: random.Random | None = None) -> str:
    """A random complaint tracking code (first digit 9); `rng` as for new_tracking_code."""
    return _new(COMPLAINT_PREFIX, rng)


def new_counter_letter_code(rng: random.Random | None = None) -> str:
    """A random code for a letter filed at a counter office (first digit 8); `rng` as for new_tracking_code."""
    return _new(COUNTER_LETTER_PREFIX, rng)


def is_counter_letter_code(code: str) -> bool:
    return code.startswith(COUNTER_LETTER_PREFIX)


def is_complaint_code(code: str) -> bool:
    return code.startswith(COMPLAINT_PREFIX)


def clean_tracking_code(text) -> str:
    """The code as 10 Latin digits, from Persian/Arabic digits with spaces or dashes; a wrong one is refused."""
    raw = _SEPARATORS.sub("", to_latin_digits(str(text or "")))
    if not raw:
        raise DomainError("کد رهگیری را وارد کنید.", field="tracking_code")
    if len(raw) != LENGTH or not is_valid(raw):
        raise DomainError(WRONG_CODE, field="tracking_code", code="bad_tracking_code")
    return raw


def display(code: str) -> str:
    """Grouped for reading aloud or typing: 123-456-7890 (pages show it with the `tracking` filter)."""
    code = to_latin_digits(str(code or ""))
    return f"{code[:3]}-{code[3:6]}-{code[6:]}" if len(code) == LENGTH and code.isdigit() else code


def text(code: str) -> str:
    """The code inside plain Persian text (SMS, letter subjects and bodies, PDFs): grouped, isolated."""
    return ltr_code(display(code))
