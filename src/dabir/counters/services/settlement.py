"""Closing a settlement month, and the guard that keeps a closed month as it was closed.

close_month: the regulator of a province closes a Jalali month once its last day has passed (Tehran).
The close stores the month's totals per (office, agency) and the SHA-256 of their canonical JSON
(settlement.canonical_totals / digest). Submissions still awaiting payment stay as they are: paid
later, they settle in the next open month (services/_shared.open_month).

After the close nothing of that month changes. The receivers below refuse, from any path (services,
the admin, a shell), to save or delete a submission whose settlement month is closed, to save one into
a closed month, and to change or delete the close itself. (QuerySet.update() and raw SQL pass no
signals; no code of Dabir updates submissions that way.)

Concurrency: on PostgreSQL the close takes a SHARE lock on the submissions table, so it waits for
every payment already being written and sums what they committed; a payment that writes after the
lock is taken waits for the close to commit and is then refused by the check after its write (its
transaction rolls back: a card payment is taken again and settles in the next open month, a gateway
payment stays pending and its next verification does the same). SQLite runs one writer at a time.
"""

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.signals import post_save, pre_delete, pre_save

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import format_date
from dabir.core.validators import clean_text

from .. import policy
from .. import settlement as reads
from ..models import Office, SettlementClose, Submission
from ..names import AuditAction

CLOSED = "ماه {month} در استان {province} بسته شده است؛ ثبت‌های آن ماه دیگر تغییر نمی‌کند."
CLOSE_KEPT = "ماه بسته‌شده تسویه تغییر نمی‌کند و باز نمی‌شود."


@transaction.atomic
def close_month(*, user, province, month) -> SettlementClose:
    """Close `month` (Jalali YYYYMM or ۱۴۰۵/۰۴) of `province`: its statement is frozen with its digest."""
    province = clean_text(province, "province", "استان", 100)
    policy.check_regulator(user, province=province)
    month = reads.parse_month(month)
    label = reads.month_label(month)
    if not reads.month_ended(month):
        last = reads.month_range(month)[1]
        raise DomainError(f"ماه {label} هنوز به پایان نرسیده است؛ از فردای {format_date(last)} می‌توان آن "
                          "را بست.", field="month", code="month_not_ended")
    if not Office.objects.filter(province=province).exists():
        raise DomainError(f"در استان «{province}» دفتر پیشخوانی ثبت نشده است.", field="province")
    _hold_writers()
    if SettlementClose.objects.filter(province=province, month=month).exists():
        raise Conflict(f"ماه {label} در استان {province} پیش‌تر بسته شده است.", code="already_closed")
    totals = reads.canonical_totals(province, month)
    try:
        with transaction.atomic():
            close = SettlementClose.objects.create(province=province, month=month, totals=totals,
                                                   digest=reads.digest(totals), closed_by=user)
    except IntegrityError:  # closed at the same moment by another request
        raise Conflict(f"ماه {label} در استان {province} پیش‌تر بسته شده است.", code="already_closed") from None
    audit.record(action=AuditAction.MONTH_CLOSE, obj=close, actor=user, data={
        "province": province, "month": month, "digest": close.digest, **totals["totals"],
    })
    return close


def _hold_writers() -> None:
    """PostgreSQL: wait for the submissions being written to commit, and hold new writes until the close
    commits (SHARE conflicts with the ROW EXCLUSIVE lock every INSERT/UPDATE takes)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Submission._meta.db_table} IN SHARE MODE")


# ---------------------------------------------------------------- the guard


def _refuse(found: tuple) -> None:
    month, province = found
    raise Conflict(CLOSED.format(month=reads.month_label(month), province=province), code="month_closed")


def _office_province(office_id):
    return Subquery(Office.objects.filter(pk=office_id).values("province")[:1])


def _before_save(sender, instance: Submission, raw=False, **kwargs) -> None:
    """Refuse to change a submission of a closed month, or to put one into a closed month."""
    if raw:
        return
    closed = Q(pk__in=[])
    if instance.pk is not None:
        stored = Submission.objects.filter(pk=instance.pk, month=OuterRef("month"),
                                           office__province=OuterRef("province"))
        closed |= Q(Exists(stored))
    if instance.month is not None:
        closed |= Q(month=instance.month, province=_office_province(instance.office_id))
    if instance.pk is None and instance.month is None:
        return  # a new submission awaiting payment: no month yet
    found = SettlementClose.objects.filter(closed).values_list("month", "province").first()
    if found:
        _refuse(found)


def _after_save(sender, instance: Submission, raw=False, **kwargs) -> None:
    """PostgreSQL: the same check once the row is written (and its lock held): a close that committed
    while this write waited for it is seen now, and this transaction rolls back."""
    if raw or instance.month is None or connection.vendor != "postgresql":
        return
    found = (SettlementClose.objects.filter(month=instance.month, province=_office_province(instance.office_id))
             .values_list("month", "province").first())
    if found:
        _refuse(found)


def _before_delete(sender, instance: Submission, **kwargs) -> None:
    stored = Submission.objects.filter(pk=instance.pk, month=OuterRef("month"), office__province=OuterRef("province"))
    found = SettlementClose.objects.filter(Exists(stored)).values_list("month", "province").first()
    if found:
        _refuse(found)


def _keep_close(sender, instance: SettlementClose, raw=False, **kwargs) -> None:
    """A close is written once: never changed, never deleted (deleting it would reopen the month)."""
    if raw or (kwargs.get("signal") is pre_save and instance.pk is None):
        return
    raise Conflict(CLOSE_KEPT, code="close_kept")


def guard_closed_months() -> None:
    """Connected in apps.ready(): the receivers above, once."""
    pre_save.connect(_before_save, sender=Submission, dispatch_uid="counters.settlement.before_save")
    post_save.connect(_after_save, sender=Submission, dispatch_uid="counters.settlement.after_save")
    pre_delete.connect(_before_delete, sender=Submission, dispatch_uid="counters.settlement.before_delete")
    pre_save.connect(_keep_close, sender=SettlementClose, dispatch_uid="counters.settlement.keep_close")
    pre_delete.connect(_keep_close, sender=SettlementClose, dispatch_uid="counters.settlement.keep_close_delete")
