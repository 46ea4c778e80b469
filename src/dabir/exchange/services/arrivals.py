"""The receiving secretariat decides on a letter that arrived electronically: accept or return.

Accepting registers it as an incoming letter in the clerk's secretariat, with its own number, the
sender's number and date kept, the signed PDF and the attachments as its files and a first
referral; a reply (عطف) to one of this agency's letters is linked to it. Either decision sends the
sender a signed receipt (registered, with the number and date; or returned, with the reason).
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError
from dabir.core.jalali import format_date
from dabir.letters.models import Channel, Letter
from dabir.letters.services import ReferralSpec, Upload, register_incoming
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import Seat, secretariats_of

from .. import envelope, policy
from ..envelope import q
from ..models import Arrival, Kind, Member
from ..names import AuditAction
from ._shared import record
from .outbox import new_transfer

RETURN_REASONS = {
    "wrong_addressee": "گیرنده اشتباه است",
    "unreadable": "نامه یا پیوست‌ها خوانا نیست",
    "not_ours": "موضوع نامه مربوط به این دستگاه نیست",
    "other": "علت دیگر",
}


def _lock(arrival: Arrival) -> Arrival:
    # Only the arrival row: locking the joined agency and member rows too deadlocked on PostgreSQL with a
    # letter being received for the same agency (its deferred FK check at COMMIT, after the audit head).
    locked = Arrival.objects.select_for_update(of=("self",)).select_related("message", "sender", "agency").get(
        pk=arrival.pk)
    if locked.state != Arrival.State.PENDING:
        raise Conflict("درباره این نامه پیش‌تر تصمیم گرفته شده است.", code="decided")
    return locked


def _receiver(arrival: Arrival) -> Member:
    return Member.objects.get(agency=arrival.agency)


def _outcome_receipt(arrival: Arrival, status: str, **content) -> None:
    message = arrival.message
    new_transfer(kind=Kind.RECEIPT, sender=_receiver(arrival), member=arrival.sender, content={
        "refers_to": str(message.message_id), "refers_sha256": message.sha256, "status": status, **content,
    })


def opened(arrival: Arrival) -> envelope.Opened:
    return envelope.open_message(bytes(arrival.message.raw))


@transaction.atomic
def accept_arrival(
    *, user, arrival: Arrival, secretariat: Secretariat, refer_to: Sequence[ReferralSpec] = (),
    seat: Seat | None = None, series: NumberSeries | None = None,
) -> Letter:
    """Register an arrived letter as incoming, with its first referral."""
    policy.check_arrival(user, arrival)
    arrival = _lock(arrival)
    if secretariat.agency_id != arrival.agency_id or not secretariats_of(user).filter(pk=secretariat.pk).exists():
        raise DomainError("دبیرخانه‌ای از دستگاه گیرنده را برگزینید که در آن کار می‌کنید.", field="secretariat")
    if not refer_to:
        raise DomainError("نخستین ارجاع نامه را برگزینید.", field="refer_to")
    message = opened(arrival)
    document, attachments = envelope.files_of(message.root)
    links = []
    for node in message.root.findall(q("Related")):
        target = Letter.objects.filter(uid=node.get("letter"), agency=arrival.agency).first()
        if target is not None:
            links.append((target, node.get("kind")))
    letter = register_incoming(
        user=user, secretariat=secretariat, subject=arrival.subject,
        sender_name=arrival.sender.name, channel=Channel.NETWORK, sender_number=arrival.sender_number,
        sender_date=arrival.sender_date, received_at=arrival.received_at, urgency=arrival.urgency,
        classification=arrival.classification, series=series, refer_to=refer_to, seat=seat,
        keywords=message.root.findtext(q("Keywords")) or "",
        uploads=[Upload(part.name, part.content) for part in [document, *attachments]], links=links,
    )
    arrival.state, arrival.letter = Arrival.State.ACCEPTED, letter
    arrival.decided_by, arrival.decided_at = user, timezone.now()
    arrival.save(update_fields=["state", "letter", "decided_by", "decided_at"])
    registered = letter.registered_at
    _outcome_receipt(arrival, "registered", number=letter.number,
                     date=timezone.localtime(registered).date().isoformat(),
                     jalali=format_date(registered, persian=False))
    record(AuditAction.EXCHANGE_ACCEPT, arrival, user, {"letter": letter.pk, "number": letter.number,
                                                        "message": str(arrival.message.message_id)})
    return letter


@transaction.atomic
def return_arrival(*, user, arrival: Arrival, reason: str, note: str = "") -> Arrival:
    """Send an arrived letter back with a reason; it is not registered here."""
    policy.check_arrival(user, arrival)
    if reason not in RETURN_REASONS:
        raise DomainError("علت برگشت را برگزینید.", field="reason")
    note = " ".join((note or "").split())[:400]
    if reason == "other" and not note:
        raise DomainError("علت برگشت را بنویسید.", field="note")
    arrival = _lock(arrival)
    text = RETURN_REASONS[reason] + (f": {note}" if note else "")
    arrival.state, arrival.reason = Arrival.State.RETURNED, text
    arrival.decided_by, arrival.decided_at = user, timezone.now()
    arrival.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    _outcome_receipt(arrival, "returned", reason=text)
    record(AuditAction.EXCHANGE_RETURN, arrival, user, {"reason": reason, "message": str(arrival.message.message_id)})
    return arrival
