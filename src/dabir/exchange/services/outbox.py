"""The outbox: what this server sends, retried until a signed delivery receipt or expiry.

A Transfer is written in the transaction of the change that causes it (a dispatch, a decision on an
arrival, an inquiry or its answer), with its task job when the task queue lives in the database.
The worker builds the message bytes once, logs them, then carries them: in-process to a member of
this server, over HTTPS to a member elsewhere. Either way the receiver runs the same `receive`.
A failed try waits an exponential, jittered delay; a transfer still undelivered at its expiry is
marked failed and its secretariat alerted. A worker killed mid-try leaves the transfer due again
when its lease (the next_attempt_at set at claim) runs out; `requeue_due` picks it up.
"""

import datetime as dt
import logging
import uuid

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import jobs
from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import format_date
from dabir.letters.models import Kind as LetterKind
from dabir.letters.models import Letter, Link, Recipient
from dabir.notify.services import queue_sms

from .. import envelope, notices
from ..models import Arrival, Delivery, Direction, Kind, Member, Message, Transfer, TransferState
from ..names import AuditAction, SmsKind
from ._shared import backoff, expiry, local_member, record, sign_as

log = logging.getLogger(__name__)


def _enqueue(transfer_id: int) -> None:
    from ..tasks import send_transfer

    jobs.enqueue(send_transfer, transfer_id)


def enqueue_in_transaction(transfer: Transfer) -> None:
    """The job commits with the transfer (database queue) or is enqueued after commit (Redis)."""
    from ..tasks import send_transfer

    jobs.enqueue_with_change(send_transfer, transfer.pk)


def new_transfer(*, kind: str, sender: Member, member: Member, content: dict,
                 message_id: uuid.UUID | None = None) -> Transfer:
    transfer = Transfer.objects.create(
        uid=message_id or uuid.uuid4(), kind=kind, sender=sender, member=member, content=content,
        expires_at=expiry(),
    )
    enqueue_in_transaction(transfer)
    return transfer


# ---------------------------------------------------------------- letters out


def _addressee(recipient: Recipient) -> Member | None:
    name = " ".join((recipient.name or "").split())
    if not name:
        return None
    matches = list(Member.objects.filter(active=True, name=name)[:2])
    if not matches and name.endswith(")") and "(" in name:  # «name (code)»
        matches = list(Member.objects.filter(active=True, code=name.rsplit("(", 1)[1][:-1].strip().lower())[:2])
    return matches[0] if len(matches) == 1 else None


def queue_letter(letter: Letter, user) -> list[Delivery]:
    """Dispatched with «الکترونیکی»: one transfer per outside recipient (to and CC) in the directory.

    Runs inside the dispatch's transaction (letters calls it through its outlets); a recipient
    that is not a member of the exchange refuses the dispatch, so nothing goes half-sent.
    """
    if letter.kind != LetterKind.OUTGOING:
        raise DomainError("فقط نامه صادره را می‌توان الکترونیکی فرستاد.", field="channel")
    sender = local_member(letter.agency)
    outside = [r for r in letter.recipients.all() if r.position_id is None]
    if not outside:
        raise DomainError("این نامه گیرنده بیرونی ندارد که الکترونیکی برایش فرستاده شود.", field="channel")
    deliveries, missing = [], []
    for recipient in outside:
        member = _addressee(recipient)
        if member is None:
            missing.append(recipient.name)
            continue
        if member.pk == sender.pk or any(d.member_id == member.pk for d in deliveries):
            continue
        is_copy = recipient.role == Recipient.Role.CC
        transfer = new_transfer(kind=Kind.LETTER, sender=sender, member=member,
                                content={"letter": letter.pk, "copy": is_copy})
        deliveries.append(Delivery.objects.create(letter=letter, member=member, is_copy=is_copy, transfer=transfer))
    if missing:
        raise DomainError(
            "این گیرندگان در فهرست شبکه تبادل نیستند؛ نامه را با روش دیگری بفرستید: " + "، ".join(missing),
            field="channel",
        )
    record(AuditAction.EXCHANGE_QUEUE, letter, user, {
        "transfers": [str(d.transfer.uid) for d in deliveries], "members": [d.member.code for d in deliveries],
    })
    return deliveries


def _related(letter: Letter) -> list[dict]:
    """Earlier letters this one follows or answers, by the id the other side knows them by."""
    related = []
    for link in Link.objects.filter(letter=letter).select_related("target"):
        target = link.target
        arrival = Arrival.objects.filter(letter=target).first()
        uid = arrival.sender_letter if arrival is not None else target.uid
        number = arrival.sender_number if arrival is not None else target.number
        related.append({"kind": link.kind, "letter": str(uid), "number": number})
    return related


def _letter_payload(transfer: Transfer) -> bytes:
    from dabir.signing import pdf as signing_pdf

    letter = Letter.objects.select_related("agency").get(pk=transfer.content["letter"])
    version = letter.versions.order_by("-number").first()
    if version is not None and version.signatures.exists():
        document = signing_pdf.letter_pdf(version)
    else:
        document = signing_pdf.render_letter(letter)
    parts = []
    for att in letter.attachments.all():
        with att.file.open("rb") as fh:
            parts.append(envelope.FilePart(att.name, att.content_type, fh.read()))
    recipients = []
    for r in letter.recipients.all():
        if r.position_id is None:
            member = _addressee(r)
            recipients.append({"code": member.code if member else None, "name": r.name, "role": r.role})
    registered = letter.registered_at or timezone.now()
    return envelope.letter_payload(
        message_id=transfer.uid, sender=(transfer.sender.code, transfer.sender.name),
        receiver=(transfer.member.code, transfer.member.name), copy=bool(transfer.content.get("copy")),
        recipients=recipients, letter_id=letter.uid, number=letter.number,
        date=timezone.localtime(registered).date(), jalali=format_date(registered, persian=False),
        subject=letter.subject, classification=letter.classification, urgency=letter.urgency,
        keywords=letter.keywords, related=_related(letter),
        document=envelope.FilePart(f"{(letter.number or 'letter').replace('/', '-')}.pdf", "application/pdf", document),
        attachments=parts,
    )


def _payload(transfer: Transfer) -> bytes:
    from .inbox import receipt_bytes_payload
    from .inquiries import answer_payload, inquiry_payload

    builders = {Kind.LETTER: _letter_payload, Kind.RECEIPT: receipt_bytes_payload,
                Kind.INQUIRY: inquiry_payload, Kind.ANSWER: answer_payload}
    return builders[transfer.kind](transfer)


def _build(transfer: Transfer) -> Message:
    """The message bytes, built and logged on the first try; later tries send the same bytes."""
    payload = _payload(transfer)
    raw = sign_as(transfer.sender, payload, message_id=transfer.uid, kind=transfer.kind,
                  receiver=transfer.member.code)
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.message is not None:
            return locked.message
        message = Message.objects.create(
            message_id=transfer.uid, direction=Direction.OUT, kind=transfer.kind, sender=transfer.sender.code,
            receiver=transfer.member.code, refers_to=transfer.content.get("refers_to"), raw=raw,
            sha256=envelope.hashlib.sha256(raw).hexdigest(), size=len(raw),
        )
        locked.message = message
        locked.save(update_fields=["message"])
    return message


# ---------------------------------------------------------------- one try


def _claim(transfer_id: int) -> Transfer | None:
    """Take a due transfer for one try; the lease keeps another worker off it meanwhile."""
    with transaction.atomic():
        transfer = (
            # of=self: locking the joined member rows too would deadlock with a dispatch committing a
            # transfer to the same member (its deferred foreign key check takes a share lock on them).
            Transfer.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=transfer_id, state__in=[TransferState.QUEUED, TransferState.SENT])
            .select_related("member", "sender").first()
        )
        if transfer is None or transfer.next_attempt_at > timezone.now() + dt.timedelta(seconds=1):
            return None
        if transfer.expires_at <= timezone.now():
            _fail(transfer, transfer.last_error or "مهلت ارسال گذشت.")
            return None
        transfer.state, transfer.attempts = TransferState.SENT, transfer.attempts + 1
        transfer.sent_at = transfer.sent_at or timezone.now()
        transfer.next_attempt_at = timezone.now() + dt.timedelta(seconds=settings.DABIR_EXCHANGE_LEASE_SECONDS)
        transfer.save(update_fields=["state", "attempts", "sent_at", "next_attempt_at"])
        if transfer.attempts == 1:
            record(AuditAction.EXCHANGE_SEND, transfer, None, {"message": str(transfer.uid),
                                                               "to": transfer.member.code})
    return transfer


class Undelivered(Exception):
    pass


def _carry(transfer: Transfer, raw: bytes) -> bytes:
    """Hand the bytes to the receiver; its signed delivery receipt comes back."""
    member = transfer.member
    if member.is_local:
        from .inbox import receive

        try:
            return receive(raw, address="local")
        except envelope.Refused as exc:
            raise Undelivered(f"{exc.code}: {exc.message}") from exc
    try:
        response = httpx.post(
            member.server_url, content=raw, timeout=settings.DABIR_EXCHANGE_TIMEOUT,
            headers={"Content-Type": envelope.CONTENT_TYPE, "Accept": envelope.CONTENT_TYPE},
        )
    except httpx.HTTPError as exc:
        raise Undelivered(f"network: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise Undelivered(f"http {response.status_code}: {response.text[:300]}")
    return response.content


def attempt(transfer_id: int) -> str:
    """One try at a transfer (the worker's task)."""
    transfer = _claim(transfer_id)
    if transfer is None:
        return "skipped"
    try:
        message = transfer.message or _build(transfer)
        receipt = _carry(transfer, bytes(message.raw))
        _take_receipt(transfer, message, receipt)
    except (Undelivered, envelope.Refused, DomainError) as exc:
        error = exc.args[0] if isinstance(exc, Undelivered) else f"{getattr(exc, 'code', '')}: {exc}"
        return _retry_later(transfer.pk, str(error)[:500])
    return "delivered"


def _take_receipt(transfer: Transfer, message: Message, raw: bytes) -> None:
    """Check the receiver's delivery receipt and keep it; the transfer is delivered."""
    opened = envelope.open_message(raw)
    root = opened.root
    refers = root.find(envelope.q("RefersTo"))
    if (
        opened.kind != "receipt" or opened.sender != transfer.member.code
        or opened.fingerprint != transfer.member.fingerprint
        or refers.get("message") != str(transfer.uid) or refers.get("sha256") != message.sha256
    ):
        raise envelope.Refused("رسید با پیام فرستاده‌شده یا گواهی گیرنده نمی‌خواند.", code="receipt")
    with transaction.atomic():
        locked = Transfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state == TransferState.DELIVERED:
            return
        stored = Message.objects.filter(direction=Direction.IN, message_id=opened.message_id).first()
        if stored is None:
            try:
                with transaction.atomic():
                    stored = Message.objects.create(
                        message_id=opened.message_id, direction=Direction.IN, kind=Kind.RECEIPT, sender=opened.sender,
                        receiver=opened.receiver, refers_to=transfer.uid, raw=raw, sha256=opened.sha256,
                        size=len(raw),
                    )
            except IntegrityError:
                # In-process delivery between two agencies of this server: the receipt is already in
                # the log as the receiver's outbound message; keep the link to that one.
                stored = Message.objects.get(direction=Direction.OUT, message_id=opened.message_id)
        locked.state, locked.receipt, locked.delivered_at = TransferState.DELIVERED, stored, timezone.now()
        locked.last_error = ""
        locked.save(update_fields=["state", "receipt", "delivered_at", "last_error"])
        record(AuditAction.EXCHANGE_DELIVERED, locked, None, {"message": str(locked.uid),
                                                              "receipt": str(opened.message_id)})


def _retry_later(transfer_id: int, error: str) -> str:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update(of=("self",)).select_related("member", "sender").get(
            pk=transfer_id)
        if transfer.state == TransferState.DELIVERED:
            return "delivered"
        transfer.last_error = error
        when = timezone.now() + backoff(transfer.attempts)
        if when >= transfer.expires_at:
            _fail(transfer, error)
            return "failed"
        transfer.next_attempt_at = when
        transfer.save(update_fields=["last_error", "next_attempt_at"])
        from ..tasks import send_transfer

        jobs.enqueue_after_commit(send_transfer, transfer.pk, run_after=when)
    log.info("exchange transfer %s failed (%s); next try at %s", transfer_id, error, when)
    return "retry"


def _fail(transfer: Transfer, error: str) -> None:
    """Retries ran out: the transfer is failed, and the sending secretariat told."""
    transfer.state, transfer.last_error = TransferState.FAILED, error[:500]
    transfer.save(update_fields=["state", "last_error"])
    record(AuditAction.EXCHANGE_FAIL, transfer, None, {"message": str(transfer.uid),
                                                       "to": transfer.member.code, "error": error[:200]})
    delivery = Delivery.objects.filter(transfer=transfer).select_related("letter__secretariat").first()
    if delivery is None or delivery.letter.secretariat is None:
        return
    delivery.member = transfer.member  # loaded already: the notice names it
    notices.delivery_failed(delivery)
    text = (f"دبیر: نامه {delivery.letter.number} به «{transfer.member.name}» پس از چند بار تلاش "
            "الکترونیکی نرسید. در فهرست ارسال‌ها آن را دوباره بفرستید یا با روش دیگری ارسال کنید.")
    for mobile in delivery.letter.secretariat.clerks.exclude(mobile="").values_list("mobile", flat=True):
        queue_sms(mobile=mobile, text=text, kind=SmsKind.EXCHANGE_FAILED, related=f"letter:{delivery.letter_id}")


@transaction.atomic
def retry(*, user, transfer: Transfer) -> Transfer:
    """A clerk sends a failed transfer again (same message id: the receiver still registers it once)."""
    from .. import policy

    policy.check_transfer(user, transfer)
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != TransferState.FAILED:
        raise Conflict("فقط ارسال ناموفق را می‌توان دوباره فرستاد.", code="not_failed")
    transfer.state, transfer.next_attempt_at, transfer.expires_at = TransferState.QUEUED, timezone.now(), expiry()
    transfer.save(update_fields=["state", "next_attempt_at", "expires_at"])
    record(AuditAction.EXCHANGE_RETRY, transfer, user, {"message": str(transfer.uid)})
    enqueue_in_transaction(transfer)
    return transfer


def requeue_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue a job for every transfer whose try is due (after a restart, or a lost job)."""
    now = now or timezone.now()
    due = list(
        Transfer.objects.filter(state__in=[TransferState.QUEUED, TransferState.SENT], next_attempt_at__lte=now)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)
