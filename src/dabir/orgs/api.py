"""The organisation chart as the API shows it: positions to refer to, and my secretariats."""

import datetime as dt

from ninja import Query, Router, Schema

from dabir.core.schemas import In, LatinInt

from . import selectors

router = Router(tags=["orgs"])


class AbsenceOut(Schema):
    acting_user: str
    until: dt.datetime | None


class PositionOut(Schema):
    id: int
    code: str
    title: str
    unit_id: int
    unit: str
    agency_id: int
    agency: str
    is_manager: bool
    can_sign: bool
    holder: str | None
    absence: AbsenceOut | None


class PositionQuery(In):
    agency_id: LatinInt | None = None


class SeriesOut(Schema):
    id: int
    name: str
    code: str
    template: str
    kinds: list[str]
    active: bool


class SecretariatOut(Schema):
    id: int
    name: str
    code: str
    agency_id: int
    agency: str
    series: list[SeriesOut]


@router.get("/positions", response=list[PositionOut], summary="فهرست سمت‌ها با متصدی و جانشین")
def positions(request, filters: Query[PositionQuery]):
    rows = list(selectors.directory(filters.agency_id))
    ids = [p.id for p in rows]
    holders = selectors.holders(ids)
    away = selectors.absences(ids)
    return [
        {
            "id": p.id, "code": p.code, "title": p.title, "unit_id": p.unit_id, "unit": p.unit.name,
            "agency_id": p.unit.agency_id, "agency": p.unit.agency.name, "is_manager": p.is_manager,
            "can_sign": p.can_sign, "holder": holders.get(p.id), "absence": away.get(p.id),
        }
        for p in rows
    ]


@router.get("/secretariats", response=list[SecretariatOut], summary="دبیرخانه‌های من و سری‌های شماره آن‌ها")
def secretariats(request):
    rows = selectors.secretariats_of(request.user).prefetch_related("series")
    return [
        {
            "id": s.id, "name": s.name, "code": s.code, "agency_id": s.agency_id, "agency": s.agency.name,
            "series": [
                {"id": x.id, "name": x.name, "code": x.code, "template": x.template, "kinds": x.kinds or [],
                 "active": x.active}
                for x in s.series.all()
            ],
        }
        for s in rows
    ]
