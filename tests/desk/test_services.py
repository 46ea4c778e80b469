"""Desk services against the real database: submission as a letter, stages through referrals, SMS,
the documents clock, results signed and verifiable, ratings, complaints, payments."""

import datetime as dt

import pytest
from django.utils import timezone

from dabir.accounts.models import User
from dabir.core.audit import verify
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import today
from dabir.core.validators import national_code_check_digit
from dabir.desk import codes, selectors, services
from dabir.desk.models import Category, Complaint, DeskProfile, RequestEvent, RequestStatus, ServiceRequest
from dabir.letters.models import Kind, Referral, ReferralStatus
from dabir.letters.models import Status as LetterStatus
from dabir.letters.selectors import overdue_counts, visible_letters
from dabir.letters.services import Upload
from dabir.notify.models import SmsMessage
from tests.factories import PDF_BYTES, PNG_BYTES

pytestmark = pytest.mark.django_db


def national_code(seed: int) -> str:
    nine = f"{seed:09d}"[-9:]
    return nine + str(national_code_check_digit(nine))


def make_citizen(seed=12345678, mobile="09121234567") -> User:
    nc = national_code(seed)
    user = User.objects.create_user(username=f"c{nc}", is_citizen=True, national_code=nc, mobile=mobile,
                                    first_name="سارا", last_name="شهروند")
    user.set_unusable_password()
    user.save()
    return user


def definition(world, **overrides) -> dict:
    d = {
        "code": f"permit-{world.agency.code}".lower(),
        "title": "پروانه ساختمان",
        "agency": world.agency.code,
        "category": "building",
        "keywords": ["ساخت", "پروانه"],
        "profile": {"description": "صدور پروانه ساخت برای ملک مسکونی", "channels": ["online", "counter"],
                    "duration_days": 12},
        "form": [
            {"name": "parcel", "label": "پلاک ثبتی", "type": "text", "pattern": r"\d+/\d+"},
            {"name": "area", "label": "مساحت", "type": "number", "min": 10, "max": 10000},
            {"name": "postal_code", "label": "کد پستی", "type": "postal_code", "required": False},
            {"name": "deed_date", "label": "تاریخ سند", "type": "jalali_date", "required": False},
            {"name": "use", "label": "کاربری", "type": "choice", "choices": ["مسکونی", "تجاری"]},
        ],
        "documents": [
            {"code": "deed", "label": "سند مالکیت", "file_types": ["pdf"]},
            {"code": "map", "label": "نقشه", "required": False, "file_types": ["png", "jpg"]},
        ],
        "stages": [
            {"code": "review", "title": "بررسی کارشناسی", "position": world.expert_pos.code, "deadline_days": 3,
             "outcomes": [{"code": "ok", "label": "کامل است", "next": "decide"},
                          {"code": "no", "label": "رد", "next": "reject"}]},
            {"code": "decide", "title": "تصمیم نهایی", "position": world.other_pos.code, "deadline_days": 2,
             "outcomes": [{"code": "yes", "label": "موافقت", "next": "approve"},
                          {"code": "no", "label": "رد", "next": "reject"}]},
        ],
        "result": {"title": "پروانه ساختمان", "signer_position": world.manager_pos.code,
                   "body": "متقاضی {applicant_name}\nپلاک {parcel} به مساحت {area} — کد رهگیری {tracking_code}"},
    }
    d.update(overrides)
    return d


def setup_desk(world, **overrides):
    Category.objects.get_or_create(slug="building", defaults={"name": "ساختمان"})
    DeskProfile.objects.get_or_create(agency=world.agency, defaults={
        "secretariat": world.secretariat, "complaints_position": world.manager_pos, "complaint_answer_days": 5})
    version = services.publish_service(user=None, definition=definition(world, **overrides))
    return version.service


ANSWERS = {"parcel": "۱۲۳/۴", "area": "۲۵۰", "use": "مسکونی", "postal_code": "۱۳۱۴۶-۶۷۸۹۱", "deed_date": "۱۴۰۲/۰۵/۱۰"}


def files(**extra):
    base = {"deed": [Upload("sanad.pdf", PDF_BYTES)]}
    base.update(extra)
    return base


def submit(service, citizen, **overrides):
    kwargs = dict(service=service, channel="online", national_code=citizen.national_code, mobile=citizen.mobile,
                  data=dict(ANSWERS), uploads=files(), applicant=citizen, applicant_name="سارا شهروند")
    kwargs.update(overrides)
    return services.submit_request(**kwargs)


@pytest.fixture
def desk(world):
    return world, setup_desk(world), make_citizen()


def sms_texts(req):
    return list(SmsMessage.objects.filter(related=f"desk.request:{req.pk}").order_by("id").values_list("text", flat=True))


# ---------------------------------------------------------------- submission


def test_submit_registers_letter_referred_to_first_stage(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    req.refresh_from_db()
    assert req.status == RequestStatus.SUBMITTED and len(req.tracking_code) == 10
    assert req.data == {"parcel": "۱۲۳/۴", "area": 250, "use": "مسکونی", "postal_code": "1314667891",
                        "deed_date": "2023-08-01"}
    letter = req.letter
    assert letter.kind == Kind.INCOMING and letter.number and letter.channel == "network"
    assert letter.secretariat == world.secretariat and letter.sender_number == req.tracking_code
    assert letter.attachments.count() == 1 and req.documents.get().code == "deed"
    (ref,) = letter.referrals.all()
    assert ref.to_position == world.expert_pos and ref.deadline == req.stage_due
    assert req.stage_code == "review" and req.stage_due > today()
    # The code in its one form: grouped Latin digits in a left-to-right isolate.
    assert "ثبت شد" in sms_texts(req)[0] and f"\u2066{codes.display(req.tracking_code)}\u2069" in sms_texts(req)[0]
    assert req.letter in visible_letters(world.expert) and req.letter not in visible_letters(world.other)
    assert verify().ok


def test_same_submission_key_makes_one_request(desk):
    world, service, citizen = desk
    first = submit(service, citizen, submission_key="form-1")
    second = submit(service, citizen, submission_key="form-1")
    assert first.pk == second.pk and ServiceRequest.objects.count() == 1 and SmsMessage.objects.count() == 1
    other = make_citizen(seed=87654321, mobile="09351234567")
    with pytest.raises(Conflict):
        submit(service, other, submission_key="form-1")


@pytest.mark.parametrize("field,value,fragment", [
    ("parcel", "abc", "پلاک ثبتی"),
    ("area", "۵", "کمتر از"),
    ("area", "ده", "باید عدد باشد"),
    ("postal_code", "0000000000", "کد پستی"),
    ("deed_date", "۱۴۰۲/۱۳/۴۰", "تاریخ سند"),
    ("use", "صنعتی", "گزینه"),
])
def test_bad_answers_name_the_field(desk, field, value, fragment):
    world, service, citizen = desk
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, data={**ANSWERS, field: value})
    assert exc.value.field == field and fragment in exc.value.message
    assert not ServiceRequest.objects.exists()


def test_missing_and_bad_files_refused(desk):
    world, service, citizen = desk
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, uploads={})
    assert exc.value.field == "deed" and "سند مالکیت" in exc.value.message
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, uploads={"deed": [Upload("sanad.pdf", PNG_BYTES)]})
    assert exc.value.field == "deed"
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, uploads=files(map=[Upload("map.png", b"MZ" + b"\0" * 80)]))
    assert exc.value.field == "map"
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, national_code="1234567890")
    assert exc.value.field == "national_code"
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, mobile="0812")
    assert exc.value.field == "mobile"
    with pytest.raises(DomainError) as exc:
        submit(service, citizen, channel="in_person")
    assert exc.value.field == "channel"
    assert not ServiceRequest.objects.exists()


def test_citizen_cannot_submit_for_another_national_code(desk):
    world, service, citizen = desk
    with pytest.raises(NotAllowed):
        submit(service, citizen, national_code=national_code(55555555))


# ---------------------------------------------------------------- stages


def test_stages_move_through_referrals_with_sms_and_public_timeline(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    with pytest.raises(NotAllowed):
        services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="ok")
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok",
                          note="محرمانه: سابقه تخلف دارد", public_note="مدارک کامل است")
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS and req.stage_code == "decide"
    first, second = req.letter.referrals.order_by("id")
    assert first.status == ReferralStatus.DONE and second.to_position == world.other_pos and second.parent == first
    assert second.deadline == req.stage_due
    assert "تصمیم نهایی" in sms_texts(req)[-1]
    public = [e.note for e in selectors.timeline(req)]
    assert "مدارک کامل است" in public and not any("تخلف" in n for n in public)
    assert any("تخلف" in e.note for e in selectors.timeline(req, public_only=False))
    # the next stage's holder now sees the request; a stranger does not
    assert selectors.staff_requests(world.other).filter(pk=req.pk).exists()
    stranger = User.objects.create_user(username="stranger")
    assert not selectors.staff_requests(stranger).exists()


def test_reject_needs_reason_and_tells_citizen(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    with pytest.raises(DomainError) as exc:
        services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="no")
    assert exc.value.field == "public_note"
    with pytest.raises(DomainError) as exc:
        services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="bogus")
    assert exc.value.field == "outcome"
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="no",
                          public_note="پلاک با سند نمی‌خواند")
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED and req.letter.status == LetterStatus.CLOSED
    assert "پلاک با سند نمی‌خواند" in sms_texts(req)[-1]
    with pytest.raises(Conflict):
        services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")


def _issue_certificate(world):
    from dabir.signing import services as signing

    signing.create_authority(agency=world.agency)
    signing.issue_certificate(position=world.manager_pos)


def test_approve_by_signer_signs_registers_and_completes(desk, client):
    world, service, citizen = desk
    _issue_certificate(world)
    from dabir.orgs.models import Assignment

    Assignment.objects.create(user=world.other, position=world.manager_pos, role=Assignment.Role.ACTING,
                              starts_at=timezone.now() - dt.timedelta(hours=1))
    req = submit(service, citizen)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="yes")
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED and req.finished_at
    result = req.result_letter
    assert result.kind == Kind.OUTGOING and result.status == LetterStatus.REGISTERED and result.number
    assert "۱۲۳/۴" in result.body and "سارا شهروند" in result.body
    data, code = selectors.result_pdf(req)
    assert data.startswith(b"%PDF") and b"/ByteRange" in data  # a PAdES signature inside
    assert "نتیجه" in sms_texts(req)[-1]
    page = client.get(f"/verify/{code}")
    assert page.status_code == 200 and "معتبر" in page.content.decode()


def test_approve_waits_for_signer_then_completes(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="yes")
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.result_letter.status == LetterStatus.AWAITING_SIGNATURE
    assert selectors.result_pdf(req) is None
    with pytest.raises(NotAllowed):
        services.sign_result(user=world.expert, position_id=world.manager_pos.id, request=req)
    services.sign_result(user=world.manager, position_id=world.manager_pos.id, request=req)
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED and req.result_letter.status == LetterStatus.REGISTERED
    data, code = selectors.result_pdf(req)
    assert data.startswith(b"%PDF") and code


def test_result_signed_from_the_inbox_completes_by_sweeper(desk):
    from dabir.letters import services as letters

    world, service, citizen = desk
    req = submit(service, citizen)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    services.decide_stage(user=world.other, position_id=world.other_pos.id, request=req, outcome="yes")
    req.refresh_from_db()
    letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=req.result_letter)
    assert services.finish_signed_results() == 1
    req.refresh_from_db()
    assert req.status == RequestStatus.COMPLETED
    assert services.finish_signed_results() == 0


def test_signer_position_must_differ_from_approving_stage(world):
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat,
                               complaints_position=world.manager_pos)
    d = definition(world)
    d["stages"][1]["position"] = world.manager_pos.code
    with pytest.raises(DomainError) as exc:
        services.publish_service(user=None, definition=d)
    assert exc.value.field == "result.signer_position"


# ---------------------------------------------------------------- documents and the clock


def test_documents_request_pauses_clock(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    due_before = ServiceRequest.objects.get(pk=req.pk).stage_due
    services.request_documents(user=world.expert, position_id=world.expert_pos.id, request=req, codes=["map"],
                               note="نقشه را بفرستید")
    req.refresh_from_db()
    assert req.status == RequestStatus.AWAITING_DOCUMENTS and req.requested_documents == ["map"]
    assert "نقشه" in sms_texts(req)[-1]
    with pytest.raises(Conflict):
        services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="ok")
    # the citizen waited eight calendar days
    ServiceRequest.objects.filter(pk=req.pk).update(waiting_since=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(DomainError) as exc:
        services.add_documents(user=citizen, request=req, uploads={"deed": [Upload("s.pdf", PDF_BYTES)]})
    assert exc.value.field == "map"
    stranger = make_citizen(seed=22222222)
    with pytest.raises(NotFound):
        services.add_documents(user=stranger, request=req, uploads={"map": [Upload("m.png", PNG_BYTES)]})
    services.add_documents(user=citizen, request=req, uploads={"map": [Upload("m.png", PNG_BYTES)]})
    req.refresh_from_db()
    waited = services.working_days_between((timezone.localtime() - dt.timedelta(days=8)).date(), today())
    assert waited >= 5
    from dabir.core.calendar import add_working_days

    assert req.status == RequestStatus.IN_PROGRESS and req.stage_due == add_working_days(due_before, waited)
    assert req.documents.filter(code="map").exists()
    # the stage's referral in the staff inbox moved with it, so follow-up does not call it late
    open_refs = req.letter.referrals.filter(status__in=["unread", "read"])
    assert open_refs.exists() and all(r.deadline == req.stage_due for r in open_refs)


def test_overdue_stage_in_late_list_and_followup(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    past = today() - dt.timedelta(days=3)
    ServiceRequest.objects.filter(pk=req.pk).update(stage_due=past)
    Referral.objects.filter(letter=req.letter).update(deadline=past)
    assert list(selectors.late_requests(world.agency)) == [ServiceRequest.objects.get(pk=req.pk)]
    assert overdue_counts(agency_id=world.agency.id).filter(letter=req.letter).exists()
    ServiceRequest.objects.filter(pk=req.pk).update(status=RequestStatus.AWAITING_DOCUMENTS)
    assert not selectors.late_requests(world.agency).exists()


# ---------------------------------------------------------------- citizens' reads, cancel, rating


def test_citizen_sees_only_own_requests(desk):
    world, service, citizen = desk
    mine = submit(service, citizen)
    other = make_citizen(seed=33333333, mobile="09131112233")
    theirs = submit(service, other)
    assert list(selectors.requests_of(citizen)) == [mine]
    assert selectors.request_of_citizen(citizen, mine.tracking_code) == mine
    with pytest.raises(NotFound):
        selectors.request_of_citizen(citizen, theirs.tracking_code)
    assert not selectors.requests_of(world.expert).exists()  # staff are not citizens
    assert selectors.public_status(mine.tracking_code, citizen.national_code) == mine
    assert selectors.public_status(mine.tracking_code, other.national_code) is None


def test_cancel_and_rate(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    with pytest.raises(Conflict):
        services.rate_request(user=citizen, request=req, score=5)
    services.decide_stage(user=world.expert, position_id=world.expert_pos.id, request=req, outcome="no",
                          public_note="ناقص")
    with pytest.raises(DomainError) as exc:
        services.rate_request(user=citizen, request=req, score=9)
    assert exc.value.field == "score"
    services.rate_request(user=citizen, request=req, score="۴", comment="سریع بود")
    with pytest.raises(Conflict):
        services.rate_request(user=citizen, request=req, score=3)
    second = submit(service, citizen)
    services.cancel_request(user=citizen, request=second, reason="منصرف شدم")
    second.refresh_from_db()
    assert second.status == RequestStatus.CANCELLED
    with pytest.raises(Conflict):
        services.cancel_request(user=citizen, request=second)


# ---------------------------------------------------------------- complaints


def test_complaint_registered_referred_and_answered(desk):
    world, service, citizen = desk
    req = submit(service, citizen)
    complaint = services.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                        about="request", agency=world.agency, text="پاسخ نمی‌دهند", request=req)
    assert complaint.tracking_code.startswith("9") and complaint.tracking_code != req.tracking_code
    (ref,) = complaint.letter.referrals.all()
    assert ref.to_position == world.manager_pos and ref.deadline == complaint.answer_due
    assert SmsMessage.objects.filter(related=f"desk.complaint:{complaint.pk}").count() == 1
    with pytest.raises(NotAllowed):
        services.answer_complaint(user=world.expert, position_id=world.expert_pos.id, complaint=complaint,
                                  answer="x")
    services.answer_complaint(user=world.manager, position_id=world.manager_pos.id, complaint=complaint,
                              answer="پیگیری شد")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.letter.status == LetterStatus.CLOSED
    assert SmsMessage.objects.filter(related=f"desk.complaint:{complaint.pk}").count() == 2
    with pytest.raises(DomainError) as exc:
        services.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                about="employee", agency=world.agency, text="بدرفتاری")
    assert exc.value.field == "employee_name"
    other = make_citizen(seed=44444444)
    with pytest.raises(NotAllowed):
        services.file_complaint(user=other, national_code=other.national_code, mobile=other.mobile,
                                about="request", agency=world.agency, text="x", request=req)


# ---------------------------------------------------------------- payments


def _pay(req, status="OK"):
    from dabir.payments import services as payments

    url = services.start_fee_payment(user=req.applicant, request=req, callback_url="http://testserver/back/")
    req.refresh_from_db()
    assert url
    payment = payments.get_payment(req.payment_token)
    if status == "OK":
        from dabir.payments.models import TestBankTransaction

        payments.testbank_pay(authority=payment.authority, card_number="6037990000000006")
        assert TestBankTransaction.objects.exists()
    return payments.complete_payment(payment_token=req.payment_token,
                                      params={"status": status, "authority": payment.authority})


def test_fee_waits_for_payment_then_registers(world):
    service = setup_desk(world, fees={"online": 500000})
    citizen = make_citizen()
    req = submit(service, citizen)
    assert req.status == RequestStatus.AWAITING_PAYMENT and req.letter_id is None and req.fee_rials == 500000
    assert "پرداخت" in selectors.payment_message(req)
    payment = _pay(req, status="NOK")
    req.refresh_from_db()
    assert payment.status == "cancelled" and not req.paid and req.status == RequestStatus.AWAITING_PAYMENT
    assert "ناموفق" in selectors.payment_message(req)
    payment = _pay(req)
    req.refresh_from_db()
    assert payment.is_paid and req.paid and req.status == RequestStatus.SUBMITTED and req.letter.number
    assert req.events.filter(kind=RequestEvent.Kind.PAID).exists()
