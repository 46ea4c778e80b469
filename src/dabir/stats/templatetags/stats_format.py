"""Supervision figures as the Persian interface writes them, by each figure's unit (stats.figures):
counts with thousands separators, percentages with «٪», referral times as «≤ N ساعت» (the upper edge
of the quantile's bin; the last bin «بیش از ۳۰ روز»), flags as
بله/خیر, and «—» where the period gives nothing to measure. Pages of every part load this library
(`{% load stats_format %}`) so one figure reads the same everywhere."""

import math
from decimal import Decimal

from django import template

from dabir.core.text import to_persian_digits

from .. import figures as F

register = template.Library()

NONE = "—"
BEYOND = "بیش از ۳۰ روز"  # the last bin of referral times (figures.BIN_EDGES)


def number(value, places: int = 0) -> str:
    """A number with Persian digits, «٬» between thousands and «٫» as the decimal point; trailing
    zeros of the fraction dropped (۲٫۵ not ۲٫۵۰)."""
    if value is None:
        return NONE
    if isinstance(value, Decimal):
        value = float(value)
    if places and not float(value).is_integer():
        text = f"{value:,.{places}f}".rstrip("0").rstrip(".")
    else:
        text = f"{round(value):,}"
    return to_persian_digits(text).replace(",", "٬").replace(".", "٫")


def _hours(value) -> str:
    if value == math.inf:
        return BEYOND
    return f"≤ {number(value, 2)} ساعت"


def format_figure(value, key: str) -> str:
    """One figure's value as shown in pages, by its unit; an unknown key is written as a number."""
    unit = F.BY_KEY[key].unit if key in F.BY_KEY else "count"
    if value is None:
        return NONE
    if unit == "flag":
        return "بله" if value else "خیر"
    if unit == "percent":
        return f"{number(value, 1)}٪"
    if unit == "hours":
        return _hours(float(value))
    if unit in ("ratio", "score"):
        return number(value, 2)
    return number(value)


@register.filter
def figure(value, key):
    """`{{ value|figure:"in_electronic_share" }}` → «۴۰٫۵٪»."""
    return format_figure(value, str(key))


@register.filter(name="stat_number")
def stat_number(value, places=0):
    """`{{ value|stat_number }}` (a count) or `{{ value|stat_number:1 }}` (an index: ۷۲٫۴)."""
    return number(value, int(places or 0))


@register.filter
def rank_change(change):
    """Places gained (▲ ۲) or lost (▼ ۱) since the previous period; «=» for none; «جدید» when the
    agency was unranked then (change is None)."""
    if change is None:
        return "جدید"
    if change > 0:
        return f"▲ {number(change)}"
    if change < 0:
        return f"▼ {number(-change)}"
    return "="


@register.filter
def figure_label(key):
    figure_ = F.BY_KEY.get(str(key or ""))
    return figure_.label if figure_ else str(key or "")
