"""`{% datepicker_attrs %}`: the Jalali date picker on a text box a template writes by hand (a GET filter
that has no Django form), with the same attributes and this year's example as core.jalali_forms' widgets.

    <input name="since" value="{{ f.since }}" class="form-control" dir="ltr" {% datepicker_attrs %}>
    <input name="day" ... {% datepicker_attrs max_date="today" %}>
"""

from django import template
from django.forms.utils import flatatt

from ..jalali_forms import example_date, picker_attrs

register = template.Library()


@register.simple_tag
def datepicker_attrs(min_date=None, max_date=None, placeholder=True):
    attrs = {"autocomplete": "off", "inputmode": "numeric", **picker_attrs(min_date=min_date, max_date=max_date)}
    if placeholder:
        attrs["placeholder"] = f"مثلاً {example_date()}"
    return flatatt(attrs)  # escaped; flatatt writes an empty value as attr=""
