"""Receiving: check a message, log its exact bytes, act on it once, answer with a signed receipt.

The same function serves the HTTP endpoint and in-process delivery between two agencies of this
server. A message id seen before with the same bytes gets the same receipt again (idempotent); the
same id with other bytes is refused. Whatever is refused is logged (Refusal) with its reason.
"""

import datetime as dt
import json
import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core.errors import DomainError

from .. import envelope
from ..envelope import q
from ..models import (
    Arrival,
    Delivery,
    Direction,
    Inquiry,
    InquiryType,
    Kind,
    Member,
    Message,
    Refusal,
    Transfer,
)
from ..names import AuditAction
from ._shared import record, sign_as

log = logging.getLogger(__name__)


def _refuse(raw: bytes, address: str, exc: DomainError, *, message_id: str = "", sender: str = "") -> None:
    with transaction.atomic():
        refusal = Refusal.objects.create(
            address=address[:64], message_id=message_id[:64], sender=sender[:64], code=exc.code[:40],
            detail=exc.message[:500], sha256=envelope.hashlib.sha256(raw).hexdigest(), size=len(raw),
        )
        record(AuditAction.EXCHANGE_REFUSE, refusal, None, {"code": exc.code, "message": message_id, "sender": sender})
    log.warning("exchange message refused (%s): %s", exc.code, exc.message)


def _trusted_sender(opened: envelope.Opened) -> Member:
    sender = Member.objects.filter(code=opened.sender, active=True).first()
    if sender is None:
        raise envelope.Refused("فرستنده در فهرست تبادل نیست.", code="unknown_sender")
    if not sender.fingerprint or sender.fingerprint != opened.fingerprint:
        raise envelope.Refused("گواهی پیام، گواهی ثبت‌شده فرستنده در فهرست نیست.", code="unknown_certificate")
    if sender.revoked_at is not None:
        raise envelope.Refused("گواهی فرستنده ابطال شده است.", code="revoked_certificate")
    now = timezone.now()
    cert = opened.certificate
    if cert.not_valid_before_utc > now or cert.not_valid_after_utc < now:
        raise envelope.Refused("گواهی فرستنده منقضی شده یا هنوز معتبر نیست.", code="expired_certificate")
    return sender


def _receiver(opened: envelope.Opened) -> Member:
    receiver = Member.objects.filter(code=opened.receiver, active=True, agency__isnull=False).first()
    if receiver is None:
        raise envelope.Refused("گیرنده این پیام در این سرور نیست.", code="unknown_receiver")
    return receiver


def receive(raw: bytes, *, address: str = "") -> bytes:
    """Take one signed message; return the signed delivery receipt (raises Refused, logged)."""
    opened = None
    try:
        opened = envelope.open_message(raw)
        if opened.kind == "directory":
            raise envelope.Refused("فهرست تبادل از این نشانی پذیرفته نمی‌شود.", code="kind")
        receiver = _receiver(opened)
        sender = _trusted_sender(opened)
        known = _known(opened, raw)
        if known is not None:
            return known
        if opened.kind == "letter":
            envelope.files_of(opened.root)  # every file against its declared hash, before anything is kept
        try:
            return _take(opened, raw, sender, receiver)
        except IntegrityError:
            known = _known(opened, raw)  # the same message, taken by a concurrent request
            if known is None:
                raise
            return known
    except (envelope.Refused, DomainError) as exc:
        error = exc if isinstance(exc, envelope.Refused) else envelope.Refused(exc.message, code=exc.code)
        _refuse(raw, address, error, message_id=str(opened.message_id) if opened else "",
                sender=opened.sender if opened else "")
        raise error from exc


def _known(opened: envelope.Opened, raw: bytes) -> bytes | None:
    """The receipt already given for this message id, or a refusal if the id came with other bytes."""
    seen = Message.objects.filter(direction=Direction.IN, message_id=opened.message_id).first()
    if seen is None:
        return None
    if seen.sha256 != opened.sha256:
        raise envelope.Refused("این شناسه پیام پیش‌تر با محتوای دیگری رسیده است.", code="replay")
    receipt = Message.objects.get(direction=Direction.OUT, kind=Kind.RECEIPT, refers_to=opened.message_id,
                                  receiver=opened.sender, transfer__isnull=True)
    return bytes(receipt.raw)


@transaction.atomic
def _take(opened: envelope.Opened, raw: bytes, sender: Member, receiver: Member) -> bytes:
    message = Message.objects.create(
        message_id=opened.message_id, direction=Direction.IN, kind=opened.kind, sender=sender.code,
        receiver=receiver.code, refers_to=_refers_to(opened), raw=raw, sha256=opened.sha256, size=len(raw),
    )
    handlers = {"letter": _letter, "receipt": _receipt, "inquiry": _inquiry, "answer": _answer}
    handlers[opened.kind](opened, message, sender, receiver)
    receipt_id = uuid.uuid4()
    payload = envelope.receipt_payload(
        message_id=receipt_id, sender=(receiver.code, receiver.name), receiver=(sender.code, sender.name),
        refers_to=opened.message_id, refers_sha256=opened.sha256, status="delivered",
    )
    receipt = sign_as(receiver, payload, message_id=receipt_id, kind="receipt", receiver=sender.code)
    Message.objects.create(
        message_id=receipt_id, direction=Direction.OUT, kind=Kind.RECEIPT, sender=receiver.code,
        receiver=sender.code, refers_to=opened.message_id, raw=receipt,
        sha256=envelope.hashlib.sha256(receipt).hexdigest(), size=len(receipt),
    )
    record(AuditAction.EXCHANGE_RECEIVE, message, None, {"message": str(opened.message_id), "kind": opened.kind,
                                                         "from": sender.code, "to": receiver.code})
    return receipt


def _refers_to(opened: envelope.Opened):
    node = opened.root.find(q("RefersTo"))
    return uuid.UUID(node.get("message")) if node is not None else None


def _letter(opened, message, sender: Member, receiver: Member) -> None:
    root = opened.root
    Arrival.objects.create(
        message=message, agency=receiver.agency, sender=sender, sender_letter=uuid.UUID(root.findtext(q("LetterId"))),
        sender_number=root.findtext(q("Number")), sender_date=envelope.day(root.find(q("Date"))),
        subject=root.findtext(q("Subject")), classification=root.findtext(q("Classification")),
        urgency=root.findtext(q("Urgency")), is_copy=root.find(q("To")).get("copy") in ("true", "1"),
    )


def _receipt(opened, message, sender: Member, receiver: Member) -> None:
    """A registration or return receipt for a letter this server sent."""
    root = opened.root
    status = root.findtext(q("Status"))
    refers = root.find(q("RefersTo"))
    transfer = Transfer.objects.filter(uid=refers.get("message"), member=sender, sender=receiver).first()
    if transfer is None or transfer.message is None or transfer.message.sha256 != refers.get("sha256"):
        raise envelope.Refused("این رسید به پیامی از این سرور برنمی‌گردد.", code="receipt")
    if status == "delivered":
        return
    delivery = Delivery.objects.select_for_update().filter(transfer=transfer).first()
    if delivery is None or delivery.outcome:
        return
    delivery.outcome = status
    delivery.their_number = root.findtext(q("Number")) or ""
    delivery.their_date = envelope.day(root.find(q("Date")))
    delivery.reason = root.findtext(q("Reason")) or ""
    delivery.outcome_message, delivery.outcome_at = message, timezone.now()
    delivery.save()
    record(AuditAction.EXCHANGE_OUTCOME, delivery, None, {"outcome": status, "number": delivery.their_number,
                                                          "letter": delivery.letter_id})


def _inquiry(opened, message, sender: Member, receiver: Member) -> None:
    root = opened.root
    inquiry_type = InquiryType.objects.filter(code=root.findtext(q("Type")), member=receiver).first()
    if inquiry_type is None:
        raise envelope.Refused("این دستگاه به این نوع استعلام پاسخ نمی‌دهد.", code="unknown_inquiry_type")
    try:
        question = json.loads(root.findtext(q("Question")))
    except ValueError as exc:
        raise envelope.Refused("پرسش استعلام JSON درستی نیست.", code="schema") from exc
    from .inquiries import check_schema, take_inquiry

    check_schema(question, inquiry_type.question_schema, "پرسش")
    take_inquiry(
        message=message, inquiry_type=inquiry_type, asker=sender, answerer=receiver,
        uid=uuid.UUID(root.findtext(q("InquiryId"))), question=question,
        deadline=dt.datetime.fromisoformat(root.findtext(q("Deadline"))),
    )


def _answer(opened, message, sender: Member, receiver: Member) -> None:
    root = opened.root
    inquiry = Inquiry.objects.select_for_update(of=("self",)).filter(
        direction=Direction.OUT, uid=root.findtext(q("InquiryId")), answerer=sender, asker=receiver,
    ).select_related("type").first()
    if inquiry is None:
        raise envelope.Refused("این پاسخ به استعلامی از این سرور برنمی‌گردد.", code="answer")
    try:
        answer = json.loads(root.findtext(q("Answer")))
    except ValueError as exc:
        raise envelope.Refused("پاسخ استعلام JSON درستی نیست.", code="schema") from exc
    from .inquiries import check_schema, take_answer

    check_schema(answer, inquiry.type.answer_schema, "پاسخ")
    take_answer(inquiry=inquiry, answer=answer, message=message)


def receipt_bytes_payload(transfer: Transfer) -> bytes:
    """The payload of a registration or return receipt (a Transfer of kind receipt)."""
    c = transfer.content
    date = dt.date.fromisoformat(c["date"]) if c.get("date") else None
    return envelope.receipt_payload(
        message_id=transfer.uid, sender=(transfer.sender.code, transfer.sender.name),
        receiver=(transfer.member.code, transfer.member.name), refers_to=c["refers_to"],
        refers_sha256=c["refers_sha256"], status=c["status"], number=c.get("number", ""), date=date,
        jalali=c.get("jalali", ""), reason=c.get("reason", ""),
    )
