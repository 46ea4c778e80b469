"""The SMS outbox: every message is a row, written in the same transaction as the change that causes it."""

from django.conf import settings
from django.db import models
from django.utils import timezone


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


class Notification(models.Model):
    """One in-app notice to one user (the bell). Written in the same transaction as the event that
    causes it; its SMS or e-mail copy is a separate outbox row, so a failed send never loses it.
    `kind` is a key registered by the app that raises it (dabir.notify.kinds)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="کاربر"
    )
    kind = models.CharField("نوع", max_length=40)
    title = models.CharField("عنوان", max_length=300)
    body = models.TextField("متن", blank=True, default="")
    url = models.CharField("نشانی", max_length=300, blank=True, default="")
    # What caused it, e.g. "letters.referral:42": for de-duplication and for the event's timeline.
    related = models.CharField("مربوط به", max_length=100, blank=True, default="", db_index=True)
    created_at = models.DateTimeField("زمان", default=timezone.now, db_index=True)
    read_at = models.DateTimeField("خوانده شده", null=True, blank=True)
    # Set when the notice went out in a user's daily digest (instead of a single SMS or e-mail).
    digested_at = models.DateTimeField("ارسال در خلاصه روزانه", null=True, blank=True)

    class Meta:
        verbose_name = "اعلان"
        verbose_name_plural = "اعلان‌ها"
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notify_notice_unread")]

    def __str__(self) -> str:
        return self.title


class NoticePreference(models.Model):
    """Which kinds of notice also go to a user by SMS or e-mail (the in-app one always exists)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences", verbose_name="کاربر"
    )
    kind = models.CharField("نوع", max_length=40)
    by_sms = models.BooleanField("پیامک", default=False)
    by_email = models.BooleanField("پست الکترونیکی", default=False)

    class Meta:
        verbose_name = "تنظیم اعلان"
        verbose_name_plural = "تنظیمات اعلان"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notify_preference_once")]


class NoticeProfile(models.Model):
    """A user's choice of one daily digest instead of single SMS and e-mail messages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_profile", verbose_name="کاربر"
    )
    digest = models.BooleanField("خلاصه روزانه به جای پیام‌های تکی", default=False)
    digest_hour = models.PositiveSmallIntegerField("ساعت ارسال خلاصه", default=7)
    last_digest_at = models.DateTimeField("آخرین خلاصه", null=True, blank=True)

    class Meta:
        verbose_name = "شیوه دریافت اعلان"
        verbose_name_plural = "شیوه‌های دریافت اعلان"


class MailMessage(models.Model):
    """The e-mail outbox of notices, beside the SMS one: a row per message, sent by the worker."""

    to = models.EmailField("به")
    subject = models.CharField("موضوع", max_length=300)
    text = models.TextField("متن")
    kind = models.CharField("نوع", max_length=40, blank=True, default="")
    related = models.CharField("مربوط به", max_length=100, blank=True, default="", db_index=True)
    # Same states as an SMS (a mail has no delivery report, so never "delivered").
    status = models.CharField(
        "وضعیت", max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("تلاش‌ها", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی", null=True, blank=True)
    claimed_at = models.DateTimeField("آغاز آخرین تلاش", null=True, blank=True)
    last_error = models.TextField("آخرین خطا", blank=True, default="")
    created_at = models.DateTimeField("ایجاد", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("ارسال", null=True, blank=True)

    class Meta:
        verbose_name = "رایانامه"
        verbose_name_plural = "رایانامه‌ها"
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notify_mail_due")]

    def __str__(self) -> str:
        return f"{self.to} — {self.subject}"
