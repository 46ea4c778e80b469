"""Government counter offices (دفاتر پیشخوان دولت): privately run offices, licensed by the province's
communications office (the regulator), through which agencies offer their outsourced services and
citizens send letters to agencies.

- Office: the registry entry with its licence; OfficeEvent is the history of every change, Renewal
  each licence renewal with its fee.
- Staff: the office's manager and operators (staff accounts bound to one office).
- CounterService: an agency's declaration of a service as outsourceable and offered at counters.
- FeeSchedule and Fee: the counter's own fee per service per Jalali year, approved by the regulator.
- Visit: a citizen identified at the counter (national code, consent by an SMS code).
- Submission: what the office filed for a citizen (a desk request or a letter) with its fees and
  payment; the receipt (رسید) prints it; settlement sums the paid ones.
- CounterLetter: a citizen's letter filed at the counter, waiting in the agency's secretariat.
- SettlementClose: a month closed by the regulator; its submissions no longer change.
- OfficeComplaint: a citizen's complaint about an office or one of its operators.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Regulator(models.Model):
    """A regulator's account: the province's communications office keeps the registry of its offices."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counter_regulator",
                                verbose_name="کاربر")
    province = models.CharField("استان", max_length=100)
    title = models.CharField("عنوان", max_length=200, default="اداره کل ارتباطات و فناوری اطلاعات")

    class Meta:
        verbose_name = "ناظر دفاتر پیشخوان"
        verbose_name_plural = "ناظران دفاتر پیشخوان"

    def __str__(self) -> str:
        return f"{self.user} — {self.title} {self.province}"


class Area(models.TextChoices):
    URBAN = "urban", "شهری"
    RURAL = "rural", "روستایی"


class HolderKind(models.TextChoices):
    NATURAL = "natural", "شخص حقیقی"
    LEGAL = "legal", "شخص حقوقی"


class LicenceState(models.TextChoices):
    """active ⇄ suspended; active | suspended → revoked (final); active → expired (the expiry date passed,
    marked by the daily sweep) → active again by a renewal."""

    ACTIVE = "active", "فعال"
    SUSPENDED = "suspended", "تعلیق"
    REVOKED = "revoked", "لغو"
    EXPIRED = "expired", "منقضی"


class Office(models.Model):
    code = models.CharField("کد دفتر", max_length=16, unique=True)
    name = models.CharField("نام دفتر", max_length=200)
    area = models.CharField("نوع", max_length=8, choices=Area.choices, default=Area.URBAN)
    province = models.CharField("استان", max_length=100)
    city = models.CharField("شهر یا روستا", max_length=100, db_index=True)
    address = models.CharField("نشانی", max_length=400)
    postal_code = models.CharField("کد پستی", max_length=10, blank=True)
    phone = models.CharField("تلفن", max_length=50, blank=True)
    latitude = models.DecimalField("عرض جغرافیایی", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("طول جغرافیایی", max_digits=9, decimal_places=6, null=True, blank=True)
    hours = models.CharField("ساعات کار", max_length=200, blank=True, default="شنبه تا چهارشنبه ۸ تا ۱۶")
    # The licence (پروانه): one in force per office; renewals and every change are in the history.
    licence_number = models.CharField("شماره پروانه", max_length=32, unique=True)
    holder_kind = models.CharField("دارنده پروانه", max_length=8, choices=HolderKind.choices, default=HolderKind.NATURAL)
    holder_name = models.CharField("نام دارنده", max_length=200)
    # A natural person's national code (10 digits) or a company's national id (11 digits).
    holder_id = models.CharField("کد ملی یا شناسه ملی دارنده", max_length=11)
    licence_issued_on = models.DateField("تاریخ صدور پروانه")
    licence_expires_on = models.DateField("تاریخ انقضای پروانه", db_index=True)
    licence_value_rials = models.PositiveBigIntegerField("ارزش پروانه (ریال)", default=0)
    state = models.CharField("وضعیت پروانه", max_length=10, choices=LicenceState.choices, default=LicenceState.ACTIVE,
                             db_index=True)
    state_reason = models.CharField("علت وضعیت", max_length=500, blank=True)
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        ordering = ["province", "city", "code"]
        verbose_name = "دفتر پیشخوان"
        verbose_name_plural = "دفاتر پیشخوان"
        indexes = [models.Index(fields=["province", "city"], name="counters_office_place")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OfficeEvent(models.Model):
    """One change of an office: what changed (field → [before, after]), who, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", "ثبت دفتر"
        EDITED = "edited", "ویرایش مشخصات"
        STATE = "state", "تغییر وضعیت پروانه"
        RENEWED = "renewed", "تمدید پروانه"
        HOLDER = "holder", "تغییر دارنده پروانه"
        STAFF = "staff", "تغییر کارکنان"

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="events", verbose_name="دفتر")
    kind = models.CharField("نوع", max_length=10, choices=Kind.choices)
    changes = models.JSONField("تغییرات", default=dict, blank=True)
    note = models.CharField("توضیح", max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="انجام‌دهنده")
    at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "سابقه دفتر"
        verbose_name_plural = "سوابق دفاتر"


class Renewal(models.Model):
    """A licence renewal: its fee is a share of the licence value (DABIR_COUNTER_RENEWAL_PERCENT, 10% by default)."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="renewals", verbose_name="دفتر")
    previous_expiry = models.DateField("انقضای پیشین")
    new_expiry = models.DateField("انقضای تازه")
    licence_value_rials = models.PositiveBigIntegerField("ارزش پروانه (ریال)")
    share_percent = models.DecimalField("سهم تمدید (درصد)", max_digits=5, decimal_places=2)
    fee_rials = models.PositiveBigIntegerField("هزینه تمدید (ریال)")
    payment_reference = models.CharField("شماره پیگیری پرداخت", max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name="ثبت‌کننده")
    at = models.DateTimeField("زمان", default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "تمدید پروانه"
        verbose_name_plural = "تمدیدهای پروانه"


class Staff(models.Model):
    """A staff account bound to one office: its manager or an operator."""

    class Role(models.TextChoices):
        MANAGER = "manager", "مدیر دفتر"
        OPERATOR = "operator", "کاربر باجه"

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="staff", verbose_name="دفتر")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="counter_staff",
                                verbose_name="کاربر")
    role = models.CharField("نقش", max_length=10, choices=Role.choices, default=Role.OPERATOR)
    active = models.BooleanField("فعال", default=True)
    since = models.DateTimeField("از", default=timezone.now)

    class Meta:
        ordering = ["office", "role", "id"]
        verbose_name = "کارمند دفتر پیشخوان"
        verbose_name_plural = "کارکنان دفاتر پیشخوان"

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} {self.office.name}"


class CounterService(models.Model):
    """An agency's declaration for one of its services: outsourceable (it may be offered at counters) and
    offered (it is), at every office or at the offices chosen."""

    service = models.OneToOneField("desk.Service", on_delete=models.CASCADE, related_name="counter",
                                   verbose_name="خدمت")
    outsourceable = models.BooleanField("قابل واگذاری", default=True)
    offered = models.BooleanField("واگذار شده", default=False)
    all_offices = models.BooleanField("همه دفاتر", default=True)
    offices = models.ManyToManyField(Office, blank=True, related_name="services", verbose_name="دفاتر برگزیده")
    updated_at = models.DateTimeField("آخرین تغییر", default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="تغییردهنده")

    class Meta:
        verbose_name = "واگذاری خدمت به دفاتر"
        verbose_name_plural = "واگذاری خدمات به دفاتر"
        constraints = [models.CheckConstraint(condition=Q(offered=False) | Q(outsourceable=True),
                                              name="counters_offered_outsourceable")]

    def __str__(self) -> str:
        return str(self.service)


class FeeSchedule(models.Model):
    """The counter's fees for a Jalali year: drafted (by hand or from the last year by an inflation
    percentage), reviewed, then approved by the regulator; an approved schedule never changes.
    The schedule in force on a day is the approved one of the latest year not after that day's year."""

    class State(models.TextChoices):
        DRAFT = "draft", "پیش‌نویس"
        APPROVED = "approved", "مصوب"

    year = models.PositiveSmallIntegerField("سال", unique=True)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.DRAFT)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="برگرفته از")
    inflation_percent = models.DecimalField("درصد افزایش", max_digits=6, decimal_places=2, null=True, blank=True)
    # The counter's fee for filing a citizen's letter (no service behind it).
    letter_fee_rials = models.PositiveBigIntegerField("کارمزد ثبت نامه (ریال)", default=0)
    note = models.CharField("توضیح", max_length=500, blank=True)
    created_at = models.DateTimeField("زمان ایجاد", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="ایجادکننده")
    approved_at = models.DateTimeField("زمان تصویب", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="تصویب‌کننده")

    class Meta:
        ordering = ["-year"]
        verbose_name = "تعرفه کارمزد دفاتر"
        verbose_name_plural = "تعرفه‌های کارمزد دفاتر"

    def __str__(self) -> str:
        return f"تعرفه سال {self.year} ({self.get_state_display()})"


class Fee(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="fees", verbose_name="تعرفه")
    service = models.ForeignKey("desk.Service", on_delete=models.PROTECT, related_name="+", verbose_name="خدمت")
    counter_fee_rials = models.PositiveBigIntegerField("کارمزد دفتر (ریال)")

    class Meta:
        ordering = ["schedule", "service"]
        verbose_name = "کارمزد خدمت"
        verbose_name_plural = "کارمزد خدمات"
        constraints = [models.UniqueConstraint(fields=["schedule", "service"], name="counters_fee_unique")]


class Visit(models.Model):
    """A citizen at the counter: identified by national code, consenting by the SMS code sent to their own
    mobile. A submission names a verified visit of the same office, recent (DABIR_COUNTER_VISIT_MINUTES)."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="visits", verbose_name="دفتر")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="کاربر باجه")
    national_code = models.CharField("کد ملی", max_length=10)
    mobile = models.CharField("تلفن همراه", max_length=11)
    name = models.CharField("نام", max_length=200, blank=True)
    created_at = models.DateTimeField("زمان مراجعه", default=timezone.now)
    verified_at = models.DateTimeField("زمان تأیید کد", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "مراجعه"
        verbose_name_plural = "مراجعات"


class CounterLetter(models.Model):
    """A citizen's letter or petition filed at a counter for an agency; it waits in the agency's secretariat
    until a clerk registers it (an incoming letter, channel «دفتر پیشخوان») or returns it.

    sent → registered → answered;  sent → returned."""

    class State(models.TextChoices):
        SENT = "sent", "ارسال به دستگاه"
        REGISTERED = "registered", "ثبت در دبیرخانه"
        RETURNED = "returned", "برگشت داده شد"
        ANSWERED = "answered", "پاسخ داده شد"

    tracking_code = models.CharField("کد رهگیری", max_length=16, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="letters", verbose_name="دفتر")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="کاربر باجه")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه گیرنده")
    secretariat = models.ForeignKey("orgs.Secretariat", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="دبیرخانه گیرنده")
    national_code = models.CharField("کد ملی", max_length=10, db_index=True)
    mobile = models.CharField("تلفن همراه", max_length=11)
    citizen_name = models.CharField("نام فرستنده", max_length=200)
    subject = models.CharField("موضوع", max_length=500)
    text = models.TextField("خلاصه یا متن نامه", blank=True)
    state = models.CharField("وضعیت", max_length=12, choices=State.choices, default=State.SENT, db_index=True)
    letter = models.OneToOneField("letters.Letter", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="counter_letter", verbose_name="نامه ثبت‌شده")
    answer = models.ForeignKey("letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="نامه پاسخ")
    return_reason = models.CharField("علت برگشت", max_length=500, blank=True)
    created_at = models.DateTimeField("زمان ثبت در دفتر", default=timezone.now)
    registered_at = models.DateTimeField("زمان ثبت در دبیرخانه", null=True, blank=True)
    answered_at = models.DateTimeField("زمان پاسخ", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "نامه ثبت‌شده در دفتر پیشخوان"
        verbose_name_plural = "نامه‌های ثبت‌شده در دفاتر پیشخوان"
        indexes = [models.Index(fields=["secretariat", "state"], name="counters_letter_queue")]

    def __str__(self) -> str:
        return f"{self.tracking_code} — {self.subject}"


def scan_path(instance, filename):
    return f"counters/{instance.sha256[:2]}/{instance.sha256}"


class LetterScan(models.Model):
    counter_letter = models.ForeignKey(CounterLetter, on_delete=models.CASCADE, related_name="scans")
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to=scan_path, max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]


class PaymentMethod(models.TextChoices):
    CARD = "card", "کارت‌خوان دفتر"
    GATEWAY = "gateway", "درگاه بانکی"
    NONE = "none", "بدون هزینه"


class Submission(models.Model):
    """What an office filed for a citizen — a desk request or a letter — with the fees in force that day.

    The fees come from the approved schedule and the service's definition, never from the client. The
    total is paid at the counter's card reader or through the bank gateway (a payments.Payment either
    way); `month` (Jalali YYYYMM, of the day it was paid) is what settlement groups by.

    awaiting_payment → paid;  awaiting_payment → cancelled;  a free submission is paid at once (method none)."""

    class Kind(models.TextChoices):
        REQUEST = "request", "درخواست خدمت"
        LETTER = "letter", "نامه"

    class State(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "در انتظار پرداخت"
        PAID = "paid", "پرداخت شده"
        CANCELLED = "cancelled", "لغو شده"

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="submissions", verbose_name="دفتر")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="کاربر باجه")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه")
    kind = models.CharField("نوع", max_length=8, choices=Kind.choices)
    service = models.ForeignKey("desk.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name="خدمت")
    request = models.OneToOneField("desk.ServiceRequest", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="counter", verbose_name="درخواست")
    counter_letter = models.OneToOneField(CounterLetter, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="submission", verbose_name="نامه")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name="مراجعه")
    tracking_code = models.CharField("کد رهگیری", max_length=16, db_index=True)
    national_code = models.CharField("کد ملی متقاضی", max_length=10)
    schedule = models.ForeignKey(FeeSchedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="تعرفه")
    agency_fee_rials = models.PositiveBigIntegerField("هزینه دستگاه (ریال)", default=0)
    counter_fee_rials = models.PositiveBigIntegerField("کارمزد دفتر (ریال)", default=0)
    total_rials = models.PositiveBigIntegerField("جمع (ریال)", default=0)
    state = models.CharField("وضعیت", max_length=16, choices=State.choices, default=State.AWAITING_PAYMENT)
    method = models.CharField("روش پرداخت", max_length=8, choices=PaymentMethod.choices, blank=True)
    payment = models.OneToOneField("payments.Payment", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="پرداخت")
    paid_at = models.DateTimeField("زمان پرداخت", null=True, blank=True)
    month = models.PositiveIntegerField("ماه تسویه", null=True, blank=True)  # Jalali YYYYMM
    day = models.DateField("روز پرداخت", null=True, blank=True)  # Gregorian date in Asia/Tehran
    key = models.CharField("کلید ارسال", max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "ثبت در دفتر پیشخوان"
        verbose_name_plural = "ثبت‌ها در دفاتر پیشخوان"
        indexes = [
            models.Index(fields=["month", "office", "agency"], name="counters_settle_month"),
            models.Index(fields=["day", "office"], name="counters_settle_day"),
            models.Index(fields=["office", "created_at"], name="counters_office_work"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_rials=F("agency_fee_rials") + F("counter_fee_rials")),
                                   name="counters_total_is_sum"),
            models.CheckConstraint(condition=Q(request__isnull=True) | Q(counter_letter__isnull=True),
                                   name="counters_one_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} — {self.office}"


class SettlementClose(models.Model):
    """A month of a province closed by the regulator: its statement is frozen (totals and their digest);
    no submission of that month changes afterwards, and a payment confirmed late goes to the next open month."""

    province = models.CharField("استان", max_length=100)
    month = models.PositiveIntegerField("ماه")  # Jalali YYYYMM
    totals = models.JSONField("جمع‌ها", default=dict)
    digest = models.CharField("چکیده", max_length=64)
    closed_at = models.DateTimeField("زمان بستن", default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="بسته‌شده توسط")

    class Meta:
        ordering = ["-month"]
        verbose_name = "بستن ماه تسویه"
        verbose_name_plural = "ماه‌های بسته‌شده تسویه"
        constraints = [models.UniqueConstraint(fields=["province", "month"], name="counters_close_unique")]


class OfficeComplaint(models.Model):
    """A citizen's complaint about an office or one of its operators, answered by the regulator and counted
    against the office (on the web, or taken on the ministry's 195 line by the regulator's staff)."""

    class Channel(models.TextChoices):
        WEB = "web", "وب"
        PHONE_195 = "195", "سامانه ۱۹۵"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "ثبت شده"
        ANSWERED = "answered", "پاسخ داده شده"

    class Verdict(models.TextChoices):
        UPHELD = "upheld", "وارد است"
        REJECTED = "rejected", "وارد نیست"

    tracking_code = models.CharField("کد رهگیری", max_length=16, unique=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="complaints", verbose_name="دفتر")
    staff = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.PROTECT, related_name="complaints",
                              verbose_name="کارمند")
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="ثبت مرتبط")
    channel = models.CharField("مجرا", max_length=4, choices=Channel.choices, default=Channel.WEB)
    national_code = models.CharField("کد ملی", max_length=10, db_index=True)
    mobile = models.CharField("تلفن همراه", max_length=11)
    name = models.CharField("نام شاکی", max_length=200, blank=True)
    text = models.TextField("شرح شکایت")
    status = models.CharField("وضعیت", max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    verdict = models.CharField("نتیجه رسیدگی", max_length=10, choices=Verdict.choices, blank=True)
    answer = models.TextField("پاسخ", blank=True)
    answer_due = models.DateField("مهلت پاسخ", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="پاسخ‌دهنده")
    answered_at = models.DateTimeField("زمان پاسخ", null=True, blank=True)
    created_at = models.DateTimeField("زمان ثبت", default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "شکایت از دفتر پیشخوان"
        verbose_name_plural = "شکایت‌ها از دفاتر پیشخوان"

    def __str__(self) -> str:
        return f"{self.tracking_code} — {self.office}"
