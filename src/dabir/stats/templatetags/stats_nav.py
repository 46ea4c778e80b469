"""The supervision menu in the staff navbar («نظارت»), for supervisors and agencies' managers; each
part adds its links in stats/nav_links.html."""

from django import template

register = template.Library()


@register.inclusion_tag("stats/nav_links.html", takes_context=True)
def stats_links(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    from .. import policy

    supervisor = policy.is_supervisor(user)
    managed = sorted(policy.managed_agency_ids(user)) if not supervisor else []
    # Managers and the secretariats' clerks answer their agency's evaluations.
    is_clerk = context.get("is_clerk")  # the context processor's lazy check: call it
    answers = bool(managed) or bool(is_clerk() if callable(is_clerk) else is_clerk)
    match = getattr(request, "resolver_match", None)
    return {"show": supervisor or answers, "is_supervisor": supervisor, "managed": managed, "answers": answers,
            "here": f"{match.namespace}:{match.url_name}" if match else "",
            "active": bool(match and match.namespace == "stats")}
