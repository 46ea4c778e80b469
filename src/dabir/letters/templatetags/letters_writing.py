"""The writing part's page helpers: the ready margin notes under each margin-note field, and the letter
templates the compose page offers («شروع از الگو»)."""

from django import template

from .. import policy
from ..views._shared import current_seat

register = template.Library()


@register.simple_tag(takes_context=True)
def ready_notes_of(context):
    """The signed-in user's own and agencies' ready notes, read once per request however many note
    fields the page has (the refer page has one per recipient)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return []
    notes = getattr(request, "_dabir_ready_notes", None)
    if notes is None:
        notes = request._dabir_ready_notes = list(policy.ready_notes_for(user))
    return notes


@register.simple_tag(takes_context=True)
def letter_templates_of(context):
    """The active templates of the agency of the seat the user writes from."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return list(policy.templates_for(current_seat(request)).only("id", "title"))
