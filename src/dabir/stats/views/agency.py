"""«آمار دستگاه»: one agency's figures for a period, its paperless index and rank, where it loses points,
its monthly trend and per-user printing (with CSV/Excel downloads), and the drill-down from a figure to
the letters it counts. Who may look is stats.policy's; the letters come only through stats.drilldown,
which keeps them to letters.policy.visible_letters."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.http import urlencode

from dabir.core import tables
from dabir.core.errors import DomainError
from dabir.core.jalali import MONTHS
from dabir.core.text import to_persian_digits

from .. import drilldown, periods, policy, selectors
from .. import figures as F
from ..models import Level
from ..templatetags.stats_format import format_figure, number

PAGE_SIZE = 25
BAD_EXPORT = "خروجی را با export=figures یا printers و format=csv یا xlsx بخواهید."


def _period(request) -> periods.Period:
    return periods.parse(request.GET.get("period", ""))


def _agency(request, agency_id):
    from dabir.orgs.models import Agency

    agency = get_object_or_404(Agency, pk=agency_id)
    policy.check_agency(request.user, agency)
    return agency


def _month_label(month: int) -> str:
    return f"{MONTHS[month % 100 - 1]} {to_persian_digits(month // 100)}"


def _drill_url(agency, period, figure: str, part: str = "") -> str:
    query = {"period": period.key, "figure": figure}
    if part:
        query["part"] = part
    return reverse("stats:drilldown", kwargs={"agency_id": agency.id}) + "?" + urlencode(query)


def _figure_groups(agency, period, fig: dict) -> list[dict]:
    """The figures by group, each with its shown value and, for letter counts, the drill-down link."""
    groups = []
    for key, label in F.GROUPS.items():
        rows = []
        for f in F.FIGURES:
            if f.group != key:
                continue
            # A count made of letters opens them (nothing to open behind a zero).
            drillable = f.key in drilldown.FIGURES and f.unit == "count" and fig.get(f.key)
            url = _drill_url(agency, period, f.key) if drillable else ""
            rows.append({"key": f.key, "label": f.label, "value": fig.get(f.key),
                         "shown": format_figure(fig.get(f.key), f.key), "url": url})
        groups.append({"key": key, "label": label, "rows": rows})
    return groups


def _left(share) -> str:
    """The rest of a share, as shown: 100 − 60 → «۴۰٪»."""
    return f"{number(round(100 - share, 1), 1)}٪"


def _losses(agency, period, fig: dict, lost: dict, print_cap) -> list[dict]:
    """Each component that lost points, most first, with a sentence saying why and a link to the letters."""
    out = []
    for name, points in sorted(lost.items(), key=lambda kv: (-kv[1], kv[0])):
        if points <= 0:
            continue
        link = ""
        if name == "incoming":
            text = f"{_left(fig['in_electronic_share'])} نامه‌های وارده هنوز کاغذی (پست، نمابر یا حضوری) رسیده‌اند."
            link = _drill_url(agency, period, "in_electronic_share", "paper")
        elif name == "outgoing":
            text = f"{_left(fig['out_electronic_share'])} صادره‌های ارسال‌شده با پست، نمابر یا تحویل حضوری رفته‌اند."
            link = _drill_url(agency, period, "out_electronic_share", "paper")
        elif name == "exchange":
            text = f"{_left(fig['inter_exchange_share'])} مکاتبات با دستگاه‌های دیگر بیرون از شبکه تبادل انجام شده است."
            link = _drill_url(agency, period, "inter_exchange_share", "other")
        elif name == "signature":
            text = f"{_left(fig['signed_digital_share'])} نامه‌های صادره بدون امضای الکترونیکی امضا شده‌اند."
            link = _drill_url(agency, period, "signed_digital_share", "paper_signed")
        elif name == "printing":
            text = (f"به ازای هر نامه {format_figure(fig['pages_per_letter'], 'pages_per_letter')} صفحه چاپ شده است؛ "
                    f"از {number(print_cap, 2)} صفحه به بالا امتیاز این بخش صفر است.")
        elif name == "managers":
            text = f"{_left(fig['managers_active_share'])} مدیران در این دوره در سامانه امضا یا ارجاع نکرده‌اند."
        else:
            text = "دستگاه به شبکه تبادل (شبکه پیام دولت) وصل نیست."
        out.append({"name": name, "label": F.COMPONENT_LABELS[name], "points": points, "text": text, "url": link})
    return out


def _trend(agency, period) -> list[dict]:
    data = selectors.trend([agency], period)
    series = data["series"][agency.id]
    rows = []
    for i, month in enumerate(data["months"]):
        rows.append({"month": month, "label": _month_label(month),
                     **{k: values[i] for k, values in series.items()}})
    return rows


def _scope_label(user, agency) -> str:
    sup = policy.supervisor_of(user)
    if policy.is_supervisor(user) and (user.is_superuser or (sup and sup.level == Level.NATIONAL)):
        return "در کشور"
    return f"در استان {agency.province}" if agency.province else "در استان"


def _neighbours(ranked: list, agency) -> list:
    """For a supervisor: the ranked agencies just above and below this one."""
    rows = [r for r in ranked if r.rank is not None]
    at = next((i for i, r in enumerate(rows) if r.agency.id == agency.id), None)
    if at is None:
        return rows[:5]
    return rows[max(0, at - 2):at + 3]


# ---- Downloads --------------------------------------------------------------------------------


def _figures_sheet(agency, period, fig: dict, index) -> tables.Sheet:
    rows = [{"group": F.GROUPS[f.group], "label": f.label, "value": fig.get(f.key), "unit": f.unit}
            for f in F.FIGURES]
    rows.append({"group": "شاخص", "label": "شاخص سازمان کم‌کاغذ", "value": index, "unit": "score"})
    return tables.Sheet(f"آمار {period.key}", [
        tables.Column("group", "گروه"), tables.Column("label", "شاخص"),
        tables.Column("value", "مقدار", "0.##"), tables.Column("unit", "یکا"),
    ], rows)


def _printers_sheet(rows: list[dict], period) -> tables.Sheet:
    return tables.Sheet(f"چاپ {period.key}", [
        tables.Column("name", "کاربر"), tables.Column("username", "نام کاربری"),
        tables.Column("prints", "دفعات چاپ", "#,##0"), tables.Column("pages", "صفحه‌ها", "#,##0"),
        tables.Column("copies", "نسخه‌ها", "#,##0"),
    ], [{"name": str(r["user"] or ""), "username": getattr(r["user"], "username", ""),
         "prints": r["prints"], "pages": r["pages"], "copies": r["copies"]} for r in rows])


def _download(sheet: tables.Sheet, fmt: str, name: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(tables.to_csv(sheet), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            tables.to_xlsx(sheet), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# ---- Pages ------------------------------------------------------------------------------------


@login_required
def agency_page(request, agency_id):
    agency = _agency(request, agency_id)
    period = _period(request)
    user = request.user
    export, fmt = request.GET.get("export", ""), request.GET.get("format", "")
    if export and (export not in ("figures", "printers") or fmt not in ("csv", "xlsx")):
        raise DomainError(BAD_EXPORT, field="export")

    mine, ranked = selectors.standing(policy.ranking_scope(user, agency), agency, period)
    if export == "figures":
        return _download(_figures_sheet(agency, period, mine.figures, mine.index), fmt,
                         f"agency-{agency.code}-figures-{period.key}")
    printers = selectors.printers(agency.id, period)
    if export == "printers":
        return _download(_printers_sheet(printers, period), fmt, f"agency-{agency.code}-printers-{period.key}")

    weights = selectors.weights_for(agency.province)
    supervisor = policy.is_supervisor(user)
    return render(request, "stats/agency.html", {
        "agency": agency, "period": period, "choices": periods.choices(), "row": mine,
        "ranked_count": sum(1 for r in ranked if r.rank is not None), "scope_label": _scope_label(user, agency),
        "groups": _figure_groups(agency, period, mine.figures),
        "losses": _losses(agency, period, mine.figures, mine.lost, weights.print_cap),
        "trend": _trend(agency, period), "printers": printers,
        "is_supervisor": supervisor, "neighbours": _neighbours(ranked, agency) if supervisor else [],
    })


@login_required
def letters_page(request, agency_id):
    agency = _agency(request, agency_id)
    period = _period(request)
    figure, part = request.GET.get("figure", "")[:40], request.GET.get("part", "")[:20]
    definition = drilldown.part_of(figure, part)
    letters = drilldown.letters_behind(request.user, agency, period, figure, part).select_related("secretariat")
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"period": period.key, "figure": figure}
    if part:
        query["part"] = part
    return render(request, "stats/drilldown.html", {
        "agency": agency, "period": period, "figure": F.BY_KEY[figure], "part": part, "definition": definition,
        "page": page, "shown": page.paginator.count, "total": drilldown.figure_total(agency, period, figure, part),
        "query": urlencode(query),
    })


urlpatterns = [
    path("agency/<int:agency_id>/", agency_page, name="agency"),
    path("agency/<int:agency_id>/letters/", letters_page, name="drilldown"),
]
