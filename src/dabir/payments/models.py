"""Payments of fees through a bank gateway, and the built-in test bank's own ledger."""

from django.db import models


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "در انتظار پرداخت"
    PAID = "paid", "پرداخت شد"
    FAILED = "failed", "ناموفق"
    CANCELLED = "cancelled", "لغو شد"


class Payment(models.Model):
    # What is paid for: purpose names the kind ("desk.fee"), object_id the thing ("42").
    purpose = models.CharField("بابت", max_length=40, db_index=True)
    object_id = models.CharField("شناسه موضوع", max_length=64, db_index=True)
    description = models.CharField("شرح", max_length=200, blank=True, default="")
    amount_rials = models.PositiveBigIntegerField("مبلغ (ریال)")
    payer_mobile = models.CharField("همراه پرداخت‌کننده", max_length=11, blank=True, default="")
    # Our random reference, carried through the bank's return as ?token=…
    token = models.CharField("شناسه پرداخت", max_length=43, unique=True)
    gateway = models.CharField("درگاه", max_length=20)
    # The gateway's own id for the session (Zarinpal's Authority, the test bank's authority).
    authority = models.CharField("شناسه نزد درگاه", max_length=100, blank=True, default="", db_index=True)
    callback_url = models.CharField("نشانی بازگشت", max_length=600)
    status = models.CharField(
        "وضعیت", max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING, db_index=True
    )
    # The bank's reference number (شماره پیگیری): unique, so one bank payment never counts twice.
    ref_id = models.CharField("شماره پیگیری بانک", max_length=64, null=True, blank=True, unique=True)
    card_mask = models.CharField("کارت", max_length=32, blank=True, default="")
    created_at = models.DateTimeField("ایجاد", auto_now_add=True)
    paid_at = models.DateTimeField("زمان پرداخت", null=True, blank=True)
    verify_attempts = models.PositiveSmallIntegerField("دفعات تأیید", default=0)
    last_message = models.CharField("آخرین پیام", max_length=300, blank=True, default="")

    class Meta:
        verbose_name = "پرداخت"
        verbose_name_plural = "پرداخت‌ها"
        ordering = ["-id"]
        indexes = [models.Index(fields=["purpose", "object_id"], name="payments_purpose_object")]
        constraints = [models.CheckConstraint(condition=models.Q(amount_rials__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.object_id} — {self.amount_rials} ریال — {self.get_status_display()}"

    @property
    def is_paid(self) -> bool:
        return self.status == PaymentStatus.PAID

    @property
    def amount_tomans(self) -> int:
        return self.amount_rials // 10


class TestBankStatus(models.TextChoices):
    STARTED = "started", "آغاز شده"
    PAID = "paid", "پرداخت شده"
    CANCELLED = "cancelled", "لغو شده"


class TestBankTransaction(models.Model):
    """The simulated bank's own record of a payment session (what a real bank keeps on its side)."""

    __test__ = False  # not a pytest test class

    authority = models.CharField("شناسه تراکنش", max_length=40, unique=True)
    merchant = models.CharField("پذیرنده", max_length=100)
    amount_rials = models.PositiveBigIntegerField("مبلغ (ریال)")
    description = models.CharField("شرح", max_length=200, blank=True, default="")
    callback_url = models.CharField("نشانی بازگشت", max_length=600)
    status = models.CharField("وضعیت", max_length=10, choices=TestBankStatus.choices, default=TestBankStatus.STARTED)
    card_mask = models.CharField("کارت", max_length=32, blank=True, default="")
    ref_id = models.CharField("شماره پیگیری", max_length=20, null=True, blank=True, unique=True)
    verified = models.BooleanField("تأییدشده", default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="زمان ایجاد")
    paid_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان پرداخت")
    verified_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان تأیید")

    class Meta:
        verbose_name = "تراکنش بانک آزمایشی"
        verbose_name_plural = "تراکنش‌های بانک آزمایشی"

    def __str__(self) -> str:
        return f"{self.authority} — {self.get_status_display()}"
