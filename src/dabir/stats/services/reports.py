"""Supervision reports on paper: the ranking and one agency's report as PDFs, and the certificate of
recognition (لوح تقدیر) of a leading secretariat.

Each function checks who asks (stats.policy), gathers what the document says and writes its audit entry
in one transaction; the view lays the returned data out as a PDF (dabir.stats.pdf), outside the
transaction, so no write lock is held while WeasyPrint works.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import to_persian_digits
from dabir.orgs.models import Agency

from .. import policy, selectors
from ..models import Level
from ..names import AuditAction
from ..periods import Period

SUPERVISORS_ONLY = "این گزارش فقط برای دفتر نظارت (دبیرخانه ناظر) صادر می‌شود."


@dataclass
class Report:
    """What a report or certificate says; `serial` is its audit entry's number."""

    kind: str  # ranking | agency | certificate
    period: Period
    user: object
    office: Agency | None
    scope_label: str  # «استان خوزستان» or «کشور»
    issued_at: object = field(default_factory=timezone.now)
    serial: int | None = None
    rows: list = field(default_factory=list)
    weights: dict = field(default_factory=dict)
    agency: Agency | None = None
    row: object = None
    ranked: int = 0
    trend: dict = field(default_factory=dict)


def _supervisor(user):
    """The supervisor's row (None for a superuser); NotAllowed (Persian) for anyone else."""
    if not policy.is_supervisor(user):
        raise NotAllowed(SUPERVISORS_ONLY)
    return policy.supervisor_of(user)


def _scope_label(user, agency: Agency | None = None) -> str:
    """Where a rank counts: a province supervisor's (or an agency manager's) province, else the country."""
    sup = policy.supervisor_of(user)
    if sup is not None and sup.level == Level.PROVINCE:
        return f"استان {sup.province}"
    if sup is None and not user.is_superuser and agency is not None:
        return f"استان {agency.province}"
    return "کشور"


def _record(action, *, user, obj, report: Report, **data) -> None:
    entry = audit.record(action=action, obj=obj, actor=user, data={"report": report.kind, "period": report.period.key, **data})
    report.serial = entry.id
    report.issued_at = entry.at


@transaction.atomic
def export_ranking(*, user, period: Period) -> Report:
    """The ranking of the supervisor's agencies for the period, with the weights it was computed by."""
    sup = _supervisor(user)
    rows = selectors.ranking(policy.visible_agencies(user), period)
    province = sup.province if sup is not None and sup.level == Level.PROVINCE else ""
    report = Report(kind="ranking", period=period, user=user, office=selectors.supervising_office(user),
                    scope_label=_scope_label(user), rows=rows, weights=_weights(rows, province))
    _record(AuditAction.REPORT_EXPORT, user=user, obj=sup or user, report=report, agencies=len(rows))
    return report


def _weights(rows, province: str) -> dict:
    """The weights shown under a ranking: the scope's own (a province's, else the national default);
    `mixed` when the agencies ranked were weighed by more than one province's weights."""
    used = {r.agency.province for r in rows}
    shown = province if province or len(used) != 1 else next(iter(used))
    weights = selectors.weights_by_province(used | {shown})
    w = weights[shown]
    mixed = len({weights[p].pk for p in used}) > 1
    return {"values": w.as_dict(), "print_cap": w.print_cap, "mixed": mixed}


@transaction.atomic
def export_agency(*, user, agency: Agency, period: Period) -> Report:
    """One agency's report: its figures, its index and rank, the points it loses and its trend. For its
    supervisors and its own managers (policy.check_agency); a manager learns the agency's rank, not
    the other agencies' figures."""
    policy.check_agency(user, agency)
    row, rows = selectors.standing(policy.ranking_scope(user, agency), agency, period)
    report = Report(kind="agency", period=period, user=user, office=selectors.supervising_office(user, agency),
                    scope_label=_scope_label(user, agency), agency=agency, row=row,
                    ranked=sum(1 for r in rows if r.rank is not None),
                    trend=selectors.trend([agency], period), weights=_weights([row], agency.province))
    _record(AuditAction.REPORT_EXPORT, user=user, obj=agency, report=report, index=row.index,
            rank=row.rank)
    return report


def leaders(*, user, period: Period):
    """The leading secretariats of the supervisor's scope for the period, and the whole ranking (a read)."""
    _supervisor(user)
    return selectors.leaders(policy.visible_agencies(user), period)


@transaction.atomic
def issue_certificate(*, user, agency: Agency, period: Period) -> Report:
    """A certificate of recognition for a leading secretariat of the period in the supervisor's scope.
    Refused (Persian) for an agency outside the scope (403) or one that did not lead (400)."""
    sup = _supervisor(user)
    if not policy.visible_agencies(user).filter(pk=agency.pk).exists():
        raise NotAllowed("این دستگاه در حوزه نظارت شما نیست.")
    top, _ = leaders(user=user, period=period)
    row = next((r for r in top if r.agency.pk == agency.pk), None)
    if row is None:
        raise DomainError(
            f"«{agency.name}» در {period.label} جزو دبیرخانه‌های برتر نیست؛ لوح تقدیر به دستگاه‌هایی داده "
            f"می‌شود که در {to_persian_digits(selectors.LEADER_RANKS)} رتبه نخست باشند و شاخص کم‌کاغذ آن‌ها "
            f"دست‌کم {to_persian_digits(selectors.LEADER_MIN_INDEX)} باشد.", field="agency", code="not_leader")
    report = Report(kind="certificate", period=period, user=user, office=selectors.supervising_office(user),
                    scope_label=_scope_label(user), agency=agency, row=row)
    _record(AuditAction.CERTIFICATE_ISSUE, user=user, obj=agency, report=report, rank=row.rank,
            index=row.index, office=report.office.pk if report.office else None,
            supervisor=sup.pk if sup else None)
    return report
