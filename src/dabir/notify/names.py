"""The notify app's audit actions, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    SMS_QUEUE = "sms.queue", "پیامک در صف ارسال"
    SMS_SENDING = "sms.sending", "در حال ارسال پیامک"
    SMS_SENT = "sms.sent", "ارسال پیامک"
    SMS_DELIVERED = "sms.delivered", "تحویل پیامک"
    SMS_FAILED = "sms.failed", "ناکامی پیامک"
    SMS_RETRY = "sms.retry", "تلاش دوباره پیامک"


TASKS = {
    "dabir.notify.tasks.send_sms": "ارسال پیامک",
    "dabir.notify.tasks.sms_sweep": "بازبینی صف پیامک‌ها",
}
