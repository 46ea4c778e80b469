"""Every write of the service desk: one function per use case, one transaction, one audit entry,
and the citizen's SMS queued in the same transaction (no SMS for a change that rolled back).

A request continues inside the agency as an incoming letter:

- submit_request registers it in the agency's desk secretariat (DeskProfile.secretariat) through
  letters.services.register_incoming, referred to the first stage's position with the stage's
  deadline in working days. The registration is made by the agency's desk account (a system user,
  ``desk.<agency code>``, clerk of that secretariat, who can never sign in); the citizen is recorded
  in the desk's own audit entry.
- decide_stage works through the letter's referrals: the stage holder's referral is marked done and
  the letter referred on to the next stage's position (letters.services.complete + refer).
- At an "approve" outcome the result is drafted as an outgoing letter from the result template at
  the deciding position and sent for signature to the result's signer position. If the deciding
  user also holds the signer position it is approved (digitally signed where the position has a
  certificate) and numbered at once and the request completes; otherwise the request waits,
  approved, until the signer signs it (sign_result, from the desk panel on the letter page, or
  finish_signed_results, the sweeper for results signed from the ordinary inbox).
"""

import datetime as dt
import html
import random
import re
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import persian, today
from dabir.core.models import Holiday, is_weekend
from dabir.core.text import normalize, to_persian_digits
from dabir.core.validators import validate_mobile, validate_national_code
from dabir.letters import services as letters
from dabir.letters.models import Action, Kind
from dabir.letters.models import Channel as LetterChannel
from dabir.letters.models import Status as LetterStatus
from dabir.letters.selectors import open_referral_at
from dabir.letters.services import ReferralSpec, Upload
from dabir.orgs.models import Agency, Position
from dabir.orgs.policy import is_agency_admin
from dabir.orgs.selectors import Seat, seat_for

from .. import codes
from ..answers import CheckedUpload, answer_rows, answer_text, as_definition, check_files, validate_answers
from ..definition import TERMINAL, Definition, parse_definition
from ..models import (
    OPEN_REQUEST,
    Category,
    Channel,
    Complaint,
    DeskProfile,
    Rating,
    RequestDocument,
    RequestEvent,
    RequestStatus,
    Service,
    ServiceRequest,
    ServiceVersion,
    request_document_path,
)
from ..names import AuditAction, SmsKind

PAYMENT_PURPOSE = "desk.request"
# Where a request came in → how the secretariat records its arrival.
LETTER_CHANNEL = {
    Channel.ONLINE: LetterChannel.NETWORK,
    Channel.PHONE: LetterChannel.NETWORK,
    Channel.COUNTER: LetterChannel.COUNTER,
    Channel.IN_PERSON: LetterChannel.IN_PERSON,
}
DECIDING = (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS)
FINISHED = (RequestStatus.COMPLETED, RequestStatus.REJECTED)
CANCELLED_NOTE = "لغو به درخواست متقاضی"


# ---------------------------------------------------------------- helpers


def definition_of(req: ServiceRequest) -> Definition:
    """The definition the request was made under (its version, never the service's newer one)."""
    return as_definition(req.version.definition)


def _profile(agency: Agency) -> DeskProfile:
    profile = DeskProfile.objects.select_related("secretariat", "complaints_position").filter(agency=agency).first()
    if profile is None:
        raise DomainError("میز خدمت این دستگاه هنوز راه‌اندازی نشده است (دبیرخانه میز خدمت تعیین نشده).",
                          field="agency", code="no_desk")
    return profile


def desk_account(profile: DeskProfile):
    """The agency's desk account: registers citizens' requests and complaints in the desk secretariat.

    A system user that cannot sign in (inactive, no usable password). Made on first use and added
    to the secretariat's clerks; the addition is recorded in the audit log.
    """
    User = get_user_model()
    username = f"desk.{profile.agency.code}"[:150]
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name="میز خدمت", last_name=profile.agency.name[:150], is_active=False)
        user.set_unusable_password()
        user.save()
    if not profile.secretariat.clerks.filter(pk=user.pk).exists():
        profile.secretariat.clerks.add(user)
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


def _event(req: ServiceRequest, kind: str, *, note: str = "", public: bool = True, actor=None, stage=None):
    return RequestEvent.objects.create(
        request=req, kind=kind, note=(note or "")[:4000], public=public,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        stage_code=stage.code if stage else "", stage_title=stage.title if stage else "",
    )


def _code_text(code: str) -> str:
    return codes.text(code)


def _unique_code(model, make) -> str:
    for _ in range(20):
        code = make()
        if not model.objects.filter(tracking_code=code).exists():
            return code
    raise Conflict("ساخت کد رهگیری یکتا ممکن نشد؛ دوباره بکوشید.")  # pragma: no cover


def _text(value, field: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
    if "\x00" in value:
        raise DomainError(f"{label} نویسه نامعتبر دارد.", field=field)
    if required and not value:
        raise DomainError(f"{label} را وارد کنید.", field=field)
    if len(value) > limit:
        raise DomainError(f"{label} بیش از {to_persian_digits(limit)} نویسه است.", field=field)
    return value


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


def _lock(req: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_for_update(of=("self",)).select_related(
        "service__agency", "version", "letter").get(
        pk=req.pk
    )


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


def _save_documents(req: ServiceRequest, checked: Sequence[CheckedUpload], user) -> list[RequestDocument]:
    saved = []
    for item in checked:
        f = item.file
        doc = RequestDocument(request=req, code=item.code, name=f.name[:255], content_type=f.content_type,
                              size=f.size, sha256=f.sha256, uploaded_by=user if _real(user) else None)
        path = request_document_path(doc, f.name)
        if doc.file.storage.exists(path):
            doc.file.name = path
        else:
            doc.file.save(f.sha256, ContentFile(f.content), save=False)
        doc.save()
        saved.append(doc)
    return saved


def _real(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


# ---------------------------------------------------------------- publishing services


@transaction.atomic
def publish_service(*, user, definition: dict) -> ServiceVersion:
    """Publish a service definition: the service is made on first publication, then each call adds a version.

    Only the agency's admins (or a superuser) publish; `user=None` is for commands and the demo.
    """
    if not isinstance(definition, dict):
        raise DomainError("تعریف خدمت باید یک شیء JSON باشد.", field="definition")
    d = parse_definition(definition)
    agency = Agency.objects.filter(code=d.agency).first()
    if agency is None:
        raise DomainError(f"دستگاهی با شناسه «{d.agency}» پیدا نشد.", field="agency")
    if user is not None:
        if not is_agency_admin(user, agency):
            raise NotAllowed("فقط مدیر سامانه همین دستگاه می‌تواند خدمت آن را تعریف کند.", field="agency")
    positions = {}
    for stage in d.stages:
        positions[stage.code] = _position(stage.position, agency, "stages")
        if not positions[stage.code].active:
            raise DomainError(f"سمت مرحله «{stage.title}» غیرفعال است.", field="stages")
    signer = _position(d.result.signer_position, agency, "result.signer_position")
    if not signer.can_sign or not signer.active:
        raise DomainError("سمت امضاکننده نتیجه، امضاکننده فعال این دستگاه نیست.", field="result.signer_position")
    for stage in d.stages:
        if any(o.next == "approve" for o in stage.outcomes) and stage.position == signer.code:
            raise DomainError(
                f"نتیجه در مرحله «{stage.title}» نوشته و برای امضا فرستاده می‌شود؛ سمت امضاکننده باید سمت دیگری باشد.",
                field="result.signer_position",
            )
    category = _category(d.category)
    service = Service.objects.select_for_update().filter(code=d.code).first()
    if service is None:
        service = Service.objects.create(agency=agency, code=d.code, title=d.title)
    elif service.agency_id != agency.id:
        raise Conflict("خدمتی با این کد از دستگاه دیگری هست.", field="code")
    number = (service.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ServiceVersion.objects.create(
        service=service, number=number, definition=d.model_dump(mode="json"),
        created_by=user if _real(user) else None,
    )
    service.title, service.category, service.national_id = d.title, category, d.national_id
    service.current_version, service.active = version, True
    service.search_text = normalize(" ".join([
        d.title, d.profile.description, " ".join(d.keywords), agency.name, category.name if category else "",
        d.national_id,
    ]))
    service.save()
    audit.record(action=AuditAction.DESK_SERVICE_PUBLISH, obj=service, actor=user,
                 data={"version": number, "code": d.code})
    return version


_SLUG = re.compile(r"^[A-Za-z0-9_-]+$")


def _category(text: str) -> Category | None:
    """The definition's category: an existing one by slug or name; a Persian name not yet known makes a new
    category (that name, slugified as its slug); an unknown Latin slug is refused, naming it."""
    text = (text or "").strip()
    if not text:
        return None
    category = Category.objects.filter(slug=text).first() or Category.objects.filter(name=text).first()
    if category is not None:
        return category
    if _SLUG.match(text):
        known = "، ".join(Category.objects.order_by("order", "slug").values_list("slug", flat=True)[:12])
        raise DomainError(
            f"دسته‌بندی «{text}» تعریف نشده است؛ یکی از دسته‌های موجود"
            + (f" ({known})" if known else "") + " یا نام فارسی دسته‌ای تازه را بنویسید.",
            field="category",
        )
    if len(text) > 200:
        raise DomainError("نام دسته‌بندی بیش از ۲۰۰ نویسه است.", field="category")
    slug = slugify(text, allow_unicode=True)[:64].strip("-")
    if not slug:
        raise DomainError(f"از نام دسته‌بندی «{text}» شناسه‌ای ساخته نمی‌شود؛ نام را با حرف بنویسید.",
                          field="category")
    return Category.objects.filter(slug=slug).first() or Category.objects.create(name=text, slug=slug)


@transaction.atomic
def set_service_active(*, user, service: Service, active: bool) -> Service:
    if not is_agency_admin(user, service.agency):
        raise NotAllowed("فقط مدیر سامانه همین دستگاه می‌تواند خدمت آن را فعال یا غیرفعال کند.")
    service.active = bool(active)
    service.save(update_fields=["active"])
    audit.record(action=AuditAction.DESK_SERVICE_ACTIVE, obj=service, actor=user, data={"active": service.active})
    return service


# ---------------------------------------------------------------- submitting


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
    try:
        with transaction.atomic():
            return _submit(service=service, channel=channel, national_code=national_code, mobile=mobile, data=data,
                           uploads=uploads or {}, applicant=applicant, applicant_name=applicant_name, key=key,
                           operator=operator, rng=rng)
    except IntegrityError:
        if key:  # the same form sent twice at once: the other submission won
            existing = ServiceRequest.objects.filter(submission_key=key).first()
            if existing is not None:
                return _same_submitter(existing, national_code)
        raise


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
    service = Service.objects.select_related("agency", "current_version").get(pk=service.pk)
    if not service.active or service.current_version is None:
        raise DomainError("این خدمت اکنون ارائه نمی‌شود.", field="service")
    version = service.current_version
    definition = as_definition(version.definition)
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
    _profile(service.agency)  # refuse before anything is written when the agency has no desk
    req = ServiceRequest.objects.create(
        tracking_code=_unique_code(ServiceRequest, lambda: codes.new_tracking_code(rng)), service=service, version=version,
        applicant=applicant if _real(applicant) and getattr(applicant, "is_citizen", False) else None,
        national_code=national_code, mobile=mobile, applicant_name=applicant_name, channel=channel, data=clean,
        status=RequestStatus.AWAITING_PAYMENT if fee else RequestStatus.SUBMITTED, fee_rials=fee,
        submission_key=key,
    )
    actor = operator if _real(operator) else applicant
    _save_documents(req, checked, actor)
    _event(req, RequestEvent.Kind.SUBMITTED, actor=actor,
           note=f"از مجرای {Channel(channel).label}" + (f"؛ هزینه {to_persian_digits(f'{fee:,}')} ریال" if fee else ""))
    if fee:
        _sms(req, f"درخواست «{service.title}» با کد رهگیری {_code_text(req.tracking_code)} ثبت شد؛ "
                  f"پس از پرداخت هزینه بررسی می‌شود.", SmsKind.DESK_AWAITING_PAYMENT)
    else:
        _register(req, actor)
    audit.record(action=AuditAction.DESK_REQUEST_SUBMIT, obj=req, actor=actor, data={
        "tracking_code": req.tracking_code, "service": service.code, "version": version.number, "channel": channel,
        "fee": fee, "letter": req.letter_id, "operator": operator.pk if _real(operator) else None,
    })
    return req


def _summary_html(req: ServiceRequest, definition: Definition) -> str:
    rows = [f"<p>درخواست خدمت «{html.escape(req.service.title)}» — کد رهگیری {_code_text(req.tracking_code)}</p>",
            "<table><tbody>"]
    rows.append(f"<tr><th>کد ملی متقاضی</th><td>{to_persian_digits(req.national_code)}</td></tr>")
    for label, value in answer_rows(definition, req.data):
        rows.append(f"<tr><th>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _register(req: ServiceRequest, actor) -> None:
    """Register the request as an incoming letter referred to its first stage (after payment, if any)."""
    profile = _profile(req.service.agency)
    definition = definition_of(req)
    stage = definition.stages[0]
    position = _position(stage.position, req.service.agency, "stages")
    deadline = add_working_days(today(), stage.deadline_days)
    files = [Upload(name=d.name, content=d.file.read()) for d in req.documents.all()]
    letter = letters.register_incoming(
        user=desk_account(profile), secretariat=profile.secretariat,
        subject=f"درخواست {req.service.title} — کد رهگیری {_code_text(req.tracking_code)}"[:500],
        sender_name=(req.applicant_name or f"متقاضی با کد ملی {to_persian_digits(req.national_code)}")[:300],
        sender_number=req.tracking_code, channel=LETTER_CHANNEL[req.channel], body=_summary_html(req, definition),
        keywords=f"میز خدمت {req.service.code} {req.tracking_code}", uploads=files,
        refer_to=[ReferralSpec(position.id, Action.ACTION, note=f"میز خدمت — مرحله «{stage.title}»", deadline=deadline)],
    )
    now = timezone.now()
    req.letter = letter
    req.stage_code, req.stage_started_at, req.stage_due = stage.code, now, deadline
    req.due = add_working_days(today(), definition.profile.duration_days)
    req.status = RequestStatus.SUBMITTED
    req.save(update_fields=["letter", "stage_code", "stage_started_at", "stage_due", "due", "status", "updated_at"])
    _event(req, RequestEvent.Kind.STAGE, stage=stage, actor=actor, note=f"ثبت در دبیرخانه و ارجاع به «{stage.title}»")
    _sms(req, f"درخواست شما با کد رهگیری {_code_text(req.tracking_code)} ثبت شد و به «{stage.title}» ارجاع شد.",
         SmsKind.DESK_REGISTERED)


# ---------------------------------------------------------------- payment


@transaction.atomic
def start_fee_payment(*, user, request: ServiceRequest, callback_url: str) -> str:
    """Open the fee payment of a request awaiting payment; returns where to send the payer."""
    from dabir.payments.services import start_payment

    req = _lock(request)
    _check_owner(user, req)
    if req.status != RequestStatus.AWAITING_PAYMENT or req.paid:
        raise Conflict("این درخواست در انتظار پرداخت نیست.")
    payment, url = start_payment(
        purpose=PAYMENT_PURPOSE, object_id=str(req.pk), amount_rials=req.fee_rials, payer_mobile=req.mobile,
        callback_url=callback_url, description=f"هزینه خدمت {req.service.title} — {req.tracking_code}"[:200],
    )
    req.payment_token = payment.token
    req.save(update_fields=["payment_token", "updated_at"])
    audit.record(action=AuditAction.DESK_REQUEST_PAYMENT_START, obj=req, actor=user, data={"payment": payment.pk})
    return url


def _on_paid(payment) -> None:
    """payments.on_paid hook: a confirmed fee moves the request on (inside complete_payment's transaction)."""
    req = ServiceRequest.objects.select_for_update(of=("self",)).select_related("service__agency", "version").filter(
        pk=int(payment.object_id) if str(payment.object_id).isdigit() else 0
    ).first()
    if req is None or req.paid or req.status != RequestStatus.AWAITING_PAYMENT:
        return
    if payment.amount_rials != req.fee_rials:
        raise DomainError("مبلغ پرداخت‌شده با هزینه خدمت نمی‌خواند.", code="amount_mismatch")
    req.paid = True
    req.payment_token = payment.token
    req.save(update_fields=["paid", "payment_token", "updated_at"])
    _event(req, RequestEvent.Kind.PAID, note=f"پرداخت {to_persian_digits(f'{payment.amount_rials:,}')} ریال")
    _register(req, None)
    audit.record(action=AuditAction.DESK_REQUEST_PAID, obj=req, data={"payment": payment.pk, "letter": req.letter_id})


def _register_payment_hook() -> None:
    from dabir.payments.services import on_paid

    on_paid(PAYMENT_PURPOSE, _on_paid)


_register_payment_hook()


# ---------------------------------------------------------------- staff decisions


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
        _make_result(req, definition, user, seat)
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


def _make_result(req: ServiceRequest, definition: Definition, user, seat: Seat) -> None:
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
    ).values_list("pk", flat=True)[:500])
    for pk in ids:
        with transaction.atomic():
            req = ServiceRequest.objects.select_for_update(of=("self",)).select_related(
                "service__agency", "result_letter").get(pk=pk)
            if req.status == RequestStatus.APPROVED and _finish_if_signed(req, None):
                audit.record(action=AuditAction.DESK_REQUEST_RESULT_SIGNED, obj=req, data={"letter": req.result_letter_id})
                done += 1
    return done


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


def _check_owner(user, req: ServiceRequest) -> None:
    from ..selectors import requests_of

    if not requests_of(user).filter(pk=req.pk).exists():
        raise NotFound("درخواست پیدا نشد.")


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


@transaction.atomic
def rate_request(*, user, request: ServiceRequest, score, comment: str = "") -> Rating:
    """Once per finished request: a score from 1 to 5 and an optional comment."""
    req = _lock(request)
    _check_owner(user, req)
    if req.status not in FINISHED:
        raise Conflict("نظرسنجی پس از پایان رسیدگی به درخواست ممکن است.", field="score")
    try:
        score = int(str(score).strip()) if not isinstance(score, bool) else 0
    except (TypeError, ValueError):
        score = 0
    if not 1 <= score <= 5:
        raise DomainError("امتیاز باید عددی از ۱ تا ۵ باشد.", field="score")
    comment = _text(comment, "comment", "نظر", 2000, required=False)
    if Rating.objects.filter(request=req).exists():
        raise Conflict("شما پیش‌تر به این درخواست امتیاز داده‌اید.", field="score")
    rating = Rating.objects.create(request=req, score=score, comment=comment)
    _event(req, RequestEvent.Kind.RATED, note=f"امتیاز {to_persian_digits(score)} از ۵", actor=user)
    audit.record(action=AuditAction.DESK_REQUEST_RATE, obj=req, actor=user, data={"score": score})
    return rating


# ---------------------------------------------------------------- public tracking by mobile
#
# Anyone with the tracking code and the applicant's mobile asks for a code; it is sent by SMS only
# when the two match, but the answer is the same either way (and the row that counts for the rate
# limits is stored either way), so nobody learns whose mobile a request carries. The code (six
# digits, an HMAC only, two minutes, single use) then opens the request's status and public timeline.

TRACK_PURPOSE = "track"


def _tracked(code: str, mobile: str):
    model = Complaint if codes.is_complaint_code(code) else ServiceRequest
    return model.objects.select_related(
        "agency" if model is Complaint else "service__agency").filter(tracking_code=code, mobile=mobile).first()


def request_tracking_otp(*, tracking_code, mobile, ip: str = "") -> None:
    """Send a tracking code to the applicant's mobile when it is the request's (see above)."""
    from dabir.accounts.services import issue_purpose_code, sms_code_text

    code = codes.clean_tracking_code(tracking_code)  # a mistyped code: refused before any lookup
    mobile = validate_mobile(mobile)
    with transaction.atomic():
        found = _tracked(code, mobile)
        what = "شکایت" if isinstance(found, Complaint) else "درخواست"
        issue_purpose_code(
            purpose=TRACK_PURPOSE, subject=code, mobile=mobile, ip=ip,
            sms_text=(lambda otp: sms_code_text(f"کد پیگیری {what} {_code_text(code)}", otp)) if found else None,
            related=(f"desk.{'complaint' if what == 'شکایت' else 'request'}:{found.pk}" if found else ""),
        )


def track_with_otp(*, tracking_code, mobile, code) -> ServiceRequest | Complaint:
    """The request (or complaint) when the SMS code sent for this tracking code and mobile is right.

    The code is used up; a wrong one counts a try (call outside a transaction of your own)."""
    from dabir.accounts.services import consume_purpose_code

    tracking = codes.clean_tracking_code(tracking_code)
    mobile = validate_mobile(mobile)
    consume_purpose_code(purpose=TRACK_PURPOSE, subject=tracking, mobile=mobile, code=code)
    found = _tracked(tracking, mobile)
    if found is None:  # the mobile changed after the code was sent
        raise NotFound("درخواستی با این کد رهگیری و شماره همراه یافت نشد.")
    return found


# ---------------------------------------------------------------- complaints


@transaction.atomic
def file_complaint(*, user, national_code, mobile, about: str, agency: Agency, text: str,
                   request: ServiceRequest | None = None, employee_name: str = "",
                   rng: random.Random | None = None) -> Complaint:
    """A complaint gets its own tracking code, is registered as a letter and referred to the agency's
    complaints position with the answer deadline; the citizen gets an SMS. `rng` as for submit_request."""
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    if about not in Complaint.About.values:
        raise DomainError("موضوع شکایت را انتخاب کنید.", field="about")
    if agency is None:
        raise DomainError("دستگاه را انتخاب کنید.", field="agency")
    text = _text(text, "text", "شرح شکایت", 5000)
    employee_name = _text(employee_name, "employee_name", "نام کارمند", 200, required=about == "employee")
    if about == Complaint.About.REQUEST:
        if request is None:
            raise DomainError("درخواستی را که از آن شکایت دارید انتخاب کنید.", field="request")
        if request.national_code != national_code:
            raise NotAllowed("از درخواست دیگران نمی‌توان شکایت کرد.", field="request")
        if request.service.agency_id != agency.id:
            raise DomainError("این درخواست از دستگاه دیگری است.", field="request")
    profile = _profile(agency)
    due = add_working_days(today(), profile.complaint_answer_days)
    complaint = Complaint.objects.create(
        tracking_code=_unique_code(Complaint, lambda: codes.new_complaint_code(rng)),
        complainant=user if _real(user) and getattr(user, "is_citizen", False) else None,
        national_code=national_code, mobile=mobile, about=about, agency=agency,
        request=request if about == Complaint.About.REQUEST else None, employee_name=employee_name, text=text,
        answer_due=due,
    )
    about_text = {"request": f"درخواست {_code_text(request.tracking_code)}" if request else "", "agency": agency.name,
                  "employee": employee_name}[about]
    body = f"<p>شکایت درباره {html.escape(about_text)}</p><p>{html.escape(text)}</p>"
    letter = letters.register_incoming(
        user=desk_account(profile), secretariat=profile.secretariat,
        subject=f"شکایت — کد رهگیری {_code_text(complaint.tracking_code)}",
        sender_name=f"شاکی با کد ملی {to_persian_digits(national_code)}", sender_number=complaint.tracking_code,
        channel=LetterChannel.NETWORK, body=body, keywords=f"شکایت میز خدمت {complaint.tracking_code}",
        refer_to=[ReferralSpec(profile.complaints_position_id, Action.ACTION, note="رسیدگی به شکایت", deadline=due)],
    )
    complaint.letter = letter
    complaint.save(update_fields=["letter"])
    _sms(complaint, f"شکایت شما با کد رهگیری {_code_text(complaint.tracking_code)} ثبت شد.", SmsKind.DESK_COMPLAINT)
    audit.record(action=AuditAction.DESK_COMPLAINT_FILE, obj=complaint, actor=user,
                 data={"tracking_code": complaint.tracking_code, "about": about, "letter": letter.pk})
    return complaint


@transaction.atomic
def answer_complaint(*, user, position_id, complaint: Complaint, answer: str) -> Complaint:
    """The position holding the complaint's letter answers it; the letter is closed and the citizen told by SMS."""
    complaint = Complaint.objects.select_for_update(of=("self",)).select_related("letter").get(pk=complaint.pk)
    if complaint.status in (Complaint.Status.ANSWERED, Complaint.Status.CLOSED):
        raise Conflict("به این شکایت پیش‌تر پاسخ داده شده است.")
    seat = seat_for(user, position_id)
    if complaint.letter_id is None or open_referral_at(complaint.letter, seat.position.id) is None:
        raise NotAllowed("این شکایت در کارتابل سمت شما نیست.", field="position_id")
    answer = _text(answer, "answer", "پاسخ", 5000)
    letters.close_letter(user=user, seat=seat, letter=complaint.letter, note=f"پاسخ به شاکی: {answer}"[:4000])
    complaint.status, complaint.answer, complaint.answered_at = Complaint.Status.ANSWERED, answer, timezone.now()
    complaint.save(update_fields=["status", "answer", "answered_at"])
    _sms(complaint, f"به شکایت {_code_text(complaint.tracking_code)} پاسخ داده شد؛ پاسخ را در صفحه پیگیری ببینید.",
         SmsKind.DESK_COMPLAINT_ANSWERED)
    audit.record(action=AuditAction.DESK_COMPLAINT_ANSWER, obj=complaint, actor=user, position=seat.position,
                 as_acting=seat.as_acting)
    return complaint


def lookup_service(code: str) -> Service:
    service = Service.objects.select_related("agency", "category", "current_version").filter(
        code=(code or "").strip()[:32], active=True, current_version__isnull=False).first()
    if service is None:
        raise NotFound("خدمت پیدا نشد.")
    return service


__all__ = [
    "TERMINAL", "publish_service", "submit_request", "decide_stage", "request_documents", "add_documents",
    "cancel_request", "rate_request", "file_complaint", "answer_complaint", "sign_result", "start_fee_payment",
    "finish_signed_results", "desk_account", "lookup_service", "set_service_active",
]
