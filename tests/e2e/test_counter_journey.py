"""The counter operator's whole journey in a real browser at desktop width (chromium):

sign in → the desk (باجه) → find the service → identify the citizen (national code typed in Persian
digits) → the consent code from the citizen's SMS → the service's form with a scanned deed and the fee
box → the card reader's payment → the receipt, checked for what it must say (office, Jalali date-time in
Persian digits, the citizen masked, the tracking code, the agency's fee, the office's fee, the total, the
payment reference, the tracking address and its QR), on A5 and on the 80 mm roll, and as a PDF.
Screenshots of the form, the A5 receipt and the roll receipt are kept under test-artifacts/e2e/.
"""

import re

import pytest

from dabir.core.jalali import format_date, today
from dabir.core.text import to_persian_digits
from dabir.counters.models import CounterService, Submission
from dabir.desk.models import RequestStatus, ServiceRequest
from dabir.notify.models import SmsMessage
from tests.browser import PHONE, assert_phone_layout
from tests.counters.conftest import CITIZEN_MOBILE, CITIZEN_NC, approved_schedule, make_office, make_staff
from tests.desk.test_services import setup_desk
from tests.factories import make_pdf

from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def counter_world(world):
    service = setup_desk(world)
    service.current_version.definition["fees"] = {"online": 0, "counter": 100_000}
    service.current_version.save()
    office = make_office(phone="۰۶۱-۳۳۳۳۴۴۴۴")
    CounterService.objects.create(service=service, outsourceable=True, offered=True, all_offices=True)
    approved_schedule(service, fee=25_000)
    return service, office, make_staff(office, "office.operator")


def consent_code_from_sms() -> str:
    sms = SmsMessage.objects.filter(mobile=CITIZEN_MOBILE).latest("id")
    return re.search(r"\b(\d{6})\b", sms.text).group(1)


def test_the_operator_files_a_request_and_prints_the_receipt(desk, world, tmp_path):
    service, office, operator = counter_world(world)
    page = desk.sign_in(operator)

    # the desk: the office, its licence in force, the finder
    page.goto(desk.url("/counters/desk/"))
    persian_page(page)
    assert text(page.locator("#desk-office")) == office.name
    assert "فعال" in text(page.locator("#licence-state"))
    page.locator("#id_q").press_sequentially("پروانه")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    row = page.locator("#found-services .list-group-item", has_text=service.title)
    assert "۱۲۵٬۰۰۰" in text(row)
    row.get_by_role("link", name="ثبت برای متقاضی").click()

    # the citizen: national code and mobile typed in Persian digits
    page.wait_for_url(re.compile(r"/counters/desk/visit/\?service="))
    page.locator("#id_national_code").press_sequentially(to_persian_digits(CITIZEN_NC))
    page.locator("#id_mobile").press_sequentially(to_persian_digits(CITIZEN_MOBILE))
    page.locator("#id_name").press_sequentially("مریم کریمی")
    page.get_by_role("button", name="فرستادن کد رضایت").click()
    page.wait_for_url(re.compile(r"/counters/desk/visit/\d+/\?service="))
    assert "پیامک شد" in text(page.locator(".messages"))

    # a wrong code first, then the one the citizen reads out from the SMS
    page.locator("#id_code").press_sequentially("۰۰۰۰۰۰" if consent_code_from_sms() != "000000" else "۱۱۱۱۱۱")
    page.get_by_role("button", name="تأیید رضایت").click()
    assert "بار دیگر می‌توانید بکوشید" in text(page.locator("#code-error"))
    page.locator("#id_code").fill("")
    page.locator("#id_code").press_sequentially(to_persian_digits(consent_code_from_sms()))
    page.get_by_role("button", name="تأیید رضایت").click()
    page.wait_for_url(re.compile(rf"/counters/desk/visit/\d+/{service.code}/$"))

    # the service's form, a scanned deed, the fee box
    page.locator("#f-parcel").press_sequentially("۱۲/۳۴۵")
    page.locator("#f-area").press_sequentially("۱۲۰")
    page.select_option("#f-use", "مسکونی")
    deed = tmp_path / "sanad.pdf"
    deed.write_bytes(make_pdf(title="deed"))
    page.set_input_files("#d-deed", files=[str(deed)])
    assert text(page.locator("#fee-agency")) == "۱۰۰٬۰۰۰"
    assert text(page.locator("#fee-counter")) == "۲۵٬۰۰۰"
    assert text(page.locator("#fee-total")) == "۱۲۵٬۰۰۰"
    desk.shot(page, "form")
    page.get_by_role("button", name="ثبت درخواست").click()
    page.wait_for_url(re.compile(r"/counters/desk/submissions/\d+/$"))
    sub = Submission.objects.get()
    shown = text(page.locator("#tracking-code"))
    assert shown == f"{sub.tracking_code[:3]}-{sub.tracking_code[3:6]}-{sub.tracking_code[6:]}"

    # the card reader
    page.locator("#id_reference").press_sequentially("۸۸۷۷۶۶۵۵")
    page.locator("#id_card_mask").press_sequentially("6037-99**-****-1234")
    page.get_by_role("button", name="ثبت پرداخت کارت‌خوان").click()
    page.wait_for_url(re.compile(r"/receipt/$"))

    # the receipt on A5
    persian_page(page)
    receipt = text(page.locator("#receipt"))
    for must in (office.name, to_persian_digits(office.code), "۰۶۱-۳۳۳۳۴۴۴۴", format_date(today()), "مریم کریمی",
                 service.title, world.agency.name, shown, "۱۰۰٬۰۰۰", "۲۵٬۰۰۰", "۱۲۵٬۰۰۰", "کارت‌خوان دفتر",
                 "۸۸۷۷۶۶۵۵", f"/services/track/?code={sub.tracking_code}"):
        assert must in receipt, must
    assert CITIZEN_NC not in receipt and to_persian_digits(CITIZEN_NC) not in receipt
    assert to_persian_digits(CITIZEN_NC[:3]) + "*****" in receipt
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", text(page.locator(".r-when")))
    assert page.evaluate("document.querySelector('.r-qr').naturalWidth") > 0
    a5 = page.evaluate("document.querySelector('.receipt-sheet').getBoundingClientRect().width")
    assert abs(a5 - 148 * 96 / 25.4) < 2  # 148 mm wide on screen
    desk.shot(page, "receipt-a5")

    # the same receipt on the 80 mm roll
    page.locator("#size-roll").click()
    page.wait_for_url(re.compile(r"size=roll"))
    roll = page.evaluate("document.querySelector('.receipt-sheet').getBoundingClientRect().width")
    assert abs(roll - 80 * 96 / 25.4) < 2
    assert shown in text(page.locator("#receipt")) and "۱۲۵٬۰۰۰" in text(page.locator("#receipt"))
    overflow = page.evaluate("""() => [...document.querySelectorAll('#receipt *')].filter(
        el => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow === 'visible'
              && el.getBoundingClientRect().width > 0 && el.closest('.r-url') === null).length""")
    assert overflow == 0  # nothing spills past the roll's width
    desk.shot(page, "receipt-roll")
    pdf = page.request.get(desk.url(f"/counters/desk/submissions/{sub.pk}/receipt.pdf?size=roll"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")

    # the request reached the agency: paid, registered as a letter, filed by this office
    sub.refresh_from_db()
    req = ServiceRequest.objects.get()
    assert sub.state == Submission.State.PAID and sub.office == office
    assert req.paid and req.letter_id and req.status == RequestStatus.SUBMITTED and req.documents.count() == 1

    # the same pages at phone width: right to left, no sideways scrolling
    phone = desk.sign_in(operator, viewport=PHONE)
    for path in ("/counters/desk/", "/counters/desk/?q=پروانه", f"/counters/desk/submissions/{sub.pk}/",
                 f"/counters/desk/submissions/{sub.pk}/receipt/?size=a5",
                 f"/counters/desk/submissions/{sub.pk}/receipt/?size=roll"):
        phone.goto(desk.url(path))
        assert_phone_layout(phone, path)
    desk.shot(phone, "receipt-phone")
