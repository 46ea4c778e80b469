"""The operator's desk pages through the whole stack (Django's test client over the real URLconf and the
real database): the office's start page, the citizen's consent by SMS code, the service's form with scans
and the fee box, the card reader and the bank gateway, the receipt; and every refusal — an expired or
suspended office (between steps too), a service not outsourced here, a mistyped national code, a wrong
SMS code, a double submit, a tampered or negative total, another office's ids — answered in Persian with
nothing written."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dabir.accounts.models import OneTimeCode
from dabir.core.text import to_persian_digits
from dabir.counters.models import CounterService, LicenceState, Staff, Submission, Visit
from dabir.desk.models import RequestStatus, ServiceRequest
from dabir.notify.models import SmsMessage
from dabir.payments import services as payments
from dabir.payments.models import Payment
from tests.factories import PDF_BYTES

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, consent_code, make_office, make_staff

pytestmark = pytest.mark.django_db

ANSWERS = {"f-parcel": "۱۲/۳۴۵", "f-area": "۱۲۰", "f-use": "مسکونی"}
PERSIAN_NC = to_persian_digits(CITIZEN_NC)
TEST_CARD = "6037990000000006"  # passes the Luhn check of the built-in test bank


def operator_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def deed():
    return SimpleUploadedFile("sanad.pdf", PDF_BYTES, content_type="application/pdf")


def start(client, counter, **overrides):
    data = {"national_code": PERSIAN_NC, "mobile": to_persian_digits(CITIZEN_MOBILE), "name": "مریم کریمی",
            "service": counter.service.code, **overrides}
    return client.post("/counters/desk/visit/", data)


def verified(client, counter) -> Visit:
    response = start(client, counter)
    assert response.status_code == 302, text(response)
    visit = Visit.objects.latest("id")
    response = client.post(f"/counters/desk/visit/{visit.pk}/", {"code": consent_code(visit),
                                                                 "service": counter.service.code})
    assert response.status_code == 302
    assert response["Location"] == f"/counters/desk/visit/{visit.pk}/{counter.service.code}/"
    return visit


def form_key(client, visit, counter) -> tuple[str, str]:
    page = client.get(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/")
    assert page.status_code == 200
    body = text(page)
    key = re.search(r'name="submission_key" value="([0-9a-f]{32})"', body).group(1)
    total = re.search(r'name="expected_total" value="(\d+)"', body).group(1)
    return key, total


def submit(client, visit, counter, key, total, **extra):
    data = {**ANSWERS, "submission_key": key, "expected_total": total, "d-deed": deed(), **extra}
    return client.post(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/", data)


def nothing_filed():
    return not Submission.objects.exists() and not ServiceRequest.objects.exists()


# ---------------------------------------------------------------- the whole flow


def test_the_whole_flow_at_the_card_reader(counter):
    client = operator_client(counter.operator)
    home = client.get("/counters/desk/")
    assert home.status_code == 200 and counter.office.name in text(home)
    found = client.get("/counters/desk/", {"q": "پروانه"})
    assert counter.service.title in text(found) and f'data-service="{counter.service.code}"' in text(found)
    assert "۲۵٬۰۰۰" in text(found)  # the fee the citizen pays, shown before anything is filed
    assert "نشد" in text(client.get("/counters/desk/", {"q": "گذرنامه"}))  # nothing offered by that name

    response = start(client, counter)  # Persian digits in the national code and mobile
    visit = Visit.objects.get()
    assert response.status_code == 302 and visit.national_code == CITIZEN_NC and visit.mobile == CITIZEN_MOBILE
    sms = SmsMessage.objects.get(related=f"counters.visit:{visit.pk}")
    assert sms.mobile == CITIZEN_MOBILE and counter.office.name in sms.text
    page = client.get(response["Location"])
    assert "۰۸۷" in text(page) and CITIZEN_NC not in text(page)  # the national code masked on screen

    code = consent_code(visit)
    wrong = client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "۰۰۰۰۰۰" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "کد نادرست است؛ ۴ بار دیگر می‌توانید بکوشید." in text(wrong)
    assert Visit.objects.get().verified_at is None
    ok = client.post(f"/counters/desk/visit/{visit.pk}/", {"code": to_persian_digits(code),
                                                           "service": counter.service.code})
    assert ok.status_code == 302 and Visit.objects.get().verified_at is not None

    key, total = form_key(client, visit, counter)
    assert total == "25000"
    filed = submit(client, visit, counter, key, total)
    assert filed.status_code == 302, text(filed)
    sub = Submission.objects.get()
    assert filed["Location"] == f"/counters/desk/submissions/{sub.pk}/"
    assert (sub.office, sub.operator, sub.state) == (counter.office, counter.operator, Submission.State.AWAITING_PAYMENT)
    req = ServiceRequest.objects.get()
    assert req.tracking_code == sub.tracking_code and req.documents.count() == 1 and req.data["parcel"] == "۱۲/۳۴۵"
    page = client.get(filed["Location"])
    assert sub.tracking_code[:3] in text(page) and "کارت‌خوان" in text(page)

    # the same form sent again (a double click, a refresh): the first submission, nothing new
    again = submit(client, visit, counter, key, total)
    assert again.status_code == 302 and again["Location"] == f"/counters/desk/submissions/{sub.pk}/"
    assert "پیش‌تر ثبت شده" in text(client.get(again["Location"]))
    assert Submission.objects.count() == 1 and ServiceRequest.objects.count() == 1

    bad = client.post(f"/counters/desk/submissions/{sub.pk}/card/", {"reference": "12ab"})
    assert bad.status_code == 400 and "شماره پیگیری کارت‌خوان باید ۶ تا ۲۰ رقم باشد." in text(bad)
    whole_card = client.post(f"/counters/desk/submissions/{sub.pk}/card/",
                             {"reference": "123456", "card_mask": TEST_CARD})
    assert whole_card.status_code == 400 and "شماره کامل کارت را وارد نکنید" in text(whole_card)
    assert not Payment.objects.exists() and Submission.objects.get().state == Submission.State.AWAITING_PAYMENT
    paid = client.post(f"/counters/desk/submissions/{sub.pk}/card/",
                       {"reference": "۸۸۷۷۶۶۵۵", "card_mask": "6037-99**-****-1234"})
    assert paid.status_code == 302 and paid["Location"] == f"/counters/desk/submissions/{sub.pk}/receipt/"
    sub.refresh_from_db()
    assert sub.state == Submission.State.PAID and sub.method == "card"

    receipt = client.get(paid["Location"], {"size": "roll"})
    body = text(receipt)
    assert receipt.status_code == 200 and "رسید دفتر پیشخوان دولت" in body
    assert sub.tracking_code[:3] + "-" + sub.tracking_code[3:6] in body
    assert "۲۵٬۰۰۰" in body and "۸۸۷۷۶۶۵۵" in body and "کارت‌خوان دفتر" in body and counter.office.address[:5] in body
    assert "/services/track/?code=" + sub.tracking_code in body and "data:image/svg+xml" in body
    assert CITIZEN_NC not in body and "counters/receipt-roll.css" in body
    # today's work of the office on the desk's start page
    home = client.get("/counters/desk/")
    assert sub.tracking_code[-4:] in text(home) and "پرداخت شده" in text(home)
    # a paid submission cannot be paid again
    twice = client.post(f"/counters/desk/submissions/{sub.pk}/card/", {"reference": "99887766"})
    assert twice.status_code == 400 and "در انتظار پرداخت نیست" in text(twice)
    assert Payment.objects.count() == 1


def test_bank_gateway_and_its_return(counter):
    definition = counter.service.current_version.definition
    definition["fees"] = {"counter": 100_000}
    counter.service.current_version.save()
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, total = form_key(client, visit, counter)
    assert total == "125000"
    body = text(client.get(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/"))
    assert "۱۰۰٬۰۰۰" in body and "۲۵٬۰۰۰" in body and "۱۲۵٬۰۰۰" in body  # agency fee, counter fee, total
    assert submit(client, visit, counter, key, total).status_code == 302
    sub = Submission.objects.get()
    assert ServiceRequest.objects.get().status == RequestStatus.AWAITING_PAYMENT
    not_yet = client.get(f"/counters/desk/submissions/{sub.pk}/receipt/")
    assert not_yet.status_code == 302  # no receipt before the fee is paid
    assert client.get(f"/counters/desk/submissions/{sub.pk}/receipt.pdf").status_code == 409

    to_bank = client.post(f"/counters/desk/submissions/{sub.pk}/gateway/")
    assert to_bank.status_code == 302 and "/payments/testbank/" in to_bank["Location"]
    payment = Payment.objects.get()
    back = payments.testbank_pay(authority=payment.authority, card_number=TEST_CARD)
    assert f"/counters/desk/submissions/{sub.pk}/paid/" in back
    returned = client.get(back[back.index("/counters/"):])
    assert returned.status_code == 302 and returned["Location"].endswith("/receipt/")
    sub.refresh_from_db()
    req = ServiceRequest.objects.get()
    assert sub.state == Submission.State.PAID and sub.method == "gateway" and req.paid and req.letter_id
    # the same return again (a refresh): counted once
    assert client.get(back[back.index("/counters/"):]).status_code == 302
    assert Payment.objects.count() == 1


def test_a_cancelled_bank_payment_leaves_the_submission_unpaid(counter):
    counter.service.current_version.definition["fees"] = {"counter": 100_000}
    counter.service.current_version.save()
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, total = form_key(client, visit, counter)
    submit(client, visit, counter, key, total)
    sub = Submission.objects.get()
    client.post(f"/counters/desk/submissions/{sub.pk}/gateway/")
    back = payments.testbank_cancel(authority=Payment.objects.get().authority)
    returned = client.get(back[back.index("/counters/"):], follow=True)
    assert "پرداخت انجام نشد" in text(returned)
    assert Submission.objects.get().state == Submission.State.AWAITING_PAYMENT


# ---------------------------------------------------------------- refusals: Persian, nothing written


@pytest.mark.parametrize("state", [LicenceState.EXPIRED, LicenceState.SUSPENDED, LicenceState.REVOKED])
def test_an_inactive_office_sees_the_reason_and_nothing_else(counter, state):
    counter.office.state = state
    counter.office.state_reason = "بازرسی دوره‌ای" if state != LicenceState.EXPIRED else ""
    counter.office.save()
    client = operator_client(counter.operator)
    home = client.get("/counters/desk/")
    assert home.status_code == 403 and counter.office.name in text(home)
    assert 'id="office-blocked"' in text(home) and 'id="start-visit"' not in text(home) and "finder" not in text(home)
    refused = start(client, counter)
    assert refused.status_code == 403 and counter.office.name in text(refused)
    assert not Visit.objects.exists() and not SmsMessage.objects.exists()


def test_a_licence_past_its_expiry_date_is_refused_even_before_the_sweep(counter):
    counter.office.licence_expires_on = timezone.localdate() - dt.timedelta(days=1)
    counter.office.save()
    refused = start(operator_client(counter.operator), counter)
    assert refused.status_code == 403 and "منقضی شده است" in text(refused)
    assert not Visit.objects.exists()


def test_not_an_operator(counter, world):
    client = operator_client(world.expert)
    assert client.get("/counters/desk/").status_code == 403
    assert start(client, counter).status_code == 403
    assert not Visit.objects.exists()


def test_a_service_not_outsourced_to_this_office(counter):
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    other = make_office("21002", name="دفتر دیگر")
    declared = CounterService.objects.get(service=counter.service)
    declared.all_offices = False
    declared.save()
    declared.offices.set([other])
    refused = client.get(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/")
    assert refused.status_code == 400 and "واگذار نشده است" in text(refused)
    posted = client.post(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/",
                         {**ANSWERS, "submission_key": "a" * 32, "expected_total": "25000", "d-deed": deed()})
    assert posted.status_code == 400 and "واگذار نشده است" in text(posted)
    assert "واگذار نشده است" in text(start(client, counter))
    assert counter.service.title not in text(client.get("/counters/desk/", {"q": "پروانه"}))
    assert nothing_filed()


@pytest.mark.parametrize("typed, message", [
    ("۰۰۸۷۶۵۴۳۲۱", "کد ملی نادرست است"),  # one digit wrong: the check digit catches it
    ("۱۲۳۴۵", "کد ملی باید ۱۰ رقم باشد."),
    ("", "کد ملی متقاضی را وارد کنید."),
])
def test_a_mistyped_national_code(counter, typed, message):
    assert typed != PERSIAN_NC
    response = start(operator_client(counter.operator), counter, national_code=typed)
    assert response.status_code == 400 and message in text(response)
    assert "مریم کریمی" in text(response)  # what was typed is kept
    assert not Visit.objects.exists() and not SmsMessage.objects.exists() and not OneTimeCode.objects.exists()


def test_a_citizen_who_does_not_confirm_the_code(counter):
    client = operator_client(counter.operator)
    start(client, counter)
    visit = Visit.objects.get()
    consent_code(visit, "123456")
    for left in ("۴", "۳", "۲", "۱"):
        wrong = client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "654321"})
        assert wrong.status_code == 400 and f"{left} بار دیگر" in text(wrong)
    locked = client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "654321"})
    assert "دیگر پذیرفته نمی‌شود" in text(locked)
    assert "دیگر پذیرفته نمی‌شود" in text(client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "123456"}))
    assert "۶ رقم است" in text(client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "12"}))
    # the form is not reachable, and a post to it writes nothing
    form = client.get(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/")
    assert form.status_code == 302 and form["Location"].startswith(f"/counters/desk/visit/{visit.pk}/")
    posted = client.post(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/",
                         {**ANSWERS, "submission_key": "b" * 32, "expected_total": "25000", "d-deed": deed()})
    assert posted.status_code == 302
    assert Visit.objects.get().verified_at is None and nothing_filed()


def test_resend_honours_the_code_limits(counter):
    client = operator_client(counter.operator)
    start(client, counter)
    visit = Visit.objects.get()
    soon = client.post(f"/counters/desk/visit/{visit.pk}/resend/", {"service": counter.service.code}, follow=True)
    assert "همین تازگی فرستاده شد" in text(soon) and OneTimeCode.objects.count() == 1
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    later = client.post(f"/counters/desk/visit/{visit.pk}/resend/", {"service": counter.service.code})
    assert later.status_code == 302 and later["Location"].endswith(f"?service={counter.service.code}")
    assert OneTimeCode.objects.count() == 2 and SmsMessage.objects.filter(related=f"counters.visit:{visit.pk}").count() == 2
    consent_code(visit, "222333")  # the latest code counts
    assert client.post(f"/counters/desk/visit/{visit.pk}/", {"code": "222333"}).status_code == 302
    done = client.post(f"/counters/desk/visit/{visit.pk}/resend/", follow=True)
    assert "پیش‌تر با کد پیامکی تأیید شده" in text(done) and OneTimeCode.objects.count() == 2


@pytest.mark.parametrize("shown, message", [("1000", "۲۵٬۰۰۰"), ("-25000", "منفی"), ("بیست", "عدد")])
def test_a_tampered_or_negative_total(counter, shown, message):
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, _ = form_key(client, visit, counter)
    refused = submit(client, visit, counter, key, shown)
    assert refused.status_code == 400 and message in text(refused).replace(",", "٬")
    assert nothing_filed()
    # the form keeps what was typed, and the scan: sent again with the right total it files once
    assert 'value="12/345"' in text(refused) or 'value="۱۲/۳۴۵"' in text(refused)
    assert "sanad.pdf" in text(refused)
    again = client.post(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/",
                        {**ANSWERS, "submission_key": key, "expected_total": "25000"})
    assert again.status_code == 302 and Submission.objects.count() == 1


def test_a_missing_scan_and_a_bad_answer_keep_the_form(counter):
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, total = form_key(client, visit, counter)
    refused = client.post(f"/counters/desk/visit/{visit.pk}/{counter.service.code}/",
                          {**ANSWERS, "f-area": "۵", "submission_key": key, "expected_total": total})
    body = text(refused)
    assert refused.status_code == 400 and 'id="error-summary"' in body and "مسکونی" in body
    assert nothing_filed()


def test_the_office_suspended_between_steps(counter):
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, total = form_key(client, visit, counter)  # the form is open on the operator's screen
    counter.office.state, counter.office.state_reason = LicenceState.SUSPENDED, "تخلف در دریافت کارمزد"
    counter.office.save()
    refused = submit(client, visit, counter, key, total)
    assert refused.status_code == 403 and "تعلیق شده است" in text(refused) and "تخلف در دریافت کارمزد" in text(refused)
    assert nothing_filed()
    # suspended after filing, before the fee: the payment is refused with the reason
    counter.office.state = LicenceState.ACTIVE
    counter.office.save()
    assert submit(client, visit, counter, key, total).status_code == 302
    sub = Submission.objects.get()
    counter.office.state = LicenceState.SUSPENDED
    counter.office.save()
    page = client.get(f"/counters/desk/submissions/{sub.pk}/")
    assert page.status_code == 200 and 'id="office-blocked"' in text(page) and 'id="card-form"' not in text(page)
    refused = client.post(f"/counters/desk/submissions/{sub.pk}/card/", {"reference": "11223344"})
    assert refused.status_code == 400 and "تعلیق شده است" in text(refused)
    assert client.post(f"/counters/desk/submissions/{sub.pk}/gateway/").status_code == 302
    assert not Payment.objects.exists() and Submission.objects.get().state == Submission.State.AWAITING_PAYMENT


def test_another_offices_visit_and_submission_are_not_there(counter):
    client = operator_client(counter.operator)
    visit = verified(client, counter)
    key, total = form_key(client, visit, counter)
    submit(client, visit, counter, key, total)
    sub = Submission.objects.get()
    client.post(f"/counters/desk/submissions/{sub.pk}/card/", {"reference": "55667788"})
    other = operator_client(make_staff(make_office("21003", name="دفتر سوم"), "other.operator"))
    for url in (f"/counters/desk/visit/{visit.pk}/", f"/counters/desk/visit/{visit.pk}/{counter.service.code}/",
                f"/counters/desk/submissions/{sub.pk}/", f"/counters/desk/submissions/{sub.pk}/receipt/",
                f"/counters/desk/submissions/{sub.pk}/receipt.pdf"):
        assert other.get(url).status_code == 404, url
    for url in (f"/counters/desk/visit/{visit.pk}/resend/", f"/counters/desk/submissions/{sub.pk}/card/",
                f"/counters/desk/submissions/{sub.pk}/gateway/"):
        assert other.post(url, {"reference": "12345678"}).status_code == 404, url
    assert sub.tracking_code not in text(other.get("/counters/desk/"))
    # the office's manager and the province's regulator see it
    assert operator_client(counter.manager).get(f"/counters/desk/submissions/{sub.pk}/receipt/").status_code == 200
    regulator = operator_client(counter.regulator).get(f"/counters/desk/submissions/{sub.pk}/")
    assert regulator.status_code == 200 and 'id="card-form"' not in text(regulator)


def test_an_ended_operator_is_refused(counter):
    client = operator_client(counter.operator)
    Staff.objects.filter(user=counter.operator).update(active=False)
    assert client.get("/counters/desk/").status_code == 403
    assert start(client, counter).status_code == 403
    assert not Visit.objects.exists()


def test_nav_and_home_card_for_operators(counter):
    page = text(operator_client(counter.operator).get("/counters/"))
    assert 'id="card-desk"' in page and 'id="nav-counter-desk"' in page
    assert 'id="card-desk"' not in text(operator_client(counter.regulator).get("/counters/"))
