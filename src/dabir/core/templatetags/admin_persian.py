"""Tags for the admin's own templates: page links with Persian digits."""

from django import template
from django.contrib.admin.views.main import PAGE_VAR
from django.utils.html import format_html

from ..text import to_persian_digits

register = template.Library()


@register.simple_tag
def page_link(cl, i):
    if i == cl.paginator.ELLIPSIS:
        return format_html("{} ", i)
    if i == cl.page_num:
        return format_html('<span class="this-page">{}</span> ', to_persian_digits(i))
    end = " end" if i == cl.paginator.num_pages else ""
    return format_html('<a href="{}" class="page{}">{}</a> ', cl.get_query_string({PAGE_VAR: i}), end,
                       to_persian_digits(i))
