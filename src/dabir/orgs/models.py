from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import numbering


class Agency(models.Model):
    """A government agency (دستگاه), e.g. استانداری خوزستان."""

    name = models.CharField("نام", max_length=200, unique=True)
    code = models.CharField("شناسه", max_length=32, unique=True)
    province = models.CharField("استان", max_length=100, blank=True)
    address = models.CharField("نشانی", max_length=300, blank=True)
    phone = models.CharField("تلفن", max_length=50, blank=True)
    # Referral deadlines in working days per urgency; empty means the system default.
    deadline_days = models.JSONField("مهلت پیش‌فرض فوریت‌ها (روز کاری)", default=dict, blank=True)
    # Agency admins manage this agency's chart, holders and secretariats in the admin site.
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="administered_agencies", verbose_name="مدیران سامانه دستگاه"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "دستگاه"
        verbose_name_plural = "دستگاه‌ها"

    def __str__(self) -> str:
        return self.name

    def default_deadline_days(self, urgency: str) -> int:
        days = {**settings.DABIR_URGENCY_DEADLINE_DAYS, **(self.deadline_days or {})}
        return int(days.get(urgency, settings.DABIR_URGENCY_DEADLINE_DAYS["normal"]))


class Unit(models.Model):
    """An organisational unit (معاونت، اداره، دفتر) in an agency's chart."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units", verbose_name="دستگاه")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name="واحد بالادست"
    )
    name = models.CharField("نام", max_length=200)

    class Meta:
        ordering = ["agency", "name"]
        verbose_name = "واحد سازمانی"
        verbose_name_plural = "واحدهای سازمانی"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} — {self.agency.name}"


class Position(models.Model):
    """A post (سمت) in a unit. Letters and referrals belong to positions, not to people."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="positions", verbose_name="واحد")
    title = models.CharField("عنوان سمت", max_length=200)
    code = models.CharField("شناسه", max_length=32, unique=True)
    is_manager = models.BooleanField("مدیر واحد", default=False)
    can_sign = models.BooleanField("امضاکننده", default=False)
    active = models.BooleanField("فعال", default=True)

    class Meta:
        ordering = ["unit__agency", "unit", "-is_manager", "title"]
        verbose_name = "سمت"
        verbose_name_plural = "سمت‌ها"

    def __str__(self) -> str:
        return f"{self.title} ({self.unit.name})"

    @property
    def agency_id(self):
        return self.unit.agency_id


class AssignmentQuerySet(models.QuerySet):
    def current(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(starts_at__lte=at), Q(ends_at__isnull=True) | Q(ends_at__gt=at))


class Assignment(models.Model):
    """Who holds a position, or acts for it (جانشین) over a date range while its holder is absent."""

    class Role(models.TextChoices):
        HOLDER = "holder", "متصدی"
        ACTING = "acting", "جانشین"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", verbose_name="کاربر"
    )
    position = models.ForeignKey(
        Position, on_delete=models.PROTECT, related_name="assignments", verbose_name="سمت"
    )
    role = models.CharField("نقش", max_length=10, choices=Role.choices, default=Role.HOLDER)
    starts_at = models.DateTimeField("از", default=timezone.now)
    ends_at = models.DateTimeField("تا", null=True, blank=True)
    note = models.CharField("توضیح", max_length=200, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "role", "starts_at"]
        verbose_name = "انتصاب"
        verbose_name_plural = "انتصاب‌ها و جانشینی‌ها"
        indexes = [models.Index(fields=["user", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="assignment_range_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.position} ({self.get_role_display()})"


class Secretariat(models.Model):
    """A registry office (دبیرخانه) that numbers and dispatches an agency's letters."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="secretariats", verbose_name="دستگاه"
    )
    name = models.CharField("نام", max_length=200)
    code = models.CharField("شناسه", max_length=16)
    clerks = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="secretariats", verbose_name="کاربران دبیرخانه"
    )

    class Meta:
        ordering = ["agency", "name"]
        verbose_name = "دبیرخانه"
        verbose_name_plural = "دبیرخانه‌ها"
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="secretariat_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} — {self.agency.name}"


class NumberSeries(models.Model):
    """A numbering series of a secretariat, e.g. صادره with template {year}/{code}/{seq}.

    Template fields: {year} Jalali year, {yy} its last two digits, {code} the series code,
    {secretariat} the secretariat code, {seq} the sequence, {seq:05d} zero-padded.
    """

    secretariat = models.ForeignKey(
        Secretariat, on_delete=models.PROTECT, related_name="series", verbose_name="دبیرخانه"
    )
    name = models.CharField("نام", max_length=100)
    code = models.CharField("کد", max_length=16)
    template = models.CharField("الگوی شماره", max_length=100, default="{year}/{code}/{seq}")
    # Letter kinds this series numbers: any of incoming, outgoing, internal.
    kinds = models.JSONField("انواع نامه", default=list)
    active = models.BooleanField("فعال", default=True)

    class Meta:
        ordering = ["secretariat", "code"]
        verbose_name = "سری شماره"
        verbose_name_plural = "سری‌های شماره"
        constraints = [models.UniqueConstraint(fields=["secretariat", "code"], name="series_unique_code")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}) — {self.secretariat.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from dabir.core.errors import DomainError

        try:
            numbering.check(self.template)
        except DomainError as exc:
            raise ValidationError({"template": exc.message}) from None

    def format(self, *, year: int, seq: int) -> str:
        return numbering.format_number(
            self.template, year=year, seq=seq, code=self.code, secretariat=self.secretariat.code
        )


class NumberCounter(models.Model):
    """The last number issued in a series for a Jalali year; locked while a number is taken."""

    series = models.ForeignKey(NumberSeries, on_delete=models.PROTECT, related_name="counters")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="counter_unique_year")]
