"""Supervision's JSON API, mounted at /api/stats/ (see docs/api.md, «Supervision»).

Read only and thin: the period is parsed by stats.periods, the agencies come from stats.policy (a
supervisor's province or the country, a manager's own agency), the numbers from stats.selectors, which
read the pre-aggregated tables only. A bad period is a Persian 400, an agency outside the caller's
scope a Persian 403 (whether or not it exists), as problem+json.
"""

import math

from ninja import Field, Query, Router, Schema

from dabir.core.errors import NotAllowed
from dabir.core.schemas import In, LatinInt

from . import figures as F
from . import periods, policy, selectors

router = Router(tags=["stats"])

NO_STATS = "آمار نظارت برای حساب شما در دسترس نیست؛ فقط ناظران و مدیران دستگاه‌ها آن را می‌بینند."


# ---------------------------------------------------------------- shapes


class PeriodQuery(In):
    period: str = Field("", max_length=20, description="دوره: ۱۴۰۵-۰۹ (ماه)، ۱۴۰۵-Q3 (فصل) یا ۱۴۰۵ (سال)؛ "
                                                       "خالی یعنی ماه جاری")


class FiguresQuery(PeriodQuery):
    agency_id: LatinInt | None = Field(None, description="شناسه یک دستگاه؛ خالی یعنی همه دستگاه‌های در دید شما")


class PeriodOut(Schema):
    key: str
    label: str
    start: str
    end: str


class AgencyOut(Schema):
    id: int
    name: str
    code: str
    province: str


class AgencyFigures(Schema):
    agency: AgencyOut
    figures: dict[str, float | int | bool | str | None]
    index: float | None
    lost: dict[str, float]


class FiguresOut(Schema):
    period: PeriodOut
    agencies: list[AgencyFigures]


class RankOut(Schema):
    agency: AgencyOut
    index: float | None
    rank: int | None
    previous_rank: int | None
    change: int | None
    out_of: int = Field(..., description="شمار دستگاه‌های رتبه‌دار در دامنه رتبه‌بندی (استان یا کشور)")
    lost: dict[str, float]


class RankingOut(Schema):
    period: PeriodOut
    rows: list[RankOut]


# ---------------------------------------------------------------- helpers


def _period(value: str) -> periods.Period:
    return periods.parse(value)  # DomainError (400, Persian) for anything but a month, quarter or year


def _period_out(p: periods.Period) -> dict:
    return {"key": p.key, "label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}


def _agency_out(a) -> dict:
    return {"id": a.id, "name": a.name, "code": a.code, "province": a.province}


def _value(value):
    # A time past the last bin (more than 30 days) is infinite: JSON has no infinity, so "inf".
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def _scope(user, agency_id: int | None):
    """The agencies asked for, within the caller's scope; 403 for any agency outside it."""
    visible = policy.visible_agencies(user)
    if not policy.can_see_stats(user):
        raise NotAllowed(NO_STATS)
    if agency_id is None:
        return list(visible.order_by("name"))
    agency = visible.filter(pk=agency_id).first()
    if agency is None:
        raise NotAllowed(policy.NOT_ALLOWED, field="agency_id")
    return [agency]


# ---------------------------------------------------------------- operations


@router.get("/figures", response=FiguresOut, summary="شاخص‌های نظارت دستگاه‌ها در یک دوره، با شاخص کم‌کاغذ")
def figures(request, filters: Query[FiguresQuery]):
    period = _period(filters.period)
    agencies = _scope(request.user, filters.agency_id)
    rows = selectors.indexed_figures(agencies, period)
    return {"period": _period_out(period), "agencies": [
        {"agency": _agency_out(r.agency), "figures": {f.key: _value(r.figures[f.key]) for f in F.FIGURES},
         "index": r.index, "lost": r.lost} for r in rows]}


@router.get("/ranking", response=RankingOut, summary="رتبه‌بندی دستگاه‌ها بر پایه شاخص کم‌کاغذ، با تغییر رتبه")
def ranking(request, filters: Query[FiguresQuery]):
    period = _period(filters.period)
    agencies = _scope(request.user, filters.agency_id)
    if policy.is_supervisor(request.user):
        # A supervisor ranks their whole scope; agency_id only narrows the rows answered.
        scopes = [(policy.ranking_scope(request.user), {a.id for a in agencies})]
    else:
        # A manager sees their agency's rank among its province's agencies, not the others' rows.
        scopes = [(policy.ranking_scope(request.user, a), {a.id}) for a in agencies]
    rows = []
    for scope, wanted in scopes:
        ranked = selectors.ranking(scope, period)
        out_of = sum(1 for r in ranked if r.rank is not None)
        rows += [{"agency": _agency_out(r.agency), "index": r.index, "rank": r.rank,
                  "previous_rank": r.previous_rank, "change": r.change, "out_of": out_of, "lost": r.lost}
                 for r in ranked if r.agency.id in wanted]
    return {"period": _period_out(period), "rows": rows}
