"""Template helpers of the evaluation pages: state badges, numbers as answers and scores are written,
period labels."""

from decimal import Decimal

from django import template

from dabir.core.errors import DomainError
from dabir.core.jalali import persian

from . import stats_format

register = template.Library()

STATE_STYLE = {"sent": "warning", "answered": "info", "scored": "success", "draft": "secondary", "closed": "dark",
               "open": "warning", "done": "info", "verified": "success", "not_done": "danger"}


@register.filter
def state_style(state) -> str:
    return STATE_STYLE.get(str(state), "secondary")


@register.filter
def evnum(value) -> str:
    """A number as a page writes it: no trailing zeros, Persian digits and «٫»; «—» for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f")
    elif isinstance(value, float):
        value = f"{value:.2f}".rstrip("0").rstrip(".")
    return persian(value)


@register.filter
def answer_text(answer) -> str:
    """An answer's value as the agency gave it (yes/no in Persian, digits in Persian)."""
    if answer is None or not answer.value:
        return "—"
    return {"yes": "بله", "no": "خیر"}.get(answer.value) or persian(answer.value)


@register.filter
def period_label(key) -> str:
    from ..periods import parse

    try:
        return parse(key).label
    except DomainError:
        return persian(key)


# A question's figure is named as every supervision page names it.
register.filter("figure_label", stats_format.figure_label)
