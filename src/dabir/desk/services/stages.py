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
from ._shared import _code_text, _event, _lock, _position, _profile, _sms, _text, definition_of, desk_account
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
        start_inquiry(req, nxt)
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



# ---------------------------------------------------------------- inquiry stages

REQUESTER = "desk.request"  # an inquiry asked by a request is tagged "desk.request:<pk>"


def _answered_note(uid) -> str:
    # The staff note that records an answer starts so; finding it makes the listener idempotent.
    return f"پاسخ استعلام {uid}"


def start_inquiry(req: ServiceRequest, stage) -> None:
    """The request reached an inquiry stage: ask the answering agency through the exchange, in this
    transaction (the inquiry leaves only if the move commits). If it cannot be asked (the type is
    not in the directory, the agency is not a member), the stage is left to its position's staff."""
    from dabir.exchange import services as exchange
    from dabir.exchange.models import InquiryType

    step = stage.inquiry
    if step is None:
        return
    question = {}
    for key, source in step.question.items():
        value = req.national_code if source == "national_code" else req.mobile if source == "mobile" else req.data.get(source)
        if value not in (None, ""):
            question[key] = value
    inquiry_type = InquiryType.objects.select_related("member").filter(code=step.type).first()
    try:
        if inquiry_type is None:
            raise DomainError(f"نوع استعلام «{step.type}» در فهرست شبکه تبادل نیست.")
        inquiry = exchange.ask(agency=req.service.agency, inquiry_type=inquiry_type, question=question,
                               requester=f"{REQUESTER}:{req.pk}")
    except DomainError as exc:
        _event(req, RequestEvent.Kind.NOTE, public=False, stage=stage,
               note=f"استعلام خودکار فرستاده نشد ({exc}). این مرحله را خودتان بررسی کنید و نتیجه را برگزینید.")
        audit.record(action=AuditAction.DESK_REQUEST_INQUIRY, obj=req, data={"type": step.type, "error": str(exc)})
        return
    answerer = inquiry_type.member.name
    _event(req, RequestEvent.Kind.NOTE, public=False, stage=stage,
           note=f"استعلام «{inquiry_type.name}» از «{answerer}» فرستاده شد (شناسه {inquiry.uid}).")
    _event(req, RequestEvent.Kind.NOTE, stage=stage,
           note=f"برای بررسی درخواست شما از «{answerer}» استعلام شد؛ پاسخ آن خودکار بررسی می‌شود.")
    audit.record(action=AuditAction.DESK_REQUEST_INQUIRY, obj=req, data={
        "type": step.type, "inquiry": str(inquiry.uid), "to": inquiry_type.member.code})


@transaction.atomic
def inquiry_answered(inquiry) -> None:
    """The answer to a request's inquiry came back (the exchange's listener, in the receiving
    transaction): it is recorded on the request; a match moves the request to the stage's on_match
    outcome, anything else leaves it with the stage's staff, marked for their attention. A second
    call for the same answer changes nothing."""
    pk = inquiry.requester.split(":", 1)[1] if ":" in inquiry.requester else ""
    req = ServiceRequest.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if req is None:
        return
    req = _lock(req)
    if req.events.filter(kind=RequestEvent.Kind.NOTE, note__startswith=_answered_note(inquiry.uid)).exists():
        return
    answer = inquiry.answer or {}
    match = answer.get("match") is True
    said = str(answer.get("message") or "")[:500]
    who = inquiry.answerer.name
    definition = definition_of(req)
    stage = definition.stage(req.stage_code)
    waiting = (req.status in DECIDING and stage is not None and stage.inquiry is not None
               and stage.inquiry.type == inquiry.type.code and req.letter_id is not None)
    verdict = "تطبیق دارد" if match else "تطبیق ندارد"
    staff = f"{_answered_note(inquiry.uid)} از «{who}»: {verdict}" + (f" — {said}" if said else "")
    moved = None
    if waiting and match:
        moved = _move_on(req, stage, definition, note=f"پاسخ استعلام از «{who}»: {verdict}")
    if not waiting:
        staff += "؛ درخواست پیش‌تر از این مرحله گذشته بود و پاسخ فقط ثبت شد."
    elif moved is None:
        staff += "؛ نیاز به بررسی کارشناس: نتیجه این مرحله را خودتان برگزینید."
    _event(req, RequestEvent.Kind.NOTE, public=False, stage=stage, note=staff)
    if waiting and moved is None:
        _event(req, RequestEvent.Kind.NOTE, stage=stage, note=(
            f"اطلاعات درخواست شما با پاسخ استعلام از «{who}» همخوان نبود؛ کارشناس آن را بررسی می‌کند "
            "و در صورت نیاز با شما تماس می‌گیرد."))
    audit.record(action=AuditAction.DESK_REQUEST_INQUIRY_ANSWERED, obj=req, data={
        "inquiry": str(inquiry.uid), "match": match, "moved_to": moved.code if moved else None})


def _move_on(req: ServiceRequest, stage, definition, *, note: str):
    """Move the request from its inquiry stage to the on_match outcome's stage, as the system."""
    chosen = next(o for o in stage.outcomes if o.code == stage.inquiry.on_match)
    nxt = definition.stage(chosen.next)
    here = _position(stage.position, req.service.agency, "stages")
    referral = open_referral_at(req.letter, here.id)
    if nxt is None or referral is None:
        return None  # staff moved the letter by hand meanwhile: they decide
    position = _position(nxt.position, req.service.agency, "outcome")
    deadline = add_working_days(today(), nxt.deadline_days)
    letters.forward_by_system(by=desk_account(_profile(req.service.agency)), letter=req.letter, referral=referral,
                              note=note, targets=[
        ReferralSpec(position.id, Action.ACTION, note=f"میز خدمت — مرحله «{nxt.title}»", deadline=deadline)])
    req.status, req.stage_code = RequestStatus.IN_PROGRESS, nxt.code
    req.stage_started_at, req.stage_due = timezone.now(), deadline
    req.save(update_fields=["status", "stage_code", "stage_started_at", "stage_due", "updated_at"])
    _event(req, RequestEvent.Kind.STAGE, stage=nxt, note=f"{chosen.label} (پاسخ استعلام)")
    _sms(req, f"درخواست {_code_text(req.tracking_code)} به مرحله «{nxt.title}» رسید.", SmsKind.DESK_STAGE)
    start_inquiry(req, nxt)
    return nxt
