"""Form fields that take and show Jalali dates (Persian or Latin digits), for the admin and any form.

A typed date is read by jalali.parse_date, the same parser the pages and the API use, so one
spelling of a date is accepted everywhere.
"""

import datetime as dt
import re

from django import forms

from . import jalali
from .errors import DomainError
from .text import to_latin_digits, to_persian_digits

_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
BAD_TIME = "ساعت نامعتبر است؛ آن را به شکل ۰۸:۳۰ وارد کنید."


def example_date() -> str:
    """An example in this Jalali year, e.g. ۱۴۰۵/۰۱/۱۵ (placeholders say what to type)."""
    return to_persian_digits(f"{jalali.to_jalali(jalali.today()).year}/01/15")


def _shown(value):
    if isinstance(value, dt.datetime):
        return jalali.format_datetime(value)
    if isinstance(value, dt.date):
        return jalali.format_date(value)
    return None


class JalaliHiddenInput(forms.HiddenInput):
    """The hidden copy of a default (Django keeps one to tell a change), in the same Jalali form."""

    def format_value(self, value):
        shown = _shown(value)
        return shown if shown is not None else super().format_value(value)


class JalaliDateInput(forms.TextInput):
    """A text box showing a date as ۱۴۰۵/۰۱/۱۵; what the user typed is shown back unchanged on error."""

    with_time = False

    def __init__(self, attrs=None):
        base = {"class": "vTextField jalali-date", "dir": "ltr", "autocomplete": "off", "inputmode": "numeric"}
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if "placeholder" not in widget_attrs:
            example = example_date() + (" ۰۸:۳۰" if self.with_time else "")
            widget_attrs["placeholder"] = f"مثلاً {example}"
        return context

    def format_value(self, value):
        shown = _shown(value)
        return shown if shown is not None else super().format_value(value)


class JalaliDateTimeInput(JalaliDateInput):
    with_time = True


class JalaliDateField(forms.Field):
    """A Jalali date typed as ۱۴۰۵/۰۱/۱۵ or 1405-1-15; cleaned to a Gregorian date."""

    widget = JalaliDateInput
    hidden_widget = JalaliHiddenInput

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return jalali.parse_date(str(value))
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


class JalaliDateTimeField(forms.Field):
    """A Jalali date with an optional time (۱۴۰۵/۰۱/۱۵ ۰۸:۳۰), in Tehran time; no time means 00:00."""

    widget = JalaliDateTimeInput
    hidden_widget = JalaliHiddenInput

    def __init__(self, *args, **kwargs):
        if not kwargs.get("help_text"):
            kwargs["help_text"] = "بی‌ساعت یعنی آغاز همان روز (۰۰:۰۰)، به وقت تهران."
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        date_part, _, time_part = to_latin_digits(str(value)).strip().partition(" ")
        try:
            day = jalali.parse_date(date_part)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None
        time_part = time_part.strip()
        at = dt.time(0, 0)
        if time_part:
            match = _TIME_RE.match(time_part)
            try:
                if not match:
                    raise ValueError
                at = dt.time(int(match[1]), int(match[2]), int(match[3] or 0))
            except ValueError:
                raise forms.ValidationError(BAD_TIME, code="invalid") from None
        return dt.datetime.combine(day, at, tzinfo=jalali.TEHRAN)
