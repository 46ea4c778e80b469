"""The signed-in citizen's requests: the list, a request's page (status, timeline, documents, result,
rating), the confirmation, and the citizen's actions on it: add documents, rate, cancel, the result PDF."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dabir.accounts.decorators import citizen_required
from dabir.core.errors import DomainError
from dabir.letters.services import Upload

from .. import forms
from ..definition import version_definition
from ..models import OPEN_REQUEST, RequestStatus, ServiceRequest
from ._shared import (
    HARD_MAX_UPLOAD,
    _expected_date,
    _own_request,
    _status_context,
    _timeline,
    amount,
    group_code,
)


@never_cache
@citizen_required
@require_GET
def confirmation(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    definition = version_definition(req.version)
    first_stage = definition.stages[0] if definition.stages else None
    return render(request, "desk/confirmation.html", {
        "req": req, "d": definition, "grouped": group_code(req.tracking_code),
        "expected": _expected_date(req, definition), "first_stage": first_stage,
        "sms_sent": bool(req.mobile), "unpaid": req.status == RequestStatus.AWAITING_PAYMENT,
        "fee": amount(req.fee_rials), **_status_context(req),
    })


@never_cache
@citizen_required
@require_GET
def my_requests(request):
    from .. import selectors

    rows = []
    for req in selectors.requests_of(request.user):
        rows.append({"req": req, "grouped": group_code(req.tracking_code), **_status_context(req)})
    complaints = selectors.complaints_of(request.user)[:50]
    return render(request, "desk/my_requests.html", {"rows": rows, "complaints": complaints})


def _result_version(req: ServiceRequest):
    if req.result_letter_id is None or req.status != RequestStatus.COMPLETED:
        return None
    from dabir.signing.services import current_version

    return current_version(req.result_letter)


def _request_page(request, req: ServiceRequest, *, status=200, doc_error="", rating_form=None):
    from .. import selectors

    definition = version_definition(req.version)
    stage = definition.stage(req.stage_code) if req.stage_code else None
    requested = []
    if req.status == RequestStatus.AWAITING_DOCUMENTS:
        specs = {d.code: d for d in definition.documents}
        for code in req.requested_documents or []:
            spec = specs.get(code)
            requested.append({"code": code, "label": spec.label if spec else code,
                              "accept": ",".join(f".{t}" for t in (spec.file_types if spec else ["pdf", "jpg", "png"])),
                              "max_mb": spec.max_mb if spec else 5})
    finished = req.status in (RequestStatus.COMPLETED, RequestStatus.REJECTED)
    rating = getattr(req, "rating", None) if finished else None
    version = _result_version(req)
    request_note = req.events.filter(kind="documents_requested", public=True).order_by("-at", "-id").first()
    return render(request, "desk/request.html", {
        "req": req, "d": definition, "stage": stage, "grouped": group_code(req.tracking_code),
        "events": _timeline(req), "expected": _expected_date(req, definition),
        "requested": requested, "request_note": request_note, "doc_error": doc_error,
        "can_cancel": req.status in OPEN_REQUEST and req.status != RequestStatus.APPROVED,
        "can_rate": finished and rating is None, "rating": rating,
        "rating_form": rating_form or forms.RatingForm(), "result_version": version,
        "documents": list(req.documents.all()), "fee": amount(req.fee_rials),
        "payment_message": selectors.payment_message(req),
        **_status_context(req),
    }, status=status)


@never_cache
@citizen_required
@require_GET
def my_request(request, tracking_code: str):
    return _request_page(request, _own_request(request, tracking_code))


@never_cache
@citizen_required
@require_POST
def add_documents(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    if req.status != RequestStatus.AWAITING_DOCUMENTS:
        messages.info(request, "این درخواست در انتظار مدرکی نیست.")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    uploads: dict[str, list[Upload]] = {}
    for code in req.requested_documents or []:
        files = request.FILES.getlist(f"d-{code}")
        big = next((f for f in files if f.size > HARD_MAX_UPLOAD), None)
        if big is not None:
            return _request_page(request, req, status=400, doc_error=f"حجم پرونده «{big.name}» بیش از اندازه است.")
        if files:
            uploads[code] = [Upload(name=f.name, content=f.read()) for f in files[:10]]
    if not uploads:
        return _request_page(request, req, status=400, doc_error="مدرک خواسته‌شده را انتخاب کنید.")
    from .. import services

    try:
        services.add_documents(user=request.user, request=req, uploads=uploads)
    except DomainError as exc:
        return _request_page(request, req, status=exc.status if exc.status in (400, 403, 409) else 400,
                             doc_error=exc.message)
    messages.success(request, "مدارک بارگذاری شد و درخواست شما دوباره در جریان بررسی است.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_POST
def rate(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    form = forms.RatingForm(request.POST)
    if not form.is_valid():
        return _request_page(request, req, status=400, rating_form=form)
    from .. import services

    try:
        services.rate_request(user=request.user, request=req, score=form.cleaned_data["score"],
                              comment=form.cleaned_data["comment"])
    except DomainError as exc:
        form.add_error(None, exc.message)
        if getattr(req, "rating", None) is not None or req.status not in (RequestStatus.COMPLETED, RequestStatus.REJECTED):
            messages.error(request, exc.message)  # no rating form on the page to carry it
        return _request_page(request, req, status=400, rating_form=form)
    messages.success(request, "از نظر شما سپاسگزاریم.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_POST
def cancel(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    from .. import services

    try:
        services.cancel_request(user=request.user, request=req)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    messages.info(request, "درخواست لغو شد.")
    return redirect("desk:my_request", tracking_code=req.tracking_code)


@never_cache
@citizen_required
@require_GET
def result_pdf(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    from .. import selectors

    found = selectors.result_pdf(req)
    if found is None:
        raise Http404("نتیجه این درخواست هنوز آماده نیست.")
    data, _code = found
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="result-{req.tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response

