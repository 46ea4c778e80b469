"""`{% notify_bell %}`: the bell in the staff navbar, with the unread count (one query a page); its list of
the latest notices is fetched when it opens (views.latest)."""

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("notify/bell.html", takes_context=True)
def notify_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "unread": selectors.unread_count(user)}
