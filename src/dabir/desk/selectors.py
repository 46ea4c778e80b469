"""Reads of the service desk, each filtered by who may see what: the rules live in desk.policy
(whose functions are re-exported here for the callers that read through selectors)."""

from django.db.models import Q

from dabir.core.errors import DomainError, NotFound
from dabir.core.jalali import today
from dabir.core.text import tokens
from dabir.core.validators import validate_national_code

from . import codes
from .models import Complaint, RequestEvent, RequestStatus, Service, ServiceRequest
from .policy import citizen_national_code, complaints_of, late_agencies, requests_of, staff_requests

LATE_STATES = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)


def catalogue(q: str = "", agency=None, category=None):
    """Active services with a published version; words matched on the normalised search text."""
    qs = Service.objects.filter(active=True, current_version__isnull=False).select_related(
        "agency", "category", "current_version")
    for word in tokens(q)[:10]:
        qs = qs.filter(search_text__contains=word)
    if agency:
        if hasattr(agency, "pk"):
            qs = qs.filter(agency=agency)
        elif str(agency).isdigit():
            qs = qs.filter(agency__pk=int(agency))
        else:
            qs = qs.filter(agency__code=str(agency))
    if category:
        qs = qs.filter(category=category) if hasattr(category, "pk") else qs.filter(category__slug=str(category))
    return qs.order_by("agency__name", "title")




def request_of_citizen(user, tracking_code) -> ServiceRequest:
    code = codes.clean_tracking_code(tracking_code)  # a mistyped code is refused before any lookup
    req = requests_of(user).filter(tracking_code=code).first()
    if req is None:
        raise NotFound("درخواستی با این کد رهگیری در درخواست‌های شما نیست.")
    return req


def public_status(tracking_code, national_code) -> ServiceRequest | None:
    """The request when the code and the applicant's national code both match; None otherwise."""
    code = codes.clean_tracking_code(tracking_code)
    try:
        national_code = validate_national_code(national_code)
    except DomainError:
        return None
    # The version in the same read: the page shows the stage from its definition (parsed once per version).
    return ServiceRequest.objects.select_related("service__agency", "version").filter(
        tracking_code=code, national_code=national_code).first()


def public_complaint(tracking_code, national_code) -> Complaint | None:
    code = codes.clean_tracking_code(tracking_code)
    try:
        national_code = validate_national_code(national_code)
    except DomainError:
        return None
    return Complaint.objects.select_related("agency").filter(tracking_code=code, national_code=national_code).first()


def timeline(request: ServiceRequest, public_only: bool = True):
    events = request.events.order_by("at", "id")
    # The public timeline names no one; staff see who did what.
    return events.filter(public=True) if public_only else events.select_related("actor")




def staff_request(user, tracking_code) -> ServiceRequest:
    code = codes.clean_tracking_code(tracking_code)
    req = staff_requests(user).filter(tracking_code=code).first()
    if req is None:
        raise NotFound("درخواست پیدا نشد یا به سمت‌های شما ارجاع نشده است.")
    return req


def request_for_letter(user, letter):
    """The service request a letter carries (its request letter or its result letter), if the user may see it."""
    return staff_requests(user).filter(Q(letter=letter) | Q(result_letter=letter)).select_related(
        "service__agency", "version", "letter", "result_letter").first()


def is_desk_letter(letter) -> bool:
    """The letter is a service request's letter or result, or a complaint's letter: the desk panel shows on it."""
    return (ServiceRequest.objects.filter(Q(letter=letter) | Q(result_letter=letter)).exists()
            or Complaint.objects.filter(letter=letter).exists())


def late_requests(agency):
    """Requests of the agency past their stage deadline (the clock stops while awaiting documents)."""
    return ServiceRequest.objects.filter(
        service__agency=agency, status__in=LATE_STATES, stage_due__lt=today()
    ).select_related("service", "letter").order_by("stage_due", "id")




def complaint_of_citizen(user, tracking_code) -> Complaint:
    code = codes.clean_tracking_code(tracking_code)
    complaint = complaints_of(user).filter(tracking_code=code).first()
    if complaint is None:
        raise NotFound("شکایتی با این کد رهگیری در شکایت‌های شما نیست.")
    return complaint


def result_pdf(req: ServiceRequest) -> tuple[bytes, str] | None:
    """The result document's PDF (signed where it was signed) and its verification code."""
    if req.status != RequestStatus.COMPLETED or req.result_letter_id is None:
        return None
    from dabir.signing import pdf
    from dabir.signing.services import current_version

    version = current_version(req.result_letter)
    if version is None:
        return None
    return pdf.letter_pdf(version), version.code


def payment_message(req: ServiceRequest) -> str:
    """What the citizen is told about the fee: unpaid, paid, or why the last payment failed."""
    if req.fee_rials == 0:
        return ""
    if req.paid:
        return "هزینه پرداخت شده است."
    if req.payment_token:
        from dabir.payments.models import Payment

        payment = Payment.objects.filter(token=req.payment_token).first()
        if payment is not None and payment.status in ("failed", "cancelled"):
            return f"پرداخت ناموفق بود و هزینه هنوز پرداخت نشده است. {payment.last_message}".strip()
        if payment is not None and payment.status == "pending":
            return "پرداخت هنوز از سوی بانک تأیید نشده است."
    return "هزینه این درخواست هنوز پرداخت نشده است؛ بررسی آن پس از پرداخت آغاز می‌شود."


# The policy's reads, for callers that read through selectors.
__all__ = [
    "RequestEvent", "citizen_national_code", "complaints_of", "late_agencies", "requests_of", "staff_requests",
]
