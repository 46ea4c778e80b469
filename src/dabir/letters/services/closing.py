"""Ending a letter's life: closing (مختومه) by its holder or by the system, voiding (ابطال), archiving (بایگانی)."""

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict
from dabir.orgs.selectors import Seat

from .. import notices, policy
from ..models import OPEN_REFERRAL, Letter, Referral, ReferralStatus, Status
from ..names import AuditAction
from ..selectors import open_referral_at
from ..signals import referrals_changed
from ._shared import _check_clerk, _check_visible, _close_referral, _lock, _own_seat, _record, _require_text


@transaction.atomic
def close_letter(*, user, seat: Seat, letter: Letter, note: str) -> Letter:
    """The holder closes the letter without referring it on (مختومه), with a note."""
    seat = _own_seat(user, seat)
    note = _require_text(note, "note", "یادداشت مختومه", 4000)
    letter = _lock(letter)
    if letter.status in policy.NOT_CLOSABLE:
        raise Conflict("این نامه را نمی‌توان مختومه کرد.")
    policy.check(user, seat, letter, "close")
    referral = open_referral_at(letter, seat.position.id)
    now = timezone.now()
    if referral is not None:
        _close_referral(referral, user, seat, ReferralStatus.DONE, note, now)
        notices.answered(referral=referral, letter=letter, by=user, seat_title=seat.position.title, note=note)
    if not letter.referrals.filter(status__in=OPEN_REFERRAL).exists():
        letter.status, letter.closed_at, letter.closed_note = Status.CLOSED, now, note
        letter.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
    _record(AuditAction.LETTER_CLOSE, letter, user, seat, {"note": note})
    return letter


@transaction.atomic
def close_by_system(*, letter: Letter, note: str) -> Letter:
    """The system closes a letter nobody needs to act on any more (a service request its applicant
    cancelled): every open referral is marked done with the note and the letter is closed (مختومه).

    No seat acts; the audit entry `letter.close_by_system` has no actor. Runs in the caller's transaction.
    """
    note = _require_text(note, "note", "یادداشت مختومه", 4000)
    letter = _lock(letter)
    if letter.status in (Status.DRAFT, Status.AWAITING_SIGNATURE):
        raise Conflict("این نامه را نمی‌توان مختومه کرد.")
    now = timezone.now()
    closed = list(letter.referrals.filter(status__in=OPEN_REFERRAL).values_list("pk", flat=True))
    letter.referrals.filter(pk__in=closed).update(status=ReferralStatus.DONE, acted_at=now, result_note=note)
    referrals_changed.send(sender=Referral, letter=letter, days=())
    if letter.status not in (Status.CLOSED, Status.ARCHIVED, Status.VOID):  # those stay as they are
        letter.status, letter.closed_at, letter.closed_note = Status.CLOSED, now, note
        letter.save(update_fields=["status", "closed_at", "closed_note", "updated_at"])
    _record(AuditAction.LETTER_CLOSE_BY_SYSTEM, letter, None, None, {"note": note, "referrals": closed})
    return letter


@transaction.atomic
def void_letter(*, user, letter: Letter, reason: str) -> Letter:
    """The secretariat voids a numbered letter; its number stays taken and shows as void."""
    reason = _require_text(reason, "reason", "علت ابطال", 2000)
    letter = _lock(letter)
    if not letter.is_numbered:
        raise Conflict("فقط نامه شماره‌دار ابطال می‌شود؛ پیش‌نویس را می‌توان رها کرد.")
    if letter.status == Status.VOID:
        raise Conflict("این نامه پیش‌تر ابطال شده است.")
    _check_clerk(user, letter.secretariat)
    policy.check(user, None, letter, "void")
    now = timezone.now()
    letter.status, letter.void_reason, letter.voided_at = Status.VOID, reason, now
    letter.save(update_fields=["status", "void_reason", "voided_at", "updated_at"])
    letter.referrals.filter(status__in=OPEN_REFERRAL).update(status=ReferralStatus.WITHDRAWN, acted_at=now)
    referrals_changed.send(sender=Referral, letter=letter, days=())
    _record(AuditAction.LETTER_VOID, letter, user, None, {"number": letter.number, "reason": reason})
    return letter


@transaction.atomic
def archive_letter(*, user, seat: Seat, letter: Letter) -> Letter:
    """Archive a closed or dispatched letter (بایگانی); it leaves the working lists."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    _check_visible(user, letter)
    if letter.status not in (Status.CLOSED, Status.DISPATCHED, Status.REGISTERED):
        raise Conflict("فقط نامه ثبت‌شده، ارسال‌شده یا مختومه بایگانی می‌شود.")
    if letter.referrals.filter(status__in=OPEN_REFERRAL).exists():
        raise Conflict("این نامه هنوز ارجاع باز دارد؛ نخست آن‌ها را ببندید.")
    letter.status, letter.archived_at = Status.ARCHIVED, timezone.now()
    letter.save(update_fields=["status", "archived_at", "updated_at"])
    _record(AuditAction.LETTER_ARCHIVE, letter, user, seat)
    return letter
