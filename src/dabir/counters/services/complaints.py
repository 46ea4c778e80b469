"""Complaints about counter offices and their staff (seed 002: the ministry's 195 line).

A citizen files one on the web, or the regulator's staff take it on the 195 phone line; it is routed to
the regulator of the office's province, who answers it once with a verdict (upheld / rejected). An
answered, upheld complaint is a sustained one: the office's figures count it against the office.

- The office is found by its code, active or not: a complaint about a closed office still counts.
- A tracking code of a filing at that office (a request or a letter, for the same national code) ties
  the complaint to the filing, and to the operator who made it.
- Its own tracking code (desk.codes, first digit 9), an answer deadline in working days, an SMS.
"""

import random

from django.db import IntegrityError, transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotFound
from dabir.core.jalali import format_date, today
from dabir.core.text import normalize, to_latin_digits
from dabir.core.validators import clean_text, validate_mobile, validate_national_code
from dabir.desk import codes as desk_codes
from dabir.desk.models import Complaint as DeskComplaint

from .. import policy
from ..models import Office, OfficeComplaint, Staff, Submission
from ..names import AuditAction, SmsKind
from ._shared import sms

ANSWER_DAYS = 10  # working days the regulator has to answer
TEXT_LIMIT = 5000
NO_OFFICE = "دفتر پیشخوانی با این کد پیدا نشد؛ کد دفتر را از رسید یا تابلوی دفتر دوباره بخوانید."
NO_FILING = ("ثبتی با این کد رهگیری و کد ملی در این دفتر پیدا نشد؛ کد رهگیری را از رسید دفتر دوباره بخوانید "
             "یا آن را خالی بگذارید.")
STAFF_LINE = "کارمند مورد شکایت (به گفته شاکی): "


def find_office(office_code) -> Office:
    """An office by its code, whatever its licence's state."""
    code = to_latin_digits(str(office_code or "")).strip()
    if not code:
        raise DomainError("کد دفتر پیشخوان را وارد کنید یا دفتر را از فهرست برگزینید.", field="office_code")
    office = Office.objects.filter(code=code[:16]).first()
    if office is None:
        raise NotFound(NO_OFFICE, field="office_code", code="unknown_office")
    return office


def _filing(office: Office, tracking_code, national_code: str) -> Submission | None:
    """The office's filing with this tracking code for this citizen; one message whether the code is
    unknown, of another office or of another citizen (nothing is learnt by trying codes)."""
    if tracking_code in (None, ""):
        return None
    code = desk_codes.clean_tracking_code(tracking_code)
    found = (Submission.objects.filter(office=office, tracking_code=code, national_code=national_code)
             .order_by("-created_at").first())
    if found is None:
        raise DomainError(NO_FILING, field="tracking_code", code="unknown_filing")
    return found


def _staff(office: Office, filing: Submission | None, operator_name: str) -> Staff | None:
    """The operator complained about: the one who made the filing, else the only staff member of the office
    with the name the citizen gave (active or not: a complaint outlives the job)."""
    staff = office.staff.select_related("user")
    if filing is not None:
        return staff.filter(user_id=filing.operator_id).first()
    if operator_name:
        wanted = normalize(operator_name)
        named = [s for s in staff if wanted in (normalize(s.user.get_full_name()), normalize(s.user.username))]
        if len(named) == 1:
            return named[0]
    return None


def _new_code(rng: random.Random | None) -> str:
    """A complaint code free here and in the desk's complaints (both start with 9, both are tracked by it)."""
    for _ in range(20):
        code = desk_codes.new_complaint_code(rng)
        if not (OfficeComplaint.objects.filter(tracking_code=code).exists()
                or DeskComplaint.objects.filter(tracking_code=code).exists()):
            return code
    raise Conflict("ساخت کد رهگیری یکتا ممکن نشد؛ دوباره بکوشید.")  # pragma: no cover


@transaction.atomic
def file_complaint(*, office_code, national_code, mobile, text, name: str = "", operator_name: str = "",
                   tracking_code=None, channel: str = OfficeComplaint.Channel.WEB, taken_by=None,
                   rng: random.Random | None = None) -> OfficeComplaint:
    """File a complaint about an office (or one of its operators). On the web anyone may file one; on the
    195 line `taken_by` is the regulator's staff member who took the call. The citizen gets the tracking
    code by SMS. `rng` (a seeded random.Random) is for the demo only."""
    if channel not in OfficeComplaint.Channel.values:
        raise DomainError("مجرای شکایت نامعتبر است.", field="channel")
    office = find_office(office_code)
    if channel == OfficeComplaint.Channel.PHONE_195:
        policy.check_complaint_taker(taken_by, office)
    else:
        taken_by = None
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    name = clean_text(name, "name", "نام شاکی", 200, required=False)
    operator_name = clean_text(operator_name, "operator_name", "نام کارمند", 200, required=False)
    text = clean_text(text, "text", "شرح شکایت", TEXT_LIMIT)
    filing = _filing(office, tracking_code, national_code)
    staff = _staff(office, filing, operator_name)
    if operator_name:  # the model keeps no separate field for it: the first line of the text says it
        text = f"{STAFF_LINE}{operator_name}\n\n{text}"
    due = add_working_days(today(), ANSWER_DAYS)
    complaint = None
    for _ in range(5):  # two filings drawing the same code at once: the loser draws again
        try:
            with transaction.atomic():
                complaint = OfficeComplaint.objects.create(
                    tracking_code=_new_code(rng), office=office, staff=staff, submission=filing, channel=channel,
                    national_code=national_code, mobile=mobile, name=name, text=text, answer_due=due,
                )
            break
        except IntegrityError:  # pragma: no cover (a race on a 1-in-a-billion draw)
            continue
    if complaint is None:  # pragma: no cover
        raise Conflict("ساخت کد رهگیری یکتا ممکن نشد؛ دوباره بکوشید.")
    sms(mobile=mobile, kind=SmsKind.COUNTER_COMPLAINT, related=f"counters.complaint:{complaint.pk}",
        text=f"شکایت شما از دفتر پیشخوان «{office.name}» با کد رهگیری {desk_codes.text(complaint.tracking_code)} "
             f"ثبت شد؛ پاسخ تا {format_date(due)}.")
    audit.record(action=AuditAction.COMPLAINT_FILE, obj=complaint, actor=taken_by, data={
        "office": office.code, "channel": channel, "tracking_code": complaint.tracking_code,
        "submission": filing.pk if filing else None, "staff": staff.pk if staff else None,
    })
    return complaint


@transaction.atomic
def answer_complaint(*, user, complaint, verdict, answer) -> OfficeComplaint:
    """The regulator of the office's province answers once, with a verdict; the citizen is told by SMS that
    the answer is ready (the answer itself is read on the tracking page)."""
    complaint = (OfficeComplaint.objects.select_for_update(of=("self",)).select_related("office")
                 .filter(pk=getattr(complaint, "pk", complaint)).first())
    if complaint is None:
        raise NotFound("این شکایت پیدا نشد.")
    policy.check_complaint_answer(user, complaint)
    if complaint.status == OfficeComplaint.Status.ANSWERED:
        raise Conflict("به این شکایت پیش‌تر پاسخ داده شده است.")
    if verdict not in OfficeComplaint.Verdict.values:
        raise DomainError("نتیجه رسیدگی را برگزینید: وارد است یا وارد نیست.", field="verdict")
    answer = clean_text(answer, "answer", "پاسخ", TEXT_LIMIT)
    complaint.status, complaint.verdict, complaint.answer = OfficeComplaint.Status.ANSWERED, verdict, answer
    complaint.answered_by, complaint.answered_at = user, timezone.now()
    complaint.save(update_fields=["status", "verdict", "answer", "answered_by", "answered_at"])
    sms(mobile=complaint.mobile, kind=SmsKind.COUNTER_COMPLAINT_ANSWERED,
        related=f"counters.complaint:{complaint.pk}",
        text=f"به شکایت شما از دفتر پیشخوان «{complaint.office.name}» با کد رهگیری "
             f"{desk_codes.text(complaint.tracking_code)} پاسخ داده شد؛ پاسخ را در صفحه پیگیری شکایت ببینید.")
    audit.record(action=AuditAction.COMPLAINT_ANSWER, obj=complaint, actor=user, data={
        "office": complaint.office.code, "verdict": verdict, "tracking_code": complaint.tracking_code,
    })
    return complaint
