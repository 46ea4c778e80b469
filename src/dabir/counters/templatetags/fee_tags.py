"""Filters of the fee, finder and figures pages: amounts in rials and percentages, as the Persian
interface writes them (Persian digits, «٬» between thousands, «٫» as the decimal point)."""

from django import template

from dabir.core.text import to_persian_digits

register = template.Library()


@register.filter
def amount(value):
    """Rials with Persian digits and thousands separators; empty for None."""
    if value is None or value == "":
        return ""
    return to_persian_digits(f"{int(value):,}").replace(",", "٬")


@register.filter
def percent(value):
    """A signed percentage (+۳۲٫۵٪, −۴٪); empty for None."""
    if value is None or value == "":
        return ""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    text = f"{abs(value):f}".rstrip("0").rstrip(".") if "." in f"{abs(value):f}" else f"{abs(value)}"
    return f"{sign}{to_persian_digits(text).replace('.', '٫')}٪"


@register.filter
def minutes(value):
    """A duration (timedelta) as days, hours and minutes in Persian; empty for None."""
    if value is None:
        return ""
    total = int(value.total_seconds() // 60)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{to_persian_digits(days)} روز")
    if hours:
        parts.append(f"{to_persian_digits(hours)} ساعت")
    if mins or not parts:
        parts.append(f"{to_persian_digits(mins)} دقیقه")
    return " و ".join(parts)
