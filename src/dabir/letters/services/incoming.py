"""Registering a letter that came from outside (وارده): numbered at once in the secretariat's series."""

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.core.jalali import today
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import Seat

from ..models import Channel, Classification, Kind, Letter, Link, Status, Urgency
from ..names import AuditAction
from ._shared import (
    ReferralSpec,
    Upload,
    _check_choice,
    _check_clerk,
    _check_files,
    _check_referrable,
    _create_referrals,
    _index,
    _number,
    _own_seat,
    _pick_series,
    _record,
    _require_text,
    _save_files,
    sanitize_body,
)


@transaction.atomic
def register_incoming(
    *,
    user,
    secretariat: Secretariat,
    subject: str,
    sender_name: str,
    channel: str,
    sender_number: str = "",
    sender_date: dt.date | None = None,
    received_at: dt.datetime | None = None,
    body: str = "",
    keywords: str = "",
    urgency: str = Urgency.NORMAL,
    classification: str = Classification.UNCLASSIFIED,
    series: NumberSeries | None = None,
    uploads: Sequence[Upload] = (),
    refer_to: Sequence[ReferralSpec] = (),
    seat: Seat | None = None,
    paper_location: str = "",
    links: Sequence[tuple[Letter, str]] = (),
) -> Letter:
    """A clerk registers a letter that came from outside; it gets a number in the secretariat's series."""
    _check_clerk(user, secretariat)
    if seat is not None:
        seat = _own_seat(user, seat)
    subject = _require_text(subject, "subject", "موضوع", 500)
    sender_name = _require_text(sender_name, "sender_name", "فرستنده", 300)
    _check_choice(channel, Channel, "channel", "روش دریافت")
    _check_choice(urgency, Urgency, "urgency", "فوریت")
    _check_choice(classification, Classification, "classification", "طبقه‌بندی")
    if sender_date and sender_date > today():
        raise DomainError("تاریخ نامه فرستنده نمی‌تواند در آینده باشد.", field="sender_date")
    _check_referrable(refer_to)
    checked = _check_files(uploads)
    letter = Letter(
        kind=Kind.INCOMING, status=Status.REGISTERED, agency=secretariat.agency, subject=subject,
        body=sanitize_body(body), keywords=(keywords or "").strip()[:500], urgency=urgency,
        classification=classification, created_by=user, sender_name=sender_name,
        sender_number=(sender_number or "").strip()[:64], sender_date=sender_date, channel=channel,
        received_at=received_at or timezone.now(), paper_location=(paper_location or "").strip()[:200],
        author_position=seat.position if seat else None,
    )
    series = _pick_series(secretariat, letter.kind, series)
    letter.secretariat = secretariat
    letter.save()
    _save_files(letter, user, uploads, checked)
    # Links the system found itself (an exchanged reply to one of this agency's letters).
    Link.objects.bulk_create([Link(letter=letter, target=target, kind=kind) for target, kind in links])
    referrals = _create_referrals(letter, user, seat, refer_to, None)
    _number(letter, user, secretariat, series)
    _index(letter)
    _record(AuditAction.LETTER_REGISTER_INCOMING, letter, user, seat, {
        "number": letter.number, "referrals": [r.id for r in referrals],
        "attachments": [a.sha256 for a in letter.attachments.all()],
    })
    return letter
