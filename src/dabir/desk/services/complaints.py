"""Complaints: a citizen files one (its own tracking code, registered as a letter referred to the
agency's complaints position); that position answers it and the letter is closed."""

import html
import random

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.text import to_persian_digits
from dabir.core.validators import validate_mobile, validate_national_code
from dabir.letters import services as letters
from dabir.letters.models import Action
from dabir.letters.models import Channel as LetterChannel
from dabir.letters.selectors import open_referral_at
from dabir.letters.services import ReferralSpec
from dabir.orgs.models import Agency
from dabir.orgs.selectors import seat_for

from .. import codes
from ..models import Complaint, ServiceRequest
from ..names import AuditAction, SmsKind
from ._shared import _code_text, _profile, _real, _sms, _text, _unique_code, desk_account


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

