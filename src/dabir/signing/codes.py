"""Public verification codes: random, easy to read aloud, with a check character.

Alphabet: digits 2-9 and Latin capitals without I and O (32 symbols, so no 0/O or 1/I mix-ups).
A code is 10 random symbols (50 bits) and one Luhn mod 32 check symbol, shown as XXXX-XXXX-XXX.
The check symbol catches every single wrong symbol and most swaps of neighbours, so a typo is
refused before any database lookup.
"""

import secrets

from dabir.core.jalali import ltr_code
from dabir.core.text import to_latin_digits

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
N = len(ALPHABET)
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_SEPARATORS = set(" -_\u200c\u200f\u200e\u2010\u2011\u2012\u2013\u2014\u2212\u00a0\t\n\r.")


def check_symbol(body: str) -> str:
    """Luhn mod N over `body` (symbols of ALPHABET)."""
    factor = 2
    total = 0
    for ch in reversed(body):
        addend = factor * _INDEX[ch]
        addend = addend // N + addend % N
        total += addend
        factor = 1 if factor == 2 else 2
    return ALPHABET[(N - total % N) % N]


def generate() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_symbol(body)


def is_valid(code: str) -> bool:
    if len(code) != LENGTH or any(ch not in _INDEX for ch in code):
        return False
    return check_symbol(code[:-1]) == code[-1]


def normalize_code(text: str) -> str:
    """Upper-case Latin symbols without separators; Persian/Arabic digits become Latin."""
    text = to_latin_digits(str(text or ""))
    return "".join(ch for ch in text if ch not in _SEPARATORS).upper()


def display(code: str) -> str:
    """Grouped for reading: XXXX-XXXX-XXX (pages show it with the `verification` filter)."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == LENGTH else code


def text(code: str) -> str:
    """The code inside plain Persian text (PDF footers, messages): grouped, in a left-to-right isolate."""
    return ltr_code(display(code))
