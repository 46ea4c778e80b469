"""The exchange app's audit actions, as enumerations with their Persian names."""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    EXCHANGE_ISSUE_CREDENTIAL = "exchange.issue_credential", "صدور گواهی تبادل"
    EXCHANGE_REVOKE_CREDENTIAL = "exchange.revoke_credential", "ابطال گواهی تبادل"
    EXCHANGE_SAVE_MEMBER = "exchange.save_member", "ثبت عضو فهرست تبادل"
    EXCHANGE_SYNC_DIRECTORY = "exchange.sync_directory", "همگام‌سازی فهرست تبادل"
    EXCHANGE_QUEUE = "exchange.queue", "صف ارسال الکترونیکی"
    EXCHANGE_SEND = "exchange.send", "ارسال پیام تبادل"
    EXCHANGE_DELIVERED = "exchange.delivered", "رسید تحویل پیام"
    EXCHANGE_FAIL = "exchange.fail", "ناموفق ماندن ارسال"
    EXCHANGE_RETRY = "exchange.retry", "ارسال دوباره پیام"
    EXCHANGE_RECEIVE = "exchange.receive", "دریافت پیام تبادل"
    EXCHANGE_REFUSE = "exchange.refuse", "رد پیام تبادل"
    EXCHANGE_ACCEPT = "exchange.accept", "پذیرش نامه الکترونیکی"
    EXCHANGE_RETURN = "exchange.return", "برگشت نامه الکترونیکی"
    EXCHANGE_OUTCOME = "exchange.outcome", "رسید ثبت یا برگشت"
    EXCHANGE_ASK = "exchange.ask", "ارسال استعلام"
    EXCHANGE_ANSWER = "exchange.answer", "پاسخ استعلام"
    EXCHANGE_ANSWERED = "exchange.answered", "دریافت پاسخ استعلام"
    EXCHANGE_EXPIRE = "exchange.expire", "گذشتن مهلت استعلام"
    EXCHANGE_SAVE_INQUIRY_TYPE = "exchange.save_inquiry_type", "ثبت نوع استعلام"


class SmsKind(models.TextChoices):
    """The SMS this app sends."""

    EXCHANGE_FAILED = "exchange_failed", "نرسیدن نامه الکترونیکی"


class NoticeKind(models.TextChoices):
    """The notices (the bell) the exchange raises, for the secretariat's clerks."""

    DELIVERY_FAILED = "exchange.delivery_failed", "ناکامی ارسال نامه در شبکه دولت"
