"""The secretariat numbers a signed letter (ثبت) and dispatches an outgoing one."""

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError
from dabir.orgs.models import NumberSeries, Secretariat
from dabir.orgs.selectors import Seat

from .. import notices, outlets, policy
from ..models import Access, Action, Channel, Kind, Letter, Recipient, Status
from ..names import AuditAction
from ._shared import (
    ReferralSpec,
    _check_choice,
    _check_clerk,
    _create_referrals,
    _grant,
    _lock,
    _number,
    _pick_series,
    _record,
)


@transaction.atomic
def register_letter(
    *, user, letter: Letter, secretariat: Secretariat | None = None, series: NumberSeries | None = None
) -> Letter:
    """The secretariat numbers a signed internal or outgoing letter; internal ones reach their recipients."""
    letter = _lock(letter)
    if letter.status != Status.APPROVED:
        raise Conflict("فقط نامه امضاشده را می‌توان ثبت کرد.")
    secretariat = secretariat or letter.secretariat
    _check_clerk(user, secretariat)
    policy.check(user, None, letter, "register")
    if secretariat.agency_id != letter.agency_id:
        raise DomainError("دبیرخانه از دستگاه دیگری است.", field="secretariat")
    series = _pick_series(secretariat, letter.kind, series)
    letter.status = Status.REGISTERED  # written with the number, in one UPDATE
    recipients = list(letter.recipients.filter(position__isnull=False))
    signer_seat = Seat(letter.signer_position, False) if letter.signer_position_id else None
    specs = [
        ReferralSpec(r.position_id, Action.ACTION if r.role == Recipient.Role.TO else Action.INFORMATION)
        for r in recipients
        if not signer_seat or r.position_id != signer_seat.position.id
    ]
    delivered = []
    if letter.kind == Kind.INTERNAL:
        # Delivered as referrals from the signer's desk: the recipients' inboxes show them.
        delivered = _create_referrals(letter, user, signer_seat, specs, None)
    else:
        _grant(letter, [r.position_id for r in recipients], Access.Reason.RECIPIENT)
    _number(letter, user, secretariat, series, also=["status"])
    notices.referred(letter=letter, referrals=delivered, by=user)  # after the number: the title names it
    _record(AuditAction.LETTER_REGISTER, letter, user, None, {"number": letter.number})
    return letter


@transaction.atomic
def dispatch(*, user, letter: Letter, channel: str) -> Letter:
    """The secretariat sends a registered outgoing letter out by a channel."""
    letter = _lock(letter)
    if letter.kind != Kind.OUTGOING or letter.status != Status.REGISTERED:
        raise Conflict("فقط نامه صادره ثبت‌شده را می‌توان ارسال کرد.")
    _check_clerk(user, letter.secretariat)
    policy.check(user, None, letter, "dispatch")
    _check_choice(channel, Channel, "channel", "روش ارسال")
    letter.status, letter.channel, letter.dispatched_at = Status.DISPATCHED, channel, timezone.now()
    letter.save(update_fields=["status", "channel", "dispatched_at", "updated_at"])
    _record(AuditAction.LETTER_DISPATCH, letter, user, None, {"channel": channel})
    outlets.send(letter, user, channel)
    return letter
