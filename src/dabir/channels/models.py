"""Channels around the secretariat: mailboxes (e-mail and fax-to-mail in, e-mail and mail-to-fax out),
the intake queue of what came in by them, outgoing transmissions, post and courier dispatches, and
the address book of outside correspondents (docs/channels.md).

A mailbox belongs to one secretariat; what it receives waits in that secretariat's intake queue
until a clerk registers it as an incoming letter or discards it with a reason. A message is known
by (mailbox, UIDVALIDITY, UID): stored once, and flagged on the server only after it is stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Security(models.TextChoices):
    SSL = "ssl", "TLS از ابتدا (SSL)"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", "بدون رمزنگاری (فقط شبکه داخلی)"


class Mailbox(models.Model):
    """A secretariat's e-mail account: IMAP over TLS to receive, SMTP to send, and its fax gateways.

    Passwords are kept encrypted (channels.secrets), never shown again once saved."""

    secretariat = models.ForeignKey("orgs.Secretariat", on_delete=models.PROTECT, related_name="mailboxes",
                                    verbose_name="دبیرخانه")
    name = models.CharField("عنوان", max_length=100)
    address = models.EmailField("نشانی ایمیل دبیرخانه")
    display_name = models.CharField("نام فرستنده در ایمیل", max_length=200, blank=True)
    active = models.BooleanField("فعال", default=True)

    receives = models.BooleanField("دریافت ایمیل (IMAP)", default=True)
    imap_host = models.CharField("کارساز IMAP", max_length=200, blank=True)
    imap_port = models.PositiveIntegerField("درگاه IMAP", default=993)
    imap_security = models.CharField("رمزنگاری IMAP", max_length=10, choices=Security.choices, default=Security.SSL)
    username = models.CharField("نام کاربری", max_length=200, blank=True)
    password_encrypted = models.TextField("گذرواژه (رمزشده)", blank=True, editable=False)
    folder = models.CharField("پوشه", max_length=200, default="INBOX")
    # A private CA of the agency's network (PEM): trusted for this mailbox's servers besides the system's.
    ca_certificate = models.TextField("گواهی مرجع صدور کارساز (PEM)", blank=True)

    sends = models.BooleanField("ارسال ایمیل (SMTP)", default=False)
    smtp_host = models.CharField("کارساز SMTP", max_length=200, blank=True)
    smtp_port = models.PositiveIntegerField("درگاه SMTP", default=465)
    smtp_security = models.CharField("رمزنگاری SMTP", max_length=10, choices=Security.choices, default=Security.SSL)
    smtp_username = models.CharField("نام کاربری SMTP", max_length=200, blank=True,
                                     help_text="خالی: همان نام کاربری IMAP")
    smtp_password_encrypted = models.TextField("گذرواژه SMTP (رمزشده)", blank=True, editable=False)

    # Fax-to-mail in: a message from one of these addresses, or carrying this header, is a fax.
    fax_senders = models.TextField("نشانی‌های فرستنده نمابر", blank=True,
                                   help_text="هر نشانی در یک سطر؛ ایمیل رسیده از این نشانی‌ها نمابر شمرده می‌شود")
    fax_header = models.CharField("سرآیند شماره تماس نمابر", max_length=100, blank=True, default="X-Fax-From",
                                  help_text="سرآیندی که کارساز نمابر شماره فرستنده را در آن می‌گذارد")
    # Mail-to-fax out: {number} is replaced by the fax number (digits only).
    fax_gateway = models.CharField("نشانی درگاه ارسال نمابر", max_length=200, blank=True,
                                   help_text="مثلاً {number}@fax.example.ir")

    # Poll state: the folder's UIDVALIDITY and the highest UID stored; a lease keeps two workers apart.
    uidvalidity = models.BigIntegerField("UIDVALIDITY", null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField("آخرین UID", default=0, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_polled_at = models.DateTimeField("آخرین بررسی", null=True, blank=True, editable=False)
    last_error = models.CharField("آخرین خطا", max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField("زمان ایجاد", default=timezone.now)

    class Meta:
        ordering = ["secretariat_id", "name"]
        verbose_name = "صندوق ایمیل دبیرخانه"
        verbose_name_plural = "صندوق‌های ایمیل دبیرخانه"
        constraints = [models.UniqueConstraint(fields=["secretariat", "address"], name="mailbox_address_unique")]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def fax_sender_list(self) -> list[str]:
        return [line.strip().lower() for line in self.fax_senders.splitlines() if line.strip()]


class IntakeItem(models.Model):
    """An e-mail or a fax waiting in the secretariat's intake queue, with what could be read of it."""

    class Kind(models.TextChoices):
        EMAIL = "email", "ایمیل"
        FAX = "fax", "نمابر"

    class State(models.TextChoices):
        PENDING = "pending", "در انتظار"
        REGISTERED = "registered", "ثبت شد"
        DISCARDED = "discarded", "کنار گذاشته شد"

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="items", verbose_name="صندوق")
    secretariat = models.ForeignKey("orgs.Secretariat", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="دبیرخانه")
    kind = models.CharField("نوع", max_length=5, choices=Kind.choices, default=Kind.EMAIL)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.PENDING)
    # Where the server keeps it: a message is stored once per (mailbox, UIDVALIDITY, UID).
    uidvalidity = models.BigIntegerField("UIDVALIDITY", null=True, blank=True)
    uid = models.BigIntegerField("UID", null=True, blank=True)
    message_id = models.CharField("شناسه پیام (Message-ID)", max_length=255, blank=True, db_index=True)

    sender_name = models.CharField("نام فرستنده", max_length=300, blank=True)
    sender_address = models.CharField("نشانی فرستنده", max_length=320, blank=True)
    calling_number = models.CharField("شماره نمابر فرستنده", max_length=40, blank=True)
    subject = models.CharField("موضوع", max_length=500, blank=True)
    text = models.TextField("متن", blank=True)
    html = models.TextField("متن HTML (پاک‌سازی‌شده)", blank=True)
    sent_at = models.DateTimeField("زمان ارسال (سرآیند Date)", null=True, blank=True)
    received_at = models.DateTimeField("زمان دریافت", default=timezone.now, db_index=True)
    raw = models.FileField("پیام اصلی (eml)", upload_to="intake/", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("اندازه", default=0)
    sha256 = models.CharField("SHA-256 پیام", max_length=64, blank=True)
    # What could not be read, in Persian, one note each (an attachment too large, a broken part…).
    problems = models.JSONField("نکته‌ها", default=list, blank=True)

    letter = models.OneToOneField("letters.Letter", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="intake_item", verbose_name="نامه ثبت‌شده")
    reason = models.CharField("علت کنار گذاشتن", max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="تصمیم‌گیرنده")
    decided_at = models.DateTimeField("زمان تصمیم", null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "ایمیل یا نمابر رسیده"
        verbose_name_plural = "ایمیل‌ها و نمابرهای رسیده"
        indexes = [models.Index(fields=["secretariat", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], condition=Q(uid__isnull=False),
                                    name="intake_message_once"),
        ]

    def __str__(self) -> str:
        return self.subject or self.sender_address or str(self.pk)


def intake_file_path(instance, filename):
    return f"intake/{instance.sha256[:2]}/{instance.sha256}"


class IntakeFile(models.Model):
    """A file that came with an e-mail or fax (a TIFF fax is kept as the PDF made of it)."""

    item = models.ForeignKey(IntakeItem, on_delete=models.CASCADE, related_name="files", verbose_name="مورد")
    name = models.CharField("نام", max_length=255)
    content_type = models.CharField("نوع", max_length=100)
    size = models.PositiveBigIntegerField("اندازه")
    sha256 = models.CharField("SHA-256", max_length=64)
    file = models.FileField(upload_to=intake_file_path, max_length=200)
    inline = models.BooleanField("درون متن", default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "پیوست رسیده"
        verbose_name_plural = "پیوست‌های رسیده"

    def __str__(self) -> str:
        return self.name


class Transmission(models.Model):
    """A dispatched letter going out to one recipient by e-mail, or by fax through a mail-to-fax gateway."""

    class Kind(models.TextChoices):
        EMAIL = "email", "ایمیل"
        FAX = "fax", "نمابر"

    class State(models.TextChoices):
        QUEUED = "queued", "در صف ارسال"
        SENDING = "sending", "در حال ارسال"
        SENT = "sent", "ارسال شد"
        FAILED = "failed", "ناموفق"

    letter = models.ForeignKey("letters.Letter", on_delete=models.PROTECT, related_name="transmissions",
                               verbose_name="نامه")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="transmissions",
                                verbose_name="صندوق فرستنده")
    kind = models.CharField("نوع", max_length=5, choices=Kind.choices)
    recipient_name = models.CharField("گیرنده", max_length=300)
    to = models.CharField("نشانی یا شماره", max_length=320)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField("تلاش‌ها", default=0)
    next_attempt_at = models.DateTimeField("تلاش بعدی", null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    message_id = models.CharField("شناسه پیام (Message-ID)", max_length=255, blank=True)
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)
    last_error = models.CharField("آخرین خطا", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="ارسال‌کننده")
    created_at = models.DateTimeField("زمان ایجاد", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ارسال ایمیل یا نمابر"
        verbose_name_plural = "ارسال‌های ایمیل و نمابر"
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to}"


class PostDispatch(models.Model):
    """A letter handed to the post or a courier: one line of the day's dispatch list (دفتر ارسال)."""

    class Method(models.TextChoices):
        ORDINARY = "ordinary", "پست عادی"
        REGISTERED = "registered", "پست سفارشی"
        EXPRESS = "express", "پست پیشتاز"
        COURIER = "courier", "پیک"

    class State(models.TextChoices):
        DISPATCHED = "dispatched", "ارسال شد"
        DELIVERED = "delivered", "رسید دریافت شد"
        RETURNED = "returned", "برگشت خورد"

    letter = models.ForeignKey("letters.Letter", on_delete=models.PROTECT, related_name="post_dispatches",
                               verbose_name="نامه")
    secretariat = models.ForeignKey("orgs.Secretariat", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="دبیرخانه")
    method = models.CharField("روش", max_length=10, choices=Method.choices, default=Method.REGISTERED)
    recipient_name = models.CharField("گیرنده", max_length=300)
    postal_address = models.CharField("نشانی پستی", max_length=500, blank=True)
    postal_code = models.CharField("کد پستی", max_length=10, blank=True)
    day = models.DateField("روز ارسال", db_index=True)  # Tehran date: the dispatch list it is on
    tracking_number = models.CharField("شماره رهگیری پستی", max_length=40, blank=True)
    cost = models.PositiveBigIntegerField("هزینه (ریال)", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.DISPATCHED)
    outcome_at = models.DateTimeField("زمان رسید یا برگشت", null=True, blank=True)
    outcome_note = models.CharField("توضیح رسید یا برگشت", max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="ثبت‌کننده")
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        ordering = ["day", "id"]
        verbose_name = "ارسال پستی"
        verbose_name_plural = "ارسال‌های پستی و پیک"
        indexes = [models.Index(fields=["secretariat", "day"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()} → {self.recipient_name}"


class Correspondent(models.Model):
    """An outside correspondent in an agency's address book, with every way to reach them."""

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", "سازمان یا دستگاه"
        COMPANY = "company", "شرکت یا مؤسسه"
        PERSON = "person", "شخص"

    class Prefer(models.TextChoices):
        AUTO = "", "خودکار (به ترتیب: شبکه، ایمیل، نمابر، پست)"
        NETWORK = "network", "الکترونیکی (شبکه تبادل)"
        EMAIL = "email", "ایمیل"
        FAX = "fax", "نمابر"
        POST = "post", "پست"

    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه")
    kind = models.CharField("نوع", max_length=12, choices=Kind.choices, default=Kind.ORGANISATION)
    name = models.CharField("نام", max_length=300)
    email = models.EmailField("ایمیل", blank=True)
    fax = models.CharField("نمابر", max_length=20, blank=True)
    phone = models.CharField("تلفن", max_length=20, blank=True)
    postal_address = models.CharField("نشانی پستی", max_length=500, blank=True)
    postal_code = models.CharField("کد پستی", max_length=10, blank=True)
    exchange_code = models.CharField("کد عضو شبکه تبادل", max_length=32, blank=True)
    prefer = models.CharField("روش ارسال", max_length=10, choices=Prefer.choices, default=Prefer.AUTO, blank=True)
    note = models.CharField("یادداشت", max_length=500, blank=True)
    search_name = models.CharField(max_length=300, editable=False, db_index=True)  # normalised, for lookups
    active = models.BooleanField("فعال", default=True)
    created_at = models.DateTimeField("زمان ایجاد", default=timezone.now)
    updated_at = models.DateTimeField("آخرین تغییر", auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "طرف مکاتبه"
        verbose_name_plural = "دفترچه نشانی‌ها"
        constraints = [models.UniqueConstraint(fields=["agency", "search_name"], name="correspondent_name_unique")]

    def __str__(self) -> str:
        return self.name
