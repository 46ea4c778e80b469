"""«داشبورد نظارت»: the supervisors' page for a Jalali month, quarter or year — the scope's totals, the
ranking of agencies by the paperless index, every figure of every agency, the trends as charts, and each
table as a CSV or Excel download. Who sees which agencies is stats.policy's; every number comes from the
pre-aggregated tables through stats.selectors, so the page's statements do not grow with the letters."""

import math

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode

from dabir.core import tables
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import MONTHS, today
from dabir.core.text import normalize, to_persian_digits

from .. import figures as F
from .. import periods, policy, selectors
from ..models import IndexWeights, Level
from ..templatetags.stats_format import BEYOND, NONE, format_figure, number, rank_change

BAD_EXPORT = "خروجی را با export=ranking، figures یا trend و format=csv یا xlsx بخواهید."
# More agencies than this and the index chart shows the scope's average with the top and bottom three
# instead of a line per agency; the per-agency bar charts show the first BARS of the ranking.
LINES = 8
BARS = 30

# The index's components as the figures they are measured by (figures.components).
COMPONENT_FIGURE = {
    "incoming": "in_electronic_share", "outgoing": "out_electronic_share", "exchange": "inter_exchange_share",
    "signature": "signed_digital_share", "printing": "pages_per_letter", "managers": "managers_active_share",
    "connected": "connected",
}
RANK_COLUMNS = [("rank", "رتبه"), ("change", "تغییر رتبه"), ("agency", "دستگاه"), ("index", "شاخص کم‌کاغذ")] + [
    (c, F.COMPONENT_LABELS[c]) for c in IndexWeights.COMPONENTS]
# Columns whose first click sorts smallest first (a rank, a name); the others biggest first.
ASCENDING_FIRST = {"rank", "agency"}


# ---- sorting ---------------------------------------------------------------------------------------

def _value(row: selectors.Ranked, column: str):
    """A row's sortable value in a column (None for nothing measured: always at the bottom)."""
    if column == "rank":
        return row.rank
    if column == "change":
        return row.change
    if column == "index":
        return row.index
    if column == "agency":
        return normalize(row.agency.name)
    value = row.figures.get(COMPONENT_FIGURE.get(column, column))
    return int(value) if isinstance(value, bool) else value


def _sorted(rows: list, column: str, descending: bool) -> list:
    """Rows by a column, empty values last either way; ties keep the ranking's order (a stable sort)."""
    present = [r for r in rows if _value(r, column) is not None]
    missing = [r for r in rows if _value(r, column) is None]
    present.sort(key=lambda r: _value(r, column), reverse=descending)
    return present + missing


def _sort(request, prefix: str, columns: set[str], default: str) -> tuple[str, str]:
    """The (column, dir) asked by ?<prefix>sort=&<prefix>dir=; an unknown column is the default."""
    column = request.GET.get(f"{prefix}sort", "")[:40]
    if column not in columns:
        return default, "asc"
    direction = request.GET.get(f"{prefix}dir", "")
    if direction not in ("asc", "desc"):
        direction = "asc" if column in ASCENDING_FIRST else "desc"
    return column, direction


def _headers(query: dict, prefix: str, columns: list[tuple[str, str]], sort: tuple[str, str]) -> list[dict]:
    """Each column's header: its label, the link that sorts by it (the page works without scripts),
    and its aria-sort when it is the sorted one."""
    out = []
    for key, label in columns:
        current = sort[0] == key
        if current:
            next_dir = "desc" if sort[1] == "asc" else "asc"
        else:
            next_dir = "asc" if key in ASCENDING_FIRST else "desc"
        link = {**query, f"{prefix}sort": key, f"{prefix}dir": next_dir}
        out.append({"key": key, "label": label, "url": "?" + urlencode(link), "first": next_dir,
                    "aria": ("ascending" if sort[1] == "asc" else "descending") if current else ""})
    return out


# ---- the tables' cells ------------------------------------------------------------------------------

def _cell(key: str, value, shown: str, css: str = "") -> dict:
    """A cell as shown, with the raw value dashboard.js sorts by (empty for nothing measured)."""
    if value is None:
        raw = ""
    elif isinstance(value, bool):
        raw = str(int(value))
    elif isinstance(value, float) and math.isinf(value):
        raw = "1e12"
    else:
        raw = str(value)
    return {"key": key, "v": raw, "shown": shown, "css": css}


def _rank_cells(r: selectors.Ranked) -> list[dict]:
    if r.rank is None:
        rank, change = _cell("rank", None, "بدون داده", "text-muted"), _cell("change", None, NONE)
    else:
        css = "text-success" if (r.change or 0) > 0 else ("text-danger" if (r.change or 0) < 0 else "text-muted")
        rank, change = _cell("rank", r.rank, number(r.rank)), _cell("change", r.change, rank_change(r.change), css)
    cells = [rank, change, _cell("agency", r.agency.name, r.agency.name),
             _cell("index", r.index, number(r.index, 1), "fw-bold")]
    for c in IndexWeights.COMPONENTS:
        value = r.figures.get(COMPONENT_FIGURE[c])
        cells.append(_cell(c, value, format_figure(value, COMPONENT_FIGURE[c])))
    return cells


def _figure_cells(r: selectors.Ranked) -> list[dict]:
    return [_cell("agency", r.agency.name, r.agency.name)] + [
        _cell(f.key, r.figures.get(f.key), format_figure(r.figures.get(f.key), f.key)) for f in F.FIGURES]


# ---- the page's parts ---------------------------------------------------------------------------------

def _month_label(month: int) -> str:
    return f"{MONTHS[month % 100 - 1]} {to_persian_digits(month // 100)}"


def _scope(request, user):
    """The agencies the page covers: the user's own (policy), narrowed by ?province= (national only)
    and ?q= (a part of the name, compared in the project's normal form)."""
    sup = policy.supervisor_of(user)
    national = user.is_superuser or (sup is not None and sup.level == Level.NATIONAL)
    agencies = list(policy.visible_agencies(user).order_by("name"))
    provinces = sorted({a.province for a in agencies if a.province}) if national else []
    province = request.GET.get("province", "")[:100] if national else ""
    if province:
        agencies = [a for a in agencies if a.province == province]
    q = request.GET.get("q", "")[:100].strip()
    wanted = normalize(q)
    if wanted:
        agencies = [a for a in agencies if wanted in normalize(a.name)]
    if national:
        where = f"استان {province}" if province else "همه دستگاه‌های کشور"
    else:
        where = f"استان {sup.province}" if sup and sup.province else "دستگاه‌های زیر نظر شما"
    return agencies, {"national": national, "provinces": provinces, "province": province, "q": q, "where": where}


def _period_choices(period: periods.Period) -> list[dict]:
    """The picker's options grouped by year (year, its quarters, its months), the asked period kept
    even when it is older than the list."""
    groups: dict[int, list] = {}
    found = False
    for p in periods.choices():
        groups.setdefault(p.year, []).append(p)
        found = found or p == period
    if not found:
        groups.setdefault(period.year, []).insert(0, period)
    return [{"year": to_persian_digits(y), "periods": ps} for y, ps in groups.items()]


def _monthly_index(trend: dict, agency_id: int) -> list:
    """The agency's index month by month, empty for a month in which it registered no incoming or
    outgoing letter: with nothing else to measure, the formula would give the connection alone (0 or
    100), a point that says nothing about paper."""
    series = trend["series"][agency_id]
    return [None if not (series["letters_in"][i] or series["letters_out"][i]) else value
            for i, value in enumerate(series["index"])]


def _charts(rows: list[selectors.Ranked], trend: dict, sums: dict) -> dict:
    """The charts' data (read by dashboard.js from a json_script): the index month by month, the
    electronic and paper letters and the pages per letter of each agency."""
    this_month = periods.current().month_keys[0]
    keep = [i for i, m in enumerate(trend["months"]) if m <= this_month]  # months still to come show nothing
    labels = [_month_label(trend["months"][i]) for i in keep]

    def line(agency_id):
        index = _monthly_index(trend, agency_id)
        return [index[i] for i in keep]

    ranked = [r for r in rows if r.rank is not None]
    if len(rows) <= LINES:
        lines = [{"label": r.agency.name, "data": line(r.agency.id)} for r in rows]
    else:
        per_month = [[v for r in rows if (v := line(r.agency.id)[j]) is not None] for j in range(len(keep))]
        average = [round(sum(vs) / len(vs), 1) if vs else None for vs in per_month]
        top, bottom = ranked[:3], [r for r in ranked[-3:] if r not in ranked[:3]]
        lines = [{"label": "میانگین دستگاه‌ها", "data": average, "average": True}]
        lines += [{"label": f"{r.agency.name} (رتبه {to_persian_digits(r.rank)})", "data": line(r.agency.id)}
                  for r in top + bottom]
    shown = rows[:BARS]
    split = [selectors.paper_split(sums.get(r.agency.id, {})) for r in shown]
    return {
        "index": {"labels": labels, "datasets": lines},
        "paper": {"labels": [r.agency.name for r in shown], "electronic": [e for e, _ in split],
                  "paper": [p for _, p in split]},
        "pages": {"labels": [r.agency.name for r in shown],
                  "data": [r.figures.get("pages_per_letter") for r in shown]},
        "more": max(0, len(rows) - BARS),
    }


# ---- exports -----------------------------------------------------------------------------------------

def _plain(value):
    """A figure's value as a spreadsheet cell: numbers stay numbers; «more than 30 days» is said."""
    if isinstance(value, float) and math.isinf(value):
        return BEYOND
    return value


def _number_format(key: str) -> str:
    unit = F.BY_KEY[key].unit if key in F.BY_KEY else "count"
    return {"count": "#,##0", "percent": "0.0", "ratio": "0.00", "score": "0.00", "hours": "0.##"}.get(unit, "")


def _ranking_sheet(rows, period) -> tables.Sheet:
    columns = [tables.Column("rank", "رتبه", "0"), tables.Column("previous_rank", "رتبه دوره قبل", "0"),
               tables.Column("change", "تغییر رتبه", "0"), tables.Column("agency", "دستگاه"),
               tables.Column("province", "استان"), tables.Column("index", "شاخص کم‌کاغذ", "0.0")]
    columns += [tables.Column(c, F.COMPONENT_LABELS[c], _number_format(COMPONENT_FIGURE[c]))
                for c in IndexWeights.COMPONENTS]
    out = [{"rank": r.rank, "previous_rank": r.previous_rank, "change": r.change, "agency": r.agency.name,
            "province": r.agency.province, "index": r.index,
            **{c: _plain(r.figures.get(COMPONENT_FIGURE[c])) for c in IndexWeights.COMPONENTS}} for r in rows]
    return tables.Sheet(f"رتبه‌بندی {period.key}", columns, out)


def _figures_sheet(rows, period) -> tables.Sheet:
    columns = [tables.Column("agency", "دستگاه"), tables.Column("province", "استان")]
    columns += [tables.Column(f.key, f.label, _number_format(f.key)) for f in F.FIGURES]
    out = [{"agency": r.agency.name, "province": r.agency.province,
            **{f.key: _plain(r.figures.get(f.key)) for f in F.FIGURES}} for r in rows]
    return tables.Sheet(f"شاخص‌ها {period.key}", columns, out)


TREND_FIGURES = ("in_electronic_share", "out_electronic_share", "signed_digital_share", "print_pages",
                 "letters_in", "letters_out")


def _trend_sheet(rows, trend, period) -> tables.Sheet:
    """Month by month, one row per agency and month (a long table, to pivot in a spreadsheet)."""
    columns = [tables.Column("month", "ماه"), tables.Column("month_label", "نام ماه"), tables.Column("agency", "دستگاه"),
               tables.Column("index", "شاخص کم‌کاغذ", "0.0")]
    columns += [tables.Column(k, F.BY_KEY[k].label, _number_format(k)) for k in TREND_FIGURES]
    this_month = periods.current().month_keys[0]
    out = []
    index = {r.agency.id: _monthly_index(trend, r.agency.id) for r in rows}
    for i, month in enumerate(trend["months"]):
        if month > this_month:
            break
        for r in rows:
            series = trend["series"][r.agency.id]
            out.append({"month": f"{month // 100}-{month % 100:02d}", "month_label": _month_label(month),
                        "agency": r.agency.name, "index": index[r.agency.id][i],
                        **{k: series[k][i] for k in TREND_FIGURES}})
    return tables.Sheet(f"روند {period.key}", columns, out)


FORMATS = {
    "csv": ("text/csv; charset=utf-8", tables.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tables.to_xlsx),
}


def _export(request, table: str, rows, period) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if table not in ("ranking", "figures", "trend") or fmt not in FORMATS:
        raise DomainError(BAD_EXPORT, field="export")
    if table == "ranking":
        sheet = _ranking_sheet(rows, period)
    elif table == "figures":
        sheet = _figures_sheet(rows, period)
    else:
        sheet = _trend_sheet(rows, selectors.trend([r.agency for r in rows], period), period)
    content_type, write = FORMATS[fmt]
    response = HttpResponse(write(sheet), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{table}-{period.key}.{fmt}"'
    return response


# ---- the page ------------------------------------------------------------------------------------------

@login_required
def dashboard(request):
    user = request.user
    if not policy.is_supervisor(user):
        managed = sorted(policy.managed_agency_ids(user))
        if managed:  # an agency's manager has their own agency's page
            return redirect("stats:agency", agency_id=managed[0])
        raise NotAllowed(policy.NOT_ALLOWED)

    error = ""
    try:
        period = periods.parse(request.GET.get("period", ""))
    except DomainError as exc:
        if request.GET.get("export"):
            raise
        error, period = exc.message, periods.current()

    agencies, scope = _scope(request, user)
    rows = selectors.ranking(agencies, period)
    rank_sort = _sort(request, "", {k for k, _ in RANK_COLUMNS}, "rank")
    figure_columns = [("agency", "دستگاه")] + [(f.key, f.label) for f in F.FIGURES]
    figure_sort = _sort(request, "f", {k for k, _ in figure_columns}, "agency")
    ranking_rows = _sorted(rows, rank_sort[0], rank_sort[1] == "desc")
    figure_rows = _sorted(rows, figure_sort[0], figure_sort[1] == "desc")

    export = request.GET.get("export")
    if export is not None:
        return _export(request, export, ranking_rows if export != "figures" else figure_rows, period)

    sums = selectors.period_sums([a.id for a in agencies], period)
    totals = selectors.scope_figures(sums, period)
    trend = selectors.trend(agencies, period)

    query = {k: v for k, v in (("period", period.key), ("q", scope["q"]), ("province", scope["province"]),
                               ("sort", request.GET.get("sort", "")), ("dir", request.GET.get("dir", "")),
                               ("fsort", request.GET.get("fsort", "")), ("fdir", request.GET.get("fdir", ""))) if v}
    base = {k: v for k, v in query.items() if k not in ("sort", "dir", "fsort", "fdir")}
    rank_query = {**base, **({"fsort": query["fsort"]} if "fsort" in query else {}),
                  **({"fdir": query["fdir"]} if "fdir" in query else {})}
    figure_query = {**base, **({"sort": query["sort"]} if "sort" in query else {}),
                    **({"dir": query["dir"]} if "dir" in query else {})}
    groups = [{"label": label, "span": sum(1 for f in F.FIGURES if f.group == key)} for key, label in F.GROUPS.items()]
    return render(request, "stats/dashboard.html", {
        "period": period, "error": error, "choices": _period_choices(period), "scope": scope,
        "agencies": agencies, "totals": totals,
        "rank_rows": [{"agency": r.agency, "cells": _rank_cells(r)} for r in ranking_rows],
        "figure_rows": [{"agency": r.agency, "cells": _figure_cells(r)} for r in figure_rows],
        "letters_total": totals["letters_in"] + totals["letters_out"] + totals["letters_internal"],
        "rank_headers": _headers(rank_query, "", RANK_COLUMNS, rank_sort),
        "figure_headers": _headers(figure_query, "f", figure_columns, figure_sort),
        "groups": groups, "charts": _charts(rows, trend, sums),
        "export_query": urlencode(query), "today": today(),
    }, status=400 if error else 200)


urlpatterns = [path("dashboard/", dashboard, name="dashboard")]
