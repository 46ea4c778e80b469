"""Complaints about counter offices against the real database: filed on the web or on the 195 line, tied to
a filing of that office and its operator, answered once by the regulator of the office's province, and the
refusals (each with a Persian message, nothing written)."""

import pytest

from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import today
from dabir.core.models import AuditEntry
from dabir.counters import policy, selectors, services
from dabir.counters.models import LicenceState, OfficeComplaint, Regulator, Staff, Submission
from dabir.counters.names import AuditAction, SmsKind
from dabir.counters.services import complaints as complaint_services
from dabir.desk import codes
from dabir.desk.models import Complaint as DeskComplaint
from dabir.notify.models import SmsMessage
from tests.desk.test_services import national_code
from tests.factories import make_user

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, make_office, make_staff

pytestmark = pytest.mark.django_db

TEXT = "کارمند باجه بیش از تعرفه از من کارمزد گرفت و رسید نداد."


def file(counter, **extra):
    args = dict(office_code=counter.office.code, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE, text=TEXT,
                name="مریم کریمی")
    args.update(extra)
    return services.file_complaint(**args)


def filing(counter, office=None, operator=None, nc=CITIZEN_NC) -> Submission:
    """A request filed at the office (as the operator's desk records it)."""
    return Submission.objects.create(
        office=office or counter.office, operator=operator or counter.operator, agency=counter.service.agency,
        kind=Submission.Kind.REQUEST, service=counter.service, tracking_code=codes.new_tracking_code(),
        national_code=nc, counter_fee_rials=25_000, total_rials=25_000)


def other_regulator(province="تهران"):
    user = make_user(first_name="ناظر", last_name="تهران")
    Regulator.objects.create(user=user, province=province)
    return user


def nothing_written():
    assert OfficeComplaint.objects.count() == 0
    assert not SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.COMPLAINT_FILE).exists()


# ---------------------------------------------------------------- filing


def test_web_complaint_gets_a_complaint_code_a_deadline_an_sms_and_an_audit_entry(counter):
    complaint = file(counter)
    assert complaint.tracking_code.startswith("9") and codes.is_valid(complaint.tracking_code)
    assert complaint.channel == OfficeComplaint.Channel.WEB and complaint.status == OfficeComplaint.Status.SUBMITTED
    assert complaint.office == counter.office and complaint.staff is None and complaint.submission is None
    assert complaint.answer_due == add_working_days(today(), 10)
    assert (complaint.national_code, complaint.mobile, complaint.name, complaint.text) == (
        CITIZEN_NC, CITIZEN_MOBILE, "مریم کریمی", TEXT)
    sms = SmsMessage.objects.get(kind=SmsKind.COUNTER_COMPLAINT)
    assert sms.mobile == CITIZEN_MOBILE and sms.related == f"counters.complaint:{complaint.pk}"
    assert codes.display(complaint.tracking_code) in sms.text and counter.office.name in sms.text
    entry = AuditEntry.objects.get(action=AuditAction.COMPLAINT_FILE)
    assert entry.object_id == str(complaint.pk) and entry.actor is None
    assert entry.data["office"] == counter.office.code and entry.data["channel"] == "web"


def test_persian_digits_and_spaces_are_accepted(counter):
    fa = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    complaint = file(counter, office_code=f" {counter.office.code.translate(fa)} ",
                     national_code=CITIZEN_NC.translate(fa), mobile=CITIZEN_MOBILE.translate(fa))
    assert complaint.office == counter.office and complaint.national_code == CITIZEN_NC


def test_a_filings_tracking_code_ties_the_complaint_to_it_and_its_operator(counter):
    sub = filing(counter)
    complaint = file(counter, tracking_code=codes.display(sub.tracking_code))
    assert complaint.submission == sub
    assert complaint.staff == Staff.objects.get(user=counter.operator)
    assert AuditEntry.objects.get(action=AuditAction.COMPLAINT_FILE).data["submission"] == sub.pk


def test_the_operator_who_left_is_still_the_one_complained_about(counter):
    sub = filing(counter)
    Staff.objects.filter(user=counter.operator).update(active=False)
    assert file(counter, tracking_code=sub.tracking_code).staff.user == counter.operator


def test_an_operator_named_by_the_citizen_is_matched_among_the_offices_staff(counter):
    counter.operator.first_name, counter.operator.last_name = "علی", "باجه‌دار"
    counter.operator.save()
    complaint = file(counter, operator_name="علي باجه‌دار")  # Arabic ye: the one normalisation
    assert complaint.staff.user == counter.operator
    assert complaint.text.startswith(complaint_services.STAFF_LINE + "علي باجه‌دار") and TEXT in complaint.text
    unknown = file(counter, operator_name="کسی که اینجا کار نمی‌کند")
    assert unknown.staff is None and "کسی که اینجا کار نمی‌کند" in unknown.text


@pytest.mark.parametrize("state", [LicenceState.REVOKED, LicenceState.SUSPENDED, LicenceState.EXPIRED])
def test_a_closed_or_suspended_office_can_still_be_complained_about(counter, state):
    counter.office.state = state
    counter.office.save()
    assert file(counter).office == counter.office


def test_unknown_office_code_is_refused_and_nothing_is_written(counter):
    with pytest.raises(NotFound) as refused:
        file(counter, office_code="99999")
    assert refused.value.field == "office_code" and "کد" in refused.value.message
    with pytest.raises(DomainError) as empty:
        file(counter, office_code="  ")
    assert empty.value.field == "office_code" and "کد دفتر" in empty.value.message
    nothing_written()


@pytest.mark.parametrize("field,value,words", [
    ("national_code", "1234567890", "کد ملی"),
    ("national_code", "۱۲۳", "کد ملی"),
    ("national_code", "", "کد ملی"),
    ("mobile", "0216612345", "همراه"),
    ("text", "   ", "شرح شکایت"),
    ("text", "ب" * 5001, "شرح شکایت"),
    ("text", "bad\x00", "نامعتبر"),
    ("name", "ن" * 201, "نام شاکی"),
    ("operator_name", "ن" * 201, "نام کارمند"),
])
def test_bad_input_gets_a_persian_message_on_its_field_and_writes_nothing(counter, field, value, words):
    with pytest.raises(DomainError) as refused:
        file(counter, **{field: value})
    assert refused.value.field == field and words in refused.value.message
    nothing_written()


def test_a_tracking_code_not_of_this_office_or_this_citizen_is_refused_with_one_message(counter):
    elsewhere = make_office("21002", name="دفتر دیگر")
    other_operator = make_staff(elsewhere, "other.operator")
    cases = [
        filing(counter, office=elsewhere, operator=other_operator).tracking_code,  # another office's filing
        filing(counter, nc=national_code(11223344)).tracking_code,  # another citizen's filing
        codes.new_tracking_code(),  # no such filing at all
    ]
    messages = set()
    for code in cases:
        with pytest.raises(DomainError) as refused:
            file(counter, tracking_code=code)
        assert refused.value.field == "tracking_code"
        messages.add(refused.value.message)
    assert messages == {complaint_services.NO_FILING}
    typo = cases[0][:-1] + str((int(cases[0][-1]) + 1) % 10)
    with pytest.raises(DomainError) as mistyped:
        file(counter, tracking_code=typo)
    assert mistyped.value.message == codes.WRONG_CODE
    nothing_written()


def test_an_unknown_channel_is_refused(counter):
    with pytest.raises(DomainError) as refused:
        file(counter, channel="fax")
    assert refused.value.field == "channel"
    nothing_written()


def test_the_195_line_is_taken_by_the_provinces_regulator(counter):
    complaint = file(counter, channel=OfficeComplaint.Channel.PHONE_195, taken_by=counter.regulator)
    assert complaint.channel == "195"
    entry = AuditEntry.objects.get(action=AuditAction.COMPLAINT_FILE)
    assert entry.actor == counter.regulator and entry.data["channel"] == "195"
    assert SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT, mobile=CITIZEN_MOBILE).count() == 1


@pytest.mark.parametrize("who", ["operator", "manager", "nobody", "other_province"])
def test_the_195_line_refuses_anyone_but_the_provinces_regulator(counter, who):
    taker = {"operator": counter.operator, "manager": counter.manager, "nobody": None,
             "other_province": other_regulator()}[who]
    with pytest.raises(NotAllowed) as refused:
        file(counter, channel=OfficeComplaint.Channel.PHONE_195, taken_by=taker)
    assert "ناظر" in refused.value.message or "استان" in refused.value.message
    nothing_written()


def test_a_web_complaint_never_records_a_taker(counter):
    file(counter, taken_by=counter.operator)
    assert AuditEntry.objects.get(action=AuditAction.COMPLAINT_FILE).actor is None


def test_a_code_drawn_twice_is_drawn_again_across_both_complaint_tables(counter, monkeypatch):
    taken_here = file(counter).tracking_code
    taken_at_desk = "9" + "12345678"
    taken_at_desk += codes.check_digit(taken_at_desk)
    DeskComplaint.objects.create(tracking_code=taken_at_desk, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE,
                                 about="agency", agency=counter.service.agency, text="شکایت میز خدمت")
    fresh = "9" + "87654321"
    fresh += codes.check_digit(fresh)
    draws = iter([taken_here, taken_at_desk, fresh])
    monkeypatch.setattr(codes, "new_complaint_code", lambda rng=None: next(draws))
    assert file(counter).tracking_code == fresh


# ---------------------------------------------------------------- answering


def test_the_provinces_regulator_answers_once_with_a_verdict(counter):
    complaint = file(counter)
    answered = services.answer_complaint(user=counter.regulator, complaint=complaint,
                                         verdict=OfficeComplaint.Verdict.UPHELD, answer="  کارمزد اضافه باید بازگردانده شود.  ")
    assert answered.status == "answered" and answered.verdict == "upheld" and answered.answered_by == counter.regulator
    assert answered.answer == "کارمزد اضافه باید بازگردانده شود." and answered.answered_at
    sms = SmsMessage.objects.get(kind=SmsKind.COUNTER_COMPLAINT_ANSWERED)
    assert sms.mobile == CITIZEN_MOBILE and codes.display(complaint.tracking_code) in sms.text
    assert "بازگردانده" not in sms.text  # the SMS says the answer is ready, not what it is
    entry = AuditEntry.objects.get(action=AuditAction.COMPLAINT_ANSWER)
    assert entry.actor == counter.regulator and entry.data["verdict"] == "upheld"
    # counted against the office: answered and upheld is a sustained complaint
    assert OfficeComplaint.objects.filter(office=counter.office, status="answered", verdict="upheld").count() == 1

    with pytest.raises(Conflict) as twice:
        services.answer_complaint(user=counter.regulator, complaint=complaint, verdict="rejected", answer="دوباره")
    assert "پیش‌تر پاسخ" in twice.value.message
    complaint.refresh_from_db()
    assert complaint.verdict == "upheld" and complaint.answer == "کارمزد اضافه باید بازگردانده شود."
    assert AuditEntry.objects.filter(action=AuditAction.COMPLAINT_ANSWER).count() == 1
    assert SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT_ANSWERED).count() == 1


def test_a_superuser_answers_in_any_province(counter):
    office = make_office("31001", province="تهران", city="تهران")
    complaint = file(counter, office_code=office.code)
    admin = make_user(is_superuser=True, is_staff=True)
    assert services.answer_complaint(user=admin, complaint=complaint, verdict="rejected",
                                     answer="بررسی شد؛ کارمزد مطابق تعرفه بوده است.").verdict == "rejected"


@pytest.mark.parametrize("who", ["other_province", "manager", "operator", "stranger"])
def test_no_one_but_the_provinces_regulator_answers(counter, who):
    complaint = file(counter)
    user = {"other_province": other_regulator(), "manager": counter.manager, "operator": counter.operator,
            "stranger": make_user()}[who]
    with pytest.raises(NotAllowed):
        services.answer_complaint(user=user, complaint=complaint, verdict="upheld", answer="پاسخ")
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.answer == "" and complaint.answered_by is None
    assert not AuditEntry.objects.filter(action=AuditAction.COMPLAINT_ANSWER).exists()
    assert not SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT_ANSWERED).exists()


@pytest.mark.parametrize("verdict,answer,field", [("", "پاسخ", "verdict"), ("maybe", "پاسخ", "verdict"),
                                                  ("upheld", "  ", "answer"), ("rejected", "پ" * 5001, "answer")])
def test_a_bad_answer_is_refused_and_changes_nothing(counter, verdict, answer, field):
    complaint = file(counter)
    with pytest.raises(DomainError) as refused:
        services.answer_complaint(user=counter.regulator, complaint=complaint, verdict=verdict, answer=answer)
    assert refused.value.field == field
    complaint.refresh_from_db()
    assert complaint.status == "submitted" and complaint.verdict == ""
    assert not SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT_ANSWERED).exists()


# ---------------------------------------------------------------- who sees what


def test_who_sees_complaints(counter):
    mine = file(counter)
    elsewhere = make_office("21002", name="دفتر دیگر همین استان")
    other_manager = make_staff(elsewhere, "other.manager", Staff.Role.MANAGER)
    theirs = file(counter, office_code=elsewhere.code)
    tehran = make_office("31001", province="تهران", city="تهران")
    far = file(counter, office_code=tehran.code)

    assert set(policy.complaints_for(counter.regulator)) == {mine, theirs}
    assert set(policy.complaints_for(other_regulator())) == {far}
    assert set(policy.complaints_for(counter.manager)) == {mine}
    assert set(policy.complaints_for(other_manager)) == {theirs}
    assert list(policy.complaints_for(counter.operator)) == []
    assert policy.complaint_viewer(counter.operator) == ""
    with pytest.raises(NotAllowed):
        policy.check_complaint_viewer(counter.operator)
    with pytest.raises(NotFound):
        selectors.complaint_for(counter.manager, theirs.pk)


def test_the_manager_sees_the_complainant_masked(counter):
    complaint = file(counter)
    shown = selectors.complaint_for(counter.manager, complaint.pk)
    assert shown.masked and shown.name == ""
    assert CITIZEN_NC not in shown.national_code and shown.national_code.endswith(CITIZEN_NC[-2:])
    assert CITIZEN_MOBILE not in shown.mobile
    complaint.refresh_from_db()
    assert complaint.national_code == CITIZEN_NC  # masked in memory only
    full = selectors.complaint_for(counter.regulator, complaint.pk)
    assert not full.masked and full.national_code == CITIZEN_NC and full.mobile == CITIZEN_MOBILE


def test_the_list_filters_by_status_office_and_overdue(counter):
    late = file(counter)
    OfficeComplaint.objects.filter(pk=late.pk).update(answer_due=today().replace(year=today().year - 1))
    answered = file(counter)
    services.answer_complaint(user=counter.regulator, complaint=answered, verdict="rejected", answer="وارد نیست.")
    other = make_office("21002", name="دفتر دیگر")
    fresh = file(counter, office_code=other.code)
    assert set(selectors.complaints_list(counter.regulator)) == {late, answered, fresh}
    assert set(selectors.complaints_list(counter.regulator, status="answered")) == {answered}
    assert set(selectors.complaints_list(counter.regulator, office_code=other.code)) == {fresh}
    assert list(selectors.complaints_list(counter.regulator, overdue=True)) == [late]
    assert set(selectors.complaints_list(counter.regulator, status="bogus")) == {late, answered, fresh}
