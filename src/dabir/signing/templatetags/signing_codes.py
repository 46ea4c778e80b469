"""`{{ version.code|verification }}`: a letter's verification code, the one way it is shown."""

from django import template

from dabir.core.templatetags.persian import code

from .. import codes

register = template.Library()


@register.filter
def verification(value):
    return code(codes.display(codes.normalize_code(value))) if value else ""
