import datetime as dt

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One line of the hash-chained audit log. Written only by dabir.core.audit.

    The log is a set of chains (lanes): each entry links to the previous entry of its own lane, and
    checkpoint entries (lane 0) link every lane's head at one moment (docs/architecture.md).
    """

    at = models.DateTimeField(db_index=True, verbose_name="زمان")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="کاربر"
    )
    # The position the actor acted through, and whether they acted as its acting holder.
    position = models.ForeignKey(
        "orgs.Position", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="سمت"
    )
    as_acting = models.BooleanField(default=False, verbose_name="به جانشینی")
    action = models.CharField(max_length=64, db_index=True, verbose_name="رویداد")
    object_type = models.CharField(max_length=64, verbose_name="نوع موضوع")
    object_id = models.CharField(max_length=64, db_index=True, verbose_name="شناسه موضوع")
    data = models.JSONField(default=dict, blank=True, verbose_name="جزئیات")
    lane = models.PositiveSmallIntegerField(default=1, verbose_name="رشته")
    prev_hash = models.CharField(max_length=64, verbose_name="چکیده پیشین")
    hash = models.CharField(max_length=64, unique=True, verbose_name="چکیده")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["lane", "id"], name="core_audit_lane_id")]
        verbose_name = "رویداد ممیزی"
        verbose_name_plural = "گزارش ممیزی"

    def __str__(self) -> str:
        from .labels import AUDIT_ACTION, name
        from .text import to_persian_digits

        return f"رویداد {to_persian_digits(self.id)}: {name(AUDIT_ACTION, self.action)}"


class AuditHead(models.Model):
    """The head of one lane of the audit chain (its id is the lane number).

    A writer locks a free lane's head to the end of its transaction, so each lane's entries are
    chained in commit order while writers on other lanes go on; lane 0 holds the checkpoints.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_id = models.BigIntegerField(default=0)


class Holiday(models.Model):
    """An official holiday (solar or lunar), editable by admins; deadlines skip these days."""

    date = models.DateField(unique=True, verbose_name="تاریخ")
    title = models.CharField("عنوان", max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = "تعطیل رسمی"
        verbose_name_plural = "تعطیلات رسمی"

    def __str__(self) -> str:
        from .jalali import format_date

        return f"{format_date(self.date)} {self.title}"


def is_weekend(day: dt.date) -> bool:
    # Python: Monday=0 … Friday=4. Friday is always off; Thursday unless configured.
    if day.weekday() == 4:
        return True
    return day.weekday() == 3 and not settings.DABIR_THURSDAY_IS_WORKDAY


class RateCounter(models.Model):
    """Requests counted for a key in one fixed window (public lookups' rate limits).

    Kept in the database, incremented by a single UPDATE, so the count holds across processes
    and machines without a shared cache.
    """

    bucket = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)
