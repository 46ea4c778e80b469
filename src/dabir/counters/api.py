"""The counter offices' JSON API, mounted at /api/counters/ (see docs/api.md, «Counter offices»).

An operator's client (a counter PC's software, with the operator's token or browser session) does what
the desk pages do: the citizen's visit and consent by SMS code, the fee quote, the submission (multipart
with scans, or JSON; the Idempotency-Key header makes a retry file once), the card reader's payment, and
the office's submissions. Every write goes through a service that asks policy.acting_staff first (an
inactive office is refused with the reason, 403); another office's visit or submission is 404.
Handlers stay thin: one service or selector call each.
"""

import datetime as dt
import re

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from dabir.core import ratelimit
from dabir.core.errors import Conflict, DomainError
from dabir.core.problems import problem
from dabir.core.schemas import In, JDate, LatinInt, PageQuery
from dabir.core.text import to_latin_digits

from . import policy, receipt, selectors, services
from .models import Submission, Visit

router = Router(tags=["counters"])

_KEY = re.compile(r"[\x21-\x7e]{1,64}")
_CONTROL_FIELDS = ("visit", "service", "expected_total", "data")


# ---------------------------------------------------------------- shapes


class VisitIn(In):
    national_code: str = Field(..., max_length=30, description="کد ملی متقاضی (رقم‌های فارسی هم پذیرفته است)")
    mobile: str = Field(..., max_length=30, description="تلفن همراه خود متقاضی؛ کد رضایت به آن پیامک می‌شود")
    name: str = Field("", max_length=200, description="نام و نام خانوادگی متقاضی")


class VisitOut(Schema):
    id: int
    office: str
    national_code: str
    mobile: str
    name: str
    created_at: dt.datetime
    verified: bool
    verified_at: dt.datetime | None


class CodeIn(In):
    code: str = Field(..., max_length=20, description="کد شش‌رقمی پیامک‌شده به متقاضی")


class QuoteQuery(In):
    service: str = Field(..., max_length=32, description="کد خدمت")


class QuoteOut(Schema):
    service: str
    title: str
    agency: str
    agency_fee_rials: int
    counter_fee_rials: int
    total_rials: int
    schedule_year: int | None


class SubmissionOut(Schema):
    id: int
    tracking_code: str
    kind: str
    state: str
    state_label: str
    office: str
    service: str | None
    agency: str
    national_code: str
    agency_fee_rials: int
    counter_fee_rials: int
    total_rials: int
    method: str
    payment_reference: str
    created_at: dt.datetime
    paid_at: dt.datetime | None
    tracking_url: str
    receipt_url: str | None


class SubmissionPage(Schema):
    day: dt.date
    total: int
    limit: int
    offset: int
    items: list[SubmissionOut]


class DayQuery(PageQuery):
    day: JDate = None


class CardPaymentIn(In):
    reference: str = Field(..., max_length=40, description="شماره پیگیری رسید کارت‌خوان (۶ تا ۲۰ رقم)")
    card_mask: str = Field("", max_length=32, description="شماره کارت پوشیده، مانند 6037-99**-****-1234")


def _visit(v: Visit) -> dict:
    return {"id": v.pk, "office": v.office.code, "national_code": v.national_code, "mobile": v.mobile,
            "name": v.name, "created_at": v.created_at, "verified": v.verified_at is not None,
            "verified_at": v.verified_at}


def _submission(s: Submission) -> dict:
    ref = (s.payment.ref_id or "") if s.payment_id else ""
    paid = s.state == Submission.State.PAID
    return {
        "id": s.pk, "tracking_code": s.tracking_code, "kind": s.kind, "state": s.state,
        "state_label": s.get_state_display(), "office": s.office.code,
        "service": s.service.code if s.service_id else None, "agency": s.agency.code,
        "national_code": receipt.mask_national_code(s.national_code),
        "agency_fee_rials": s.agency_fee_rials, "counter_fee_rials": s.counter_fee_rials,
        "total_rials": s.total_rials, "method": s.method, "payment_reference": ref.removeprefix("pos:"),
        "created_at": s.created_at, "paid_at": s.paid_at, "tracking_url": receipt.tracking_url(s),
        "receipt_url": f"/api/counters/submissions/{s.pk}/receipt.pdf" if paid else None,
    }


def _limited(exc) -> object:
    """A rate limit's refusal with the wait in Retry-After."""
    response = problem(exc.status, exc.message, code=exc.code,
                       errors=[{"field": exc.field, "message": exc.message}] if exc.field else None)
    response["Retry-After"] = str(exc.retry_after)
    return response


# ---------------------------------------------------------------- the citizen's visit and consent


@router.post("/visits", response={201: VisitOut, 429: None},
             summary="آغاز مراجعه: شناسایی متقاضی و فرستادن کد رضایت به تلفن همراه او")
def start_visit(request, payload: VisitIn):
    from dabir.accounts.services import TooManyRequests

    try:
        visit = services.start_visit(user=request.user, national_code=payload.national_code, mobile=payload.mobile,
                                     name=payload.name, ip=ratelimit.client_ip(request))
    except TooManyRequests as exc:
        return _limited(exc)
    return Status(201, _visit(visit))


@router.post("/visits/{visit_id}/verify", response=VisitOut, summary="تأیید رضایت با کدی که متقاضی می‌خواند")
def verify_visit(request, visit_id: LatinInt, payload: CodeIn):
    visit = selectors.visit_for(request.user, visit_id)
    return _visit(services.verify_visit(user=request.user, visit=visit, code=payload.code))


@router.post("/visits/{visit_id}/resend", response={202: VisitOut, 429: None},
             summary="فرستادن دوباره کد رضایت (با رعایت محدودیت‌های کد یک‌بارمصرف)")
def resend_code(request, visit_id: LatinInt):
    from dabir.accounts.services import TooManyRequests

    visit = selectors.visit_for(request.user, visit_id)
    try:
        visit = services.resend_visit_code(user=request.user, visit=visit, ip=ratelimit.client_ip(request))
    except TooManyRequests as exc:
        return _limited(exc)
    return Status(202, _visit(visit))


# ---------------------------------------------------------------- fees and submissions


@router.get("/quote", response=QuoteOut, summary="هزینه ثبت یک خدمت در این دفتر: هزینه دستگاه، کارمزد دفتر، جمع")
def quote(request, filters: Query[QuoteQuery]):
    staff = policy.acting_staff(request.user)
    service = selectors.offered_service(staff.office, filters.service)
    q = selectors.quote(service)
    return {"service": service.code, "title": service.title, "agency": service.agency.code,
            "agency_fee_rials": q.agency_fee_rials, "counter_fee_rials": q.counter_fee_rials,
            "total_rials": q.total_rials, "schedule_year": q.schedule.year if q.schedule else None}


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise DomainError("کلید تکرار (Idempotency-Key) باید ۱ تا ۶۴ نویسه لاتین بی‌فاصله باشد.",
                          field="Idempotency-Key")
    return key


def _visit_id(value) -> int:
    text = to_latin_digits(str(value if value is not None else "")).strip()
    if not text.isdigit() or len(text) > 18:
        raise DomainError("شناسه مراجعه (visit) را بفرستید.", field="visit")
    return int(text)


@router.post("/submissions", response={201: SubmissionOut, 200: SubmissionOut},
             summary="ثبت درخواست برای متقاضی (multipart با اسکن مدارک یا JSON)؛ سرآیند Idempotency-Key",
             openapi_extra={"requestBody": {"content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "visit": {"type": "string", "description": "شناسه مراجعه تأییدشده"},
                     "service": {"type": "string", "description": "کد خدمت"},
                     "expected_total": {"type": "string", "description": "مبلغ کلی که به متقاضی گفته شد (ریال)"},
                     "data": {"type": "string", "description": "پاسخ‌ها به شکل JSON (یا هر پاسخ در فیلدی جدا)"}}}},
                 "application/json": {"schema": {"type": "object", "properties": {
                     "visit": {"type": "integer"}, "service": {"type": "string"},
                     "expected_total": {"type": "integer"}, "data": {"type": "object"}}}}}}})
def submit(request, response: HttpResponse):
    from dabir.desk.api import _form

    fields, answers, files = _form(request)
    if (request.content_type or "").startswith("multipart/") and not fields.get("data"):
        answers = {k: v for k, v in answers.items() if k not in _CONTROL_FIELDS}
    key = _idempotency_key(request)
    staff = policy.acting_staff(request.user)
    visit = selectors.visit_for(request.user, _visit_id(fields.get("visit")))
    code = str(fields.get("service") or "").strip()
    if not code:
        raise DomainError("کد خدمت (service) را بفرستید.", field="service")
    earlier = selectors.submission_by_key(request.user, key) if key else None
    if earlier is not None:
        if earlier.visit_id != visit.pk or (earlier.service.code if earlier.service_id else "") != code:
            raise Conflict("این کلید تکرار (Idempotency-Key) پیش‌تر برای درخواست دیگری به کار رفته است.",
                           field="Idempotency-Key")
        response["Idempotent-Replayed"] = "true"
        return Status(200, _submission(earlier))
    service = selectors.offered_service(staff.office, code)
    sub = services.submit_request(user=request.user, visit=visit, service=service, data=answers, uploads=files,
                                  submission_key=key, expected_total=fields.get("expected_total"))
    return Status(201, _submission(selectors.submission_for(request.user, sub.pk)))


@router.get("/submissions", response=SubmissionPage,
            summary="ثبت‌های یک روز دفتر (پیش‌فرض امروز)؛ ناظر: دفاتر استان؛ دیگران: فهرست خالی")
def day_submissions(request, filters: Query[DayQuery]):
    from dabir.core.jalali import today

    day = filters.day or today()
    rows = selectors.day_submissions(request.user, day).select_related("payment")
    items = rows[filters.offset:filters.offset + filters.limit]
    return {"day": day, "total": rows.count(), "limit": filters.limit, "offset": filters.offset,
            "items": [_submission(s) for s in items]}


@router.get("/submissions/{submission_id}", response=SubmissionOut, summary="یک ثبت دفتر (فقط دفتر خود)")
def submission(request, submission_id: LatinInt):
    return _submission(selectors.submission_for(request.user, submission_id))


@router.post("/submissions/{submission_id}/card-payment", response=SubmissionOut,
             summary="پرداخت با کارت‌خوان دفتر: شماره پیگیری رسید کارت‌خوان")
def card_payment(request, submission_id: LatinInt, payload: CardPaymentIn):
    sub = selectors.submission_for(request.user, submission_id)
    services.pay_by_card(user=request.user, submission=sub, reference=payload.reference, card_mask=payload.card_mask)
    return _submission(selectors.submission_for(request.user, sub.pk))


class ReceiptQuery(In):
    size: str = Field("a5", pattern="^(a5|roll)$", description="a5، یا roll برای کاغذ رول ۸۰ میلی‌متری")


@router.get("/submissions/{submission_id}/receipt.pdf", summary="رسید ثبت به شکل PDF (A5 یا رول ۸۰ میلی‌متری)",
            response={200: None}, openapi_extra={"responses": {200: {
                "description": "PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}})
def receipt_pdf(request, submission_id: LatinInt, filters: Query[ReceiptQuery]):
    sub = selectors.submission_for(request.user, submission_id)
    if sub.state != Submission.State.PAID:
        raise Conflict("رسید پس از پرداخت هزینه صادر می‌شود؛ این ثبت هنوز پرداخت نشده است.")
    response = HttpResponse(receipt.render_pdf(sub, filters.size), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{sub.tracking_code}-{filters.size}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
