"""Complaint pages over real HTTP (Django's test client) and the real database: the public form with its
office picker and confirmation, public tracking (a wrong national code reads like an unknown code, rate
limited), the regulator's list, answer page and 195 form, and the office manager's masked view."""

import re

import pytest
from django.test import Client

from dabir.counters.models import OfficeComplaint, Regulator, Staff, Submission
from dabir.counters.names import SmsKind
from dabir.desk import codes
from dabir.notify.models import SmsMessage
from tests.desk.test_services import national_code
from tests.factories import make_user

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, make_office
from .test_complaints import TEXT, file, filing

pytestmark = pytest.mark.django_db

NEW, TRACK, LIST, PHONE = "/counters/complaint/", "/counters/complaint/track/", "/counters/complaints/", \
    "/counters/complaints/195/"
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", html(response))
    words = re.sub("[\u200e\u200f\u2066-\u2069]", "", words)
    return re.sub(r"\s+", " ", words)


def form(counter, **extra) -> dict:
    data = {"city": counter.office.city, "office": str(counter.office.pk), "office_code": "", "tracking_code": "",
            "operator_name": "", "text": TEXT, "name": "مریم کریمی", "national_code": CITIZEN_NC.translate(FA),
            "mobile": CITIZEN_MOBILE}
    data.update(extra)
    return data


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.DABIR_DESK_TRACK_RATE = (50, 300)


# ---------------------------------------------------------------- the public form


def test_the_form_names_the_195_line_and_picks_the_office_by_city(client, counter):
    make_office("21009", name="دفتر پیشخوان دزفول", city="دزفول")
    page = client.get(NEW)
    assert page.status_code == 200 and "۱۹۵" in text(page) and 'dir="rtl"' in html(page)
    assert 'name="viewport"' in html(page)  # phone width
    assert "اهواز" in text(page) and "دزفول" in text(page)
    assert counter.office.name not in text(page)  # no city yet: no office listed
    ahvaz = client.get(NEW, {"city": "اهواز"})
    assert counter.office.name in text(ahvaz) and "دفتر پیشخوان دزفول" not in text(ahvaz)
    fragment = client.get("/counters/complaint/offices/", {"city": "دزفول"})  # what htmx swaps in
    assert fragment.status_code == 200 and "دفتر پیشخوان دزفول" in text(fragment)
    assert counter.office.name not in text(fragment) and "<html" not in html(fragment)


def test_picking_a_city_without_script_keeps_what_was_typed_and_files_nothing(client, counter):
    picked = client.post(NEW, form(counter, office="", pick="1"))
    assert picked.status_code == 200 and counter.office.name in text(picked) and TEXT in html(picked)
    assert "is-invalid" not in html(picked)
    assert OfficeComplaint.objects.count() == 0


def test_filing_shows_the_tracking_code_to_this_browser_only(client, counter):
    response = client.post(NEW, form(counter))
    assert response.status_code == 302 and response["Location"] == "/counters/complaint/filed/"
    complaint = OfficeComplaint.objects.get()
    assert complaint.office == counter.office and complaint.channel == "web" and complaint.national_code == CITIZEN_NC
    done = client.get(response["Location"])
    assert done.status_code == 200 and codes.display(complaint.tracking_code) in text(done)
    assert counter.office.name in text(done) and "خوزستان" in text(done)
    assert SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT, mobile=CITIZEN_MOBILE).count() == 1
    stranger = Client().get("/counters/complaint/filed/")
    assert stranger.status_code == 302 and stranger["Location"] == NEW


def test_filing_by_office_code_with_a_receipts_tracking_code(client, counter):
    sub = filing(counter)
    response = client.post(NEW, form(counter, city="", office="", office_code=counter.office.code.translate(FA),
                                     tracking_code=codes.display(sub.tracking_code).translate(FA)))
    assert response.status_code == 302
    complaint = OfficeComplaint.objects.get()
    assert complaint.submission == sub and complaint.staff == Staff.objects.get(user=counter.operator)


@pytest.mark.parametrize("changes,field,words", [
    ({"city": "", "office": "", "office_code": "99999"}, "office_code", "دفتر پیشخوانی با این کد پیدا نشد"),
    ({"office_code": "99999"}, "office_code", "نمی‌خوانند"),
    ({"city": "", "office": ""}, "office", "دفتری را که از آن شکایت دارید برگزینید"),
    ({"office": "999999"}, "office", "دفتر را از فهرست برگزینید"),
    ({"national_code": "1234567890"}, "national_code", "کد ملی نادرست"),
    ({"national_code": ""}, "national_code", "کد ملی خود را وارد کنید"),
    ({"mobile": "123"}, "mobile", "همراه"),
    ({"text": "   "}, "text", "شرح شکایت را بنویسید"),
    ({"tracking_code": "123-456-7891"}, "tracking_code", "کد رهگیری نادرست"),
])
def test_bad_input_is_shown_on_its_field_with_what_was_typed_and_nothing_is_filed(client, counter, changes, field,
                                                                                   words):
    response = client.post(NEW, form(counter, **changes))
    assert response.status_code == 400 and words in text(response)
    assert f'id="id_{field}-error"' in html(response) and 'aria-invalid="true"' in html(response)
    assert "مریم کریمی" in html(response)  # typed values kept
    assert OfficeComplaint.objects.count() == 0 and not SmsMessage.objects.filter(kind=SmsKind.COUNTER_COMPLAINT)


def test_a_filings_code_of_another_citizen_is_refused_on_the_page(client, counter):
    sub = filing(counter, nc=national_code(11223344))
    response = client.post(NEW, form(counter, tracking_code=sub.tracking_code))
    assert response.status_code == 400 and "ثبتی با این کد رهگیری و کد ملی در این دفتر پیدا نشد" in text(response)
    assert OfficeComplaint.objects.count() == 0


def test_filing_is_rate_limited(client, counter, settings):
    settings.DABIR_DESK_TRACK_RATE = (2, 300)
    for _ in range(2):
        assert client.post(NEW, form(counter, national_code="1")).status_code == 400
    limited = client.post(NEW, form(counter))
    assert limited.status_code == 429 and "از حد مجاز گذشته" in text(limited) and limited["Retry-After"] == "300"
    assert OfficeComplaint.objects.count() == 0


# ---------------------------------------------------------------- public tracking


def test_tracking_shows_the_status_then_the_verdict_and_answer(client, counter):
    complaint = file(counter)
    ok = client.post(TRACK, {"tracking_code": codes.display(complaint.tracking_code).translate(FA),
                             "national_code": CITIZEN_NC})
    assert ok.status_code == 200 and "ثبت شده" in text(ok) and counter.office.name in text(ok)
    assert "مریم" not in text(ok) and CITIZEN_MOBILE not in html(ok)  # nothing personal
    from dabir.counters import services

    services.answer_complaint(user=counter.regulator, complaint=complaint, verdict="upheld",
                              answer="کارمزد اضافه به شما بازگردانده می‌شود.")
    answered = client.post(TRACK, {"tracking_code": complaint.tracking_code, "national_code": CITIZEN_NC})
    assert answered.status_code == 200 and "وارد است" in text(answered)
    assert "کارمزد اضافه به شما بازگردانده می‌شود." in text(answered)


def test_a_wrong_national_code_reads_exactly_like_an_unknown_code(client, counter):
    complaint = file(counter)
    wrong_person = client.post(TRACK, {"tracking_code": complaint.tracking_code,
                                       "national_code": national_code(9_000_001)})
    other = "9" + "11111111"
    unknown = client.post(TRACK, {"tracking_code": other + codes.check_digit(other), "national_code": CITIZEN_NC})
    assert wrong_person.status_code == unknown.status_code == 404
    message = "شکایتی با این کد رهگیری و کد ملی یافت نشد؛ هر دو را دوباره بررسی کنید."
    assert message in text(wrong_person) and message in text(unknown)
    assert counter.office.name not in text(wrong_person)
    mistyped = client.post(TRACK, {"tracking_code": complaint.tracking_code[:-1] + str(
        (int(complaint.tracking_code[-1]) + 1) % 10), "national_code": CITIZEN_NC})
    assert mistyped.status_code == 400 and "کد رهگیری نادرست" in text(mistyped)
    empty = client.post(TRACK, {})
    assert empty.status_code == 400 and "کد رهگیری را وارد کنید" in text(empty)


def test_tracking_is_rate_limited_with_a_persian_429(client, counter, settings):
    complaint = file(counter)
    settings.DABIR_DESK_TRACK_RATE = (3, 300)
    for _ in range(3):
        assert client.post(TRACK, {"tracking_code": complaint.tracking_code,
                                   "national_code": national_code(9_000_001)}).status_code == 404
    limited = client.post(TRACK, {"tracking_code": complaint.tracking_code, "national_code": CITIZEN_NC})
    assert limited.status_code == 429 and "از حد مجاز گذشته" in text(limited) and limited["Retry-After"]
    assert counter.office.name not in text(limited)


# ---------------------------------------------------------------- the regulator's pages


def test_the_regulator_lists_the_provinces_complaints_with_filters(counter):
    late = file(counter)
    OfficeComplaint.objects.filter(pk=late.pk).update(answer_due=late.answer_due.replace(year=late.answer_due.year - 2))
    other = make_office("21002", name="دفتر دوم اهواز")
    theirs = file(counter, office_code=other.code)
    tehran = make_office("31001", name="دفتر تهران", province="تهران", city="تهران")
    far = file(counter, office_code=tehran.code)
    client = signed_in(counter.regulator)
    page = client.get(LIST)
    assert page.status_code == 200
    for c in (late, theirs):
        assert codes.display(c.tracking_code) in text(page)
    assert codes.display(far.tracking_code) not in text(page) and "دیرکرد" in text(page)
    by_office = client.get(LIST, {"office": other.code})
    assert codes.display(theirs.tracking_code) in text(by_office)
    assert codes.display(late.tracking_code) not in text(by_office)
    overdue = client.get(LIST, {"overdue": "1"})
    assert codes.display(late.tracking_code) in text(overdue)
    assert codes.display(theirs.tracking_code) not in text(overdue)
    answered = client.get(LIST, {"status": "answered"})
    assert "شکایتی با این شرایط نیست" in text(answered)


def test_the_regulator_answers_on_the_complaint_page(counter):
    complaint = file(counter)
    client = signed_in(counter.regulator)
    page = client.get(f"{LIST}{complaint.pk}/")
    assert page.status_code == 200 and CITIZEN_NC.translate(FA) in text(page) and "مریم کریمی" in text(page)
    assert 'id="answer-form"' in html(page)
    url = f"{LIST}{complaint.pk}/answer/"
    no_verdict = client.post(url, {"answer": "بررسی شد."})
    assert no_verdict.status_code == 400 and "نتیجه رسیدگی را برگزینید" in text(no_verdict)
    assert "بررسی شد." in html(no_verdict)
    complaint.refresh_from_db()
    assert complaint.status == "submitted"
    done = client.post(url, {"verdict": "rejected", "answer": "کارمزد مطابق تعرفه مصوب بوده است."})
    assert done.status_code == 302 and done["Location"] == f"{LIST}{complaint.pk}/"
    complaint.refresh_from_db()
    assert complaint.status == "answered" and complaint.verdict == "rejected"
    shown = client.get(done["Location"])
    assert "وارد نیست" in text(shown) and 'id="answer-form"' not in html(shown)
    again = client.post(url, {"verdict": "upheld", "answer": "تغییر نظر"})
    assert again.status_code == 409 and "پیش‌تر پاسخ" in text(again)
    complaint.refresh_from_db()
    assert complaint.verdict == "rejected"


def test_another_provinces_regulator_neither_sees_nor_answers(counter):
    complaint = file(counter)
    user = make_user(first_name="ناظر", last_name="تهران")
    Regulator.objects.create(user=user, province="تهران")
    client = signed_in(user)
    assert client.get(f"{LIST}{complaint.pk}/").status_code == 404
    refused = client.post(f"{LIST}{complaint.pk}/answer/", {"verdict": "upheld", "answer": "پاسخ"})
    assert refused.status_code == 404
    complaint.refresh_from_db()
    assert complaint.status == "submitted"


def test_the_195_line_files_for_the_provinces_offices(counter):
    client = signed_in(counter.regulator)
    page = client.get(PHONE)
    assert page.status_code == 200 and "۱۹۵" in text(page)
    response = client.post(PHONE, form(counter))
    complaint = OfficeComplaint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}{complaint.pk}/"
    assert complaint.channel == "195"
    shown = client.get(response["Location"])
    assert codes.display(complaint.tracking_code) in text(shown) and "سامانه ۱۹۵" in text(shown)
    tehran = make_office("31001", name="دفتر تهران", province="تهران", city="تهران")
    elsewhere = client.post(PHONE, form(counter, city="", office="", office_code=tehran.code))
    assert elsewhere.status_code == 400 and "در استان شما نیست" in text(elsewhere)
    assert OfficeComplaint.objects.count() == 1


@pytest.mark.parametrize("who", ["operator", "manager"])
def test_the_195_form_is_the_regulators_only(counter, who):
    client = signed_in(getattr(counter, who))
    assert client.get(PHONE).status_code == 403
    assert client.post(PHONE, form(counter)).status_code == 403
    assert OfficeComplaint.objects.count() == 0


# ---------------------------------------------------------------- the office's pages


def test_the_manager_sees_the_offices_complaints_masked_and_read_only(counter):
    mine = file(counter, tracking_code=filing(counter).tracking_code)
    other = make_office("21002", name="دفتر دوم اهواز")
    theirs = file(counter, office_code=other.code)
    client = signed_in(counter.manager)
    page = client.get(LIST)
    assert page.status_code == 200 and codes.display(mine.tracking_code) in text(page)
    assert codes.display(theirs.tracking_code) not in text(page)
    detail = client.get(f"{LIST}{mine.pk}/")
    assert detail.status_code == 200 and TEXT in text(detail)
    body = html(detail) + text(detail)
    for secret in (CITIZEN_NC, CITIZEN_NC.translate(FA), CITIZEN_MOBILE, CITIZEN_MOBILE.translate(FA), "مریم کریمی"):
        assert secret not in body
    assert "پنهان" in text(detail) and 'id="answer-form"' not in html(detail)
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    refused = client.post(f"{LIST}{mine.pk}/answer/", {"verdict": "rejected", "answer": "وارد نیست"})
    assert refused.status_code == 403
    mine.refresh_from_db()
    assert mine.status == "submitted"


def test_operators_and_strangers_see_no_complaints(counter):
    complaint = file(counter)
    operator = signed_in(counter.operator)
    listing = operator.get(LIST)
    assert listing.status_code == 403 and "فقط ناظر استان و مدیر همان دفتر" in text(listing)
    assert operator.get(f"{LIST}{complaint.pk}/").status_code == 403
    anonymous = Client().get(LIST)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_menus_and_home_cards_by_role(counter):
    regulator = signed_in(counter.regulator).get("/counters/")
    assert 'id="card-complaints"' in html(regulator) and "/counters/complaints/195/" in html(regulator)
    manager = signed_in(counter.manager).get("/counters/")
    assert 'id="card-complaints-office"' in html(manager) and "/counters/complaints/195/" not in html(manager)
    operator = signed_in(counter.operator).get("/counters/")
    assert "/counters/complaints/" not in html(operator)
    assert Submission.objects.count() == 0
