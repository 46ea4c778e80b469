"""What several desk services share: the agency's desk and its account, the request's definition,
the row lock, the timeline event, the citizen's SMS, text checks, and registering a request in the
desk secretariat as an incoming letter referred to its first stage."""

import datetime as dt
import html

from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotFound
from dabir.core.jalali import persian, today
from dabir.core.models import Holiday, is_weekend
from dabir.core.text import to_persian_digits
from dabir.core.validators import clean_text
from dabir.letters import services as letters
from dabir.letters.models import Action
from dabir.letters.models import Channel as LetterChannel
from dabir.letters.services import ReferralSpec, Upload
from dabir.orgs.models import Agency, Position
from dabir.orgs.services import system_clerk

from .. import codes
from ..answers import answer_rows
from ..definition import Definition, version_definition
from ..models import Channel, Complaint, DeskProfile, RequestEvent, RequestStatus, ServiceRequest
from ..names import AuditAction, SmsKind

# Where a request came in → how the secretariat records its arrival.
LETTER_CHANNEL = {
    Channel.ONLINE: LetterChannel.NETWORK,
    Channel.PHONE: LetterChannel.NETWORK,
    Channel.COUNTER: LetterChannel.COUNTER,
    Channel.IN_PERSON: LetterChannel.IN_PERSON,
}


def definition_of(req: ServiceRequest) -> Definition:
    """The definition the request was made under (its version, never the service's newer one)."""
    return version_definition(req.version)


def _profile(agency: Agency) -> DeskProfile:
    """The agency's desk; read with the agency when the caller selected `agency__desk__secretariat`."""
    if Agency.desk.is_cached(agency):
        profile = getattr(agency, "desk", None)  # None: the agency was read and has no desk
    else:
        profile = DeskProfile.objects.select_related("agency", "secretariat", "complaints_position").filter(
            agency=agency).first()
    if profile is None:
        raise DomainError("میز خدمت این دستگاه هنوز راه‌اندازی نشده است (دبیرخانه میز خدمت تعیین نشده).",
                          field="agency", code="no_desk")
    return profile


def desk_account(profile: DeskProfile):
    """The agency's desk account: registers citizens' requests and complaints in the desk secretariat.

    A system user that cannot sign in (inactive, no usable password). Made on first use and added
    to the secretariat's clerks; the addition is recorded in the audit log.
    """
    user, added = system_clerk(secretariat=profile.secretariat, username=f"desk.{profile.agency.code}",
                               first_name="میز خدمت", last_name=profile.agency.name)
    if added:
        audit.record(action=AuditAction.DESK_DESK_ACCOUNT, obj=profile.secretariat, data={"user": user.pk})
    return user


def _position(code: str, agency: Agency, field: str) -> Position:
    """A position of the agency by its code; an inactive one is left for letters to refuse."""
    position = Position.objects.select_related("unit").filter(code=code).first()
    if position is None or position.unit.agency_id != agency.id:
        raise DomainError(f"سمت با شناسه «{code}» در این دستگاه پیدا نشد.", field=field)
    return position


def _sms(req, text: str, kind: str) -> None:
    from dabir.notify.services import queue_sms

    prefix = "desk.complaint" if isinstance(req, Complaint) else "desk.request"
    # Persian digits and Jalali dates for what a message quotes; the codes in it stay isolated Latin.
    queue_sms(mobile=req.mobile, text=persian(text), kind=kind, related=f"{prefix}:{req.pk}")


def _new_event(req: ServiceRequest, kind: str, *, note: str = "", public: bool = True, actor=None,
               stage=None) -> RequestEvent:
    """A timeline event, not yet saved (several made together are saved in one bulk_create)."""
    return RequestEvent(
        request=req, kind=kind, note=(note or "")[:4000], public=public,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        stage_code=stage.code if stage else "", stage_title=stage.title if stage else "",
    )


def _event(req: ServiceRequest, kind: str, *, note: str = "", public: bool = True, actor=None, stage=None):
    event = _new_event(req, kind, note=note, public=public, actor=actor, stage=stage)
    event.save()
    return event


def _code_text(code: str) -> str:
    return codes.text(code)


def _unique_code(model, make) -> str:
    for _ in range(20):
        code = make()
        if not model.objects.filter(tracking_code=code).exists():
            return code
    raise Conflict("ساخت کد رهگیری یکتا ممکن نشد؛ دوباره بکوشید.")  # pragma: no cover


_text = clean_text


def _lock(req: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "service__agency", "version", "letter").get(
        pk=req.pk
    )


def _real(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def _summary_html(req: ServiceRequest, definition: Definition) -> str:
    rows = [f"<p>درخواست خدمت «{html.escape(req.service.title)}» — کد رهگیری {_code_text(req.tracking_code)}</p>",
            "<table><tbody>"]
    rows.append(f"<tr><th>کد ملی متقاضی</th><td>{to_persian_digits(req.national_code)}</td></tr>")
    for label, value in answer_rows(definition, req.data):
        rows.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def working_days_after(start: dt.date, *days: int) -> list[dt.date]:
    """The date each count of working days after `start` falls on (as core.calendar.add_working_days),
    from one read of the holidays for all of them."""
    end = start + dt.timedelta(days=max(days) * 2 + 14)
    holidays = set(Holiday.objects.filter(date__gt=start, date__lte=end).values_list("date", flat=True))
    out = []
    for remaining in days:
        current = start
        while remaining > 0 and current < end:
            current += dt.timedelta(days=1)
            if not is_weekend(current) and current not in holidays:
                remaining -= 1
        out.append(add_working_days(current, remaining) if remaining > 0 else current)  # a long closure: read on
    return out


def _first_stage(req: ServiceRequest, definition: Definition):
    """Where a request starts: its first stage, that stage's position, the stage's deadline and the
    request's expected date (refused before anything is written when the position is not the agency's)."""
    stage = definition.stages[0]
    position = _position(stage.position, req.service.agency, "stages")
    stage_due, due = working_days_after(today(), stage.deadline_days, definition.profile.duration_days)
    return stage, position, stage_due, due


def _register_letter(req: ServiceRequest, *, profile: DeskProfile, definition: Definition, stage, position,
                     deadline, files: list[Upload]):
    """The request as an incoming letter in the desk secretariat, referred to its first stage's position."""
    return letters.register_incoming(
        user=desk_account(profile), secretariat=profile.secretariat,
        subject=f"درخواست {req.service.title} — کد رهگیری {_code_text(req.tracking_code)}"[:500],
        sender_name=(req.applicant_name or f"متقاضی با کد ملی {to_persian_digits(req.national_code)}")[:300],
        sender_number=req.tracking_code, channel=LETTER_CHANNEL[req.channel], body=_summary_html(req, definition),
        keywords=f"میز خدمت {req.service.code} {req.tracking_code}", uploads=files,
        refer_to=[ReferralSpec(position.id, Action.ACTION, note=f"میز خدمت — مرحله «{stage.title}»", deadline=deadline)],
    )


def _registered_sms(req: ServiceRequest, stage) -> None:
    _sms(req, f"درخواست شما با کد رهگیری {_code_text(req.tracking_code)} ثبت شد و به «{stage.title}» ارجاع شد.",
         SmsKind.DESK_REGISTERED)


def _start_stage_inquiry(req: ServiceRequest, stage) -> None:
    if stage.inquiry is not None:
        from .stages import start_inquiry  # stages builds on this module

        start_inquiry(req, stage)


def _register(req: ServiceRequest, actor) -> None:
    """Register a request already saved (its fee just paid) as an incoming letter referred to its first stage.

    A request without a fee is registered as it is submitted (requests._submit, the same steps in fewer
    statements)."""
    profile = _profile(req.service.agency)
    definition = definition_of(req)
    stage, position, stage_due, due = _first_stage(req, definition)
    files = [Upload(name=d.name, content=d.file.read()) for d in req.documents.all()]
    req.letter = _register_letter(req, profile=profile, definition=definition, stage=stage, position=position,
                                  deadline=stage_due, files=files)
    req.stage_code, req.stage_started_at, req.stage_due, req.due = stage.code, timezone.now(), stage_due, due
    req.status = RequestStatus.SUBMITTED
    req.save(update_fields=["letter", "stage_code", "stage_started_at", "stage_due", "due", "status", "updated_at"])
    _event(req, RequestEvent.Kind.STAGE, stage=stage, actor=actor, note=registered_note(stage))
    _start_stage_inquiry(req, stage)
    _registered_sms(req, stage)


def registered_note(stage) -> str:
    return f"ثبت در دبیرخانه و ارجاع به «{stage.title}»"


def _check_owner(user, req: ServiceRequest) -> None:
    from ..selectors import requests_of

    if not requests_of(user).filter(pk=req.pk).exists():
        raise NotFound("درخواست پیدا نشد.")

