"""Signing a draft: sending it for signature, approving (امضا) in circuit order, returning it to its author."""

from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.orgs.selectors import Seat

from .. import notices, policy
from ..circuit import signing
from ..models import Access, Action, Letter, Referral, ReferralStatus, Status
from ..names import AuditAction
from ..selectors import open_referral_at
from ._shared import (
    ReferralSpec,
    _close_referral,
    _create_referrals,
    _grant,
    _lock,
    _own_seat,
    _record,
    _require_text,
)


@transaction.atomic
def submit_for_signature(*, user, seat: Seat, letter: Letter, note: str = "") -> Referral:
    """The author sends the draft to its first signer; it appears there 'for signature'.

    An author who is himself the first signer does not send it to himself: he signs the draft
    (approve), which the letter page offers him as «امضا»."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    if letter.status != Status.DRAFT:
        raise Conflict("این نامه پیش‌نویس نیست.")
    if letter.author_position_id != seat.position.id:
        raise NotAllowed("فقط نویسنده نامه می‌تواند آن را برای امضا بفرستد.")
    if not (letter.signer_position_id or letter.signing_steps.exists()):
        raise DomainError("امضاکننده نامه را انتخاب کنید.", field="signer_position")
    if policy.allowed_actions(user, seat, letter)["sign_draft"]:
        raise DomainError("امضاکننده نخست این نامه خود شمایید؛ به جای فرستادن، آن را امضا کنید.",
                          field="signer_position", code="sign_it_yourself")
    signer_id = signing().start_circuit(letter)
    if not signer_id:
        raise DomainError("امضاکننده نامه را انتخاب کنید.", field="signer_position")
    letter.status = Status.AWAITING_SIGNATURE
    letter.save(update_fields=["status", "updated_at"])
    _grant(letter, [signer_id], Access.Reason.SIGNER)
    spec = ReferralSpec(position_id=signer_id, action=Action.SIGNATURE, note=note)
    (referral,) = _create_referrals(letter, user, seat, [spec], None)
    notices.referred(letter=letter, referrals=[referral], by=user)
    _record(AuditAction.LETTER_SUBMIT_FOR_SIGNATURE, letter, user, seat, {"signer": signer_id})
    return referral


def _signature_referral(user, letter: Letter, seat: Seat, action: str) -> Referral:
    if letter.status != Status.AWAITING_SIGNATURE:
        raise Conflict("این نامه در انتظار امضا نیست.")
    policy.check(user, seat, letter, action)
    referral = open_referral_at(letter, seat.position.id)
    assert referral is not None and referral.action == Action.SIGNATURE  # what the policy allowed on
    return referral


@transaction.atomic
def approve(*, user, seat: Seat, letter: Letter, note: str = "", digital: bool = False) -> Letter:
    """The signer whose turn it is approves (signs digitally where the position has a certificate;
    `digital` demands it). The one path of signing, whatever the entry point (page, API, command).

    The letter passes to the next signer of its circuit «جهت امضا», or, after the last one,
    to the secretariat to be numbered. An author who is the first signer of his own draft signs
    it here directly, without sending it to himself.
    """
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    note = (note or "").strip()[:4000]
    referral = None
    if letter.status == Status.DRAFT and letter.author_position_id == seat.position.id:
        policy.check(user, seat, letter, "sign_draft")
        signing().start_circuit(letter)
        letter.status = Status.AWAITING_SIGNATURE
        letter.save(update_fields=["status", "updated_at"])
        _grant(letter, [seat.position.id], Access.Reason.SIGNER)
    else:
        referral = _signature_referral(user, letter, seat, "sign")
    next_signer = signing().approve_step(user=user, seat=seat, letter=letter, digital=digital)
    now = timezone.now()
    if referral is not None:
        _close_referral(referral, user, seat, ReferralStatus.DONE, note or "امضا شد", now)
    if next_signer:
        _grant(letter, [next_signer], Access.Reason.SIGNER)
        made = _create_referrals(letter, user, seat, [ReferralSpec(next_signer, Action.SIGNATURE, note)], referral)
        notices.referred(letter=letter, referrals=made, by=user)
        _record(AuditAction.LETTER_APPROVE, letter, user, seat, {"next_signer": next_signer})
        return letter
    letter.status, letter.approved_at, letter.approved_by = Status.APPROVED, now, user
    letter.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
    _record(AuditAction.LETTER_APPROVE, letter, user, seat)
    return letter


@transaction.atomic
def return_to_author(*, user, seat: Seat, letter: Letter, note: str) -> Letter:
    """The signer whose turn it is sends the letter back to its author with a note (the one path of
    returning, from the page or the API's reject); the author edits and resubmits, and the circuit
    signs again from its first signer."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    note = _require_text(note, "note", "علت بازگشت", 4000)
    referral = _signature_referral(user, letter, seat, "return")
    signing().reset_circuit(letter, user=user, seat=seat, note=note)
    letter.status = Status.DRAFT
    letter.save(update_fields=["status", "updated_at"])
    _close_referral(referral, user, seat, ReferralStatus.DONE, note, timezone.now())
    if letter.author_position_id and letter.author_position_id != seat.position.id:
        _create_referrals(letter, user, seat, [ReferralSpec(letter.author_position_id, Action.ACTION, note)], referral)
    notices.returned(letter=letter, by=user, seat_title=seat.position.title)
    _record(AuditAction.LETTER_RETURN_TO_AUTHOR, letter, user, seat, {"note": note})
    return letter
