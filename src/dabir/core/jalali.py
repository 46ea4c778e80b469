"""Jalali dates in Asia/Tehran: conversion, parsing of typed dates, Jalali years."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jdatetime

from .errors import DomainError
from .text import to_latin_digits, to_persian_digits

TEHRAN = ZoneInfo("Asia/Tehran")
MONTHS = [
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
]
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*$")


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(TEHRAN)


def jalali_year(value: dt.datetime) -> int:
    """The Jalali year a moment falls in, in Tehran time (series restart on 1 Farvardin)."""
    return jdatetime.datetime.fromgregorian(datetime=local(value)).year


def to_jalali(value: dt.date | dt.datetime) -> jdatetime.date:
    if isinstance(value, dt.datetime):
        return jdatetime.datetime.fromgregorian(datetime=local(value))
    return jdatetime.date.fromgregorian(date=value)


def format_date(value: dt.date | dt.datetime | None, persian: bool = True) -> str:
    if value is None:
        return ""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d}"
    return to_persian_digits(text) if persian else text


def format_datetime(value: dt.datetime | None, persian: bool = True) -> str:
    if value is None:
        return ""
    j = to_jalali(value)
    text = f"{j.year:04d}/{j.month:02d}/{j.day:02d} {j.hour:02d}:{j.minute:02d}"
    return to_persian_digits(text) if persian else text


def format_long(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    j = to_jalali(value)
    return to_persian_digits(f"{j.day} {MONTHS[j.month - 1]} {j.year}")


def parse_date(text: str, field: str = "date") -> dt.date:
    """Parse a typed Jalali date (۱۴۰۵/۰۱/۱۵, 1405-1-15, Arabic digits too) to a Gregorian date.

    An ISO Gregorian date (2026-04-04) is accepted too, told apart by its year.
    """
    raw = to_latin_digits(text or "")
    match = _DATE_RE.match(raw)
    if not match:
        raise DomainError("تاریخ نامعتبر است؛ آن را به شکل ۱۴۰۵/۰۱/۱۵ وارد کنید.", field=field)
    year, month, day = (int(g) for g in match.groups())
    try:
        if year > 1700:
            return dt.date(year, month, day)
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:
        raise DomainError("این تاریخ در تقویم وجود ندارد.", field=field) from None


def today() -> dt.date:
    return dt.datetime.now(TEHRAN).date()


# ---------------------------------------------------------------- values written into Persian text

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Runs left as they are: isolated left-to-right runs (codes, made by ltr_code), and words that carry
# Latin letters or an @ (e-mail and web addresses, Latin identifiers), whose digits belong to them.
_KEEP = re.compile("\u2066[^\u2069]*\u2069|\\S*[A-Za-z@]\\S*")
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _persian_run(text: str) -> str:
    return to_persian_digits(_DECIMAL_POINT.sub("٫", text))


def persian(value) -> str:
    """The one way a value is written into a letter, PDF, SMS or page of the Persian interface.

    Dates and moments become Jalali (in Tehran time), an ISO date string too; numbers and digits in
    text become Persian, with «٫» as the decimal point. Isolated left-to-right runs (codes) and
    Latin words keep their characters. The `fa` template filter is this function.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if _ISO_DATE.fullmatch(text):
        try:
            return format_date(dt.date.fromisoformat(text))
        except ValueError:
            pass
    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(_persian_run(text[last:match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(_persian_run(text[last:]))
    return "".join(out)


def ltr_code(grouped: str) -> str:
    """A code (tracking, verification) in plain text — SMS, subjects, PDFs: its grouped Latin form in a
    left-to-right isolate, so the bidi algorithm keeps its groups in order inside Persian text."""
    if not grouped:
        return ""
    return "\u2066" + to_latin_digits(str(grouped)) + "\u2069"
