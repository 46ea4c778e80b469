"""Writes to the organisation data that are not plain admin edits."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.jalali import jalali_year

from .models import Assignment, NumberCounter, NumberSeries
from .names import AuditAction


def take_number(*, series: NumberSeries, at=None) -> tuple[int, int, str]:
    """Issue the next number of a series for the Jalali year of `at`: (year, seq, formatted).

    Gapless: the UPDATE locks the counter row until the caller's transaction ends, so a rolled-back
    registration gives its number back and concurrent ones wait their turn. Call it as the last write
    of the transaction: the lock is held from here to the commit. One statement when the year's row
    exists; the first number of a year inserts it (a concurrent insert waits, then finds it).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_number must run inside the registration's transaction")
    year = jalali_year(at or timezone.now())
    seq = _bump(series.id, year)
    if seq is None:
        NumberCounter.objects.bulk_create([NumberCounter(series=series, year=year, last=0)], ignore_conflicts=True)
        seq = _bump(series.id, year)
    return year, seq, series.format(year=year, seq=seq)


def _bump(series_id: int, year: int) -> int | None:
    """`last = last + 1` in the database, returning the new value (None when the row is missing).

    The ORM's update() returns no values, so RETURNING (PostgreSQL, SQLite 3.35+) is written here."""
    connection = transaction.get_connection()
    qn = connection.ops.quote_name
    meta = NumberCounter._meta
    sql = (f"UPDATE {qn(meta.db_table)} SET {qn('last')} = {qn('last')} + 1 "
           f"WHERE {qn(meta.get_field('series').column)} = %s AND {qn('year')} = %s RETURNING {qn('last')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [series_id, year])
        row = cursor.fetchone()
    return row[0] if row else None


@transaction.atomic
def appoint_acting(*, position, user, starts_at, ends_at, actor=None, note: str = "") -> Assignment:
    """Make `user` the acting holder of `position` over a date range (the holder is absent)."""
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        raise DomainError("پایان جانشینی باید پس از آغاز آن باشد.", field="ends_at")
    holds_it = Assignment.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=starts_at),
        position=position, user=user, role=Assignment.Role.HOLDER, starts_at__lt=ends_at,
    )
    if holds_it.exists():
        raise DomainError("متصدی سمت نمی‌تواند جانشین همان سمت باشد.", field="user")
    row = Assignment.objects.create(
        position=position, user=user, role=Assignment.Role.ACTING, starts_at=starts_at, ends_at=ends_at, note=note
    )
    audit.record(
        action=AuditAction.POSITION_ACTING, obj=row, actor=actor,
        data={"position": position.id, "user": user.id, "from": starts_at, "to": ends_at},
    )
    return row


@transaction.atomic
def save_config(*, actor, obj, created: bool, changed: list[str] | None = None) -> None:
    """Save an organisation setting edited in the admin (agency, unit, position, holder, series…)."""
    obj.save()
    audit.record(
        action=AuditAction(f"{obj._meta.model_name}.{'create' if created else 'change'}"), obj=obj, actor=actor,
        data={"changed": changed or []},
    )


@transaction.atomic
def delete_config(*, actor, obj) -> None:
    # Recorded before the delete, in the same transaction: a refused delete leaves no entry.
    audit.record(action=AuditAction(f"{obj._meta.model_name}.delete"), obj=obj, actor=actor, data={"repr": str(obj)})
    obj.delete()


AGENCY_ADMIN_GROUP = "مدیران سامانه دستگاه"
_AGENCY_ADMIN_MODELS = ["unit", "position", "assignment", "secretariat", "numberseries", "agency"]


@transaction.atomic
def make_agency_admin(*, actor, user, agency) -> None:
    """Let `user` manage `agency`'s chart, holders, acting holders and secretariats in the admin site."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=AGENCY_ADMIN_GROUP)
    perms = Permission.objects.filter(content_type__app_label="orgs", content_type__model__in=_AGENCY_ADMIN_MODELS)
    group.permissions.add(*perms.exclude(codename__in=["add_agency", "delete_agency"]))
    user.groups.add(group)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    agency.admins.add(user)
    audit.record(action=AuditAction.AGENCY_ADMIN_ADDED, obj=agency, actor=actor, data={"user": user.id})


def system_clerk(*, secretariat, username: str, first_name: str, last_name: str):
    """A secretariat's system account: registers letters that no person types in (citizens' requests,
    questionnaires), and cannot sign in (inactive, no usable password). Made on first use and made a clerk
    of the secretariat; returns (user, whether it became a clerk now) so the caller records that."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef

    from .models import Secretariat

    User = get_user_model()
    username = username[:150]
    clerk = Secretariat.clerks.through.objects.filter(secretariat_id=secretariat.pk, user_id=OuterRef("pk"))
    user = User.objects.filter(username=username).annotate(is_clerk=Exists(clerk)).first()  # one read, not two
    if user is None:
        user = User(username=username, first_name=first_name, last_name=last_name[:150], is_active=False)
        user.set_unusable_password()
        user.save()
        user.is_clerk = False
    if user.is_clerk:
        return user, False
    secretariat.clerks.add(user)
    return user, True
