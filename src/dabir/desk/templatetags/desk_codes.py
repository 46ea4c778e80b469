"""`{{ req.tracking_code|tracking }}`: a request or complaint tracking code, the one way it is shown."""

from django import template

from dabir.core.templatetags.persian import code

from .. import codes

register = template.Library()


@register.filter
def tracking(value):
    return code(codes.display(value)) if value else ""
