"""Registering a letter that came from outside (وارده): numbered at once in the secretariat's series."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.core.jalali import today
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import Seat

from .. import notices
from ..models import (
    Attachment,
    Channel,
    Classification,
    Kind,
    Letter,
    Link,
    Referral,
    RegistrationKey,
    Status,
    Urgency,
)
from ..names import AuditAction
from ._shared import (
    ReferralSpec,
    Upload,
    _check_choice,
    _check_clerk,
    _check_files,
    _check_referrable,
    _create_referrals,
    _number,
    _own_seat,
    _pick_series,
    _record,
    _require_text,
    _save_files,
    sanitize_body,
)


@dataclass(frozen=True)
class Registered:
    """What one registration wrote, for a caller that answers with it (the API's 201) instead of
    reading it back: the letter, its referrals and attachments, and the seat re-read for the clerk."""

    letter: Letter
    referrals: list[Referral]
    attachments: list[Attachment]
    links: list[Link]
    seat: Seat | None


class KeyTaken(Exception):
    """Another registration with the same client key committed first: answer with its letter."""


def _keep_key(user, letter: Letter, key: str, fingerprint: str) -> None:
    # Before any other row: a concurrent retry with the same key waits here for the first to end.
    try:
        with transaction.atomic():
            RegistrationKey.objects.create(user=user, key=key, fingerprint=fingerprint, letter=letter)
    except IntegrityError:
        raise KeyTaken from None


def _utc(when: dt.datetime | None) -> dt.datetime | None:
    """An aware time in UTC, as the database gives it back: the letter in memory equals the row."""
    return when.astimezone(dt.UTC) if when is not None and timezone.is_aware(when) else when


def register_incoming(**kwargs) -> Letter:
    """A clerk registers a letter that came from outside; it gets a number in the secretariat's series.

    The arguments are those of `register_incoming_rows`, which also returns the rows written."""
    return register_incoming_rows(**kwargs).letter


@transaction.atomic
def register_incoming_rows(
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
    request_key: tuple[str, str] | None = None,
) -> Registered:
    """A clerk registers a letter that came from outside; it gets a number in the secretariat's series.

    `request_key` is the client's (key, fingerprint of the request) for a request it may retry: kept
    with the letter, so a retry finds it (selectors.registered_with_key); a registration that meets
    the key already taken by one committed meanwhile gives way with KeyTaken, its number unused.

    Every check and every row comes first; the number is taken last (its counter stays locked to the
    commit), written with the search text in one UPDATE, then the audit entry."""
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
        received_at=_utc(received_at) or timezone.now(), paper_location=(paper_location or "").strip()[:200],
        author_position=seat.position if seat else None,
    )
    series = _pick_series(secretariat, letter.kind, series)
    letter.secretariat = secretariat
    letter.save()
    if request_key:
        _keep_key(user, letter, *request_key)
    attachments = _save_files(letter, user, uploads, checked)
    # Links the system found itself (an exchanged reply to one of this agency's letters).
    made_links = [Link(letter=letter, target=target, kind=kind) for target, kind in links]
    Link.objects.bulk_create(made_links)
    referrals = _create_referrals(letter, user, seat, refer_to, None)
    # a letter from outside has no recipients, and its files were saved just now, unread
    _number(letter, user, secretariat, series, recipients=(), texts=())
    notices.referred(letter=letter, referrals=referrals, by=user)  # after the number: the title names it
    _record(AuditAction.LETTER_REGISTER_INCOMING, letter, user, seat, {
        "number": letter.number, "referrals": [r.id for r in referrals],
        "attachments": [a.sha256 for a in attachments],
    })
    return Registered(letter, referrals, attachments, made_links, seat)
