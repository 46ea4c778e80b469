"""`{% datepicker_attrs %}`: the Jalali date picker on a text box a template writes by hand (a GET filter
that has no Django form), with the same attributes and this year's example as core.jalali_forms' widgets.

    <input name="since" value="{{ f.since }}" class="form-control" dir="ltr" {% datepicker_attrs %}>
    <input name="day" ... {% datepicker_attrs max_date="today" %}>
"""

from django import template
from django.forms.utils import flatatt

from .. import jalali
from ..jalali_forms import example_date, picker_attrs, resolve_bound

register = template.Library()


@register.simple_tag
def datepicker_attrs(min_date=None, max_date=None, placeholder=True):
    attrs = {"autocomplete": "off", "inputmode": "numeric", **picker_attrs(min_date=min_date, max_date=max_date)}
    if placeholder:
        attrs["placeholder"] = f"مثلاً {example_date()}"
    return flatatt(attrs)  # escaped; flatatt writes an empty value as attr=""


@register.simple_tag
def jalali_example():
    """An example date in this Jalali year (۱۴۰۵/۰۱/۱۵), for help lines."""
    return example_date()


@register.simple_tag
def date_bounds_text(min_date=None, max_date=None):
    """The days a date field allows, in Persian: «از امروز به بعد», «تا ۱۴۰۵/۱۲/۲۹», «از … تا …»; "" for any."""
    low, high = resolve_bound(min_date), resolve_bound(max_date)
    today = jalali.today()

    def day(value):
        return "امروز" if value == today else jalali.format_date(value)

    if low and high:
        return f"از {day(low)} تا {day(high)}"
    if low:
        return f"از {day(low)} به بعد"
    if high:
        return f"تا {day(high)}"
    return ""
