"""Reports on paper and the recognition of leading secretariats:

/stats/ranking.pdf?period=                            the ranking, on the supervising office's letterhead
/stats/agency/<id>/report.pdf?period=                 one agency's report (its supervisors and managers)
/stats/leaders/?period=                               the leading secretariats of the supervisor's scope
/stats/leaders/<id>/certificate.pdf?period=           a leader's certificate of recognition (لوح تقدیر)

Thin: services.reports checks who asks and writes the audit entry, stats.pdf lays the PDF out.
A bad period is a DomainError: a Persian page with status 400.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from dabir.core.errors import DomainError, NotFound
from dabir.core.jalali import today
from dabir.orgs.models import Agency

from .. import pdf, periods, selectors
from ..services import reports


def _period(request) -> periods.Period:
    return periods.parse(request.GET.get("period", "")[:20])


def _agency(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise NotFound("این دستگاه پیدا نشد.")
    return agency


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def ranking_pdf(request):
    report = reports.export_ranking(user=request.user, period=_period(request))
    return _pdf(pdf.render_ranking(report), f"ranking-{report.period.key}.pdf")


@never_cache
@login_required
def agency_pdf(request, agency_id: int):
    period = _period(request)
    report = reports.export_agency(user=request.user, agency=_agency(agency_id), period=period)
    return _pdf(pdf.render_agency(report), f"agency-{agency_id}-{period.key}.pdf")


@never_cache
@login_required
def leaders(request):
    error = ""
    try:
        period = _period(request)
    except DomainError as exc:
        period, error = periods.current(), exc.message
    top, rows = reports.leaders(user=request.user, period=period)
    top_ids = {r.agency.pk for r in top}
    # First places that earn no certificate: shown so the rule reads plainly.
    short = [r for r in rows if r.rank is not None and r.rank <= selectors.LEADER_RANKS and r.agency.pk not in top_ids]
    choices = periods.choices()
    if period not in choices:
        choices.append(period)
    return render(request, "stats/leaders.html", {
        "period": period, "choices": choices, "error": error, "leaders": top, "short": short,
        "ranked": sum(1 for r in rows if r.rank is not None), "total": len(rows),
        "min_index": selectors.LEADER_MIN_INDEX, "ranks": selectors.LEADER_RANKS,
        "running": period.end >= today(),
    }, status=400 if error else 200)


@never_cache
@login_required
def certificate_pdf(request, agency_id: int):
    period = _period(request)
    report = reports.issue_certificate(user=request.user, agency=_agency(agency_id), period=period)
    return _pdf(pdf.render_certificate(report), f"certificate-{agency_id}-{period.key}.pdf")


urlpatterns = [
    path("ranking.pdf", ranking_pdf, name="ranking_pdf"),
    path("agency/<int:agency_id>/report.pdf", agency_pdf, name="agency_pdf"),
    path("leaders/", leaders, name="leaders"),
    path("leaders/<int:agency_id>/certificate.pdf", certificate_pdf, name="certificate"),
]
