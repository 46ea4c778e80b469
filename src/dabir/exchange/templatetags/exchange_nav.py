"""The exchange's menu in the staff navbar («تبادل»): inquiries for all staff, and for clerks the
arrivals (with the count waiting for a decision) and the sent items. One menu instead of three
links keeps the navbar on one line; the count is one indexed query a page, kept on the request.
"""

from django import template

register = template.Library()


@register.inclusion_tag("exchange/nav_links.html", takes_context=True)
def exchange_links(context):
    request = context.get("request")
    is_clerk = context.get("is_clerk")  # the context processor's lazy check: call it
    is_clerk = bool(is_clerk() if callable(is_clerk) else is_clerk)
    pending = getattr(request, "_exchange_pending", None)
    if is_clerk and request is not None and pending is None:
        from ..selectors import pending_count

        pending = request._exchange_pending = pending_count(request.user)
    match = getattr(request, "resolver_match", None)
    here = f"{match.namespace}:{match.url_name}" if match else ""
    return {"pending": pending or 0, "here": here, "is_clerk": is_clerk, "active": bool(match and match.namespace == "exchange")}
