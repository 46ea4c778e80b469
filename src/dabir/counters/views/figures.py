"""«آمار دفتر»: an office's figures for a Jalali month, for its manager and its province's regulator, and
the regulator's overview of all their offices (sortable by any column). Reads only: counters/figures.py."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from dabir.core.errors import DomainError, NotAllowed, NotFound

from .. import figures as F
from .. import policy
from ..models import Office

COLUMNS = [
    ("code", "کد"), ("name", "دفتر"), ("city", "شهر"), ("requests", "درخواست‌ها"), ("letters", "نامه‌ها"),
    ("agency", "سهم دستگاه‌ها (ریال)"), ("own", "سهم دفتر (ریال)"), ("handling", "میانگین زمان رسیدگی"),
    ("rating", "میانگین رضایت"), ("complaints", "شکایت‌ها"), ("upheld", "شکایت وارد"),
]


def _month(request) -> tuple[int, str]:
    raw = request.GET.get("month", "")
    if not raw:
        return F.this_month(), ""
    try:
        return F.parse_month(raw), ""
    except DomainError as exc:
        return F.this_month(), exc.message


def _months(month: int) -> list[tuple[int, str]]:
    months = F.recent_months(12)
    if month not in months:
        months.append(month)
    return [(m, F.month_label(m)) for m in months]


@login_required
def office(request, code):
    found = Office.objects.filter(code=str(code)[:16]).first()
    if found is None or not policy.can_see_office(request.user, found):
        raise NotFound("این دفتر پیدا نشد.")
    if not policy.can_see_figures(request.user, found):
        raise NotAllowed("آمار دفتر را فقط مدیر همان دفتر و ناظر استان می‌بینند.")
    month, error = _month(request)
    return render(request, "counters/figures/office.html", {
        "office": found, "f": F.office_figures(found, month), "month": month, "month_label": F.month_label(month),
        "months": _months(month), "error": error, "is_regulator": policy.is_regulator(request.user),
    }, status=400 if error else 200)


@login_required
def overview(request):
    provinces = policy.regulated_provinces(request.user)
    if provinces == []:
        raise NotAllowed(policy.NOT_REGULATOR)
    offices = Office.objects.all() if provinces is None else Office.objects.filter(province__in=provinces)
    month, error = _month(request)
    rows, sort = F.sort_figures(F.figures(offices.order_by("code"), month), request.GET.get("sort", "code")[:20])
    totals = F.Figures(office=None)
    for r in rows:
        for name in ("requests", "letters", "agency_rials", "office_rials", "complaints", "upheld"):
            setattr(totals, name, getattr(totals, name) + getattr(r, name))
    return render(request, "counters/figures/overview.html", {
        "rows": rows, "totals": totals, "sort": sort, "columns": COLUMNS, "month": month,
        "month_label": F.month_label(month), "months": _months(month), "error": error,
    }, status=400 if error else 200)


urlpatterns = [
    path("figures/", overview, name="figures_overview"),
    path("figures/<str:code>/", office, name="figures"),
]
