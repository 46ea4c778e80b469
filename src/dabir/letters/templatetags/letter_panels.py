"""`{% letter_panels letter %}`: the panels other apps registered for this letter (dabir.letters.panels)."""

from django import template
from django.utils.safestring import mark_safe

from ..panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def letter_panels(context, letter):
    if letter is None:
        return ""
    parts = []
    for panel in panels_for(letter):
        # Rendered the way an inclusion tag renders: only the panel's own context, in the page's engine.
        page_template = context.template.engine.get_template(panel.template)
        parts.append(page_template.render(context.new(panel.context(context, letter))))
    return mark_safe("".join(parts))  # each part is a rendered (escaped) template
