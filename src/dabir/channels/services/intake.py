"""A clerk decides on an e-mail or a fax in the intake queue: register it as an incoming letter
(with its first referral) or discard it with a reason.

Registering goes through letters.services.register_incoming, so the letter is numbered, its files
checked by content and its first referral made exactly as for a letter registered by hand; the
item keeps the letter. A file the letters' checker refuses (an .exe, a broken PDF, too large) stops
the registration with a message naming it, so the clerk can untick it and register the rest.
"""

import datetime as dt
import html
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError
from dabir.letters import attachments as files_check
from dabir.letters.models import Channel, Classification, Letter, Urgency
from dabir.letters.services import ReferralSpec, Upload, register_incoming
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import Seat, secretariats_of

from .. import policy
from ..models import IntakeItem
from ..names import AuditAction

DISCARD_REASONS = {
    "spam": "هرزنامه یا تبلیغ",
    "duplicate": "تکراری (پیش‌تر رسیده یا ثبت شده)",
    "not_ours": "مربوط به این دبیرخانه نیست",
    "unreadable": "خوانا نیست یا خالی است",
    "other": "علت دیگر",
}


def _lock(item: IntakeItem) -> IntakeItem:
    # Only the item's row: two clerks deciding at once wait here, and the second meets the decision.
    locked = IntakeItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    if locked.state != IntakeItem.State.PENDING:
        raise Conflict("درباره این ایمیل یا نمابر پیش‌تر تصمیم گرفته شده است.", code="decided")
    return locked


def text_as_body(text: str) -> str:
    """The e-mail's plain text as the letter's body: a paragraph per blank-line block, lines kept."""
    blocks = [b.strip() for b in (text or "").replace("\r\n", "\n").split("\n\n")]
    return "".join(f"<p>{'<br>'.join(html.escape(line) for line in b.splitlines())}</p>" for b in blocks if b)


def _uploads(item: IntakeItem, file_ids: Sequence[int] | None) -> list[Upload]:
    files = list(item.files.all())
    if file_ids is not None:
        wanted = {int(i) for i in file_ids}
        if wanted - {f.pk for f in files}:
            raise DomainError("پیوستی که برگزیده‌اید از این ایمیل یا نمابر نیست.", field="files")
        files = [f for f in files if f.pk in wanted]
    uploads = []
    for f in files:
        with f.file.open("rb") as stream:
            # A fax is a scan of paper: marked so, it is read by OCR like any registration scan.
            uploads.append(Upload(f.name, stream.read(), is_scan=item.kind == IntakeItem.Kind.FAX))
    return uploads


def _refused_files(uploads: Sequence[Upload], first: DomainError) -> DomainError:
    """Every file the letters' checker refuses, named, so the clerk unticks them all at once. Checked
    again only on this path: a registration that succeeds parses each file once."""
    notes = []
    for up in uploads:
        try:
            files_check.check(up.name, up.content)
        except DomainError as exc:
            notes.append(exc.message)
    notes = notes or [first.message]
    hint = "تیک آن را بردارید و دوباره ثبت کنید." if len(notes) == 1 else "تیک آن‌ها را بردارید و دوباره ثبت کنید."
    return DomainError(" ".join([*notes, hint]), field="files", code=first.code)


@transaction.atomic
def register_item(
    *, user, item: IntakeItem, secretariat: Secretariat, subject: str, sender_name: str,
    refer_to: Sequence[ReferralSpec], files: Sequence[int] | None = None, urgency: str = Urgency.NORMAL,
    classification: str = Classification.UNCLASSIFIED, keywords: str = "", sender_number: str = "",
    sender_date: dt.date | None = None, seat: Seat | None = None, series: NumberSeries | None = None,
) -> Letter:
    """Register a waiting e-mail or fax as an incoming letter with its first referral."""
    policy.check_intake(user, item)
    item = _lock(item)
    if secretariat.agency_id != item.secretariat.agency_id or not secretariats_of(user).filter(
            pk=secretariat.pk).exists():
        raise DomainError("دبیرخانه‌ای از همین دستگاه را برگزینید که در آن کار می‌کنید.", field="secretariat")
    if not refer_to:
        raise DomainError("نخستین ارجاع نامه را برگزینید.", field="refer_to")
    fax = item.kind == IntakeItem.Kind.FAX
    body = text_as_body(item.text) if item.text.strip() else item.html
    uploads = _uploads(item, files)
    try:
        letter = register_incoming(
            user=user, secretariat=secretariat, subject=subject, sender_name=sender_name,
            channel=Channel.FAX if fax else Channel.EMAIL, sender_number=sender_number, sender_date=sender_date,
            received_at=item.received_at, body=body, keywords=keywords, urgency=urgency,
            classification=classification, series=series, uploads=uploads, refer_to=refer_to, seat=seat,
        )
    except DomainError as exc:
        if exc.field != "attachments":
            raise
        raise _refused_files(uploads, exc) from None
    item.state, item.letter = IntakeItem.State.REGISTERED, letter
    item.decided_by, item.decided_at = user, timezone.now()
    item.save(update_fields=["state", "letter", "decided_by", "decided_at"])
    audit.record(action=AuditAction.INTAKE_REGISTER, obj=item, actor=user,
                 position=seat.position if seat else None, as_acting=bool(seat and seat.as_acting),
                 data={"letter": letter.pk, "number": letter.number, "kind": item.kind,
                       "files": [a.sha256 for a in letter.attachments.all()]})
    return letter


@transaction.atomic
def discard_item(*, user, item: IntakeItem, reason: str, note: str = "") -> IntakeItem:
    """Set a waiting e-mail or fax aside with a reason; it stays in the queue's history, unregistered."""
    policy.check_intake(user, item)
    if reason not in DISCARD_REASONS:
        raise DomainError("علت کنار گذاشتن را برگزینید.", field="reason")
    note = " ".join((note or "").split())[:400]
    if reason == "other" and not note:
        raise DomainError("علت کنار گذاشتن را بنویسید.", field="note")
    item = _lock(item)
    item.state = IntakeItem.State.DISCARDED
    item.reason = DISCARD_REASONS[reason] + (f": {note}" if note else "")
    item.decided_by, item.decided_at = user, timezone.now()
    item.save(update_fields=["state", "reason", "decided_by", "decided_at"])
    audit.record(action=AuditAction.INTAKE_DISCARD, obj=item, actor=user,
                 data={"reason": reason, "note": note, "kind": item.kind, "message_id": item.message_id})
    return item
