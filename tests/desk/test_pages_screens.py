"""The citizen desk in Debian's chromium at phone size (390x844): a citizen finds a service, reads
its profile, fills the form (a refusal keeps the chosen file), checks the answers, submits, and
follows the request; a stranger tracks it. Each step is screenshotted to
test-artifacts/screens/desk-*.png for a person to look at, and checked for what a browser alone
can tell: right-to-left layout, the Vazirmatn font, no horizontal scroll, no script errors."""

import os
import re
from pathlib import Path

import pytest
from django.test import Client

from dabir.core.text import to_persian_digits
from dabir.desk.models import ServiceRequest
from tests.browser import CHROMIUM, assert_phone_layout, launch, phone_context
from tests.factories import PDF_BYTES, PNG_BYTES

from .pages_fixtures import DEED_DATE, POSTAL, complete, make_desk, national_code, submit

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]




def plain(value: str) -> str:
    return re.sub("[\u200e\u200f\u2066-\u2069]", "", value)


def test_citizen_journey_at_phone_width(live_server, no_lingering_connections, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    SCREENS.mkdir(parents=True, exist_ok=True)
    desk = make_desk()
    finished = complete(desk, submit(desk))  # a request with a full timeline and a result
    client = Client()
    client.force_login(desk.citizen)
    session = client.cookies["sessionid"].value
    deed = tmp_path / "permit.pdf"
    deed.write_bytes(PDF_BYTES)
    photo = tmp_path / "front.png"
    photo.write_bytes(PNG_BYTES)
    base = live_server.url
    problems: list[str] = []

    def check(page, name):
        assert_phone_layout(page, name)
        page.screenshot(path=str(SCREENS / f"desk-{name}.png"), full_page=True)

    with sync_api.sync_playwright() as p:
        browser = launch(p)
        try:
            context = phone_context(browser)
            context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
            page = context.new_page()
            page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
            page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} from {r.url}"))

            page.goto(f"{base}/services/")
            assert "تمدید پروانه ساختمان" in page.inner_text("main")
            check(page, "catalogue")

            page.click(f"a[href='/services/{desk.service.code}/']")
            page.wait_for_selector("#apply-online")
            page.click("button[data-bs-target='#p-fees']")
            page.wait_for_selector("#p-fees.show")
            check(page, "profile")

            page.click("#apply-online")
            page.wait_for_selector("#request-form")
            assert page.input_value("#id-mobile") == "۰۹۱۶۱۲۳۴۵۶۷"
            page.fill("#f-parcel_number", "۱۲۳/۴۵")
            page.fill("#f-owner_code", to_persian_digits(national_code(4_411_223)))
            page.fill("#f-postal_code", "۰۲۳۴۵۶۷۸۹۰")  # refused: 0 and 2 in the area digits
            page.fill("#f-deed_date", DEED_DATE)
            page.fill("#f-floors", "۳")
            page.select_option("#f-district", "منطقه ۲")
            page.check("#f-usage-1")
            page.fill("#f-reason", "کار ساخت به علت کمبود مصالح عقب افتاد.")
            page.set_input_files("#d-old_permit", str(deed))
            page.set_input_files("#f-site_photo", str(photo))
            page.click("#continue")
            page.wait_for_selector("#error-summary")
            assert "کد پستی" in page.inner_text("#error-summary")
            assert page.input_value("#f-parcel_number") == "۱۲۳/۴۵"
            assert "permit.pdf" in page.inner_text("#d-old_permit-kept")  # no need to choose it again
            check(page, "form-error")

            page.fill("#f-postal_code", to_persian_digits(POSTAL))
            page.click("#continue")
            page.wait_for_selector("#answers")
            assert "permit.pdf" in page.inner_text("#answers") and "front.png" in page.inner_text("#answers")
            check(page, "check-answers")

            page.click("#submit-request")
            page.wait_for_selector("#tracking-code")
            req = ServiceRequest.objects.exclude(pk=finished.pk).get()
            code = req.tracking_code
            grouped = f"{code[:3]}-{code[3:6]}-{code[6:]}"  # one form everywhere: grouped Latin digits
            assert plain(page.inner_text("#tracking-code")) == grouped
            assert req.documents.count() == 2
            check(page, "confirmation")

            page.goto(f"{base}/services/my/{finished.tracking_code}/")
            page.wait_for_selector("#timeline")
            assert "مدارک کامل است." in page.inner_text("#timeline")
            assert page.is_visible("#result-pdf")
            check(page, "request")

            page.goto(f"{base}/services/my/")
            check(page, "my-requests")

            stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="fa-IR",
                                           device_scale_factor=2, is_mobile=True, has_touch=True)
            public = stranger.new_page()
            public.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
            public.goto(f"{base}/services/track/")
            public.fill("#id_tracking_code", to_persian_digits(grouped))  # typed in Persian digits: accepted
            public.fill("#id_national_code", to_persian_digits(desk.citizen.national_code))
            public.click("form button[type=submit]")
            public.wait_for_selector("#track-result")
            assert "تمدید پروانه ساختمان" in public.inner_text("#track-result")
            assert "سارا" not in public.inner_text("main")
            check(public, "tracking")
        finally:
            browser.close()
    assert not problems, problems
    assert os.path.getsize(SCREENS / "desk-confirmation.png") > 10_000
