"""Letters filed at the counter (seed 000): a citizen brings a letter or petition addressed to an agency;
the operator scans it and files it for them (`file_letter`); it waits in the agency's secretariat until a
clerk registers it as an incoming letter by the channel «دفتر پیشخوان», referred to a first position
(`register_counter_letter`), or returns it with a reason (`return_counter_letter`). When the agency
dispatches a reply (عطف) to that incoming letter by the channel «دفتر پیشخوان», the letters outlet
registered in apps.ready (`answer_dispatched`) marks it answered; the office prints the answer.

The citizen gets an SMS at each step: filed (with the tracking code), registered (with the agency's
number and date), returned (with the reason), answered (the answer waits at the office).
"""

import html
import random

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict, DomainError, NotFound
from dabir.core.jalali import format_date
from dabir.core.text import ltr_number, to_persian_digits
from dabir.core.validators import clean_text
from dabir.desk import codes as desk_codes
from dabir.letters import attachments as files_check
from dabir.letters.models import Action, Link
from dabir.letters.models import Channel as LetterChannel
from dabir.letters.services import ReferralSpec, Upload, register_incoming
from dabir.orgs.models import Agency, Position
from dabir.orgs.selectors import Seat

from .. import policy, selectors
from ..models import CounterLetter, LetterScan, Submission, scan_path
from ..names import AuditAction, SmsKind
from ._shared import sms
from .filing import _expected_total, _record, check_visit

SCAN_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
MAX_SCANS = 10
NO_SCANS = "دست‌کم یک پرونده اسکن‌شده از نامه (PDF، JPEG یا PNG) بارگذاری کنید."


def _agency(agency) -> Agency:
    if agency in (None, ""):
        raise DomainError("دستگاه گیرنده نامه را برگزینید.", field="agency")
    pk = getattr(agency, "pk", agency)
    found = Agency.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise DomainError("دستگاه گیرنده پیدا نشد.", field="agency")
    return found


def _check_scans(scans) -> list[files_check.CheckedFile]:
    """Each scan checked by its content (letters.attachments) and kept only if it is a PDF, JPEG or PNG."""
    scans = list(scans or [])
    if not scans:
        raise DomainError(NO_SCANS, field="scans", code="no_scans")
    if len(scans) > MAX_SCANS:
        raise DomainError(f"بیش از {to_persian_digits(MAX_SCANS)} پرونده اسکن‌شده فرستاده شده است.", field="scans")
    checked = []
    for up in scans:
        if not isinstance(up, Upload):
            raise DomainError("پرونده اسکن‌شده خوانده نشد.", field="scans")
        try:
            found = files_check.check(up.name, up.content)
        except DomainError as exc:
            raise DomainError(exc.message, field="scans", code=exc.code) from None
        if found.content_type not in SCAN_TYPES:
            raise DomainError(f"پرونده «{found.name}» اسکن نامه نیست؛ فقط PDF، JPEG یا PNG پذیرفته می‌شود.",
                              field="scans", code="scan_type")
        checked.append(found)
    return checked


def _new_code(rng: random.Random | None) -> str:
    for _ in range(20):
        code = desk_codes.new_counter_letter_code(rng)
        if not CounterLetter.objects.filter(tracking_code=code).exists():
            return code
    raise Conflict("ساخت کد رهگیری یکتا ممکن نشد؛ دوباره بکوشید.")  # pragma: no cover


def _existing(key: str | None, staff) -> CounterLetter | None:
    if not key:
        return None
    found = Submission.objects.filter(key=key).select_related("counter_letter").first()
    if found is None:
        return None
    if found.office_id != staff.office_id:
        raise Conflict("این فرم پیش‌تر از دفتر دیگری فرستاده شده است.", field="submission_key")
    if found.counter_letter_id is None:
        raise Conflict("این فرم پیش‌تر برای درخواست خدمتی فرستاده شده است، نه نامه.", field="submission_key")
    return found.counter_letter


def file_letter(*, user, visit, agency, subject, text="", scans: list[Upload], citizen_name: str = "",
                submission_key: str | None = None, expected_total=None,
                rng: random.Random | None = None) -> CounterLetter:
    """The operator files the visit's citizen's letter for `agency`: it goes to the agency's secretariat
    (its desk's, else its first) with the scans, and the citizen gets the tracking code by SMS. The office's
    letter fee is the schedule in force (a page's `expected_total` that differs writes nothing). A second call
    with the same `submission_key` returns the first letter and writes nothing. `rng` is for the demo only."""
    staff = policy.acting_staff(user)
    key = (submission_key or "").strip()[:64] or None
    existing = _existing(key, staff)
    if existing is not None:
        return existing
    visit = check_visit(staff, visit)
    agency = _agency(agency)
    secretariat = selectors.letter_secretariat(agency)
    if secretariat is None:
        raise DomainError(f"«{agency.name}» دبیرخانه‌ای در سامانه ندارد؛ نامه را نمی‌توان برای آن فرستاد.",
                          field="agency", code="no_secretariat")
    name = clean_text(citizen_name or visit.name, "citizen_name", "نام فرستنده نامه", 200)
    subject = clean_text(subject, "subject", "موضوع نامه", 500)
    text = clean_text(text, "text", "خلاصه یا متن نامه", 5000, required=False)
    checked = _check_scans(scans)
    quote = selectors.letter_quote()
    shown = _expected_total(expected_total)
    if shown is not None and shown != quote.total_rials:
        raise DomainError(f"کارمزد ثبت نامه در تعرفه جاری {to_persian_digits(f'{quote.total_rials:,}')} ریال است، نه "
                          f"{to_persian_digits(f'{shown:,}')}؛ مبلغ را به متقاضی بگویید و دوباره ثبت کنید.",
                          field="expected_total", code="fee_changed")
    try:
        with transaction.atomic():
            letter = CounterLetter.objects.create(
                tracking_code=_new_code(rng), office=staff.office, operator=user, agency=agency,
                secretariat=secretariat, national_code=visit.national_code, mobile=visit.mobile, citizen_name=name,
                subject=subject, text=text,
            )
            for found in checked:
                scan = LetterScan(counter_letter=letter, name=found.name, content_type=found.content_type,
                                  size=found.size, sha256=found.sha256)
                found.store(scan.file, scan_path(scan, found.name))
                scan.save()
            _record(staff=staff, user=user, visit=visit, kind=Submission.Kind.LETTER, service=None, agency=agency,
                    tracking_code=letter.tracking_code, key=key, counter_letter=letter, agency_fee=0,
                    counter_fee=quote.counter_fee_rials, schedule=quote.schedule)
            audit.record(action=AuditAction.LETTER_FILE, obj=letter, actor=user, data={
                "office": staff.office.code, "agency": agency.code, "secretariat": secretariat.pk,
                "tracking_code": letter.tracking_code, "scans": [f.sha256 for f in checked],
            })
            sms(mobile=letter.mobile, kind=SmsKind.COUNTER_LETTER_SENT, related=f"counters.letter:{letter.pk}",
                text=f"نامه شما به «{agency.name}» در دفتر پیشخوان «{staff.office.name}» با کد رهگیری "
                     f"{desk_codes.text(letter.tracking_code)} ثبت و به دبیرخانه آن فرستاده شد.")
            return letter
    except IntegrityError:
        existing = _existing(key, staff)  # the same form sent twice at once: the other one won
        if existing is None:
            raise
        return existing


# ---------------------------------------------------------------- the agency's secretariat


def _lock(user, counter_letter) -> CounterLetter:
    """The counter letter locked to the end of the transaction; the user must be a clerk of its secretariat."""
    pk = getattr(counter_letter, "pk", counter_letter)
    found = CounterLetter.objects.select_for_update(of=("self",)).select_related(
        "office", "agency", "secretariat").filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound("این نامه پیدا نشد.")
    policy.check_letter_clerk(user, found)
    if found.state != CounterLetter.State.SENT:
        raise Conflict(f"درباره این نامه پیش‌تر تصمیم گرفته شده است ({found.get_state_display()}).",
                       code="letter_decided")
    return found


def _referrals(counter_letter: CounterLetter, refer_to, note: str) -> list[ReferralSpec]:
    """A list of ReferralSpec, or one position (or its id) referred «جهت اقدام» with `note`; in the agency."""
    if isinstance(refer_to, Position | int) or (isinstance(refer_to, str) and refer_to.isdigit()):
        refer_to = [ReferralSpec(position_id=int(getattr(refer_to, "pk", refer_to)), action=Action.ACTION,
                                 note=note)]
    specs = list(refer_to or [])
    if not specs:
        raise DomainError("نخستین ارجاع نامه را برگزینید.", field="refer_to")
    ids = {s.position_id for s in specs}
    inside = set(Position.objects.filter(pk__in=ids, unit__agency_id=counter_letter.agency_id, active=True)
                 .values_list("pk", flat=True))
    if ids - inside:
        raise DomainError("سمت ارجاع در دستگاه گیرنده نیست یا غیرفعال است.", field="refer_to")
    return specs


def _mask(national_code: str) -> str:
    return to_persian_digits(selectors.mask(national_code, 2, head=3)) if len(national_code) == 10 else ""


def letter_body(counter_letter: CounterLetter) -> str:
    """The incoming letter's body: who filed it where, and the citizen's summary (the scans are attached)."""
    office = counter_letter.office
    esc = html.escape
    parts = [
        f"<p>نامه شهروند که در دفتر پیشخوان «{esc(office.name)}» (کد {esc(to_persian_digits(office.code))}، "
        f"{esc(office.city)}) ثبت و اسکن شده است.</p>",
        f"<p>فرستنده: {esc(counter_letter.citizen_name)}، کد ملی {esc(_mask(counter_letter.national_code))}"
        f"<br>کد رهگیری دفتر: {esc(desk_codes.text(counter_letter.tracking_code))}"
        f"<br>زمان ثبت در دفتر: {esc(format_date(counter_letter.created_at))}</p>",
    ]
    if counter_letter.text:
        lines = "<br>".join(esc(line) for line in counter_letter.text.splitlines())
        parts.append(f"<p>{lines}</p>")
    parts.append("<p>متن کامل نامه در پیوست اسکن‌شده است. پاسخ را با عطف به این نامه و روش ارسال «دفتر پیشخوان» "
                 "بفرستید تا در همان دفتر به فرستنده داده شود.</p>")
    return "".join(parts)


def _scan_uploads(counter_letter: CounterLetter) -> list[Upload]:
    uploads = []
    for scan in counter_letter.scans.all():
        with scan.file.open("rb") as fh:
            uploads.append(Upload(name=scan.name, content=fh.read(), is_scan=True))
    return uploads


@transaction.atomic
def register_counter_letter(*, user, counter_letter, refer_to, note: str = "", seat: Seat | None = None):
    """A clerk of the receiving secretariat registers the counter letter as an incoming letter (channel «دفتر
    پیشخوان», the citizen as sender, the office's tracking code as the sender's number, the scans attached),
    referred to a first position; the citizen gets the agency's number and date by SMS."""
    letter_row = _lock(user, counter_letter)
    specs = _referrals(letter_row, refer_to, (note or "").strip())
    if seat is not None and seat.position.unit.agency_id != letter_row.agency_id:
        seat = None  # a seat in another agency does not refer this agency's letters
    incoming = register_incoming(
        user=user, secretariat=letter_row.secretariat, subject=letter_row.subject,
        sender_name=letter_row.citizen_name, sender_number=letter_row.tracking_code,
        sender_date=timezone.localdate(letter_row.created_at), received_at=letter_row.created_at,
        channel=LetterChannel.COUNTER, body=letter_body(letter_row),
        keywords=f"دفتر پیشخوان {letter_row.office.code} {letter_row.tracking_code}",
        uploads=_scan_uploads(letter_row), refer_to=specs, seat=seat,
    )
    letter_row.state, letter_row.letter, letter_row.registered_at = (
        CounterLetter.State.REGISTERED, incoming, incoming.registered_at or timezone.now())
    letter_row.save(update_fields=["state", "letter", "registered_at"])
    audit.record(action=AuditAction.LETTER_REGISTER, obj=letter_row, actor=user, data={
        "letter": incoming.pk, "number": incoming.number, "referrals": [s.position_id for s in specs],
    })
    sms(mobile=letter_row.mobile, kind=SmsKind.COUNTER_LETTER_REGISTERED,
        related=f"counters.letter:{letter_row.pk}",
        text=f"نامه شما با کد رهگیری {desk_codes.text(letter_row.tracking_code)} در دبیرخانه «{letter_row.agency.name}» "
             f"به شماره {ltr_number(incoming.number)} در تاریخ {format_date(letter_row.registered_at)} ثبت شد.")
    return letter_row


@transaction.atomic
def return_counter_letter(*, user, counter_letter, reason) -> CounterLetter:
    """A clerk of the receiving secretariat returns the counter letter unregistered, saying why; the citizen
    is told by SMS."""
    letter_row = _lock(user, counter_letter)
    reason = clean_text(reason, "reason", "علت برگشت", 500)
    letter_row.state, letter_row.return_reason = CounterLetter.State.RETURNED, reason
    letter_row.save(update_fields=["state", "return_reason"])
    audit.record(action=AuditAction.LETTER_RETURN, obj=letter_row, actor=user, data={"reason": reason})
    sms(mobile=letter_row.mobile, kind=SmsKind.COUNTER_LETTER_RETURNED, related=f"counters.letter:{letter_row.pk}",
        text=f"«{letter_row.agency.name}» نامه شما با کد رهگیری {desk_codes.text(letter_row.tracking_code)} را ثبت "
             f"نکرد و برگرداند: {reason}")
    return letter_row


# ---------------------------------------------------------------- the answer (letters outlet)


def answer_dispatched(letter, user) -> None:
    """The letters outlet of the channel «دفتر پیشخوان» (registered in apps.ready), run inside the dispatch's
    transaction: a reply (عطف) to the incoming letter of a counter letter answers it — the counter letter is
    marked answered and the citizen told by SMS that the answer waits at the office. An outgoing letter
    handed over at a counter that replies to no counter letter is recorded as dispatched and nothing more."""
    targets = Link.objects.filter(letter=letter, kind=Link.Kind.REPLIES).values("target_id")
    answered = CounterLetter.objects.select_for_update(of=("self",)).select_related("office", "agency").filter(
        letter_id__in=targets, agency_id=letter.agency_id,
        state__in=[CounterLetter.State.REGISTERED, CounterLetter.State.ANSWERED])
    now = timezone.now()
    for row in answered:
        again = row.state == CounterLetter.State.ANSWERED
        row.state, row.answer, row.answered_at = CounterLetter.State.ANSWERED, letter, now
        row.save(update_fields=["state", "answer", "answered_at"])
        audit.record(action=AuditAction.LETTER_ANSWER, obj=row, actor=user, data={
            "answer": letter.pk, "number": letter.number, "again": again,
        })
        office = row.office
        sms(mobile=row.mobile, kind=SmsKind.COUNTER_LETTER_ANSWERED, related=f"counters.letter:{row.pk}",
            text=f"پاسخ «{row.agency.name}» به نامه شما با کد رهگیری {desk_codes.text(row.tracking_code)} (شماره "
                 f"{ltr_number(letter.number)}) آماده است؛ با کارت ملی به دفتر پیشخوان «{office.name}» به نشانی "
                 f"{office.address} بروید و نسخه چاپی آن را بگیرید.")
