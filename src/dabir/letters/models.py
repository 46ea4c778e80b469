import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone


class Kind(models.TextChoices):
    INCOMING = "incoming", "وارده"
    OUTGOING = "outgoing", "صادره"
    INTERNAL = "internal", "داخلی"


class Urgency(models.TextChoices):
    NORMAL = "normal", "عادی"
    URGENT = "urgent", "فوری"
    IMMEDIATE = "immediate", "آنی"


class Classification(models.TextChoices):
    UNCLASSIFIED = "unclassified", "عادی"
    RESTRICTED = "restricted", "محرمانه"
    CONFIDENTIAL = "confidential", "خیلی محرمانه"
    SECRET = "secret", "سری"
    TOP_SECRET = "top_secret", "به‌کلی سری"


class Channel(models.TextChoices):
    POST = "post", "پست / کاغذی"
    FAX = "fax", "نمابر"
    EMAIL = "email", "پست الکترونیکی"
    IN_PERSON = "in_person", "حضوری"
    COUNTER = "counter", "دفتر پیشخوان"
    NETWORK = "network", "الکترونیکی"
    SYSTEM = "system", "سامانه (داخلی)"


class Status(models.TextChoices):
    """Letter states. Transitions (services.py enforces them):

    draft → awaiting_signature → approved → registered → dispatched (outgoing)
    awaiting_signature → draft (signer returns it with a note)
    incoming: registered on creation
    registered/dispatched → closed → archived;  any numbered state → void
    """

    DRAFT = "draft", "پیش‌نویس"
    AWAITING_SIGNATURE = "awaiting_signature", "در انتظار امضا"
    APPROVED = "approved", "امضا شده، در انتظار ثبت"
    REGISTERED = "registered", "ثبت شده"
    DISPATCHED = "dispatched", "ارسال شده"
    CLOSED = "closed", "مختومه"
    ARCHIVED = "archived", "بایگانی"
    VOID = "void", "ابطال شده"


class Letter(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name="شناسه یکتا")
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices)
    status = models.CharField("وضعیت", max_length=20, choices=Status.choices, default=Status.DRAFT)
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="letters", verbose_name="دستگاه")

    # Registration: official number in a secretariat's series for a Jalali year.
    secretariat = models.ForeignKey(
        "orgs.Secretariat", null=True, blank=True, on_delete=models.PROTECT, related_name="letters", verbose_name="دبیرخانه"
    )
    series = models.ForeignKey(
        "orgs.NumberSeries", null=True, blank=True, on_delete=models.PROTECT, related_name="letters", verbose_name="سری شماره"
    )
    year = models.PositiveIntegerField(null=True, blank=True, verbose_name="سال")
    seq = models.PositiveIntegerField(null=True, blank=True, verbose_name="ردیف")
    number = models.CharField("شماره", max_length=64, blank=True, db_index=True)
    registered_at = models.DateTimeField("تاریخ ثبت", null=True, blank=True, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="ثبت‌کننده"
    )

    subject = models.CharField("موضوع", max_length=500)
    body = models.TextField("متن", blank=True)  # sanitised HTML
    keywords = models.CharField("کلیدواژه‌ها", max_length=500, blank=True)
    urgency = models.CharField("فوریت", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    classification = models.CharField(
        "طبقه‌بندی", max_length=14, choices=Classification.choices, default=Classification.UNCLASSIFIED
    )

    author_position = models.ForeignKey(
        "orgs.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="authored_letters", verbose_name="سمت نگارنده"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="ایجادکننده")
    signer_position = models.ForeignKey(
        "orgs.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="signed_letters", verbose_name="سمت امضاکننده"
    )
    approved_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان تأیید")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="تأییدکننده"
    )

    # Incoming: who sent it, their own number and date, how it came.
    sender_name = models.CharField("فرستنده", max_length=300, blank=True)
    sender_number = models.CharField("شماره نامه فرستنده", max_length=64, blank=True)
    sender_date = models.DateField("تاریخ نامه فرستنده", null=True, blank=True)
    channel = models.CharField("روش دریافت/ارسال", max_length=10, choices=Channel.choices, default=Channel.SYSTEM)
    received_at = models.DateTimeField("تاریخ دریافت", null=True, blank=True)
    paper_location = models.CharField("محل نگهداری اصل کاغذی", max_length=200, blank=True)

    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان ارسال")
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان مختومه شدن")
    closed_note = models.TextField(blank=True, verbose_name="یادداشت مختومه")
    archived_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان بایگانی")
    void_reason = models.TextField("علت ابطال", blank=True)
    voided_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان ابطال")

    # Normalised text of subject, body, keywords, parties and numbers: what search reads.
    search_text = models.TextField(blank=True, editable=False, verbose_name="متن جست‌وجو")

    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name="زمان ایجاد")
    updated_at = models.DateTimeField(auto_now=True, verbose_name="آخرین تغییر")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "نامه"
        verbose_name_plural = "نامه‌ها"
        constraints = [
            models.UniqueConstraint(
                fields=["series", "year", "seq"], condition=Q(seq__isnull=False), name="letter_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "kind", "status"]),
            # Search and lists show the newest first by this expression: with the index, a query that
            # matches most letters reads them in order and stops at the page's end.
            models.Index(
                Coalesce("registered_at", "created_at").desc(), F("id").desc(), name="letter_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or 'پیش‌نویس'} — {self.subject}"

    @property
    def is_classified(self) -> bool:
        return self.classification != Classification.UNCLASSIFIED

    @property
    def is_numbered(self) -> bool:
        return self.seq is not None


class LetterSearch(models.Model):
    """PostgreSQL only: a letter's stored tsvector and the columns search filters and orders by.

    Written by database triggers on letters_letter (migration 0009), never by Django: unmanaged, so
    dumps and backups skip it (the triggers rebuild it from the letters). SQLite has no such table."""

    letter = models.OneToOneField(
        Letter, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="search_row"
    )
    vector = models.TextField()  # tsvector; only compared in SQL, never read
    sort_at = models.DateTimeField()  # Coalesce(registered_at, created_at)
    agency_id = models.BigIntegerField()
    secretariat_id = models.BigIntegerField(null=True)
    kind = models.CharField(max_length=10)
    status = models.CharField(max_length=20)
    classification = models.CharField(max_length=14)

    class Meta:
        managed = False
        db_table = "letters_letter_search"


class Recipient(models.Model):
    """A party a letter is addressed to (to) or copied to (cc): an internal position or an outside party."""

    class Role(models.TextChoices):
        TO = "to", "گیرنده"
        CC = "cc", "رونوشت"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="recipients")
    role = models.CharField(max_length=2, choices=Role.choices, default=Role.TO)
    position = models.ForeignKey("orgs.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField("نام گیرنده بیرونی", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["role", "order", "id"]

    def __str__(self) -> str:
        return self.name or str(self.position)


class Link(models.Model):
    """A link to an earlier letter: follows (پیرو) or in reply to (عطف)."""

    class Kind(models.TextChoices):
        FOLLOWS = "follows", "پیرو"
        REPLIES = "replies", "عطف"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="links")
    target = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="linked_from")
    kind = models.CharField(max_length=10, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "target", "kind"], name="link_unique")]


class RegistrationKey(models.Model):
    """A client's key for one registration request (the API's Idempotency-Key header): a retry of
    a request whose answer was lost finds the letter it made instead of registering it twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                             verbose_name="کاربر")
    key = models.CharField("کلید تکرار", max_length=100)
    fingerprint = models.CharField("چکیده درخواست", max_length=64)
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="+", verbose_name="نامه")
    created_at = models.DateTimeField("زمان", auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="registration_key_unique")]
        verbose_name = "کلید تکرار ثبت"
        verbose_name_plural = "کلیدهای تکرار ثبت"


class TextStatus(models.TextChoices):
    """Reading an attachment's text (OCR); blank for a file that is not a scan or an image."""

    PENDING = "pending", "در صف خواندن متن"
    DONE = "done", "متن خوانده شد"
    UNREADABLE = "unreadable", "متن خوانده نشد"


def attachment_path(instance, filename):
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file of a letter, checked by content, stored under its SHA-256."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    is_scan = models.BooleanField("تصویر نامه کاغذی", default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    # The file's text, read by OCR in the worker (dabir.channels) or taken from a PDF's own text: it
    # joins the letter's search text. The original file is never changed; a scan's copy with a text
    # layer is kept beside it for the viewer.
    text = models.TextField("متن خوانده‌شده", blank=True, editable=False)
    text_status = models.CharField("خواندن متن", max_length=10, choices=TextStatus.choices, blank=True, default="")
    text_note = models.CharField("توضیح خواندن متن", max_length=300, blank=True)
    searchable = models.FileField("نسخه با لایه متن", upload_to="attachments/text/", max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Action(models.TextChoices):
    ACTION = "action", "جهت اقدام"
    INFORMATION = "information", "جهت اطلاع"
    REPLY = "reply", "جهت پاسخ"
    SIGNATURE = "signature", "جهت امضا"


# What a person may choose when referring: «جهت امضا» is made only by the signing workflow
# (submit for signature, the next signer of a circuit), and ends only by signing or returning.
REFERRABLE_ACTIONS = [(value, label) for value, label in Action.choices if value != Action.SIGNATURE]


class ReferralStatus(models.TextChoices):
    """unread → read → (forwarded | done); unread → withdrawn | reassigned."""

    UNREAD = "unread", "خوانده نشده"
    READ = "read", "خوانده شده"
    FORWARDED = "forwarded", "ارجاع شده"
    DONE = "done", "انجام شده"
    WITHDRAWN = "withdrawn", "پس گرفته شده"
    REASSIGNED = "reassigned", "جایگزین شده"


OPEN_REFERRAL = [ReferralStatus.UNREAD, ReferralStatus.READ]


class Referral(models.Model):
    """A letter sent from one position's desk to another's, with a margin note (هامش) and a deadline."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="referrals", verbose_name="نامه")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="ارجاع پیشین")
    from_position = models.ForeignKey(
        "orgs.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="sent_referrals", verbose_name="از سمت"
    )
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="ارجاع‌دهنده")
    from_as_acting = models.BooleanField(default=False, verbose_name="ارجاع به جانشینی")
    to_position = models.ForeignKey("orgs.Position", on_delete=models.PROTECT, related_name="referrals", verbose_name="به سمت")
    action = models.CharField("اقدام", max_length=12, choices=Action.choices, default=Action.ACTION)
    note = models.TextField("هامش", blank=True)
    deadline = models.DateField("مهلت", null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.UNREAD, verbose_name="وضعیت")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ارجاع")
    read_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان خواندن")
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="خواننده"
    )
    read_as_acting = models.BooleanField(default=False, verbose_name="خوانده به جانشینی")
    acted_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان اقدام")
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="اقدام‌کننده"
    )
    acted_as_acting = models.BooleanField(default=False, verbose_name="اقدام به جانشینی")
    result_note = models.TextField("یادداشت اقدام", blank=True)
    # Copied from the letter so the inbox filters and sorts without a join.
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL, verbose_name="فوریت")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ارجاع"
        verbose_name_plural = "ارجاع‌ها"
        indexes = [
            models.Index(fields=["to_position", "status", "-created_at"], name="inbox_idx"),
            # The working inbox (open referrals, newest first) reads this partial index in order.
            models.Index(
                fields=["to_position", "-created_at", "-id"], condition=Q(status__in=["unread", "read"]),
                name="open_inbox_idx",
            ),
            models.Index(fields=["to_position", "status", "deadline"], name="followup_idx"),
            models.Index(fields=["from_position", "-created_at"], name="sent_idx"),
            # Supervision recomputes a day's referrals, and the referrals due on a day.
            models.Index(fields=["created_at"], name="referral_created_idx"),
            models.Index(fields=["deadline"], condition=Q(deadline__isnull=False), name="referral_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.letter_id} → {self.to_position_id} ({self.get_action_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REFERRAL

    @property
    def is_overdue(self) -> bool:
        from dabir.core.jalali import today

        return self.is_open and self.deadline is not None and self.deadline < today()


class Access(models.Model):
    """Who may see a letter, kept as rows so every list filters with one indexed join.

    Classified letters are visible through `chain`, `signer` and `author` rows only;
    `recipient` rows (to/cc without a referral) open unclassified letters alone.
    """

    class Reason(models.TextChoices):
        AUTHOR = "author", "نویسنده"
        SIGNER = "signer", "امضاکننده"
        CHAIN = "chain", "زنجیره ارجاع"
        RECIPIENT = "recipient", "گیرنده/رونوشت"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="access")
    position = models.ForeignKey("orgs.Position", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["letter", "position", "reason"], name="access_unique")]
        indexes = [models.Index(fields=["position", "reason", "letter"])]


class Folder(models.Model):
    """A file (پرونده) in which letters are kept, owned by a unit."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="folders", verbose_name="دستگاه")
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="folders", verbose_name="واحد")
    code = models.CharField("کد پرونده", max_length=32)
    title = models.CharField("عنوان", max_length=200)
    letters = models.ManyToManyField(Letter, through="Filing", related_name="folders", verbose_name="نامه‌ها")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ایجاد")

    class Meta:
        ordering = ["code"]
        verbose_name = "پرونده"
        verbose_name_plural = "پرونده‌ها"
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="folder_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Filing(models.Model):
    folder = models.ForeignKey(Folder, on_delete=models.CASCADE)
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["folder", "letter"], name="filing_unique")]


class PrintRecord(models.Model):
    """One print of a letter or its referral sheet by a user (the paper figures count these)."""

    class Kind(models.TextChoices):
        LETTER = "letter", "نامه"
        REFERRAL_SHEET = "referral_sheet", "برگ ارجاع"

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="prints", verbose_name="نامه")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prints", verbose_name="کاربر")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.LETTER, verbose_name="نوع")
    pages = models.PositiveSmallIntegerField("صفحه‌های هر نسخه", default=1)
    copies = models.PositiveSmallIntegerField("نسخه‌ها", default=1)
    at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name="زمان")

    class Meta:
        verbose_name = "چاپ"
        verbose_name_plural = "چاپ‌ها"


class ReadyNote(models.Model):
    """A ready margin note (هامش آماده): a person's own, or the agency's for all its staff."""

    agency = models.ForeignKey(
        "orgs.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="دستگاه"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="ready_notes",
        verbose_name="کاربر",
    )
    text = models.CharField("متن هامش", max_length=500)
    action = models.CharField("نوع ارجاع", max_length=20, choices=REFERRABLE_ACTIONS, blank=True, default="")
    order = models.PositiveSmallIntegerField("ترتیب", default=0)
    created_at = models.DateTimeField("ایجاد", auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "هامش آماده"
        verbose_name_plural = "هامش‌های آماده"
        constraints = [
            models.CheckConstraint(
                condition=Q(agency__isnull=True, user__isnull=False) | Q(agency__isnull=False, user__isnull=True),
                name="ready_note_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.text


class LetterTemplate(models.Model):
    """A letter template of an agency (استعلام، دعوت‌نامه، ابلاغ…): subject and body with placeholders
    filled when a draft is started from it."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+", verbose_name="دستگاه")
    title = models.CharField("نام الگو", max_length=200)
    kind = models.CharField("نوع نامه", max_length=10, choices=Kind.choices, default=Kind.OUTGOING)
    subject = models.CharField("موضوع", max_length=500, blank=True, default="")
    body = models.TextField("متن", blank=True, default="")
    active = models.BooleanField("فعال", default=True)
    created_at = models.DateTimeField("ایجاد", auto_now_add=True)

    class Meta:
        ordering = ["agency", "title"]
        verbose_name = "الگوی نامه"
        verbose_name_plural = "الگوهای نامه"
        constraints = [models.UniqueConstraint(fields=["agency", "title"], name="letter_template_title_once")]

    def __str__(self) -> str:
        return self.title
