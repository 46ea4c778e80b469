"""Payment use cases: start a payment, handle the bank's return (verify-after-return), and the bank
side of the built-in test bank.

    payment, url = start_payment(purpose="desk.fee", object_id=str(req.pk), amount_rials=500_000,
                                 payer_mobile="0912…", callback_url=reverse("desk:paid", args=[req.pk]))
    return redirect(url)
    ... the bank sends the payer to callback_url?token=<payment.token>&status=OK|NOK (+ its own params)
    payment = complete_payment(payment_token=request.GET["token"], params=request.GET.dict())

A payment is never counted twice: complete_payment locks the row, a finished payment is returned as
it is, the bank's reference number is unique, and a gateway's "already verified" answer does not
count again. Whoever needs to react to a confirmed payment registers on_paid(purpose, callback);
the callback runs inside complete_payment's transaction (if it fails, the payment stays pending and
the next return or retry verifies it again).
"""

import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError, NotFound
from dabir.core.text import to_latin_digits
from dabir.core.validators import validate_mobile

from .gateways import GatewayError, VerifyResult, get_gateway
from .models import Payment, PaymentStatus, TestBankStatus, TestBankTransaction
from .names import AuditAction

logger = logging.getLogger(__name__)

MAX_AMOUNT_RIALS = 10**15
PAID_MESSAGE = "پرداخت با موفقیت انجام و از سوی بانک تأیید شد."
CANCELLED_MESSAGE = "پرداخت انجام نشد یا لغو شد؛ هزینه هنوز پرداخت نشده است."
NOT_FOUND_MESSAGE = "پرداختی با این شناسه یافت نشد."

_on_paid: dict[str, list[Callable[[Payment], None]]] = defaultdict(list)


def on_paid(purpose: str, callback: Callable[[Payment], None]) -> None:
    """Call `callback(payment)` inside complete_payment's transaction when a payment of `purpose` is confirmed."""
    if callback not in _on_paid[purpose]:
        _on_paid[purpose].append(callback)


def with_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query += [(k, str(v)) for k, v in params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def start_payment(
    *, purpose: str, object_id: str, amount_rials: int, payer_mobile: str, callback_url: str, description: str = ""
) -> tuple[Payment, str]:
    """Open a payment session at the configured gateway; returns the payment and where to send the payer."""
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError("بابت پرداخت مشخص نیست.", field="purpose")
    if isinstance(amount_rials, bool) or not isinstance(amount_rials, int):
        try:
            amount_rials = int(to_latin_digits(str(amount_rials)).strip())
        except ValueError:
            raise DomainError("مبلغ پرداخت باید عدد باشد.", field="amount_rials") from None
    if amount_rials <= 0 or amount_rials > MAX_AMOUNT_RIALS:
        raise DomainError("مبلغ پرداخت باید بیشتر از صفر باشد.", field="amount_rials")
    mobile = validate_mobile(payer_mobile) if (payer_mobile or "").strip() else ""
    callback_url = (callback_url or "").strip()
    if not callback_url or len(callback_url) > 500:
        raise DomainError("نشانی بازگشت از بانک درست نیست.", field="callback_url")
    gateway = get_gateway()
    token = secrets.token_urlsafe(24)
    payment = Payment(
        purpose=purpose[:40], object_id=str(object_id)[:64], amount_rials=amount_rials, payer_mobile=mobile,
        description=(description or "")[:200], token=token, gateway=gateway.name,
        callback_url=with_query(callback_url, token=token),
    )
    try:
        redirect_url = gateway.start(payment)  # sets payment.authority; may call the bank over HTTP
    except GatewayError as exc:
        raise DomainError(exc.message, code="gateway") from exc
    with transaction.atomic():
        payment.save()
        audit.record(action=AuditAction.PAYMENT_START, obj=payment, data={
            "purpose": payment.purpose, "object_id": payment.object_id, "amount_rials": amount_rials,
            "gateway": gateway.name, "authority": payment.authority,
        })
    return payment, redirect_url


def _param(params: dict, *names: str) -> str:
    for name in names:
        value = params.get(name)
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return ""


def get_payment(token: str) -> Payment:
    payment = Payment.objects.filter(token=str(token or "")[:43]).first() if token else None
    if payment is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return payment


def complete_payment(*, payment_token: str, params: dict) -> Payment:
    """Handle the payer's return from the bank: verify with the bank, then record the outcome once."""
    payment = get_payment(payment_token)
    if payment.status != PaymentStatus.PENDING:
        return payment  # a replayed or refreshed return: the same answer, nothing counted again
    authority = _param(params, "authority", "Authority")
    if authority and authority != payment.authority:
        raise DomainError("اطلاعات بازگشت از بانک با این پرداخت نمی‌خواند.", code="mismatch")
    status = _param(params, "status", "Status").upper()
    if status != "OK":
        return _finish(payment.pk, PaymentStatus.CANCELLED, CANCELLED_MESSAGE, action=AuditAction.PAYMENT_CANCEL)
    try:
        result = get_gateway(payment.gateway).verify(payment, params)  # outside any transaction: no lock held
    except Exception:  # an unexpected answer: keep the payment pending so a later return verifies it
        logger.exception("Verifying payment %s failed", payment.pk)
        result = VerifyResult(False, message="تأیید پرداخت از بانک ممکن نشد؛ کمی بعد دوباره بکوشید.", retryable=True)
    if result.ok:
        return _record_paid(payment.pk, result)
    if result.retryable:
        return _finish(payment.pk, PaymentStatus.PENDING, result.message, action=AuditAction.PAYMENT_VERIFY_RETRY)
    return _finish(payment.pk, PaymentStatus.FAILED, result.message or "پرداخت تأیید نشد.", action=AuditAction.PAYMENT_FAIL)


def _finish(pk: int, status: str, message: str, *, action: str) -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=pk)
        if payment.status != PaymentStatus.PENDING:
            return payment
        payment.status = status
        payment.last_message = message[:300]
        if action != "payment.cancel":
            payment.verify_attempts += 1
        payment.save(update_fields=["status", "last_message", "verify_attempts"])
        audit.record(action=action, obj=payment, data={"status": status, "message": message})
    return payment


DUPLICATE_REF = "این شماره پیگیری بانک پیش‌تر برای پرداخت دیگری ثبت شده است."
NOT_RECORDED = "پرداخت از سوی بانک تأیید شد ولی ثبت آن کامل نشد؛ با بازگشت دوباره به این صفحه بررسی می‌شود."


class _DuplicateRef(Exception):
    pass


def _record_paid(pk: int, result: VerifyResult) -> Payment:
    try:
        with transaction.atomic():
            payment = Payment.objects.select_for_update().get(pk=pk)
            if payment.status != PaymentStatus.PENDING:
                return payment  # completed meanwhile by a concurrent return: counted once
            ref_id = result.ref_id or None
            if ref_id and Payment.objects.filter(ref_id=ref_id).exclude(pk=pk).exists():
                raise _DuplicateRef
            payment.status = PaymentStatus.PAID
            payment.ref_id = ref_id
            payment.card_mask = result.card_mask[:32]
            payment.paid_at = timezone.now()
            payment.verify_attempts += 1
            payment.last_message = PAID_MESSAGE
            try:
                with transaction.atomic():
                    payment.save()
            except IntegrityError:  # the same ref_id saved by a concurrent return of another payment
                raise _DuplicateRef from None
            audit.record(action=AuditAction.PAYMENT_PAID, obj=payment, data={
                "purpose": payment.purpose, "object_id": payment.object_id, "amount_rials": payment.amount_rials,
                "ref_id": payment.ref_id, "already_verified": result.already_verified,
            })
            for callback in list(_on_paid.get(payment.purpose, [])):
                callback(payment)
            return payment
    except _DuplicateRef:
        # The bank's reference number already belongs to another payment: never count it twice.
        return _finish(pk, PaymentStatus.FAILED, DUPLICATE_REF, action=AuditAction.PAYMENT_FAIL)
    except Exception:
        # A purpose's on_paid hook failed: nothing of it remains, the payment stays pending, and the
        # next return verifies again (the gateway answers "already verified") and counts it once.
        logger.exception("Recording paid payment %s failed", pk)
        return _finish(pk, PaymentStatus.PENDING, NOT_RECORDED, action=AuditAction.PAYMENT_VERIFY_RETRY)


CARD_READER = "pos"


def record_card_payment(*, purpose: str, object_id: str, amount_rials: int, reference: str, card_mask: str = "",
                        payer_mobile: str = "", description: str = "") -> Payment:
    """A payment taken at a card reader (a counter office's POS terminal): recorded paid at once, in the
    caller's transaction, and the purpose's on_paid hooks run as for a gateway payment. The terminal's
    reference number is the bank reference: one reference never pays twice."""
    reference = to_latin_digits(str(reference or "")).strip()
    if not reference.isdigit() or not 6 <= len(reference) <= 20:
        raise DomainError("شماره پیگیری کارت‌خوان باید ۶ تا ۲۰ رقم باشد.", field="reference")
    if isinstance(amount_rials, bool) or not isinstance(amount_rials, int) or not 0 < amount_rials <= MAX_AMOUNT_RIALS:
        raise DomainError("مبلغ پرداخت باید بیشتر از صفر باشد.", field="amount_rials")
    ref_id = f"{CARD_READER}:{reference}"
    if Payment.objects.filter(ref_id=ref_id).exists():
        raise DomainError(DUPLICATE_REF, field="reference", code="duplicate_reference")
    payment = Payment.objects.create(
        purpose=purpose[:40], object_id=str(object_id)[:64], amount_rials=amount_rials,
        payer_mobile=validate_mobile(payer_mobile) if (payer_mobile or "").strip() else "",
        description=(description or "")[:200], token=secrets.token_urlsafe(24), gateway=CARD_READER,
        callback_url="", status=PaymentStatus.PAID, ref_id=ref_id, card_mask=(card_mask or "")[:32],
        paid_at=timezone.now(), last_message=PAID_MESSAGE,
    )
    audit.record(action=AuditAction.PAYMENT_PAID, obj=payment, data={
        "purpose": payment.purpose, "object_id": payment.object_id, "amount_rials": amount_rials,
        "ref_id": ref_id, "already_verified": False,
    })
    for callback in list(_on_paid.get(payment.purpose, [])):
        callback(payment)
    return payment


# --- The built-in test bank's side (its payment page calls these) ---------------------------------

def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def testbank_transaction(authority: str) -> TestBankTransaction:
    txn = TestBankTransaction.objects.filter(authority=str(authority or "")[:40]).first()
    if txn is None:
        raise NotFound("تراکنشی با این شناسه در بانک آزمایشی یافت نشد.")
    return txn


def testbank_pay(*, authority: str, card_number: str) -> str:
    """The payer confirms on the test bank's page: the bank takes the money; returns the callback address."""
    card = "".join(ch for ch in to_latin_digits(card_number or "") if not ch.isspace() and ch != "-")
    if not (len(card) == 16 and card.isdigit() and luhn_ok(card)):
        raise DomainError("شماره کارت باید ۱۶ رقم و معتبر باشد.", field="card_number")
    with transaction.atomic():
        txn = TestBankTransaction.objects.select_for_update().filter(authority=authority).first()
        if txn is None:
            raise NotFound("تراکنشی با این شناسه در بانک آزمایشی یافت نشد.")
        if txn.status == TestBankStatus.STARTED:
            txn.status = TestBankStatus.PAID
            txn.card_mask = f"{card[:6]}******{card[-4:]}"
            txn.ref_id = str(secrets.randbelow(9 * 10**11) + 10**11)
            txn.paid_at = timezone.now()
            txn.save()
            audit.record(action=AuditAction.TESTBANK_PAY, obj=txn, data={"amount_rials": txn.amount_rials, "ref_id": txn.ref_id})
        status = "OK" if txn.status == TestBankStatus.PAID else "NOK"
    return with_query(txn.callback_url, authority=txn.authority, status=status)


def testbank_cancel(*, authority: str) -> str:
    """The payer presses «انصراف» on the test bank's page; returns the callback address."""
    with transaction.atomic():
        txn = TestBankTransaction.objects.select_for_update().filter(authority=authority).first()
        if txn is None:
            raise NotFound("تراکنشی با این شناسه در بانک آزمایشی یافت نشد.")
        if txn.status == TestBankStatus.STARTED:
            txn.status = TestBankStatus.CANCELLED
            txn.save(update_fields=["status"])
            audit.record(action=AuditAction.TESTBANK_CANCEL, obj=txn, data={"amount_rials": txn.amount_rials})
        status = "OK" if txn.status == TestBankStatus.PAID else "NOK"
    return with_query(txn.callback_url, authority=txn.authority, status=status)
