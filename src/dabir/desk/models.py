"""The electronic service desk: a public catalogue of services, versioned definitions,
citizens' requests (each one an incoming letter in the agency's secretariat), complaints and ratings.

A service's definition is one JSON document (see definition.py for its schema): the public
profile (شناسنامه خدمت), the request form, the documents to upload, the stages with their
positions and deadlines, the fees per channel and the result template. Each change publishes a
new ServiceVersion; a request keeps the version it was made under.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DeskProfile(models.Model):
    """An agency's service-desk settings: where requests are registered and who handles complaints."""

    agency = models.OneToOneField("orgs.Agency", on_delete=models.CASCADE, related_name="desk", verbose_name="دستگاه")
    secretariat = models.ForeignKey("orgs.Secretariat", on_delete=models.PROTECT, related_name="+", verbose_name="دبیرخانه")
    complaints_position = models.ForeignKey("orgs.Position", on_delete=models.PROTECT, related_name="+", verbose_name="سمت رسیدگی به شکایات")
    complaint_answer_days = models.PositiveSmallIntegerField("مهلت پاسخ به شکایت (روز کاری)", default=10)

    class Meta:
        verbose_name = "تنظیمات میز خدمت دستگاه"
        verbose_name_plural = "تنظیمات میز خدمت دستگاه‌ها"

    def __str__(self) -> str:
        return str(self.agency)


class Category(models.Model):
    name = models.CharField("نام", max_length=200, unique=True)
    slug = models.SlugField("شناسه", max_length=64, unique=True, allow_unicode=True)
    order = models.PositiveSmallIntegerField(default=0, verbose_name="ترتیب")

    class Meta:
        ordering = ["order", "name"]
        verbose_name = "دسته خدمت"
        verbose_name_plural = "دسته‌های خدمت"

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A service an agency offers; its content lives in its published version."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="services", verbose_name="دستگاه")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="services", verbose_name="دسته")
    code = models.CharField("کد خدمت", max_length=32, unique=True)  # used in URLs and Open311 service_code
    national_id = models.CharField("شناسه ملی خدمت", max_length=11, blank=True)  # 11 digits in the national catalogue
    title = models.CharField("عنوان", max_length=300)
    active = models.BooleanField("فعال", default=True)
    current_version = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="نسخه جاری"
    )
    # Normalised title, description and keywords of the current version: what catalogue search reads.
    search_text = models.TextField(blank=True, editable=False, verbose_name="متن جست‌وجو")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ایجاد")

    class Meta:
        ordering = ["agency", "title"]
        verbose_name = "خدمت"
        verbose_name_plural = "خدمات"

    def __str__(self) -> str:
        return self.title


class ServiceVersion(models.Model):
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("نسخه")
    definition = models.JSONField("تعریف خدمت")
    published_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["service", "-number"]
        constraints = [models.UniqueConstraint(fields=["service", "number"], name="service_version_unique")]

    def __str__(self) -> str:
        return f"{self.service} — نسخه {self.number}"


class Channel(models.TextChoices):
    ONLINE = "online", "برخط (وب و تلفن همراه)"
    COUNTER = "counter", "دفتر پیشخوان"
    IN_PERSON = "in_person", "حضوری"
    PHONE = "phone", "تلفنی"


class RequestStatus(models.TextChoices):
    """submitted → in_progress ⇄ awaiting_documents → approved → completed;  in_progress → rejected;
    awaiting_payment → submitted when a fee is paid; any open state → cancelled by the citizen."""

    AWAITING_PAYMENT = "awaiting_payment", "در انتظار پرداخت"
    SUBMITTED = "submitted", "ثبت شده"
    IN_PROGRESS = "in_progress", "در حال بررسی"
    AWAITING_DOCUMENTS = "awaiting_documents", "در انتظار مدارک تکمیلی"
    APPROVED = "approved", "تأیید شده"
    REJECTED = "rejected", "رد شده"
    COMPLETED = "completed", "نتیجه آماده است"
    CANCELLED = "cancelled", "لغو شده"


OPEN_REQUEST = [
    RequestStatus.AWAITING_PAYMENT, RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS,
    RequestStatus.AWAITING_DOCUMENTS, RequestStatus.APPROVED,
]


class ServiceRequest(models.Model):
    """A citizen's request; it continues inside the agency as `letter` (an incoming letter)."""

    tracking_code = models.CharField("کد رهگیری", max_length=16, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="requests", verbose_name="خدمت")
    version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="requests", verbose_name="نسخه خدمت")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="service_requests", verbose_name="متقاضی"
    )
    national_code = models.CharField("کد ملی متقاضی", max_length=10, db_index=True)
    mobile = models.CharField("تلفن همراه", max_length=11)
    applicant_name = models.CharField("نام متقاضی", max_length=200, blank=True)
    channel = models.CharField("مجرای ثبت", max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    data = models.JSONField("پاسخ‌های فرم", default=dict)
    status = models.CharField("وضعیت", max_length=20, choices=RequestStatus.choices, db_index=True)
    letter = models.OneToOneField(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="service_request", verbose_name="نامه"
    )
    stage_code = models.CharField("مرحله جاری", max_length=64, blank=True)
    stage_started_at = models.DateTimeField(null=True, blank=True, verbose_name="آغاز مرحله")
    stage_due = models.DateField("مهلت مرحله", null=True, blank=True)
    due = models.DateField("مهلت کل", null=True, blank=True)
    waiting_since = models.DateTimeField("در انتظار متقاضی از", null=True, blank=True)
    requested_documents = models.JSONField("مدارک درخواستی", default=list, blank=True)
    fee_rials = models.PositiveBigIntegerField("هزینه (ریال)", default=0)
    paid = models.BooleanField("پرداخت شده", default=False)
    payment_token = models.CharField(max_length=64, blank=True, verbose_name="توکن پرداخت")  # payments.Payment.token of the fee
    # The signed result document: a letter of the agency, verifiable by its code.
    result_letter = models.ForeignKey(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="نامه نتیجه"
    )
    rejection_reason = models.TextField("علت رد", blank=True)
    # Idempotency: the form carries a one-time key, so a double submission makes one request.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True, verbose_name="کلید ارسال")
    submitted_at = models.DateTimeField("زمان ثبت", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name="آخرین تغییر")
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان پایان")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = "درخواست خدمت"
        verbose_name_plural = "درخواست‌های خدمت"
        indexes = [
            models.Index(fields=["service", "status"]),
            models.Index(fields=["status", "stage_due"], name="desk_overdue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} — {self.service}"


def request_document_path(instance, filename):
    return f"desk/{instance.sha256[:2]}/{instance.sha256}"


class RequestDocument(models.Model):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="documents")
    code = models.CharField("نوع مدرک", max_length=64)
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=request_document_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RequestEvent(models.Model):
    """One step of a request's timeline; citizens see only the public ones."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "ثبت درخواست"
        PAID = "paid", "پرداخت هزینه"
        STAGE = "stage", "ارجاع به مرحله"
        DOCUMENTS_REQUESTED = "documents_requested", "درخواست مدارک تکمیلی"
        DOCUMENTS_ADDED = "documents_added", "بارگذاری مدارک"
        APPROVED = "approved", "تأیید"
        REJECTED = "rejected", "رد درخواست"
        RESULT_READY = "result_ready", "آماده شدن نتیجه"
        CANCELLED = "cancelled", "لغو"
        RATED = "rated", "نظرسنجی"
        NOTE = "note", "یادداشت"

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    stage_code = models.CharField(max_length=64, blank=True)
    stage_title = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]


class Rating(models.Model):
    request = models.OneToOneField(ServiceRequest, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField("امتیاز")  # 1..5
    comment = models.TextField("نظر", blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_range")]


class Complaint(models.Model):
    """A citizen's complaint about a request, an agency or an employee; registered as a letter to the
    agency's complaints unit and tracked by its own code."""

    class About(models.TextChoices):
        REQUEST = "request", "درخواست"
        AGENCY = "agency", "دستگاه"
        EMPLOYEE = "employee", "کارمند"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "ثبت شده"
        IN_PROGRESS = "in_progress", "در حال رسیدگی"
        ANSWERED = "answered", "پاسخ داده شده"
        CLOSED = "closed", "بسته شده"

    tracking_code = models.CharField("کد رهگیری", max_length=16, unique=True)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name="شاکی"
    )
    national_code = models.CharField(max_length=10, db_index=True, verbose_name="کد ملی")
    mobile = models.CharField(max_length=11, verbose_name="تلفن همراه")
    about = models.CharField(max_length=10, choices=About.choices, verbose_name="موضوع شکایت")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="complaints", verbose_name="دستگاه")
    request = models.ForeignKey(
        ServiceRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", verbose_name="درخواست"
    )
    employee_name = models.CharField("نام کارمند", max_length=200, blank=True)
    text = models.TextField("شرح شکایت")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, verbose_name="وضعیت")
    letter = models.OneToOneField(
        "letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="complaint", verbose_name="نامه"
    )
    answer = models.TextField("پاسخ", blank=True)
    answer_due = models.DateField("مهلت پاسخ", null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name="زمان پاسخ")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="زمان ثبت")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "شکایت"
        verbose_name_plural = "شکایت‌ها"

    def __str__(self) -> str:
        return f"{self.tracking_code} — {self.get_about_display()}"
