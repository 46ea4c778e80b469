"""Reads of supervision: figures, the index, rankings and trends, from the pre-aggregated tables only.

Each read is a handful of grouped sums over the monthly roll-ups (AgencyMonth and its companions: a
dozen rows a year per agency, a few hundred for the referral-time bins) for the agencies asked, whatever
the number of letters behind them. Callers pass
agencies already limited by `stats.policy`.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from dabir.core.jalali import TEHRAN
from dabir.counters.models import CounterService
from dabir.exchange.models import Member
from dabir.orgs.models import Agency, Assignment, Position

from . import figures as F
from .aggregate import jalali_month
from .models import (
    AgencyDay,
    AgencyMonth,
    DurationBinMonth,
    IndexWeights,
    ManagerMonth,
    Metric,
    UserPrintMonth,
)
from .periods import Period


def _today() -> dt.date:
    return timezone.localdate(timezone=TEHRAN)


def weights_by_province(provinces) -> dict[str, IndexWeights]:
    """Each province's weights, else the national default, else the built-in defaults (unsaved): one read."""
    provinces = {p or "" for p in provinces}
    rows = {w.province: w for w in IndexWeights.objects.filter(province__in=provinces | {""})}
    default = rows.get("") or IndexWeights(province="")
    return {p: rows.get(p) or default for p in provinces}


def weights_for(province: str) -> IndexWeights:
    return weights_by_province([province])[province or ""]


def manager_counts(agency_ids) -> dict[int, int]:
    """Manager positions with a current holder, per agency."""
    held = Assignment.objects.current().filter(role="holder").values("position_id")
    return dict(
        Position.objects.filter(unit__agency_id__in=agency_ids, is_manager=True, active=True, id__in=held)
        .values_list("unit__agency_id").annotate(n=Count("id")).order_by()
    )


def outsourcing(agency_ids) -> dict[int, tuple[int, int]]:
    rows = (CounterService.objects.filter(service__agency_id__in=agency_ids, outsourceable=True)
            .values_list("service__agency_id").annotate(o=Count("id", filter=Q(offered=True)), n=Count("id")).order_by())
    return {a: (o, n) for a, o, n in rows}


def connected_ids(agency_ids) -> set[int]:
    return set(Member.objects.filter(agency_id__in=agency_ids, active=True, revoked_at__isnull=True)
               .values_list("agency_id", flat=True))


def _sums(agency_ids, period: Period, keys: list[str]) -> tuple[dict, dict]:
    """The period's counts summed from the monthly roll-ups, grouped by `keys`, and the referral
    deadlines already passed (whole months before this one, and this month's days before today)."""
    today = _today()
    this_month = jalali_month(today)
    months = AgencyMonth.objects.filter(agency_id__in=agency_ids, month__in=period.month_keys)
    sums = {_key(r, keys): r for r in months.values(*keys).annotate(**{k: Sum(k) for k in AgencyDay.COUNTS}).order_by()}
    past: dict = defaultdict(lambda: {"referrals_due": 0, "referrals_on_time": 0})
    passed = [months.filter(month__lt=this_month)]
    if this_month in period.month_keys:
        passed.append(AgencyDay.objects.filter(agency_id__in=agency_ids, month=this_month, day__lt=today))
    for rows in passed:
        for r in rows.values(*keys).annotate(due=Sum("referrals_due"), on_time=Sum("referrals_on_time")).order_by():
            row = past[_key(r, keys)]
            row["referrals_due"] += r["due"] or 0
            row["referrals_on_time"] += r["on_time"] or 0
    return sums, past


def _key(row: dict, keys: list[str]):
    return (row["agency_id"], row["month"]) if len(keys) == 2 else row["agency_id"]


def figures_for(agency_ids, period: Period, *, by_month: bool = False) -> dict:
    """{agency_id: figures} for the period, or {(agency_id, YYYYMM): figures} with by_month.

    Read from the monthly roll-ups: about a dozen rows per agency and year in each table."""
    agency_ids = list(agency_ids)
    start, end, today = period.start, period.end, _today()
    keys = ["agency_id", "month"] if by_month else ["agency_id"]
    in_period = {"agency_id__in": agency_ids, "month__in": period.month_keys}
    sums, past = _sums(agency_ids, period, keys)
    bins: dict = defaultdict(lambda: {Metric.READ: {}, Metric.ACT: {}})
    for r in (DurationBinMonth.objects.filter(**in_period).values(*keys, "metric", "bin")
              .annotate(n=Sum("count")).order_by()):
        bins[_key(r, keys)][r["metric"]][r["bin"]] = r["n"]
    managers = {_key(r, keys): r["n"] for r in (
        ManagerMonth.objects.filter(**in_period).values(*keys).annotate(n=Count("position_id", distinct=True))
        .order_by())}
    print_users = {_key(r, keys): r["n"] for r in (
        UserPrintMonth.objects.filter(**in_period).values(*keys).annotate(n=Count("user_id", distinct=True))
        .order_by())}
    manager_total = manager_counts(agency_ids)
    outsourced = outsourcing(agency_ids)
    connected = connected_ids(agency_ids)

    if by_month:
        groups = [(a, m) for a in agency_ids for m in period.month_keys]
    else:
        groups = agency_ids
    out = {}
    for g in groups:
        agency = g[0] if by_month else g
        g_start, g_end = (_month_bounds(period, g[1]) if by_month else (start, end))
        lived = max(0, (min(g_end, today) - g_start).days + 1)
        out[g] = F.compute(
            sums.get(g) or {}, past=past.get(g) or {}, read_bins=bins[g][Metric.READ], act_bins=bins[g][Metric.ACT],
            managers_active=managers.get(g, 0), managers=manager_total.get(agency, 0),
            print_users=print_users.get(g, 0), days=lived, outsourced=outsourced.get(agency, (0, 0)),
            connected=agency in connected,
        )
    return out


def _month_bounds(period: Period, month: int) -> tuple[dt.date, dt.date]:
    sub = Period("month", month // 100, month % 100)
    return sub.start, sub.end


@dataclass
class Ranked:
    agency: Agency
    figures: dict
    index: float | None
    lost: dict = field(default_factory=dict)
    rank: int | None = None
    previous_rank: int | None = None

    @property
    def change(self) -> int | None:
        """Places gained (+) or lost (−) since the previous period; None if unranked then."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def _rank(rows: list[Ranked]) -> None:
    """Competition ranking (1, 2, 2, 4) by index, highest first; agencies without an index are unranked."""
    ordered = sorted((r for r in rows if r.index is not None), key=lambda r: (-r.index, r.agency.name))
    last_index, last_rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if row.index != last_index:
            last_index, last_rank = row.index, position
        row.rank = last_rank


def ranking(agencies, period: Period) -> list[Ranked]:
    """The agencies ranked by paperless index for the period, each with its rank in the previous period.

    Each agency is weighed by its own province's weights."""
    agencies = list(agencies)
    weights = weights_by_province(a.province for a in agencies)

    def build(p: Period) -> list[Ranked]:
        rows = indexed_figures(agencies, p, weights=weights)
        _rank(rows)
        return rows

    now, before = build(period), {r.agency.id: r.rank for r in build(period.previous())}
    for r in now:
        r.previous_rank = before.get(r.agency.id)
    return sorted(now, key=lambda r: (r.rank is None, r.rank or 0, r.agency.name))


def standing(scope, agency: Agency, period: Period) -> tuple[Ranked, list[Ranked]]:
    """The agency's row in the ranking of its scope, and that ranking. An agency outside the scope (which
    the policy's scopes never leave out) gets its figures and index alone, unranked."""
    rows = ranking(scope, period)
    row = next((r for r in rows if r.agency.pk == agency.pk), None)
    if row is None:
        row = indexed_figures([agency], period)[0]
    return row, rows


def trend(agencies, period: Period) -> dict:
    """Month by month over the period's year up to the period's end (or the period's months if longer):
    {"months": [YYYYMM], "series": {agency_id: {"index": [...], "in_electronic_share": [...], ...}}}."""
    agencies = list(agencies)
    ids = [a.id for a in agencies]
    year_period = Period("year", period.year)
    months = [m for m in year_period.month_keys if m <= period.month_keys[-1]]
    figs = figures_for(ids, year_period, by_month=True)
    weights = weights_by_province(a.province for a in agencies)
    series: dict = {}
    for a in agencies:
        w = weights[a.province]
        rows = [figs[(a.id, m)] for m in months]
        series[a.id] = {
            "index": [F.paperless_index(f, w.as_dict(), w.print_cap)[0] for f in rows],
            **{k: [f[k] for f in rows] for k in ("in_electronic_share", "out_electronic_share", "print_pages",
                                                  "signed_digital_share", "letters_in", "letters_out")},
        }
    return {"months": months, "series": series}


def printers(agency_id: int, period: Period) -> list[dict]:
    """The per-user print table of an agency: prints, pages (× copies) and copies, most pages first."""
    from django.contrib.auth import get_user_model

    rows = list(UserPrintMonth.objects.filter(agency_id=agency_id, month__in=period.month_keys)
                .values("user_id").annotate(prints=Sum("prints"), pages=Sum("pages"), copies=Sum("copies"))
                .order_by("-pages", "user_id"))
    users = get_user_model().objects.in_bulk([r["user_id"] for r in rows])
    for r in rows:
        r["user"] = users.get(r["user_id"])
    return rows


# ---- Reports: the supervising office and the leading secretariats ---------------------------------

# Leading secretariats (دبیرخانه‌های برتر) of a period: the agencies ranked in the first LEADER_RANKS
# places of the scope whose index is at least LEADER_MIN_INDEX — a first place with a poor index earns
# no certificate. Ties share a place (competition ranking), so more than three may lead.
LEADER_RANKS = 3
LEADER_MIN_INDEX = 60


def supervising_office(user, agency: Agency | None = None) -> Agency | None:
    """The office whose letterhead a report carries: the viewer's own supervising office when they are
    a supervisor, else (an agency's manager) the office of an active supervisor of the agency's province;
    None when there is none (the report then carries a plain heading)."""
    from .models import Level, Supervisor
    from .policy import supervisor_of

    sup = supervisor_of(user)
    if sup is not None:
        return sup.office
    if agency is None or not agency.province:
        return None
    found = (Supervisor.objects.filter(active=True, level=Level.PROVINCE, province=agency.province)
             .select_related("office").order_by("id").first())
    return found.office if found else None


def leaders(agencies, period: Period) -> tuple[list[Ranked], list[Ranked]]:
    """(the leading agencies of the period, the whole ranking they come from)."""
    rows = ranking(agencies, period)
    top = [r for r in rows if r.rank is not None and r.rank <= LEADER_RANKS and r.index >= LEADER_MIN_INDEX]
    return top, rows


# ---- The dashboard: the scope's totals and each agency's electronic and paper letters ------------


def period_sums(agency_ids, period: Period) -> dict[int, dict]:
    """Each agency's counts summed over the period, with the referral deadlines already passed
    (`past_due`, `past_on_time`; a deadline still to come is not yet late)."""
    sums, past = _sums(list(agency_ids), period, ["agency_id"])
    out = {}
    for agency, row in sums.items():
        out[agency] = {k: row.get(k) or 0 for k in AgencyDay.COUNTS}
        out[agency]["past_due"] = past[agency]["referrals_due"] if agency in past else 0
        out[agency]["past_on_time"] = past[agency]["referrals_on_time"] if agency in past else 0
    return out


def scope_figures(sums: dict[int, dict], period: Period) -> dict:
    """The figures of a whole scope taken as one (the dashboard's cards), from `period_sums`. Only the
    figures made of day counts mean anything here (letters, shares of electronic letters and signatures,
    prints, overdue referrals, desk requests); managers, referral times and connection are per agency."""
    total: dict[str, int] = defaultdict(int)
    for row in sums.values():
        for k, v in row.items():
            total[k] += v
    lived = max(0, (min(period.end, _today()) - period.start).days + 1)
    return F.compute(dict(total), past={"referrals_due": total["past_due"], "referrals_on_time": total["past_on_time"]},
                     read_bins={}, act_bins={}, managers_active=0, managers=0, print_users=0, days=lived,
                     outsourced=(0, 0), connected=False)


def paper_split(row: dict) -> tuple[int, int]:
    """(electronic, paper) letters of one agency's sums: incoming by how they arrived and outgoing by how
    they were sent, by the channels of figures.ELECTRONIC and figures.PAPER."""
    def total(channels):
        return sum(row.get(f"{side}_{c}", 0) for side in ("in", "out") for c in channels)

    return total(F.ELECTRONIC), total(F.PAPER)


# ---- The API's figures: each agency's figures with its index, unranked ------------------------------


def indexed_figures(agencies, period: Period, *, weights: dict | None = None) -> list[Ranked]:
    """Each agency's figures for the period with its paperless index and the points it loses, weighed by
    its own province's weights; no rank (that needs the whole scope: `ranking`)."""
    agencies = list(agencies)
    figs = figures_for([a.id for a in agencies], period)
    weights = weights or weights_by_province(a.province for a in agencies)
    rows = []
    for a in agencies:
        w = weights[a.province]
        index, lost = F.paperless_index(figs[a.id], w.as_dict(), w.print_cap)
        rows.append(Ranked(agency=a, figures=figs[a.id], index=index, lost=lost))
    return rows


# ---- Evaluation of secretariats ------------------------------------------------------------------


def questionnaire_evaluations(questionnaire):
    """The questionnaire's evaluations with their agency, letter and number of discrepancies, by agency name."""
    from .models import Evaluation

    return (Evaluation.objects.filter(questionnaire=questionnaire).select_related("agency", "letter")
            .annotate(discrepancies=Count("answers", filter=Q(answers__discrepancy=True)))
            .order_by("agency__name"))


def agency_evaluations(agency_ids):
    """Evaluations of these agencies (callers pass policy.answerable_agency_ids), newest questionnaire first."""
    from .models import Evaluation

    return (Evaluation.objects.filter(agency_id__in=list(agency_ids)).select_related("questionnaire", "agency")
            .annotate(open_actions=Count("actions", filter=Q(actions__state__in=["open", "done"])))
            .order_by("-questionnaire__sent_at", "agency__name"))


def carried_actions(evaluation):
    """Actions of the agency's earlier evaluations to be checked at this one: still open or done by the
    agency's word, or already checked here."""
    from .models import ActionItem

    sent_at = evaluation.questionnaire.sent_at
    if sent_at is None:
        return ActionItem.objects.none()
    return (ActionItem.objects.filter(evaluation__agency_id=evaluation.agency_id,
                                      evaluation__questionnaire__sent_at__lt=sent_at)
            .filter(Q(state__in=["open", "done"]) | Q(checked_in=evaluation))
            .select_related("evaluation__questionnaire").order_by("evaluation__questionnaire__sent_at", "id"))
