"""The counter offices' menu in the staff navbar («پیشخوان»), shown to operators, office managers,
regulators and agency admins; the links each part adds are in counters/nav_links.html."""

from django import template

register = template.Library()


@register.inclusion_tag("counters/nav_links.html", takes_context=True)
def counter_links(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return {"show": False}
    roles = getattr(request, "_counter_roles", None)
    if roles is None:
        from ..views.home import roles as roles_of

        roles = request._counter_roles = roles_of(user)
    match = getattr(request, "resolver_match", None)
    here = f"{match.namespace}:{match.url_name}" if match else ""
    is_clerk = context.get("is_clerk")  # the context processor's lazy check (a function): call it
    is_clerk = bool(is_clerk() if callable(is_clerk) else is_clerk)
    show = roles["is_operator"] or roles["is_regulator"] or roles["is_agency_admin"] or is_clerk
    return {**roles, "show": show, "here": here, "is_clerk": is_clerk,
            "active": bool(match and match.namespace == "counters")}
