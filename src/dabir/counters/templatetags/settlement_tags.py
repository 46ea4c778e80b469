"""Filters of the settlement pages."""

from django import template

from dabir.payments.money import fa_amount

register = template.Library()


@register.filter
def money(value):
    """An amount in rials with Persian digits and the Persian thousands separator (۱۲۵٬۰۰۰)."""
    if value in (None, ""):
        return ""
    return fa_amount(int(value))


@register.filter
def short_digest(value):
    """The first and last 8 hex digits of a SHA-256 (the full one is in the title)."""
    value = str(value or "")
    return f"{value[:8]}…{value[-8:]}" if len(value) > 20 else value


@register.filter
def jmonth(value):
    """A Jalali month YYYYMM by its name: تیر ۱۴۰۵."""
    from ..settlement import month_label

    return month_label(int(value)) if value else ""
