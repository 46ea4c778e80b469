"""Template helpers of the evaluation pages: state badges, numbers as answers and scores are written,
period labels, and «ارزیابی‌های دبیرخانه» in the navbar for whoever answers an agency's evaluations."""

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html

from dabir.core.errors import DomainError
from dabir.core.jalali import persian

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


@register.simple_tag(takes_context=True)
def evaluation_nav_link(context):
    """A navbar item for an agency's answerers who see no supervision menu (a secretariat's clerks);
    supervisors and managers find the link in «نظارت» (stats/nav_links.html)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    from .. import policy

    if policy.is_supervisor(user) or policy.managed_agency_ids(user) or not policy.answerable_agency_ids(user):
        return ""
    return format_html('<li class="nav-item"><a class="nav-link" href="{}" id="nav-evaluations">'
                       '<i class="bi bi-clipboard-check"></i> ارزیابی دبیرخانه‌ها</a></li>',
                       reverse("stats:evaluation_list"))


@register.filter
def figure_label(key) -> str:
    from ..figures import BY_KEY

    fig = BY_KEY.get(str(key or ""))
    return fig.label if fig else str(key or "")
