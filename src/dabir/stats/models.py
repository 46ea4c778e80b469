"""Supervision: who supervises which agencies, the pre-aggregated figures, the index's weights and
the evaluation of secretariats.

The figure tables (AgencyDay, ManagerDay, DurationBin, UserPrintDay) are written only by
`stats.aggregate` from the letters, prints, signatures, referrals and desk requests: one row per agency
and Tehran day, recomputed whole whenever something of that day changes (a Dirty row marks it), so a
refresh and a rebuild from scratch give the same numbers. The dashboard sums these rows and never
counts letters.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Level(models.TextChoices):
    NATIONAL = "national", "کشوری"
    PROVINCE = "province", "استانی"


class Supervisor(models.Model):
    """A supervising office's account: a province's governorate sees that province's agencies, the
    presidential secretariat (national) every agency. `office` is the supervising agency whose
    letterhead the PDFs carry and from whose secretariat questionnaires are sent."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisor",
                                verbose_name="کاربر")
    level = models.CharField("سطح", max_length=10, choices=Level.choices, default=Level.PROVINCE)
    province = models.CharField("استان", max_length=100, blank=True)
    office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه ناظر")
    is_inspector = models.BooleanField("بازرس (ثبت بازدید میدانی)", default=True)
    active = models.BooleanField("فعال", default=True)

    class Meta:
        verbose_name = "ناظر"
        verbose_name_plural = "ناظران"

    def __str__(self) -> str:
        where = self.province if self.level == Level.PROVINCE else "کشوری"
        return f"{self.user} — {where}"


class IndexWeights(models.Model):
    """The paperless index's weights; a province's row overrides the national default (province '')."""

    province = models.CharField("استان", max_length=100, blank=True, unique=True)
    incoming = models.PositiveSmallIntegerField("وارده الکترونیکی", default=20)
    outgoing = models.PositiveSmallIntegerField("صادره الکترونیکی", default=20)
    exchange = models.PositiveSmallIntegerField("مکاتبات بین‌دستگاهی از شبکه", default=15)
    signature = models.PositiveSmallIntegerField("امضای الکترونیکی", default=15)
    printing = models.PositiveSmallIntegerField("کم‌چاپی", default=10)
    managers = models.PositiveSmallIntegerField("کاربری مدیران", default=10)
    connected = models.PositiveSmallIntegerField("اتصال به شبکه تبادل", default=10)
    # Printed pages per registered letter at or above which the printing component is 0.
    print_cap = models.DecimalField("سقف صفحه چاپی به ازای هر نامه", max_digits=5, decimal_places=2, default=2)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="آخرین ویرایشگر")
    updated_at = models.DateTimeField("آخرین تغییر", default=timezone.now)

    COMPONENTS = ("incoming", "outgoing", "exchange", "signature", "printing", "managers", "connected")

    class Meta:
        verbose_name = "وزن‌های شاخص کم‌کاغذ"
        verbose_name_plural = "وزن‌های شاخص کم‌کاغذ"

    def __str__(self) -> str:
        return f"وزن‌های شاخص — {self.province or 'پیش‌فرض کشوری'}"

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.COMPONENTS}


class AgencyDay(models.Model):
    """An agency's counts for one Tehran day. Letters count on their registration day, prints on
    their day, referral deadlines on the deadline day, desk requests on submission and finishing."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    month = models.PositiveIntegerField()  # Jalali YYYYMM of `day`, for the monthly trends

    letters_in = models.PositiveIntegerField(default=0)
    letters_out = models.PositiveIntegerField(default=0)
    letters_internal = models.PositiveIntegerField(default=0)
    # Incoming letters by how they arrived (letters.Channel).
    in_post = models.PositiveIntegerField(default=0)
    in_fax = models.PositiveIntegerField(default=0)
    in_email = models.PositiveIntegerField(default=0)
    in_in_person = models.PositiveIntegerField(default=0)
    in_counter = models.PositiveIntegerField(default=0)
    in_network = models.PositiveIntegerField(default=0)
    in_system = models.PositiveIntegerField(default=0)
    # Outgoing letters sent (dispatched), by how they were sent.
    out_post = models.PositiveIntegerField(default=0)
    out_fax = models.PositiveIntegerField(default=0)
    out_email = models.PositiveIntegerField(default=0)
    out_in_person = models.PositiveIntegerField(default=0)
    out_counter = models.PositiveIntegerField(default=0)
    out_network = models.PositiveIntegerField(default=0)
    out_system = models.PositiveIntegerField(default=0)
    # Letters between agencies: outgoing to another agency, incoming from one; how many by exchange.
    inter_out = models.PositiveIntegerField(default=0)
    inter_out_exchange = models.PositiveIntegerField(default=0)
    inter_in = models.PositiveIntegerField(default=0)
    inter_in_exchange = models.PositiveIntegerField(default=0)
    # Outgoing letters registered: signed in the system (a digital signature) or not (on paper).
    signed_digital = models.PositiveIntegerField(default=0)
    signed_paper = models.PositiveIntegerField(default=0)
    prints = models.PositiveIntegerField(default=0)
    print_pages = models.PositiveIntegerField(default=0)  # pages × copies
    print_copies = models.PositiveIntegerField(default=0)
    referrals = models.PositiveIntegerField(default=0)
    referrals_due = models.PositiveIntegerField(default=0)  # deadline on this day
    referrals_on_time = models.PositiveIntegerField(default=0)  # of those, acted on by the deadline
    desk_requests = models.PositiveIntegerField(default=0)
    desk_finished = models.PositiveIntegerField(default=0)
    desk_on_time = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(default=timezone.now)

    COUNTS = (
        "letters_in", "letters_out", "letters_internal",
        "in_post", "in_fax", "in_email", "in_in_person", "in_counter", "in_network", "in_system",
        "out_post", "out_fax", "out_email", "out_in_person", "out_counter", "out_network", "out_system",
        "inter_out", "inter_out_exchange", "inter_in", "inter_in_exchange",
        "signed_digital", "signed_paper", "prints", "print_pages", "print_copies",
        "referrals", "referrals_due", "referrals_on_time",
        "desk_requests", "desk_finished", "desk_on_time", "ratings", "rating_sum", "complaints",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="agency_day_unique")]
        indexes = [models.Index(fields=["day", "agency"]), models.Index(fields=["month", "agency"])]


class ManagerDay(models.Model):
    """A manager's position that signed or referred a letter in the system on this day."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    month = models.PositiveIntegerField()  # Jalali YYYYMM of `day`
    position = models.ForeignKey("orgs.Position", on_delete=models.CASCADE, related_name="+")
    signed = models.BooleanField(default=False)
    referred = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day", "position"], name="manager_day_unique")]
        indexes = [models.Index(fields=["day", "agency"])]


class Metric(models.TextChoices):
    READ = "read", "زمان خواندن ارجاع"
    ACT = "act", "زمان اقدام بر ارجاع"


class DurationBin(models.Model):
    """How many referrals made on this day were read (or acted on) within bin `bin` (figures.BIN_EDGES)."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    month = models.PositiveIntegerField()  # Jalali YYYYMM of `day`
    metric = models.CharField(max_length=4, choices=Metric.choices)
    bin = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day", "metric", "bin"], name="duration_bin_unique")]
        indexes = [models.Index(fields=["day", "agency"])]


class UserPrintDay(models.Model):
    """A user's prints in an agency on one day (the per-user table of printing)."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    month = models.PositiveIntegerField()  # Jalali YYYYMM of `day`
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prints = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    copies = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day", "user"], name="user_print_day_unique")]
        indexes = [models.Index(fields=["day", "agency"])]


class Dirty(models.Model):
    """An agency's day whose figures must be recomputed (written in the transaction of the change)."""

    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dirty_unique")]


# ---- Evaluation of secretariats (ارزیابی دبیرخانه‌ها) --------------------------------------------


class Questionnaire(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "پیش‌نویس"
        SENT = "sent", "ارسال شده"
        CLOSED = "closed", "بسته شده"

    office = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه ناظر")
    province = models.CharField("استان", max_length=100, blank=True)
    title = models.CharField("عنوان", max_length=300)
    intro = models.TextField("توضیح", blank=True)
    # The period whose measured figures answers are checked against (Period.key, e.g. 1405, 1405-Q2).
    period = models.CharField("دوره سنجش", max_length=10)
    answer_due = models.DateField("مهلت پاسخ", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="سازنده")
    created_at = models.DateTimeField("زمان ایجاد", default=timezone.now)
    sent_at = models.DateTimeField("زمان ارسال", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "پرسش‌نامه ارزیابی"
        verbose_name_plural = "پرسش‌نامه‌های ارزیابی"

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", "بله / خیر"
        PERCENT = "percent", "درصد"
        NUMBER = "number", "عدد"
        SCALE = "scale", "امتیاز ۱ تا ۵"
        TEXT = "text", "متن"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField("ترتیب", default=0)
    text = models.CharField("پرسش", max_length=500)
    kind = models.CharField("نوع پاسخ", max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    weight = models.PositiveSmallIntegerField("وزن", default=1)
    # A figure key (stats.figures) the answer is checked against, and how far it may differ.
    figure = models.CharField("شاخص سنجش", max_length=40, blank=True)
    tolerance = models.DecimalField("رواداری", max_digits=6, decimal_places=2, default=10)

    class Meta:
        ordering = ["order", "id"]


class Evaluation(models.Model):
    """One agency's evaluation under a questionnaire: the letter that asked it, its answers, the field
    visit, the score and the actions that follow."""

    class State(models.TextChoices):
        SENT = "sent", "در انتظار پاسخ"
        ANSWERED = "answered", "پاسخ داده شده"
        SCORED = "scored", "ارزیابی شده"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="evaluations")
    agency = models.ForeignKey("orgs.Agency", on_delete=models.PROTECT, related_name="+", verbose_name="دستگاه")
    letter = models.ForeignKey("letters.Letter", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name="نامه ارسال")
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.SENT)
    answered_at = models.DateTimeField("زمان پاسخ", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="پاسخ‌دهنده")
    score = models.DecimalField("امتیاز", max_digits=5, decimal_places=1, null=True, blank=True)
    scored_at = models.DateTimeField("زمان امتیازدهی", null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["questionnaire", "agency"], name="evaluation_unique")]
        verbose_name = "ارزیابی دبیرخانه"
        verbose_name_plural = "ارزیابی دبیرخانه‌ها"


class Answer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    value = models.CharField("پاسخ", max_length=2000, blank=True)
    # What Dabir measured for the question's figure over the questionnaire's period, and the flag.
    measured = models.DecimalField("مقدار سنجیده", max_digits=12, decimal_places=2, null=True, blank=True)
    discrepancy = models.BooleanField("مغایرت", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "question"], name="answer_unique")]


class FieldVisit(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="visits")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="بازرس")
    visited_on = models.DateField("تاریخ بازدید")
    score = models.PositiveSmallIntegerField("امتیاز بازدید (از ۱۰۰)")
    findings = models.TextField("یافته‌ها")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-visited_on", "-id"]


class ActionItem(models.Model):
    """An action an evaluation asks of the agency, open until done and checked at the next evaluation."""

    class State(models.TextChoices):
        OPEN = "open", "باز"
        DONE = "done", "انجام شده (به گفته دستگاه)"
        VERIFIED = "verified", "تأیید شده"
        NOT_DONE = "not_done", "انجام نشده"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField("اقدام", max_length=500)
    due = models.DateField("مهلت", null=True, blank=True)
    state = models.CharField("وضعیت", max_length=10, choices=State.choices, default=State.OPEN)
    note = models.TextField("توضیح", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The later evaluation at which this action was checked.
    checked_in = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["state", "due", "id"]


# ---- Monthly roll-ups -------------------------------------------------------------------------
# Periods are whole Jalali months, so every read sums these (a twelfth of the rows a year of days
# has); they are rebuilt from the day rows of a month whenever one of its days is recomputed.


class AgencyMonth(models.Model):
    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()
    for _name in AgencyDay.COUNTS:
        locals()[_name] = models.PositiveIntegerField(default=0)
    del _name

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month"], name="agency_month_unique")]
        indexes = [models.Index(fields=["month", "agency"])]


class ManagerMonth(models.Model):
    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()
    position = models.ForeignKey("orgs.Position", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month", "position"], name="manager_month_unique")]
        indexes = [models.Index(fields=["month", "agency"])]


class DurationBinMonth(models.Model):
    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()
    metric = models.CharField(max_length=4, choices=Metric.choices)
    bin = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month", "metric", "bin"],
                                               name="duration_bin_month_unique")]
        indexes = [models.Index(fields=["month", "agency"])]


class UserPrintMonth(models.Model):
    agency = models.ForeignKey("orgs.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prints = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    copies = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "month", "user"], name="user_print_month_unique")]
        indexes = [models.Index(fields=["month", "agency"])]
