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
    # notices: the bell, the e-mail outbox, preferences and the daily digest (issue 13, notify part)
    MAIL_QUEUE = "notify.mail_queue", "رایانامه در صف ارسال"
    MAIL_SENT = "notify.mail_sent", "ارسال رایانامه"
    MAIL_RETRY = "notify.mail_retry", "تلاش دوباره رایانامه"
    MAIL_FAILED = "notify.mail_failed", "ناکامی رایانامه"
    NOTICE_READ = "notify.notice_read", "خواندن اعلان"
    NOTICE_READ_ALL = "notify.notice_read_all", "علامت خواندن همه اعلان‌ها"
    PREFERENCES_SAVE = "notify.preferences_save", "تنظیم شیوه دریافت اعلان‌ها"
    DIGEST_SENT = "notify.digest_sent", "ارسال خلاصه روزانه اعلان‌ها"


class SmsKind(models.TextChoices):
    """The SMS copies of notices: one per notice, or the daily digest."""

    NOTICE = "notify.notice", "رونوشت پیامکی اعلان"
    DIGEST = "notify.digest", "خلاصه روزانه اعلان‌ها"


TASKS = {
    "dabir.notify.tasks.send_sms": "ارسال پیامک",
    "dabir.notify.tasks.sms_sweep": "بازبینی صف پیامک‌ها",
    "dabir.notify.tasks.send_mail": "ارسال رایانامه اعلان",
    "dabir.notify.tasks.send_digests": "ارسال خلاصه‌های روزانه اعلان‌ها",
}
