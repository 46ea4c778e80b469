"""`{{ message.kind|sms_kind }}`: an SMS kind's Persian name, as the sending app declared it (core.labels)."""

from django import template

from dabir.core import labels

register = template.Library()


@register.filter
def sms_kind(code: str) -> str:
    return labels.name(labels.SMS_KIND, code) if code else "—"
