"""Referrals (ارجاع): refer, mark read, complete, and the sender's withdraw and reassign."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.orgs.selectors import Seat

from .. import notices, policy
from ..models import OPEN_REFERRAL, Letter, Referral, ReferralStatus, Status
from ..names import AuditAction
from ..selectors import open_referral_at
from ._shared import (
    ReferralSpec,
    _check_referrable,
    _check_visible,
    _close_referral,
    _create_referrals,
    _lock,
    _lock_referral,
    _own_seat,
    _record,
    _referral_of_seat,
)


@transaction.atomic
def refer(
    *, user, seat: Seat, letter: Letter, targets: Sequence[ReferralSpec], parent: Referral | None = None
) -> list[Referral]:
    """Refer a letter the seat holds to one or more positions; the seat's own referral is forwarded."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    if letter.status in (Status.DRAFT, Status.AWAITING_SIGNATURE, Status.VOID, Status.ARCHIVED):
        raise Conflict("این نامه در وضعیتی نیست که بتوان آن را ارجاع داد.")
    if not targets:
        raise DomainError("دست‌کم یک گیرنده ارجاع را انتخاب کنید.", field="to_position")
    _check_referrable(targets)
    _check_visible(user, letter)
    parent = parent or open_referral_at(letter, seat.position.id)
    if parent is not None:
        _referral_of_seat(_lock_referral(parent), seat)
    else:
        policy.check(user, seat, letter, "refer")
    created = _create_referrals(letter, user, seat, targets, parent)
    notices.referred(letter=letter, referrals=created, by=user)
    if parent is not None and parent.is_open:
        _close_referral(parent, user, seat, ReferralStatus.FORWARDED, "", timezone.now())
    _record(AuditAction.LETTER_REFER, letter, user, seat, {
        "parent": parent.id if parent else None,
        "to": [{"position": r.to_position_id, "action": r.action, "deadline": r.deadline} for r in created],
    })
    return created


@transaction.atomic
def mark_read(*, user, seat: Seat, referral: Referral) -> Referral:
    """Record when the receiver first opened the referral (and whether an acting holder did)."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _referral_of_seat(referral, seat)
    if referral.status != ReferralStatus.UNREAD:
        return referral
    referral.status, referral.read_at = ReferralStatus.READ, timezone.now()
    referral.read_by, referral.read_as_acting = user, seat.as_acting
    referral.save(update_fields=["status", "read_at", "read_by", "read_as_acting"])
    _record(AuditAction.REFERRAL_READ, referral, user, seat, {"letter": referral.letter_id})
    return referral


@transaction.atomic
def complete(*, user, seat: Seat, referral: Referral, note: str = "") -> Referral:
    """The receiver marks the referral done, with an optional note."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _referral_of_seat(referral, seat)
    if not referral.is_open:
        raise Conflict("این ارجاع پیش‌تر بسته شده است.")
    policy.check_referral(seat, referral, "complete")
    _close_referral(referral, user, seat, ReferralStatus.DONE, (note or "").strip()[:4000], timezone.now())
    notices.answered(referral=referral, by=user, seat_title=seat.position.title, note=referral.result_note)
    _record(AuditAction.REFERRAL_DONE, referral, user, seat, {"letter": referral.letter_id, "note": note})
    return referral


@transaction.atomic
def forward_by_system(*, by, letter: Letter, referral: Referral, targets: Sequence[ReferralSpec],
                      note: str = "") -> list[Referral]:
    """The system moves a letter on from an open referral (a service request whose automatic inquiry
    was answered): the referral is marked forwarded with the note and the letter referred to the targets.

    No seat acts: `by` is the system account the move is made under (the desk's account of the agency),
    recorded as the new referrals' sender and the audit entry's actor. Runs in the caller's transaction.
    """
    letter = _lock(letter)
    referral = _lock_referral(referral)
    if referral.letter_id != letter.pk or not referral.is_open:
        raise Conflict("این ارجاع پیش‌تر بسته شده است.")
    if not targets:
        raise DomainError("دست‌کم یک گیرنده ارجاع را انتخاب کنید.", field="to_position")
    _check_referrable(targets)
    created = _create_referrals(letter, by, None, targets, referral)
    notices.referred(letter=letter, referrals=created, by=by)
    now = timezone.now()
    referral.status, referral.acted_at, referral.result_note = ReferralStatus.FORWARDED, now, (note or "")[:4000]
    referral.read_at = referral.read_at or now
    referral.save(update_fields=["status", "acted_at", "result_note", "read_at"])
    _record(AuditAction.LETTER_FORWARD_BY_SYSTEM, letter, by, None, {
        "parent": referral.id, "note": note,
        "to": [{"position": r.to_position_id, "action": r.action, "deadline": r.deadline} for r in created],
    })
    return created


def _check_sender_unread(referral: Referral, seat: Seat, act: str) -> None:
    if referral.from_position_id != seat.position.id:
        raise NotAllowed("فقط فرستنده ارجاع می‌تواند آن را پس بگیرد یا جایگزین کند.")
    if referral.status != ReferralStatus.UNREAD:
        raise Conflict("گیرنده این ارجاع را خوانده است؛ دیگر نمی‌توان آن را پس گرفت یا جایگزین کرد.")
    policy.check_referral(seat, referral, act)


def _reopen_parent(referral: Referral) -> None:
    parent = referral.parent
    if parent and parent.status == ReferralStatus.FORWARDED and not parent.children.filter(
        status__in=OPEN_REFERRAL
    ).exists():
        parent.status = ReferralStatus.READ
        parent.save(update_fields=["status"])


@transaction.atomic
def withdraw(*, user, seat: Seat, referral: Referral) -> Referral:
    """The sender takes an unread referral back; the letter returns to the sender's inbox."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _check_sender_unread(referral, seat, "withdraw")
    referral.status, referral.acted_at, referral.acted_by = ReferralStatus.WITHDRAWN, timezone.now(), user
    referral.acted_as_acting = seat.as_acting
    referral.save(update_fields=["status", "acted_at", "acted_by", "acted_as_acting"])
    _reopen_parent(referral)
    _record(AuditAction.REFERRAL_WITHDRAW, referral, user, seat, {"letter": referral.letter_id})
    return referral


@transaction.atomic
def reassign(*, user, seat: Seat, referral: Referral, to_position_id: int, note: str | None = None) -> Referral:
    """The sender redirects an unread referral to another position, keeping its action and deadline."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)
    _check_sender_unread(referral, seat, "reassign")
    referral.status, referral.acted_at, referral.acted_by = ReferralStatus.REASSIGNED, timezone.now(), user
    referral.acted_as_acting = seat.as_acting
    referral.save(update_fields=["status", "acted_at", "acted_by", "acted_as_acting"])
    deadline = referral.deadline if referral.deadline and referral.deadline >= today() else None
    spec = ReferralSpec(to_position_id, referral.action, referral.note if note is None else note, deadline)
    (new,) = _create_referrals(referral.letter, user, seat, [spec], referral.parent)
    notices.referred(letter=referral.letter, referrals=[new], by=user)
    _record(AuditAction.REFERRAL_REASSIGN, referral, user, seat, {"letter": referral.letter_id, "to": to_position_id,
                                                        "new": new.id})
    return new
