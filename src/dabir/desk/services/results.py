"""A request's result letter: drafted from the definition's template at an "approve" outcome, sent to
the result's signer, and once signed numbered and the request completed (from the desk panel, or by
the worker's sweep for results signed from the ordinary inbox)."""

import html
import logging
import re

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.text import to_persian_digits
from dabir.letters import services as letters
from dabir.letters.models import Kind
from dabir.letters.models import Status as LetterStatus
from dabir.orgs.selectors import Seat, seat_for

from ..answers import answer_text
from ..definition import Definition
from ..models import RequestEvent, RequestStatus, ServiceRequest
from ..names import AuditAction, SmsKind
from ._shared import _code_text, _event, _lock, _position, _profile, _real, _sms, desk_account

log = logging.getLogger("dabir.desk")
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _answer_values(req: ServiceRequest, definition: Definition) -> dict[str, str]:
    """Each answer as the letter writes it (Jalali dates, Persian digits), by field name."""
    specs = {f.name: f for f in definition.form}
    return {k: answer_text(specs.get(k), v) for k, v in req.data.items()}


def render_result_body(req: ServiceRequest, definition: Definition) -> str:
    """The result template filled in: {field_name}, {tracking_code}, {applicant_name}, {national_code},
    {service_title}, {date}; values are escaped, paragraphs kept. Unknown names stay as written."""
    from dabir.core.jalali import format_date

    values = _answer_values(req, definition)
    values.update(tracking_code=_code_text(req.tracking_code), applicant_name=req.applicant_name,
                  national_code=to_persian_digits(req.national_code), service_title=req.service.title,
                  date=format_date(today()))
    escaped = html.escape(definition.result.body)
    filled = _PLACEHOLDER.sub(lambda m: html.escape(values[m.group(1)]) if m.group(1) in values else m.group(0),
                              escaped)
    return "".join(f"<p>{line}</p>" for line in filled.splitlines() if line.strip())


def render_result_title(req: ServiceRequest, definition: Definition) -> str:
    """The result letter's subject: the template's title with the same placeholders, as plain text."""
    values = _answer_values(req, definition)
    values.update(tracking_code=_code_text(req.tracking_code), applicant_name=req.applicant_name,
                  service_title=req.service.title)
    title = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), definition.result.title)
    return f"{title} — {_code_text(req.tracking_code)}"[:500]


def draft_result(req: ServiceRequest, definition: Definition, user, seat: Seat) -> None:
    """At an "approve" outcome (inside decide_stage's transaction): draft the result letter and send it
    for signature; signed at once when the deciding user also holds the signer position."""
    profile = _profile(req.service.agency)
    signer = _position(definition.result.signer_position, req.service.agency, "result.signer_position")
    letter = letters.create_draft(
        user=user, seat=seat, kind=Kind.OUTGOING, subject=render_result_title(req, definition),
        body=render_result_body(req, definition), to=[req.applicant_name or f"متقاضی با کد ملی {to_persian_digits(req.national_code)}"],
        signer_position_id=signer.id, secretariat=profile.secretariat,
        keywords=f"نتیجه میز خدمت {req.tracking_code}",
    )
    letters.submit_for_signature(user=user, seat=seat, letter=letter, note=f"نتیجه درخواست {_code_text(req.tracking_code)}")
    req.result_letter = letter
    req.save(update_fields=["result_letter", "updated_at"])
    try:
        signer_seat = seat_for(user, signer.id)
    except NotAllowed:
        signer_seat = None
    if signer_seat is not None:
        letters.approve(user=user, seat=signer_seat, letter=letter)
        _finish_if_signed(req, user)
    else:
        _sms(req, f"درخواست {_code_text(req.tracking_code)} تأیید شد؛ نتیجه پس از امضا آماده می‌شود.",
             SmsKind.DESK_APPROVED)


def _finish_if_signed(req: ServiceRequest, actor) -> bool:
    """Once the result letter is signed: give it a verification code, number it, complete the request."""
    from dabir.signing import services as signing

    letter = req.result_letter
    letter.refresh_from_db()
    if letter.status == LetterStatus.APPROVED:
        if signing.current_version(letter) is None:  # approved without a certificate: still verifiable by code
            signing.new_version(letter, user=actor if _real(actor) else None)
        letters.register_letter(user=desk_account(_profile(req.service.agency)), letter=letter)
    elif letter.status not in (LetterStatus.REGISTERED, LetterStatus.DISPATCHED, LetterStatus.CLOSED,
                               LetterStatus.ARCHIVED):
        return False
    req.status, req.finished_at = RequestStatus.COMPLETED, timezone.now()
    req.save(update_fields=["status", "finished_at", "updated_at"])
    _event(req, RequestEvent.Kind.RESULT_READY, actor=actor, note="نتیجه امضا شد و از صفحه درخواست دریافت می‌شود.")
    _sms(req, f"نتیجه درخواست {_code_text(req.tracking_code)} آماده است؛ آن را از صفحه درخواست دریافت کنید.",
         SmsKind.DESK_RESULT_READY)
    return True


@transaction.atomic
def sign_result(*, user, position_id, request: ServiceRequest) -> ServiceRequest:
    """The result's signer approves (signs) the result letter from the desk panel; the request completes."""
    req = _lock(request)
    if req.status != RequestStatus.APPROVED or req.result_letter_id is None:
        raise Conflict("نتیجه‌ای در انتظار امضا برای این درخواست نیست.")
    seat = seat_for(user, position_id)
    letters.approve(user=user, seat=seat, letter=req.result_letter)
    finished = _finish_if_signed(req, user)
    audit.record(action=AuditAction.DESK_REQUEST_SIGN_RESULT, obj=req, actor=user, position=seat.position,
                 as_acting=seat.as_acting, data={"letter": req.result_letter_id, "completed": finished})
    return req


def finish_signed_results() -> int:
    """Complete approved requests whose result letter was signed from the ordinary inbox (run by the worker)."""
    done = 0
    ids = list(ServiceRequest.objects.filter(
        status=RequestStatus.APPROVED, result_letter__status__in=[
            LetterStatus.APPROVED, LetterStatus.REGISTERED, LetterStatus.DISPATCHED]
    ).order_by("pk").values_list("pk", flat=True)[:500])
    for pk in ids:
        try:
            with transaction.atomic():
                req = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
                    "service__agency", "result_letter").get(pk=pk)
                if req.status == RequestStatus.APPROVED and _finish_if_signed(req, None):
                    audit.record(action=AuditAction.DESK_REQUEST_RESULT_SIGNED, obj=req,
                                 data={"letter": req.result_letter_id})
                    done += 1
        except DomainError as exc:
            # One request (e.g. its letter numbered by a clerk at this moment) must not stop the others;
            # its transaction rolled back whole, and the next sweep tries it again.
            log.warning("desk result sweep: request %s not finished: %s", pk, exc)
    return done

