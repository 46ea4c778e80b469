"""Filters of the operator's desk pages: amounts in rials as people read them (Persian digits, «٬»)."""

from django import template

from dabir.payments.money import fa_amount

register = template.Library()


@register.filter
def rials(value):
    """An amount in rials: ۱۲۵٬۰۰۰ (empty for no value)."""
    if value in (None, ""):
        return ""
    try:
        return fa_amount(int(value))
    except (TypeError, ValueError):
        return ""
