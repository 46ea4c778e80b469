"""The navbar's counts: unread referrals in the current seat's inbox («کارتابل») and, for clerks, the
signed letters waiting in their secretariats' registration queue («صف ثبت»). One indexed COUNT each,
kept on the request; nothing is shown at zero.
"""

from django import template
from django.utils.html import format_html

from dabir.core.jalali import persian

from .. import policy
from ..models import Referral, ReferralStatus

register = template.Library()


def _badge(count: int, element_id: str, what: str) -> str:
    if not count:
        return ""
    return format_html(
        ' <span class="badge rounded-pill text-bg-warning" id="{}">{}<span class="visually-hidden"> {}</span></span>',
        element_id, persian(count), what,
    )


@register.simple_tag(takes_context=True)
def inbox_count(context) -> str:
    request, seat = context.get("request"), context.get("current_seat")
    if request is None or seat is None:
        return ""
    count = getattr(request, "_dabir_inbox_count", None)
    if count is None:
        count = request._dabir_inbox_count = Referral.objects.filter(
            to_position_id=seat.position.id, status=ReferralStatus.UNREAD
        ).count()
    return _badge(count, "nav-inbox-count", "ارجاع خوانده‌نشده")


@register.simple_tag(takes_context=True)
def queue_count(context) -> str:
    request, is_clerk = context.get("request"), context.get("is_clerk")
    if request is None or not (is_clerk() if callable(is_clerk) else is_clerk):
        return ""
    count = getattr(request, "_dabir_queue_count", None)
    if count is None:
        ids = getattr(request, "_dabir_clerk_ids", None)  # read by the context processor's is_clerk
        if ids is None:
            from dabir.orgs.selectors import secretariats_of

            ids = set(secretariats_of(request.user).values_list("id", flat=True))
        count = request._dabir_queue_count = policy.registration_queue(ids).count()
    return _badge(count, "nav-queue-count", "نامه در انتظار ثبت")
