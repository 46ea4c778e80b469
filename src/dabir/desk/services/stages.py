"""Staff moving a request through its stages: the holder of the current stage's referral chooses an
outcome (next stage, approve, reject) or asks the citizen for more documents."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.letters import services as letters
from dabir.letters.models import Action
from dabir.letters.selectors import open_referral_at
from dabir.letters.services import ReferralSpec
from dabir.orgs.selectors import seat_for

from ..models import RequestEvent, RequestStatus, ServiceRequest
from ..names import AuditAction, SmsKind
from ._shared import _code_text, _event, _lock, _position, _sms, _text, definition_of
from .results import draft_result

DECIDING = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)


def _stage_seat(user, position_id, req: ServiceRequest):
    """The user's seat at the request's current stage, with the open referral it holds."""
    if position_id in (None, ""):
        raise DomainError("سمتی که از طرف آن اقدام می‌کنید را انتخاب کنید.", field="position_id")
    seat = seat_for(user, position_id)
    definition = definition_of(req)
    stage = definition.stage(req.stage_code)
    if req.letter_id is None or stage is None:
        raise Conflict("این درخواست هنوز در جریان بررسی نیست.")
    if stage.position != seat.position.code:
        raise NotAllowed("این مرحله از درخواست با سمت شما نیست.", field="position_id")
    referral = open_referral_at(req.letter, seat.position.id)
    if referral is None:
        raise NotAllowed("این درخواست در کارتابل سمت شما نیست.", field="position_id")
    return seat, stage, referral, definition


@transaction.atomic
def decide_stage(*, user, position_id, request: ServiceRequest, outcome: str, note: str = "",
                 public_note: str = "") -> ServiceRequest:
    """Staff at the current stage's position choose an outcome: the next stage, approve or reject.

    `note` is the internal margin note (never shown to the citizen); `public_note` is shown on the
    citizen's timeline. A rejection needs a reason: `public_note`, or `note` when that is empty —
    either way the reason is told to the citizen.
    """
    req = _lock(request)
    if req.status not in DECIDING:
        raise Conflict(f"این درخواست در وضعیت «{req.get_status_display()}» است و تصمیم تازه نمی‌پذیرد.")
    seat, stage, referral, definition = _stage_seat(user, position_id, req)
    chosen = next((o for o in stage.outcomes if o.code == (outcome or "").strip()), None)
    if chosen is None:
        raise DomainError("نتیجه انتخاب‌شده برای این مرحله تعریف نشده است.", field="outcome")
    note = _text(note, "note", "هامش", 4000, required=False)
    public_note = _text(public_note, "public_note", "توضیح برای متقاضی", 2000, required=False)
    code = _code_text(req.tracking_code)
    if note:
        _event(req, RequestEvent.Kind.NOTE, note=note, public=False, actor=user, stage=stage)
    if chosen.next == "reject":
        reason = public_note or note
        if not reason:
            raise DomainError("علت رد درخواست را بنویسید؛ به متقاضی گفته می‌شود.", field="public_note")
        letters.close_letter(user=user, seat=seat, letter=req.letter, note=f"رد درخواست: {reason}")
        req.status, req.rejection_reason, req.finished_at = RequestStatus.REJECTED, reason, timezone.now()
        req.save(update_fields=["status", "rejection_reason", "finished_at", "updated_at"])
        _event(req, RequestEvent.Kind.REJECTED, note=reason, actor=user, stage=stage)
        _sms(req, f"درخواست {code} رد شد. علت: {reason}"[:700], SmsKind.DESK_REJECTED)
    elif chosen.next == "approve":
        letters.complete(user=user, seat=seat, referral=referral, note=note or f"تأیید: {chosen.label}")
        _event(req, RequestEvent.Kind.APPROVED, note=public_note, actor=user, stage=stage)
        req.status = RequestStatus.APPROVED
        req.save(update_fields=["status", "updated_at"])
        draft_result(req, definition, user, seat)
    else:
        nxt = definition.stage(chosen.next)
        position = _position(nxt.position, req.service.agency, "outcome")
        deadline = add_working_days(today(), nxt.deadline_days)
        letters.complete(user=user, seat=seat, referral=referral, note=note or chosen.label)
        letters.refer(user=user, seat=seat, letter=req.letter, parent=referral, targets=[
            ReferralSpec(position.id, Action.ACTION, note=note or f"میز خدمت — مرحله «{nxt.title}»", deadline=deadline)
        ])
        req.status, req.stage_code = RequestStatus.IN_PROGRESS, nxt.code
        req.stage_started_at, req.stage_due = timezone.now(), deadline
        req.save(update_fields=["status", "stage_code", "stage_started_at", "stage_due", "updated_at"])
        _event(req, RequestEvent.Kind.STAGE, note=public_note, actor=user, stage=nxt)
        _sms(req, f"درخواست {code} به مرحله «{nxt.title}» رسید.", SmsKind.DESK_STAGE)
    audit.record(action=AuditAction.DESK_REQUEST_DECIDE, obj=req, actor=user, position=seat.position, as_acting=seat.as_acting,
                 data={"stage": stage.code, "outcome": chosen.code, "next": chosen.next})
    return req


@transaction.atomic
def request_documents(*, user, position_id, request: ServiceRequest, codes: Sequence[str] = (),
                      note: str = "") -> ServiceRequest:
    """Staff at the stage ask the citizen for more documents; the stage clock stops until they arrive."""
    req = _lock(request)
    if req.status not in DECIDING:
        raise Conflict(f"این درخواست در وضعیت «{req.get_status_display()}» است.")
    seat, stage, _referral, definition = _stage_seat(user, position_id, req)
    known = {d.code: d for d in definition.documents}
    wanted = [str(c).strip() for c in (codes or []) if str(c).strip()]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise DomainError(f"مدرک «{unknown[0]}» در تعریف این خدمت نیست.", field="codes")
    note = _text(note, "note", "توضیح مدارک لازم", 2000, required=not wanted)
    req.status, req.waiting_since, req.requested_documents = RequestStatus.AWAITING_DOCUMENTS, timezone.now(), wanted
    req.save(update_fields=["status", "waiting_since", "requested_documents", "updated_at"])
    labels = "، ".join(known[c].label for c in wanted)
    text = "؛ ".join(p for p in [labels and f"مدارک لازم: {labels}", note] if p)
    _event(req, RequestEvent.Kind.DOCUMENTS_REQUESTED, note=text, actor=user, stage=stage)
    _sms(req, f"برای درخواست {_code_text(req.tracking_code)} مدارک تکمیلی لازم است: {text}"[:700],
         SmsKind.DESK_DOCUMENTS_REQUESTED)
    audit.record(action=AuditAction.DESK_REQUEST_DOCUMENTS_REQUESTED, obj=req, actor=user, position=seat.position,
                 as_acting=seat.as_acting, data={"codes": wanted})
    return req

