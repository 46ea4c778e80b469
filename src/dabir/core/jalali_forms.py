"""Form fields that take and show Jalali dates (Persian or Latin digits), for the admin and any form.

A typed date is read by jalali.parse_date, the same parser the pages and the API use, so one
spelling of a date is accepted everywhere. The widgets render `data-jdp` (and the earliest and latest
day allowed), which static/dabir/datepicker.js turns into the Jalali date picker; typing still works.
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


# A bound on a date: "today", "today+7" / "today-30" (days from today), or a fixed Jalali day
# ("1405/01/01", Persian or Latin digits). Service definitions use the same spelling.
_BOUND_RE = re.compile(r"^today(?:\s*([+-])\s*(\d{1,4}))?$")
BAD_BOUND = "مرز تاریخ باید today، today+N، today-N یا تاریخی شمسی مانند 1405/01/01 باشد."


def resolve_bound(bound) -> dt.date | None:
    """The day a bound stands for, today (Tehran) counted at the time of asking; None for no bound."""
    if bound is None or bound == "":
        return None
    if callable(bound):
        bound = bound()
    if isinstance(bound, dt.datetime):
        return jalali.local(bound).date()
    if isinstance(bound, dt.date):
        return bound
    text = to_latin_digits(str(bound)).strip().lower()
    match = _BOUND_RE.match(text)
    if match:
        days = int(match[2] or 0) * (-1 if match[1] == "-" else 1)
        return jalali.today() + dt.timedelta(days=days)
    try:
        return jalali.parse_date(text)
    except DomainError:
        raise ValueError(BAD_BOUND) from None


def picker_day(value: dt.date) -> str:
    """A day as the picker's attributes spell it: Jalali, Latin digits, 1405/01/15."""
    day = jalali.to_jalali(value)
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d}"


def picker_attrs(*, with_time: bool = False, min_date=None, max_date=None) -> dict:
    """The attributes that put the Jalali date picker on a text box (see static/dabir/datepicker.js)."""
    attrs = {"data-jdp": ""}
    if not with_time:
        attrs["data-jdp-only-date"] = ""
    low, high = resolve_bound(min_date), resolve_bound(max_date)
    if low is not None:
        attrs["data-jdp-min-date"] = picker_day(low)
    if high is not None:
        attrs["data-jdp-max-date"] = picker_day(high)
    return attrs


def check_bounds(day: dt.date, *, min_date=None, max_date=None) -> None:
    """Refuse a day outside its bounds, in Persian, naming the bound (a ValidationError)."""
    low, high = resolve_bound(min_date), resolve_bound(max_date)
    if low is not None and day < low:
        raise forms.ValidationError(bound_message(low, before=True), code="min_date")
    if high is not None and day > high:
        raise forms.ValidationError(bound_message(high, before=False), code="max_date")


def bound_message(bound: dt.date, *, before: bool) -> str:
    today = jalali.today()
    if bound == today:
        return "این تاریخ نمی‌تواند پیش از امروز باشد." if before else "این تاریخ نمی‌تواند پس از امروز باشد."
    shown = jalali.format_date(bound)
    return f"این تاریخ نمی‌تواند پیش از {shown} باشد." if before else f"این تاریخ نمی‌تواند پس از {shown} باشد."


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
    """A text box showing a date as ۱۴۰۵/۰۱/۱۵, with the Jalali date picker; what the user typed is
    shown back unchanged on error. `min_date`/`max_date` (bounds, see resolve_bound) limit the picker's
    days; they are worked out when the page is drawn, so «today» stays today in a long-running server."""

    with_time = False

    def __init__(self, attrs=None, *, min_date=None, max_date=None):
        base = {"class": "vTextField jalali-date", "dir": "ltr", "autocomplete": "off", "inputmode": "numeric"}
        super().__init__({**base, **(attrs or {})})
        self.min_date, self.max_date = min_date, max_date

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        if "placeholder" not in widget_attrs:
            example = example_date() + (" ۰۸:۳۰" if self.with_time else "")
            widget_attrs["placeholder"] = f"مثلاً {example}"
        if not widget_attrs.get("readonly") and not widget_attrs.get("disabled"):
            widget_attrs.update(picker_attrs(with_time=self.with_time, min_date=self.min_date, max_date=self.max_date))
        return context

    def format_value(self, value):
        shown = _shown(value)
        return shown if shown is not None else super().format_value(value)


class JalaliDateTimeInput(JalaliDateInput):
    with_time = True


class JalaliDateField(forms.Field):
    """A Jalali date typed as ۱۴۰۵/۰۱/۱۵ or 1405-1-15 (or picked); cleaned to a Gregorian date.
    `min_date`/`max_date` (bounds, see resolve_bound) refuse days outside them, in Persian."""

    widget = JalaliDateInput
    hidden_widget = JalaliHiddenInput

    def __init__(self, *args, min_date=None, max_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_date, self.max_date = min_date, max_date
        if isinstance(self.widget, JalaliDateInput):
            self.widget.min_date, self.widget.max_date = min_date, max_date

    def validate(self, value):
        super().validate(value)
        if value is not None:
            check_bounds(value, min_date=self.min_date, max_date=self.max_date)

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
