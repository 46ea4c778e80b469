"""Paying a request's fee: to the bank, and the bank's return (verified, then counted once)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dabir.accounts.decorators import citizen_required
from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits

from ..models import RequestStatus
from ._shared import _own_request, _to_bank


@never_cache
@citizen_required
@require_POST
def pay(request, tracking_code: str):
    req = _own_request(request, tracking_code)
    if req.status != RequestStatus.AWAITING_PAYMENT or req.paid:
        messages.info(request, "این درخواست پرداخت معوقی ندارد.")
        return redirect("desk:my_request", tracking_code=req.tracking_code)
    return _to_bank(request, req)


@never_cache
@require_GET
def paid(request, tracking_code: str):
    """The bank sends the payer back here; the payment is verified with the bank, then counted once."""
    from dabir.payments.services import complete_payment

    try:
        payment = complete_payment(payment_token=request.GET.get("token", ""), params=request.GET.dict())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("desk:my_request", tracking_code=to_latin_digits(tracking_code)[:16])
    if payment.is_paid:
        messages.success(request, "پرداخت تأیید شد و درخواست شما ثبت شد.")
        return redirect("desk:confirmation", tracking_code=to_latin_digits(tracking_code)[:16])
    messages.error(request, "پرداخت انجام نشد؛ درخواست شما هنوز پرداخت‌نشده است و می‌توانید دوباره پرداخت کنید.")
    return redirect("desk:my_request", tracking_code=to_latin_digits(tracking_code)[:16])

