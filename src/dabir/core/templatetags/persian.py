"""Template filters for the Persian interface: Jalali dates and Persian digits."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .. import jalali
from ..text import ltr_number, to_latin_digits

register = template.Library()


@register.filter
def fa(value):
    """Any value as the Persian interface writes it: Jalali dates, Persian digits (core.jalali.persian)."""
    return jalali.persian(value)


@register.filter
def code(grouped):
    """A code already grouped by its kind (desk.codes, signing.codes) as one left-to-right run of Latin
    characters, isolated from the Persian text around it: the one way codes are shown."""
    if not grouped:
        return ""
    return format_html('<bdi dir="ltr" class="code">{}</bdi>', to_latin_digits(str(grouped)))


@register.filter
def jdate(value):
    return jalali.format_date(value)


@register.filter
def jdatetime(value):
    return jalali.format_datetime(value)


@register.filter
def jlong(value):
    return jalali.format_long(value)


_ISOLATE = re.compile("\u2066([^\u2069]*)\u2069")


@register.filter
def with_codes(value):
    """Plain text (a subject) whose codes, isolated by core.jalali.ltr_code, are shown as codes."""
    parts = _ISOLATE.split(str(value or ""))
    return mark_safe("".join(code(part) if i % 2 else escape(part) for i, part in enumerate(parts)))  # noqa: S308


@register.filter
def ltr(value):
    """Isolate an official number so the bidi algorithm keeps its parts in order."""
    if not value:
        return ""
    return format_html('<bdi dir="ltr" class="number">{}</bdi>', ltr_number(value))


@register.filter
def highlight(value, words):
    """Mark the searched words in a text with <mark>, whatever their spelling of ی/ک or diacritics."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from ..text import word_pattern

    text = str(value or "")
    pattern = word_pattern(list(words or []))
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last:match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))
