"""The payments app's audit actions, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    PAYMENT_START = "payment.start", "آغاز پرداخت"
    PAYMENT_PAID = "payment.paid", "پرداخت موفق"
    PAYMENT_FAIL = "payment.fail", "پرداخت ناموفق"
    PAYMENT_CANCEL = "payment.cancel", "انصراف از پرداخت"
    PAYMENT_VERIFY_RETRY = "payment.verify_retry", "تلاش دوباره برای تأیید پرداخت"
    TESTBANK_PAY = "testbank.pay", "پرداخت در بانک آزمایشی"
    TESTBANK_CANCEL = "testbank.cancel", "انصراف در بانک آزمایشی"
