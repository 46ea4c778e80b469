"""The service desk's JSON API, mounted at /api/desk/ (see docs/desk-api.md).

Public: the catalogue, service profiles, definition export and schema, tracking lookup (rate-limited).
Citizens (session or token of a citizen account): submit, their requests, documents, cancel, rating,
result PDF, complaints. Staff: requests at their positions, stage decisions, document requests,
signing results, the agency's late requests. Handlers stay thin: one service or selector call each.
"""

import json

from django.conf import settings
from django.http import HttpResponse
from ninja import Query, Router
from ninja.responses import Status

from dabir.accounts.decorators import is_citizen
from dabir.core import ratelimit
from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.jalali import today
from dabir.core.problems import problem
from dabir.core.text import to_latin_digits
from dabir.letters.services import Upload
from dabir.orgs.models import Agency
from dabir.orgs.selectors import acting_seat

from . import codes, selectors, services
from .definition import Definition, version_definition
from .models import Complaint, RequestStatus, Service, ServiceRequest
from .schemas import (
    CancelIn,
    CatalogueQuery,
    ComplaintIn,
    ComplaintOut,
    DecideIn,
    DocumentsRequestIn,
    PublishedOut,
    RateIn,
    RatingOut,
    RequestDetailOut,
    RequestOut,
    ServiceOut,
    ServiceProfileOut,
    SignResultIn,
    StaffRequestOut,
    TrackCodeIn,
    TrackCodeOut,
    TrackIn,
    TrackOut,
)

router = Router(tags=["desk"])

MAX_FILE = 25 * 1024 * 1024
MAX_DEFINITION = 512 * 1024


# ---------------------------------------------------------------- shapes


def _service(s: Service, full: bool = False) -> dict:
    d = version_definition(s.current_version)
    out = {
        "code": s.code, "title": s.title, "agency": s.agency.name, "agency_code": s.agency.code,
        "category": s.category.slug if s.category else None, "national_id": s.national_id,
        "version": s.current_version.number, "description": d.profile.description,
        "channels": list(d.profile.channels), "fees": d.fees.model_dump(), "duration_days": d.profile.duration_days,
    }
    if full:
        out.update(
            profile=d.profile.model_dump(mode="json"), form=[f.model_dump(mode="json") for f in d.form],
            documents=[x.model_dump(mode="json") for x in d.documents],
            # What the public sees of the workflow: stage titles and deadlines, not the positions.
            stages=[{"code": st.code, "title": st.title, "deadline_days": st.deadline_days} for st in d.stages],
        )
    return out


def _events(events) -> list[dict]:
    return [{"kind": e.kind, "title": e.get_kind_display(), "stage": e.stage_title, "note": e.note, "at": e.at}
            for e in events]


def _request(r: ServiceRequest) -> dict:
    result_code = None
    if r.status == RequestStatus.COMPLETED and r.result_letter_id:
        from dabir.signing.services import current_version

        version = current_version(r.result_letter)
        result_code = version.code if version else None
    rating = getattr(r, "rating", None) if hasattr(r, "rating") else None
    return {
        "tracking_code": r.tracking_code, "service": r.service.title, "service_code": r.service.code,
        "agency": r.service.agency.name, "status": r.status, "status_label": r.get_status_display(),
        "stage": (version_definition(r.version).stage(r.stage_code).title
                  if r.stage_code and version_definition(r.version).stage(r.stage_code) else ""),
        "stage_due": r.stage_due, "submitted_at": r.submitted_at, "finished_at": r.finished_at,
        "fee_rials": r.fee_rials, "paid": r.paid, "payment_message": selectors.payment_message(r),
        "rejection_reason": r.rejection_reason, "requested_documents": list(r.requested_documents or []),
        "letter_number": r.letter.number if r.letter_id else None, "result_code": result_code,
        "result_url": f"/api/desk/requests/{r.tracking_code}/result.pdf" if result_code else None,
        "rating": rating.score if rating else None,
    }


def _staff_request(r: ServiceRequest) -> dict:
    out = _request(r)
    out.update(national_code=r.national_code, mobile=r.mobile, applicant_name=r.applicant_name,
               letter_id=r.letter_id, stage_code=r.stage_code,
               late=bool(r.stage_due and r.stage_due < today() and r.status in selectors.LATE_STATES))
    return out


def _complaint(c: Complaint) -> dict:
    return {
        "tracking_code": c.tracking_code, "about": c.about, "agency": c.agency.name, "status": c.status,
        "status_label": c.get_status_display(), "text": c.text, "answer": c.answer, "answer_due": c.answer_due,
        "created_at": c.created_at, "request_tracking_code": c.request.tracking_code if c.request_id else None,
    }


def _citizen(request):
    if not is_citizen(request.user):
        raise NotAllowed("این بخش برای شهروندانی است که با کد ملی و پیامک وارد شده‌اند.")
    return request.user


def _uploads(request) -> dict[str, list[Upload]]:
    out: dict[str, list[Upload]] = {}
    for name in request.FILES:
        for f in request.FILES.getlist(name):
            if f.size > MAX_FILE:
                raise DomainError(f"پرونده «{f.name}» بیش از اندازه بزرگ است.", field=name)
            out.setdefault(name, []).append(Upload(name=f.name, content=f.read()))
    return out


class BodyNotObject(DomainError):
    """Readable JSON that is not an object (null, a list): refused like every other API body, 422."""

    status = 422
    code = "validation"


def _json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError("بدنه درخواست JSON معتبر نیست.", code="malformed_body") from None
    if not isinstance(body, dict):
        raise BodyNotObject("بدنه درخواست باید یک شیء JSON باشد ({...})؛ فیلدی را که نمی‌فرستید بیرون بگذارید.",
                            field="body")
    return body


def _form(request) -> tuple[dict, dict, dict[str, list[Upload]]]:
    """(fields, answers, files) from multipart (answers as fields or a `data` JSON field) or JSON."""
    if (request.content_type or "").startswith("multipart/"):
        fields = {k: request.POST.get(k, "") for k in request.POST}
        answers = dict(fields)
        if fields.get("data"):
            try:
                answers = json.loads(fields["data"])
            except ValueError:
                raise DomainError("فیلد data باید JSON معتبر باشد.", field="data") from None
            if not isinstance(answers, dict):
                raise DomainError("فیلد data باید شیء JSON باشد.", field="data")
        return fields, answers, _uploads(request)
    body = _json_body(request)
    answers = body.get("data") or {}
    if not isinstance(answers, dict):
        raise DomainError("فیلد data باید شیء JSON باشد.", field="data")
    return body, answers, {}


def _own_request(request, tracking_code) -> ServiceRequest:
    return selectors.request_of_citizen(_citizen(request), tracking_code)


# ---------------------------------------------------------------- public: catalogue and definitions


@router.get("/catalogue", auth=None, response=list[ServiceOut], summary="فهرست خدمات (جست‌وجو با واژه، دستگاه، دسته)")
def catalogue(request, filters: Query[CatalogueQuery]):
    f = filters
    rows = selectors.catalogue(q=f.q, agency=f.agency or None, category=f.category or None)
    return [_service(s) for s in rows[f.offset:f.offset + f.limit]]


@router.get("/services/{code}", auth=None, response=ServiceProfileOut, summary="شناسنامه خدمت")
def service_profile(request, code: str):
    return _service(services.lookup_service(code), full=True)


@router.get("/services/{code}/definition", auth=None, summary="برون‌بری تعریف خدمت (JSON، یا YAML با ?format=yaml)")
def export_definition(request, code: str, format: str = "json"):
    service = services.lookup_service(code)
    data = service.current_version.definition
    if format == "yaml":
        import yaml

        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{service.code}.yaml"'
        return response
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{service.code}.json"'
    return response


@router.get("/definition-schema.json", auth=None, summary="طرح‌واره (JSON Schema) تعریف خدمت")
def definition_schema(request):
    return Definition.model_json_schema()


@router.post("/definitions", response={201: PublishedOut}, summary="ورود یا انتشار تعریف خدمت (JSON یا YAML)",
             openapi_extra={"requestBody": {"content": {
                 "application/json": {"schema": {"type": "object"}},
                 "application/yaml": {"schema": {"type": "string"}}}}})
def import_definition(request):
    if len(request.body) > MAX_DEFINITION:
        raise DomainError("تعریف خدمت بیش از اندازه بزرگ است.", field="definition")
    kind = (request.content_type or "").lower()
    if "yaml" in kind:
        import yaml

        try:
            data = yaml.safe_load(request.body.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DomainError(f"پرونده YAML خوانده نشد: {str(exc)[:200]}", field="definition") from None
    else:
        data = _json_body(request)
    version = services.publish_service(user=request.user, definition=data)
    return Status(201, {"code": version.service.code, "version": version.number})


# ---------------------------------------------------------------- citizens: requests


@router.post("/services/{code}/requests", response={201: RequestOut, 200: RequestOut},
             summary="ثبت درخواست (شهروند؛ multipart با پرونده‌ها یا JSON)",
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {
                     "mobile": {"type": "string"}, "applicant_name": {"type": "string"},
                     "submission_key": {"type": "string"}, "channel": {"type": "string"},
                     "data": {"type": "string", "description": "پاسخ‌ها به شکل JSON (یا هر فیلد جدا)"}}}},
                 "application/json": {"schema": {"type": "object"}}}}})
def submit(request, code: str):
    citizen = _citizen(request)
    service = services.lookup_service(code)
    fields, answers, files = _form(request)
    key = str(fields.get("submission_key") or "")[:64] or None
    before = key and ServiceRequest.objects.filter(submission_key=key).exists()
    req = services.submit_request(
        service=service, channel=str(fields.get("channel") or "online"), national_code=citizen.national_code,
        mobile=str(fields.get("mobile") or citizen.mobile), data=answers, uploads=files, applicant=citizen,
        applicant_name=str(fields.get("applicant_name") or ""), submission_key=key,
    )
    return Status(200 if before else 201, _request(req))


@router.get("/requests", response=list[RequestOut], summary="درخواست‌های من")
def my_requests(request):
    rows = selectors.requests_of(_citizen(request)).select_related("version", "rating")[:500]
    return [_request(r) for r in rows]


@router.get("/requests/{tracking_code}", response=RequestDetailOut, summary="جزئیات درخواست من")
def my_request(request, tracking_code: str):
    r = _own_request(request, tracking_code)
    out = _request(r)
    out.update(data=r.data, timeline=_events(selectors.timeline(r)),
               documents=[{"code": d.code, "name": d.name, "size": d.size, "uploaded_at": d.uploaded_at}
                          for d in r.documents.all()])
    return out


@router.post("/requests/{tracking_code}/documents", response=RequestOut, summary="بارگذاری مدارک تکمیلی (multipart)")
def add_documents(request, tracking_code: str):
    r = _own_request(request, tracking_code)
    if not (request.content_type or "").startswith("multipart/"):
        raise DomainError("مدارک را با multipart/form-data بفرستید (نام فیلد: کد مدرک).", field="documents")
    return _request(services.add_documents(user=request.user, request=r, uploads=_uploads(request)))


@router.post("/requests/{tracking_code}/cancel", response=RequestOut, summary="لغو درخواست")
def cancel(request, tracking_code: str, payload: CancelIn):
    r = _own_request(request, tracking_code)
    return _request(services.cancel_request(user=request.user, request=r, reason=payload.reason))


@router.post("/requests/{tracking_code}/rating", response={201: RatingOut}, summary="نظرسنجی درخواست پایان‌یافته")
def rate(request, tracking_code: str, payload: RateIn):
    r = _own_request(request, tracking_code)
    rating = services.rate_request(user=request.user, request=r, score=payload.score, comment=payload.comment)
    return Status(201, {"score": rating.score, "comment": rating.comment})


@router.get("/requests/{tracking_code}/result.pdf", summary="دریافت نتیجه امضاشده (PDF)")
def result_pdf(request, tracking_code: str):
    r = _own_request(request, tracking_code)
    found = selectors.result_pdf(r)
    if found is None:
        raise NotFound("نتیجه این درخواست هنوز آماده نیست.")
    data, code = found
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="result-{r.tracking_code}.pdf"'
    response["X-Dabir-Verify-Code"] = code
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- citizens: complaints


@router.post("/complaints", response={201: ComplaintOut}, summary="ثبت شکایت")
def file_complaint(request, payload: ComplaintIn):
    citizen = _citizen(request)
    agency = Agency.objects.filter(code=payload.agency.strip()).first()
    if agency is None:
        raise DomainError("دستگاه پیدا نشد.", field="agency")
    req = None
    if payload.tracking_code.strip():
        req = selectors.request_of_citizen(citizen, payload.tracking_code)
    complaint = services.file_complaint(
        user=citizen, national_code=citizen.national_code, mobile=payload.mobile or citizen.mobile,
        about=payload.about, agency=agency, text=payload.text, request=req, employee_name=payload.employee_name,
    )
    return Status(201, _complaint(complaint))


@router.get("/complaints", response=list[ComplaintOut], summary="شکایت‌های من")
def my_complaints(request):
    return [_complaint(c) for c in selectors.complaints_of(_citizen(request))[:500]]


@router.get("/complaints/{tracking_code}", response=ComplaintOut, summary="جزئیات شکایت من")
def my_complaint(request, tracking_code: str):
    return _complaint(selectors.complaint_of_citizen(_citizen(request), tracking_code))


# ---------------------------------------------------------------- public tracking


def _track_rate() -> tuple[int, int]:
    limit, window = settings.DABIR_DESK_TRACK_RATE
    return int(limit), int(window)


def _track_limited(request):
    limit, window = _track_rate()
    if ratelimit.hit(f"desk-track:{ratelimit.client_ip(request)}", limit, window):
        return None
    response = problem(429, "تعداد پیگیری‌ها از این نشانی بیش از حد مجاز است؛ چند دقیقه دیگر بکوشید.",
                       code="rate_limited")
    response["Retry-After"] = str(window)
    return response


@router.post("/track/code", auth=None, response={202: TrackCodeOut, 429: None},
             summary="پیگیری با تلفن همراه: فرستادن کد یک‌بارمصرف به تلفن همراه متقاضی")
def track_code(request, payload: TrackCodeIn):
    """The code is sent only when the mobile is the request's; the answer is the same either way."""
    from dabir.accounts.services import TooManyRequests

    limited = _track_limited(request)
    if limited is not None:
        return limited
    try:
        services.request_tracking_otp(tracking_code=payload.tracking_code, mobile=payload.mobile,
                                      ip=ratelimit.client_ip(request))
    except TooManyRequests as exc:
        response = problem(429, exc.message, code=exc.code,
                           errors=[{"field": exc.field, "message": exc.message}] if exc.field else None)
        response["Retry-After"] = str(exc.retry_after)
        return response
    ttl = settings.DABIR_OTP_TTL
    return Status(202, {"detail": "اگر این شماره، تلفن همراه متقاضی همین کد رهگیری باشد، کد به آن پیامک شد.",
                        "expires_in": ttl})


@router.post("/track", auth=None, response={200: TrackOut, 429: None},
             summary="پیگیری عمومی: کد رهگیری با کد ملی متقاضی، یا با تلفن همراه و کد پیامک‌شده (محدودیت تعداد)")
def track(request, payload: TrackIn):
    limited = _track_limited(request)
    if limited is not None:
        return limited
    code = codes.clean_tracking_code(payload.tracking_code)  # a mistyped code: refused, nothing looked up
    if payload.code.strip() or payload.mobile.strip():
        if not payload.mobile.strip():
            raise DomainError("تلفن همراه متقاضی را هم بفرستید.", field="mobile")
        found = services.track_with_otp(tracking_code=code, mobile=payload.mobile, code=payload.code)
    elif not payload.national_code.strip():
        raise DomainError("کد ملی متقاضی، یا تلفن همراه او با کد پیامک‌شده را بفرستید.", field="national_code")
    elif codes.is_complaint_code(code):
        found = selectors.public_complaint(code, payload.national_code)
    else:
        found = selectors.public_status(code, payload.national_code)
    if found is None:
        raise NotFound("درخواستی با این کد رهگیری و کد ملی پیدا نشد.")
    if isinstance(found, Complaint):
        return {"kind": "complaint", "tracking_code": found.tracking_code, "status": found.status,
                "status_label": found.get_status_display(), "title": f"شکایت از {found.agency.name}", "timeline": [],
                "answer": found.answer}
    return {"kind": "request", "tracking_code": found.tracking_code, "status": found.status,
            "status_label": found.get_status_display(), "title": found.service.title,
            "timeline": _events(selectors.timeline(found))}


# ---------------------------------------------------------------- staff


@router.get("/staff/requests", response=list[StaffRequestOut], summary="درخواست‌های ارجاع‌شده به سمت‌های من")
def staff_requests(request, position_id: str = "", open_only: bool = True, status: str = ""):
    pid = int(to_latin_digits(position_id)) if to_latin_digits(position_id).strip().isdigit() else None
    rows = selectors.staff_requests(request.user, position_id=pid, open_only=open_only, status=status or None)
    return [_staff_request(r) for r in rows.select_related("version")[:500]]


@router.get("/staff/requests/{tracking_code}", response=RequestDetailOut, summary="جزئیات درخواست (کارمند)")
def staff_request(request, tracking_code: str):
    r = selectors.staff_request(request.user, tracking_code)
    out = _request(r)
    out.update(data=r.data, timeline=_events(selectors.timeline(r, public_only=False)),
               documents=[{"code": d.code, "name": d.name, "size": d.size, "uploaded_at": d.uploaded_at}
                          for d in r.documents.all()])
    return out


def _stage_position(request, r: ServiceRequest, position_id):
    seat = acting_seat(request, position_id, prefer=[
        ref.to_position_id for ref in r.letter.referrals.filter(status__in=["unread", "read"])] if r.letter_id else [])
    return seat.position.id


@router.post("/staff/requests/{tracking_code}/decide", response=StaffRequestOut, summary="تصمیم مرحله")
def decide(request, tracking_code: str, payload: DecideIn):
    r = selectors.staff_request(request.user, tracking_code)
    r = services.decide_stage(user=request.user, position_id=_stage_position(request, r, payload.position_id),
                              request=r, outcome=payload.outcome, note=payload.note, public_note=payload.public_note)
    return _staff_request(r)


@router.post("/staff/requests/{tracking_code}/request-documents", response=StaffRequestOut,
             summary="درخواست مدارک تکمیلی از متقاضی")
def request_documents(request, tracking_code: str, payload: DocumentsRequestIn):
    r = selectors.staff_request(request.user, tracking_code)
    r = services.request_documents(user=request.user, position_id=_stage_position(request, r, payload.position_id),
                                   request=r, codes=payload.codes, note=payload.note)
    return _staff_request(r)


@router.post("/staff/requests/{tracking_code}/sign-result", response=StaffRequestOut, summary="امضای نتیجه")
def sign_result(request, tracking_code: str, payload: SignResultIn):
    r = selectors.staff_request(request.user, tracking_code)
    seat = acting_seat(request, payload.position_id, prefer=[r.result_letter.signer_position_id]
                       if r.result_letter_id else [])
    return _staff_request(services.sign_result(user=request.user, position_id=seat.position.id, request=r))


@router.get("/staff/late", response=list[StaffRequestOut], summary="درخواست‌های دیرکرددار دستگاه (مدیران)")
def late(request, agency: str = ""):
    agencies = selectors.late_agencies(request.user)
    if agency:
        agencies = agencies.filter(code=agency[:32])
    if not agencies.exists():
        raise NotAllowed("فهرست دیرکردها برای مدیران و مدیر سامانه دستگاه است.")
    rows = []
    for a in agencies[:20]:
        rows.extend(selectors.late_requests(a).select_related("version", "service__agency")[:500])
    return [_staff_request(r) for r in rows]
