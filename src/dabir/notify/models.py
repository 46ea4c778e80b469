"""The SMS outbox: every message is a row, written in the same transaction as the change that causes it."""

from django.db import models


class SmsStatus(models.TextChoices):
    QUEUED = "queued", "در صف"
    SENDING = "sending", "در حال ارسال"
    SENT = "sent", "ارسال شد"
    DELIVERED = "delivered", "تحویل شد"
    FAILED = "failed", "ناموفق"


class SmsMessage(models.Model):
    mobile = models.CharField("شماره همراه", max_length=11, db_index=True)
    text = models.TextField("متن")
    kind = models.CharField("نوع", max_length=40, blank=True, default="")
    # A free reference to what caused the message, e.g. "desk.request:42", for timelines.
    related = models.CharField("مربوط به", max_length=100, blank=True, default="", db_index=True)
    status = models.CharField(
        "وضعیت", max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED, db_index=True
    )
    provider = models.CharField("سامانه پیامک", max_length=20, blank=True, default="")
    provider_message_id = models.CharField("شناسه نزد سامانه", max_length=64, blank=True, default="", db_index=True)
    provider_status = models.CharField("وضعیت نزد سامانه", max_length=100, blank=True, default="")
    attempts = models.PositiveSmallIntegerField("تلاش‌ها", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی", null=True, blank=True)
    claimed_at = models.DateTimeField("آغاز آخرین تلاش", null=True, blank=True)
    last_error = models.TextField("آخرین خطا", blank=True, default="")
    created_at = models.DateTimeField("ایجاد", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("ارسال", null=True, blank=True)
    delivered_at = models.DateTimeField("تحویل", null=True, blank=True)
    status_checked_at = models.DateTimeField("آخرین پرسش وضعیت", null=True, blank=True)

    class Meta:
        verbose_name = "پیامک"
        verbose_name_plural = "پیامک‌ها"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_sms_due")]

    def __str__(self) -> str:
        return f"{self.masked_mobile} — {self.get_status_display()}"

    @property
    def masked_mobile(self) -> str:
        """Only the last four digits are shown on staff pages."""
        if len(self.mobile) <= 4:
            return self.mobile
        return "•" * (len(self.mobile) - 4) + self.mobile[-4:]
