"""The channels' menu in the staff navbar («مکاتبات بیرونی») for clerks: the intake queue with its
count of e-mails and faxes waiting, outgoing e-mail and fax (with failures), the post dispatch list,
and the address book for every staff member. The count is one indexed query a page, kept on the request."""

from django import template

register = template.Library()


@register.inclusion_tag("channels/nav_links.html", takes_context=True)
def channels_links(context):
    request = context.get("request")
    is_clerk = context.get("is_clerk")
    is_clerk = bool(is_clerk() if callable(is_clerk) else is_clerk)
    counts = getattr(request, "_channels_counts", None)
    if is_clerk and request is not None and counts is None:
        from ..selectors import nav_counts

        counts = request._channels_counts = nav_counts(request.user)
    match = getattr(request, "resolver_match", None)
    here = f"{match.namespace}:{match.url_name}" if match else ""
    return {"counts": counts or {}, "here": here, "is_clerk": is_clerk,
            "active": bool(match and match.namespace == "channels")}
