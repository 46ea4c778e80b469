"""The exchange between agencies: the directory, the message log, the outbox, arrivals and inquiries.

A message is one signed document (docs/exchange.md): a letter, a receipt, an inquiry or an answer.
Every message sent or received is kept, byte for byte, in the log (Message); a Transfer carries one
outbound message to one member until a receipt comes back; a Delivery is what the sending
secretariat sees of one recipient of a letter; an Arrival is what the receiving secretariat sees.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Member(models.Model):
    """An agency in the exchange directory: its code, server and exchange certificate.

    A member on this server has `agency` set and no server address; a member elsewhere has the
    address of its server's exchange endpoint. `source` says where the entry came from: the signed
    directory of the directory authority, or an admin of this server (local peers).
    """

    class Source(models.TextChoices):
        DIRECTORY = "directory", "فهرست امضاشده"
        LOCAL = "local", "ثبت محلی"

    code = models.CharField("شناسه تبادل", max_length=64, unique=True)
    name = models.CharField("نام دستگاه", max_length=200)
    agency = models.OneToOneField(
        "orgs.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="exchange_member",
        verbose_name="دستگاه این سرور",
    )
    server_url = models.URLField("نشانی سرور تبادل", max_length=300, blank=True)
    certificate_pem = models.TextField("گواهی تبادل (PEM)", blank=True)
    fingerprint = models.CharField("اثر انگشت SHA-256 گواهی", max_length=64, blank=True, db_index=True)
    not_after = models.DateTimeField("اعتبار گواهی تا", null=True, blank=True)
    revoked_at = models.DateTimeField("زمان ابطال گواهی", null=True, blank=True)
    inquiry_types = models.JSONField("استعلام‌هایی که پاسخ می‌دهد", default=list, blank=True)
    source = models.CharField("منبع", max_length=10, choices=Source.choices, default=Source.LOCAL)
    active = models.BooleanField("فعال", default=True)
    updated_at = models.DateTimeField("آخرین تغییر", default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = "عضو شبکه تبادل"
        verbose_name_plural = "فهرست اعضای شبکه تبادل"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_local(self) -> bool:
        return self.agency_id is not None


class Credential(models.Model):
    """The exchange key and certificate of a member on this server, or of the directory authority.

    The certificate is issued by the agency's CA (signing.Authority); the key is kept encrypted like
    the signing keys. Only the newest active credential of a member signs.
    """

    class Kind(models.TextChoices):
        MEMBER = "member", "گواهی تبادل دستگاه"
        DIRECTORY = "directory", "گواهی مرجع فهرست"

    kind = models.CharField("نوع", max_length=10, choices=Kind.choices, default=Kind.MEMBER)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="credentials", verbose_name="عضو"
    )
    certificate_pem = models.TextField("گواهی (PEM)")
    private_key_pem = models.TextField(editable=False)
    fingerprint = models.CharField("اثر انگشت SHA-256", max_length=64, unique=True)
    not_after = models.DateTimeField("اعتبار تا")
    revoked_at = models.DateTimeField("زمان ابطال", null=True, blank=True)
    created_at = models.DateTimeField("زمان صدور", default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "گواهی تبادل"
        verbose_name_plural = "گواهی‌های تبادل"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.member or ''} {self.fingerprint[:12]}"


class Kind(models.TextChoices):
    LETTER = "letter", "نامه"
    RECEIPT = "receipt", "رسید"
    INQUIRY = "inquiry", "استعلام"
    ANSWER = "answer", "پاسخ استعلام"


class Direction(models.TextChoices):
    OUT = "out", "ارسالی"
    IN = "in", "دریافتی"


class Message(models.Model):
    """One signed message as sent or received: the exact bytes, never changed (append-only log)."""

    message_id = models.UUIDField("شناسه پیام")
    direction = models.CharField("جهت", max_length=3, choices=Direction.choices)
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices)
    sender = models.CharField("فرستنده", max_length=64)
    receiver = models.CharField("گیرنده", max_length=64)
    refers_to = models.UUIDField("در پاسخ به پیام", null=True, blank=True, db_index=True)
    raw = models.BinaryField("متن امضاشده")
    sha256 = models.CharField("چکیده SHA-256", max_length=64)
    size = models.PositiveIntegerField("اندازه (بایت)")
    created_at = models.DateTimeField("زمان", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "پیام تبادل"
        verbose_name_plural = "دفتر پیام‌های تبادل"
        constraints = [
            models.UniqueConstraint(fields=["direction", "message_id"], name="exchange_message_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_kind_display()} {self.message_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:  # the log is append-only: the bytes of a stored message never change
            raise ValueError("A logged exchange message cannot be changed.")
        super().save(*args, **kwargs)


class Refusal(models.Model):
    """A message this server refused, with the reason: logged, then answered with a problem."""

    received_at = models.DateTimeField("زمان", default=timezone.now, db_index=True)
    address = models.CharField("نشانی فرستنده", max_length=64, blank=True)
    message_id = models.CharField("شناسه پیام", max_length=64, blank=True)
    sender = models.CharField("فرستنده ادعایی", max_length=64, blank=True)
    code = models.CharField("کد علت", max_length=40)
    detail = models.CharField("علت", max_length=500)
    sha256 = models.CharField("چکیده SHA-256", max_length=64)
    size = models.PositiveIntegerField("اندازه (بایت)")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "پیام ردشده"
        verbose_name_plural = "پیام‌های ردشده"


class TransferState(models.TextChoices):
    QUEUED = "queued", "در صف"
    SENT = "sent", "ارسال شد"
    DELIVERED = "delivered", "تحویل شد"
    FAILED = "failed", "ناموفق"


class Transfer(models.Model):
    """The outbox: one outbound message to one member, retried until a delivery receipt or expiry.

    Written in the transaction of the change that causes it; the message bytes are built by the
    worker on the first attempt (a letter's PDF is rendered there) and reused on every retry.
    """

    uid = models.UUIDField("شناسه پیام", default=uuid.uuid4, unique=True)
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="transfers", verbose_name="گیرنده")
    sender = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="فرستنده")
    # What to build the message from: the parts the worker needs, as plain data.
    content = models.JSONField("محتوا", default=dict)
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer", verbose_name="پیام"
    )
    receipt = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="receipt_of", verbose_name="رسید تحویل"
    )
    state = models.CharField("وضعیت", max_length=10, choices=TransferState.choices, default=TransferState.QUEUED)
    attempts = models.PositiveSmallIntegerField("تلاش‌ها", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی", default=timezone.now)
    expires_at = models.DateTimeField("مهلت ارسال")
    last_error = models.CharField("آخرین خطا", max_length=500, blank=True)
    created_at = models.DateTimeField("زمان صف", default=timezone.now)
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    delivered_at = models.DateTimeField("زمان تحویل", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ارسال در صف تبادل"
        verbose_name_plural = "صف ارسال تبادل"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="exchange_transfer_due",
                condition=Q(state__in=["queued", "sent"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.member.code} ({self.get_state_display()})"


class Delivery(models.Model):
    """One recipient of a letter sent electronically, as its sending secretariat follows it."""

    class Outcome(models.TextChoices):
        REGISTERED = "registered", "ثبت شد"
        RETURNED = "returned", "برگشت خورد"

    letter = models.ForeignKey("letters.Letter", on_delete=models.PROTECT, related_name="deliveries", verbose_name="نامه")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="گیرنده")
    is_copy = models.BooleanField("رونوشت", default=False)
    transfer = models.OneToOneField(Transfer, on_delete=models.PROTECT, related_name="delivery", verbose_name="ارسال")
    outcome = models.CharField("نتیجه", max_length=10, choices=Outcome.choices, blank=True)
    their_number = models.CharField("شماره ثبت گیرنده", max_length=64, blank=True)
    their_date = models.DateField("تاریخ ثبت گیرنده", null=True, blank=True)
    reason = models.CharField("علت برگشت", max_length=500, blank=True)
    outcome_message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="رسید ثبت/برگشت"
    )
    outcome_at = models.DateTimeField("زمان نتیجه", null=True, blank=True)

    class Meta:
        ordering = ["letter", "is_copy", "id"]
        verbose_name = "ارسال الکترونیکی نامه"
        verbose_name_plural = "ارسال‌های الکترونیکی نامه"
        constraints = [models.UniqueConstraint(fields=["letter", "member"], name="exchange_delivery_once")]

    def __str__(self) -> str:
        return f"{self.letter_id} → {self.member.code}"

    @property
    def state(self) -> str:
        return self.outcome or self.transfer.state

    def get_state_display(self) -> str:
        if self.outcome:
            return self.get_outcome_display()
        return self.transfer.get_state_display()


class Arrival(models.Model):
    """A letter that arrived electronically, waiting in the receiving secretariat's queue."""

    class State(models.TextChoices):
        PENDING = "pending", "در انتظار"
        ACCEPTED = "accepted", "ثبت شد"
        RETURNED = "returned", "برگشت داده شد"

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="arrival", verbose_name="پیام")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه گیرنده")
    sender = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="فرستنده")
    sender_letter = models.UUIDField("شناسه نامه نزد فرستنده")
    sender_number = models.CharField("شماره نامه فرستنده", max_length=64)
    sender_date = models.DateField("تاریخ نامه فرستنده")
    subject = models.CharField("موضوع", max_length=500)
    classification = models.CharField("طبقه‌بندی", max_length=14)
    urgency = models.CharField("فوریت", max_length=10)
    is_copy = models.BooleanField("رونوشت", default=False)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.PENDING)
    letter = models.OneToOneField(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="arrival", verbose_name="نامه ثبت‌شده"
    )
    reason = models.CharField("علت برگشت", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="تصمیم‌گیرنده"
    )
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)
    received_at = models.DateTimeField("زمان رسیدن", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "نامه الکترونیکی رسیده"
        verbose_name_plural = "نامه‌های الکترونیکی رسیده"
        indexes = [models.Index(fields=["agency", "state"])]

    def __str__(self) -> str:
        return f"{self.sender_number} — {self.subject}"


class InquiryType(models.Model):
    """A kind of inquiry an agency answers, with JSON schemas for its question and answer."""

    code = models.CharField("شناسه", max_length=64, unique=True)
    name = models.CharField("عنوان", max_length=200)
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="answers", verbose_name="پاسخ‌دهنده")
    question_schema = models.JSONField("شِمای پرسش")
    answer_schema = models.JSONField("شِمای پاسخ")
    description = models.TextField("توضیح", blank=True)
    deadline_hours = models.PositiveIntegerField("مهلت پاسخ (ساعت)", default=72)
    # The name of a responder registered on this server that answers by itself (exchange.responders).
    responder = models.CharField("پاسخ‌گوی خودکار", max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "نوع استعلام"
        verbose_name_plural = "انواع استعلام"

    def __str__(self) -> str:
        return self.name


class Inquiry(models.Model):
    """An inquiry (استعلام): asked here and sent out, or received here and answered."""

    class State(models.TextChoices):
        WAITING = "waiting", "در انتظار پاسخ"
        ANSWERED = "answered", "پاسخ داده شد"
        FAILED = "failed", "ناموفق"
        EXPIRED = "expired", "مهلت گذشت"

    uid = models.UUIDField("شناسه استعلام", default=uuid.uuid4)
    direction = models.CharField("جهت", max_length=3, choices=Direction.choices)
    type = models.ForeignKey(InquiryType, on_delete=models.PROTECT, related_name="inquiries", verbose_name="نوع")
    asker = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="پرسنده")
    answerer = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+", verbose_name="پاسخ‌دهنده")
    question = models.JSONField("پرسش")
    answer = models.JSONField("پاسخ", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.WAITING)
    deadline = models.DateTimeField("مهلت پاسخ")
    # What asked, on the asking side: a letter, or a record of a higher app ("desk.request:12").
    letter = models.ForeignKey(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="inquiries", verbose_name="نامه"
    )
    requester = models.CharField("درخواست‌کننده", max_length=64, blank=True, db_index=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="پرسنده"
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="پاسخ‌دهنده"
    )
    automatic = models.BooleanField("پاسخ خودکار", default=False)
    question_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="پیام پرسش"
    )
    answer_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="پیام پاسخ"
    )
    transfer = models.ForeignKey(
        Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="ارسال"
    )
    created_at = models.DateTimeField("زمان", default=timezone.now, db_index=True)
    answered_at = models.DateTimeField("زمان پاسخ", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "استعلام"
        verbose_name_plural = "استعلام‌ها"
        constraints = [models.UniqueConstraint(fields=["direction", "uid"], name="exchange_inquiry_once")]

    def __str__(self) -> str:
        return f"{self.type} — {self.get_state_display()}"


class DirectorySnapshot(models.Model):
    """A signed directory applied on this server: newer serials only, so an old one cannot undo a revocation."""

    serial = models.PositiveBigIntegerField("شماره نسخه", unique=True)
    sha256 = models.CharField("چکیده SHA-256", max_length=64)
    members = models.PositiveIntegerField("تعداد اعضا")
    applied_at = models.DateTimeField("زمان اعمال", default=timezone.now)

    class Meta:
        ordering = ["-serial"]
        verbose_name = "نسخه فهرست تبادل"
        verbose_name_plural = "نسخه‌های فهرست تبادل"
