"""The exchange's links in the staff navbar, with the count of arrivals waiting for a decision.

The navbar draws them for clerks only; the count is one indexed query a page, kept on the request.
"""

from django import template

register = template.Library()


@register.inclusion_tag("exchange/nav_links.html", takes_context=True)
def exchange_links(context):
    request = context.get("request")
    pending = getattr(request, "_exchange_pending", None)
    if request is not None and pending is None:
        from ..selectors import pending_count

        pending = request._exchange_pending = pending_count(request.user)
    match = getattr(request, "resolver_match", None)
    here = f"{match.namespace}:{match.url_name}" if match else ""
    return {"pending": pending or 0, "here": here}
