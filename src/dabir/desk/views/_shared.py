"""What several citizen pages share: labels and styles, the active service and its definition, the
signed-in citizen's own request, its status, timeline and expected date, amounts, and sending the
citizen to the bank for a fee."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from dabir.core.calendar import add_working_days
from dabir.core.errors import DomainError
from dabir.core.jalali import local
from dabir.core.text import to_latin_digits

from .. import codes
from ..definition import version_definition
from ..models import RequestStatus, Service, ServiceRequest

HARD_MAX_UPLOAD = 20 * 1024 * 1024  # the largest max_mb a definition may set
CHANNEL_LABELS = {"online": "برخط (وب و تلفن همراه)", "counter": "دفتر پیشخوان", "in_person": "حضوری",
                  "phone": "تلفنی"}
STATUS_STYLE = {
    RequestStatus.AWAITING_PAYMENT: "warning", RequestStatus.SUBMITTED: "info",
    RequestStatus.IN_PROGRESS: "primary", RequestStatus.AWAITING_DOCUMENTS: "warning",
    RequestStatus.APPROVED: "success", RequestStatus.COMPLETED: "success",
    RequestStatus.REJECTED: "danger", RequestStatus.CANCELLED: "secondary",
}


def group_code(code: str) -> str:
    """A tracking code as people read it aloud, 123-456-7890; templates show it with the `code` filter."""
    return codes.display(code or "")


def amount(rials: int) -> dict:
    from dabir.payments.money import rials_and_tomans

    return rials_and_tomans(rials)


def _definition(service: Service):
    if service.current_version is None:
        raise Http404
    return version_definition(service.current_version)


def _active_service(code: str) -> Service:
    service = (Service.objects.select_related("agency", "category", "current_version")
               .filter(code=code, active=True, current_version__isnull=False).first())
    if service is None:
        raise Http404("خدمتی با این کد یافت نشد.")
    return service


def _own_request(request, tracking_code: str) -> ServiceRequest:
    """The signed-in citizen's request, or 404: another citizen's request does not exist for them."""
    from .. import selectors

    try:
        req = selectors.request_of_citizen(request.user, to_latin_digits(tracking_code))
    except DomainError:
        raise Http404 from None
    if req is None:
        raise Http404
    return req


def _expected_date(req: ServiceRequest, definition=None):
    if req.due:
        return req.due
    definition = definition or version_definition(req.version)
    return add_working_days(local(req.submitted_at).date(), definition.profile.duration_days)


def _status_context(req: ServiceRequest) -> dict:
    return {"status_label": RequestStatus(req.status).label, "status_style": STATUS_STYLE.get(req.status, "secondary")}


def _timeline(req: ServiceRequest):
    from .. import selectors

    return list(selectors.timeline(req, public_only=True))


def _fees(definition) -> list[dict]:
    rows = []
    for channel in definition.profile.channels:
        rials = getattr(definition.fees, channel, 0) if channel != "phone" else 0
        rows.append({"channel": CHANNEL_LABELS.get(channel, channel), "rials": rials, "amount": amount(rials)})
    return rows


def _to_bank(request, req: ServiceRequest):
    from .. import services

    callback = request.build_absolute_uri(reverse("desk:paid", kwargs={"tracking_code": req.tracking_code}))
    try:
        url = services.start_fee_payment(user=request.user, request=req, callback_url=callback)
    except DomainError as exc:
        messages.error(request, f"اتصال به درگاه پرداخت انجام نشد: {exc.message}")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    return redirect(url)

