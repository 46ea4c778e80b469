"""The citizen's own request: submitting it (once per submission key), adding the documents staff
asked for (the deadlines move by the working days waited), cancelling it."""

import datetime as dt
import random
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.models import Holiday, is_weekend
from dabir.core.text import to_persian_digits
from dabir.core.validators import validate_mobile, validate_national_code
from dabir.letters import services as letters
from dabir.letters.services import Upload

from .. import codes, gates
from ..answers import CheckedUpload, check_files, validate_answers
from ..definition import version_definition
from ..models import (
    OPEN_REQUEST,
    Channel,
    RequestDocument,
    RequestEvent,
    RequestStatus,
    Service,
    ServiceRequest,
    request_document_path,
)
from ..names import AuditAction, SmsKind
from ._shared import (
    _check_owner,
    _code_text,
    _event,
    _first_stage,
    _lock,
    _new_event,
    _profile,
    _real,
    _register_letter,
    _registered_sms,
    _sms,
    _start_stage_inquiry,
    _text,
    definition_of,
    registered_note,
)

CANCELLED_NOTE = "لغو به درخواست متقاضی"


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    holidays = set(Holiday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))
    days, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if not is_weekend(current) and current not in holidays:
            days += 1
    return days


def _save_documents(req: ServiceRequest, checked: Sequence[CheckedUpload], user) -> list[RequestDocument]:
    saved = []
    for item in checked:
        f = item.file
        doc = RequestDocument(request=req, code=item.code, name=f.name[:255], content_type=f.content_type,
                              size=f.size, sha256=f.sha256, uploaded_by=user if _real(user) else None)
        f.store(doc.file, request_document_path(doc, f.name))
        saved.append(doc)
    return RequestDocument.objects.bulk_create(saved) if saved else saved


# A drawn tracking code already taken (about one in a billion per request): the submission is tried
# again with a new code, rather than asking the database whether each code is free first.
CODE_TRIES = 3


def submit_request(
    *,
    service: Service,
    channel: str,
    national_code: str,
    mobile: str,
    data: dict,
    uploads: dict | None = None,
    applicant=None,
    applicant_name: str = "",
    submission_key: str | None = None,
    operator=None,
    rng: random.Random | None = None,
) -> ServiceRequest:
    """A citizen (or an operator for them) submits a request; see the module docstring for what follows.

    `uploads` maps a form file field's name or a document's code to a list of letters Upload.
    A second call with the same `submission_key` returns the first request and writes nothing.
    `rng` (a seeded random.Random) draws the tracking code — the demo's, for reproducible codes;
    None (always, outside the demo) draws it from the secrets module.
    """
    key = (submission_key or "").strip()[:64] or None
    if key:
        existing = ServiceRequest.objects.filter(submission_key=key).first()
        if existing is not None:
            return _same_submitter(existing, national_code)
    for attempt in range(CODE_TRIES):
        try:
            with transaction.atomic():
                return _submit(service=service, channel=channel, national_code=national_code, mobile=mobile,
                               data=data, uploads=uploads or {}, applicant=applicant, applicant_name=applicant_name,
                               key=key, operator=operator, rng=rng)
        except IntegrityError as exc:
            if key:  # the same form sent twice at once: the other submission won
                existing = ServiceRequest.objects.filter(submission_key=key).first()
                if existing is not None:
                    return _same_submitter(existing, national_code)
            if "tracking_code" not in str(exc) or attempt == CODE_TRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _same_submitter(existing: ServiceRequest, national_code) -> ServiceRequest:
    try:
        same = validate_national_code(national_code) == existing.national_code
    except DomainError:
        same = False
    if not same:
        raise Conflict("این فرم پیش‌تر فرستاده شده است؛ صفحه را از نو باز کنید.", field="submission_key")
    return existing


def _submit(*, service, channel, national_code, mobile, data, uploads, applicant, applicant_name, key, operator,
            rng=None):
    service = Service.objects.select_related("agency__desk__secretariat", "current_version").get(pk=service.pk)
    if not service.active or service.current_version is None:
        raise DomainError("این خدمت اکنون ارائه نمی‌شود.", field="service")
    version = service.current_version
    definition = version_definition(version)
    if channel not in Channel.values:
        raise DomainError("مجرای ثبت درخواست نامعتبر است.", field="channel")
    if channel not in definition.profile.channels:
        raise DomainError(f"این خدمت از مجرای «{Channel(channel).label}» ارائه نمی‌شود.", field="channel")
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    if _real(applicant) and getattr(applicant, "is_citizen", False):
        own = applicant.national_code or (applicant.username[1:] if applicant.username.startswith("c") else "")
        if own and own != national_code:
            raise NotAllowed("درخواست را فقط با کد ملی خودتان می‌توانید ثبت کنید.", field="national_code")
    applicant_name = _text(applicant_name, "applicant_name", "نام متقاضی", 200, required=False)
    if not applicant_name and _real(applicant):
        applicant_name = applicant.get_full_name()[:200]
    clean, checked = validate_answers(definition, data, uploads)
    fee = int(getattr(definition.fees, channel, 0) or 0)
    via = gates.check_counter(operator=operator, service=service) if channel == Channel.COUNTER and _real(operator) else ""
    profile = _profile(service.agency)  # refuse before anything is written when the agency has no desk
    actor = operator if _real(operator) else applicant
    # The code is unique in the table: a taken one fails the insert and submit_request draws again.
    req = ServiceRequest(
        tracking_code=codes.new_tracking_code(rng), service=service, version=version,
        applicant=applicant if _real(applicant) and getattr(applicant, "is_citizen", False) else None,
        national_code=national_code, mobile=mobile, applicant_name=applicant_name, channel=channel, data=clean,
        status=RequestStatus.AWAITING_PAYMENT if fee else RequestStatus.SUBMITTED, fee_rials=fee,
        submission_key=key,
    )
    submitted = _new_event(req, RequestEvent.Kind.SUBMITTED, actor=actor,
                           note=f"از مجرای {Channel(channel).label}" + (f" ({via})" if via else "")
                           + (f"؛ هزینه {to_persian_digits(f'{fee:,}')} ریال" if fee else ""))
    if fee:  # registered as a letter once paid (payment._on_paid)
        req.save()
        _save_documents(req, checked, actor)
        submitted.save()
        _sms(req, f"درخواست «{service.title}» با کد رهگیری {_code_text(req.tracking_code)} ثبت شد؛ "
                  f"پس از پرداخت هزینه بررسی می‌شود.", SmsKind.DESK_AWAITING_PAYMENT)
    else:
        _submit_registered(req, submitted, profile=profile, definition=definition, checked=checked, actor=actor)
    audit.record(action=AuditAction.DESK_REQUEST_SUBMIT, obj=req, actor=actor, data={
        "tracking_code": req.tracking_code, "service": service.code, "version": version.number, "channel": channel,
        "fee": fee, "letter": req.letter_id, "operator": operator.pk if _real(operator) else None,
    })
    return req


def _submit_registered(req, submitted, *, profile, definition, checked, actor) -> None:
    """A request without a fee, saved already at its first stage: the request row, its documents, both
    timeline events and the SMS first, then the letter (numbering takes its series' lock: kept last, so
    held briefly), then the letter's id on the request."""
    stage, position, stage_due, due = _first_stage(req, definition)
    req.stage_code, req.stage_started_at, req.stage_due, req.due = stage.code, timezone.now(), stage_due, due
    req.save()
    _save_documents(req, checked, actor)
    RequestEvent.objects.bulk_create([submitted, _new_event(req, RequestEvent.Kind.STAGE, stage=stage, actor=actor,
                                                            note=registered_note(stage))])
    _start_stage_inquiry(req, stage)
    _registered_sms(req, stage)
    files = [Upload(name=item.file.name[:255], content=item.file.content) for item in checked]
    req.letter = _register_letter(req, profile=profile, definition=definition, stage=stage, position=position,
                                  deadline=stage_due, files=files)
    ServiceRequest.objects.filter(pk=req.pk).update(letter=req.letter)


@transaction.atomic
def add_documents(*, user, request: ServiceRequest, uploads: dict) -> ServiceRequest:
    """The citizen uploads the requested documents; the stage deadline moves by the working days waited."""
    req = _lock(request)
    _check_owner(user, req)
    if req.status != RequestStatus.AWAITING_DOCUMENTS:
        raise Conflict("برای این درخواست مدرکی خواسته نشده است.", field="documents")
    definition = definition_of(req)
    specs = {d.code: d for d in definition.documents}
    uploads = {k: v for k, v in (uploads or {}).items() if v}
    if not uploads:
        raise DomainError("دست‌کم یک پرونده بارگذاری کنید.", field="documents")
    checked = []
    for code, files in uploads.items():
        spec = specs.get(code)
        if spec is None:
            raise DomainError("نوع مدرک نامعتبر است.", field="documents")
        checked.extend(check_files(spec, files))
    missing = [specs[c].label for c in req.requested_documents if c in specs and c not in uploads]
    if missing:
        raise DomainError(f"مدرک «{missing[0]}» خواسته شده است؛ آن را هم بارگذاری کنید.",
                          field=next(c for c in req.requested_documents if c not in uploads))
    _save_documents(req, checked, user)
    waited = working_days_between(timezone.localtime(req.waiting_since).date(), today()) if req.waiting_since else 0
    if req.stage_due and waited:
        req.stage_due = add_working_days(req.stage_due, waited)
        if req.letter_id:  # the stage's referral in the agency's inbox keeps the same deadline
            letters.move_open_deadlines(letter=req.letter, deadline=req.stage_due)
    if req.due and waited:
        req.due = add_working_days(req.due, waited)
    req.status, req.waiting_since, req.requested_documents = RequestStatus.IN_PROGRESS, None, []
    req.save(update_fields=["status", "waiting_since", "requested_documents", "stage_due", "due", "updated_at"])
    _event(req, RequestEvent.Kind.DOCUMENTS_ADDED, actor=user,
           note="، ".join(sorted({c.label for c in checked})))
    audit.record(action=AuditAction.DESK_REQUEST_DOCUMENTS_ADDED, obj=req, actor=user,
                 data={"files": [c.file.sha256 for c in checked], "waited_days": waited})
    return req


@transaction.atomic
def cancel_request(*, user, request: ServiceRequest, reason: str = "") -> ServiceRequest:
    """The citizen withdraws an open request (not once it is approved: the result is being issued)."""
    req = _lock(request)
    _check_owner(user, req)
    if req.status not in OPEN_REQUEST or req.status == RequestStatus.APPROVED:
        raise Conflict("این درخواست را دیگر نمی‌توان لغو کرد.")
    reason = _text(reason, "reason", "علت لغو", 1000, required=False)
    req.status, req.finished_at = RequestStatus.CANCELLED, timezone.now()
    req.save(update_fields=["status", "finished_at", "updated_at"])
    _event(req, RequestEvent.Kind.CANCELLED, note=reason, actor=user)
    if req.letter_id:
        # Nobody in the agency needs to act on it any more: its referrals leave the inboxes.
        letters.close_by_system(letter=req.letter, note=f"{CANCELLED_NOTE}: {reason}" if reason else CANCELLED_NOTE)
        _sms(req, f"درخواست {_code_text(req.tracking_code)} به خواست شما لغو شد.", SmsKind.DESK_CANCELLED)
    audit.record(action=AuditAction.DESK_REQUEST_CANCEL, obj=req, actor=user, data={"reason": reason})
    return req

