"""A request's fee: the citizen is sent to the bank, and the payments app's on_paid hook registers
the request once the payment is confirmed (the hook is registered when this module is imported)."""

from django.db import transaction

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.core.text import to_persian_digits

from ..models import RequestEvent, RequestStatus, ServiceRequest
from ..names import AuditAction
from ._shared import _check_owner, _event, _lock, _register

PAYMENT_PURPOSE = "desk.request"


@transaction.atomic
def start_fee_payment(*, user, request: ServiceRequest, callback_url: str) -> str:
    """Open the fee payment of a request awaiting payment; returns where to send the payer."""
    from dabir.payments.services import start_payment

    req = _lock(request)
    _check_owner(user, req)
    if req.status != RequestStatus.AWAITING_PAYMENT or req.paid:
        raise Conflict("این درخواست در انتظار پرداخت نیست.")
    payment, url = start_payment(
        purpose=PAYMENT_PURPOSE, object_id=str(req.pk), amount_rials=req.fee_rials, payer_mobile=req.mobile,
        callback_url=callback_url, description=f"هزینه خدمت {req.service.title} — {req.tracking_code}"[:200],
    )
    req.payment_token = payment.token
    req.save(update_fields=["payment_token", "updated_at"])
    audit.record(action=AuditAction.DESK_REQUEST_PAYMENT_START, obj=req, actor=user, data={"payment": payment.pk})
    return url


def _on_paid(payment) -> None:
    """payments.on_paid hook: a confirmed fee moves the request on (inside complete_payment's transaction)."""
    object_id = int(payment.object_id) if str(payment.object_id).isdigit() else 0
    fee_paid(request_id=object_id, payment=payment, amount_rials=payment.amount_rials)


def fee_paid(*, request_id: int, payment, amount_rials: int, actor=None) -> bool:
    """A request's fee was paid (by the bank gateway, or at a counter office's card reader with the office's
    own fee: `payment` is the payments.Payment, `amount_rials` its part that is the agency's fee): the
    request is registered as a letter and moves to its first stage. Runs in the caller's transaction;
    False when the request was not awaiting a payment."""
    req = ServiceRequest.objects.select_for_update(of=("self",)).select_related("service__agency", "version").filter(
        pk=request_id).first()
    if req is None or req.paid or req.status != RequestStatus.AWAITING_PAYMENT:
        return False
    if amount_rials != req.fee_rials:
        raise DomainError("مبلغ پرداخت‌شده با هزینه خدمت نمی‌خواند.", code="amount_mismatch")
    req.paid = True
    req.payment_token = payment.token
    req.save(update_fields=["paid", "payment_token", "updated_at"])
    _event(req, RequestEvent.Kind.PAID, actor=actor, note=f"پرداخت {to_persian_digits(f'{amount_rials:,}')} ریال")
    _register(req, actor)
    audit.record(action=AuditAction.DESK_REQUEST_PAID, obj=req, actor=actor,
                 data={"payment": payment.pk, "letter": req.letter_id})
    return True


def _register_payment_hook() -> None:
    from dabir.payments.services import on_paid

    on_paid(PAYMENT_PURPOSE, _on_paid)


_register_payment_hook()

