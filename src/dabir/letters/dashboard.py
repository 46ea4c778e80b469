"""The personal dashboard (میز کار): where a seat stands, in figures read from the database.

Every figure counts open referrals on letters the user may see (policy.visible_letters): a letter
outside the user's reach is never counted, not even as a number. Ages are calendar days in Tehran
by the referral's arrival: «امروز» since midnight, «۱ تا ۳ روز» the three days before, «قدیمی‌تر»
before that; «دیرکرد» (deadline passed) cuts across them. The figures are the same the inbox
shows when its filters are followed (its date filters compare the arrival date in Tehran too).

A fixed number of queries whatever the number of referrals: the figures are conditional counts of
one aggregate, and the top rows of the three ages come from one query ranked per age (a window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from dabir.core.jalali import TEHRAN, format_date, today
from dabir.core.models import AuditEntry
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import Position
from dabir.orgs.selectors import Seat

from . import policy
from .models import OPEN_REFERRAL, Action, Referral
from .names import AuditAction

AGES = ("today", "recent", "older")
AGE_LABELS = {"today": "امروز", "recent": "۱ تا ۳ روز", "older": "قدیمی‌تر", "overdue": "دیرکرد"}
#: Days before today that still count as «۱ تا ۳ روز».
RECENT_DAYS = 3


def rows_shown() -> int:
    return settings.DABIR_DASHBOARD_ROWS


def midnight(day: dt.date) -> dt.datetime:
    """The first moment of a day in Tehran."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return midnight(day), midnight(day - dt.timedelta(days=RECENT_DAYS))


def _age_counts(prefix: str, where: Q, day: dt.date) -> dict:
    """Conditional counts for open referrals matching `where`: by age, overdue, for signature."""
    start_today, start_recent = _bounds(day)
    return {
        f"{prefix}open": Count("id", filter=where),
        f"{prefix}today": Count("id", filter=where & Q(created_at__gte=start_today)),
        f"{prefix}recent": Count("id", filter=where & Q(created_at__gte=start_recent, created_at__lt=start_today)),
        f"{prefix}older": Count("id", filter=where & Q(created_at__lt=start_recent)),
        f"{prefix}overdue": Count("id", filter=where & Q(deadline__lt=day)),
        f"{prefix}signature": Count("id", filter=where & Q(action=Action.SIGNATURE)),
    }


def _open_on_visible(user) -> QuerySet[Referral]:
    """Open referrals on letters the user may see (the visibility rule read once, as a subquery)."""
    return Referral.objects.filter(
        status__in=OPEN_REFERRAL, letter__in=policy.visible_letters(user).values("pk")
    ).order_by()


def _with_letter(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    return qs.select_related("letter", "from_position__unit", "to_position__unit")


def inbox_links(day: dt.date) -> dict[str, str]:
    """The inbox's filters that list each figure's referrals (dates typed as a person would)."""
    def d(days: int) -> str:
        return format_date(day - dt.timedelta(days=days), persian=False)

    return {
        "today": f"?date_from={d(0)}",
        "recent": f"?date_from={d(RECENT_DAYS)}&date_to={d(1)}",
        "older": f"?date_to={d(RECENT_DAYS + 1)}",
        "overdue": "?overdue=on",
        "signature": "?action=signature",
    }


def reminded_today(referral_ids: Iterable[int], day: dt.date | None = None) -> set[int]:
    """Which of these referrals their sender has already reminded today (by the audit log)."""
    ids = [str(i) for i in referral_ids]
    if not ids:
        return set()
    found = AuditEntry.objects.filter(
        action=AuditAction.REFERRAL_REMIND,
        object_type="letters.referral", object_id__in=ids,
        at__gte=midnight(day or today()),
    ).values_list("object_id", flat=True)
    return {int(i) for i in found}


def _age_rows(base: QuerySet[Referral], day: dt.date, limit: int) -> dict[str, list[Referral]]:
    """The newest `limit` referrals of each age, in one query."""
    start_today, start_recent = _bounds(day)
    age = Case(
        When(created_at__gte=start_today, then=Value("today")),
        When(created_at__gte=start_recent, then=Value("recent")),
        default=Value("older"), output_field=CharField(),
    )
    ranked = _with_letter(base).annotate(
        age=age, rank=Window(RowNumber(), partition_by=[age], order_by=[F("created_at").desc(), F("id").desc()]),
    ).filter(rank__lte=limit)
    rows: dict[str, list[Referral]] = {a: [] for a in AGES}
    for r in ranked:
        rows[r.age].append(r)
    for key in rows:
        rows[key].sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return rows


def mine(user, seat: Seat, *, day: dt.date | None = None, base: QuerySet[Referral] | None = None) -> dict:
    """The seat's own figures and rows: its open referrals by age and overdue, letters waiting for its
    signature, and what it referred that is still open (with who may be reminded today)."""
    day = day or today()
    limit = rows_shown()
    pid = seat.position.id
    base = _open_on_visible(user) if base is None else base
    to_me, from_me = Q(to_position_id=pid), Q(from_position_id=pid)
    figures = base.filter(to_me | from_me).aggregate(
        **_age_counts("", to_me, day), unanswered=Count("id", filter=from_me),
    )
    mine_qs = base.filter(to_me)
    rows = _age_rows(mine_qs, day, limit)
    rows["overdue"] = list(_with_letter(mine_qs.filter(deadline__lt=day)).order_by("deadline", "created_at", "id")[:limit])
    signing = list(_with_letter(mine_qs.filter(action=Action.SIGNATURE)).order_by("created_at", "id")[:limit])
    sent = list(_with_letter(base.filter(from_me)).order_by("created_at", "id")[:limit])
    reminded = reminded_today([r.id for r in sent], day)
    for r in sent:
        r.reminded_today = r.id in reminded
        r.may_remind = policy.may_remind(seat, r) and not r.reminded_today
    return {"figures": figures, "rows": rows, "signing": signing, "sent": sent}


def unit(user, seat: Seat, *, day: dt.date | None = None, base: QuerySet[Referral] | None = None) -> dict | None:
    """A manager's unit: each position's open referrals by age, overdue and for signature (letters the
    manager may see only), the unit's totals, and the letters longest waiting for a signature in it."""
    if not seat.position.is_manager:
        return None
    day = day or today()
    unit_id = seat.position.unit_id
    positions = list(Position.objects.filter(unit_id=unit_id, active=True).order_by("-is_manager", "title"))
    base = (_open_on_visible(user) if base is None else base).filter(to_position__unit_id=unit_id)
    counted = {
        row["to_position_id"]: row for row in base.values("to_position_id").annotate(**_age_counts("", Q(), day))
    }
    holders = org_selectors.holders([p.id for p in positions])
    keys = ("open", *AGES, "overdue", "signature")
    lines = []
    for p in positions:
        row = counted.get(p.id, {})
        lines.append({"position": p, "holder": holders.get(p.id, ""), **{k: row.get(k, 0) for k in keys}})
    # A position made inactive while referrals still wait in it is still counted in the unit.
    gone = set(counted) - {p.id for p in positions}
    if gone:
        for p in Position.objects.filter(id__in=gone).order_by("title"):
            lines.append({"position": p, "holder": holders.get(p.id, ""), **{k: counted[p.id][k] for k in keys}})
    totals = {k: sum(line[k] for line in lines) for k in keys}
    signing = list(_with_letter(base.filter(action=Action.SIGNATURE)).order_by("created_at", "id")[:rows_shown()])
    return {"unit": seat.position.unit, "lines": lines, "totals": totals, "signing": signing}


def for_seat(user, seat: Seat) -> dict:
    """Everything the dashboard page shows: the seat's four figures (three ages and overdue), each with
    its inbox link and top rows; its signing and sent lists; its unit for a manager."""
    day = today()
    base = _open_on_visible(user)  # the visibility rule read once for both parts
    own, links = mine(user, seat, day=day, base=base), inbox_links(day)
    figures = [
        {"key": key, "label": AGE_LABELS[key], "count": own["figures"][key], "link": links[key],
         "rows": own["rows"][key]}
        for key in (*AGES, "overdue")
    ]
    return {
        "figures": figures, "open": own["figures"]["open"],
        "signing": {"count": own["figures"]["signature"], "link": links["signature"], "rows": own["signing"]},
        "sent": {"count": own["figures"]["unanswered"], "rows": own["sent"]},
        "unit": unit(user, seat, day=day, base=base), "today": day,
    }
