"""`{% counter_letters_clerk as c %}`: is the signed-in user a clerk of a secretariat (c.is_clerk), and how many
counter letters wait for their secretariats (c.pending) — for the «نامه‌های دفاتر پیشخوان» link and card."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def counter_letters_clerk(context) -> dict:
    request = getattr(context, "request", None) or context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_clerk": False, "pending": 0}
    cached = getattr(request, "_counter_letters_clerk", None)
    if cached is None:
        from .. import policy, selectors

        is_clerk = bool(policy.clerk_secretariat_ids(user))
        cached = {"is_clerk": is_clerk, "pending": selectors.pending_counter_letters(user) if is_clerk else 0}
        request._counter_letters_clerk = cached
    return cached
