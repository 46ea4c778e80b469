"""Citizen forms in chromium: every error listed at the top and focused, each link leading to its
field, the date picker closing the days the service refuses; and the one-time-code step's countdown
that enables «ارسال دوباره کد» when the server's wait is over. Desktop and 390x844."""

import re

import pytest
from django.test import Client

from dabir.core import jalali
from dabir.core.text import to_persian_digits
from dabir.desk import services
from dabir.desk.models import Category, DeskProfile, ServiceRequest
from tests.browser import assert_phone_layout, phone_context
from tests.desk.pages_fixtures import make_citizen, permit_definition
from tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def dated_service():
    world = make_world("شهرداری آزمون")
    Category.objects.get_or_create(slug="urban", defaults={"name": "شهرسازی و عمران"})
    DeskProfile.objects.create(agency=world.agency, secretariat=world.secretariat,
                               complaints_position=world.manager_pos)
    d = permit_definition(world)
    d["form"] = [f for f in d["form"] if f["type"] != "file"]
    d["form"].insert(0, {"name": "start_date", "label": "تاریخ شروع کار", "type": "jalali_date",
                         "not_before": "today+1"})
    d["documents"] = []
    return services.publish_service(user=None, definition=d).service


def citizen_page(desk, user, viewport=None, phone=False):
    client = Client()
    client.force_login(user)
    if phone:
        context = phone_context(desk.browser)
        context.set_default_timeout(15_000)
        desk.contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: desk.problems.append(f"script error on {page.url}: {exc}"))
    else:
        page = desk.new_page(viewport)
    page.set_default_timeout(45_000)  # a loaded machine draws the first page slowly
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": desk.base}])
    return page


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_all_errors_at_the_top_focused_and_linked_and_past_days_closed(desk, phone):
    service = dated_service()
    citizen = make_citizen(first_name="سارا", last_name="شهروند")
    page = citizen_page(desk, citizen, phone=phone)
    page.goto(desk.url(f"/services/{service.code}/apply/"))
    if phone:
        assert_phone_layout(page, "apply")

    # the picker closes today and the days before (the rule is «today+1»)
    page.locator("#f-start_date").click()
    calendar = page.locator("jdp-container")
    calendar.wait_for(state="visible")
    today = jalali.to_jalali(jalali.today())
    today_cell = calendar.locator("div.jdp-day.today")
    assert "disabled-day" in (today_cell.get_attribute("class") or "")
    assert to_persian_digits(today.day) in today_cell.inner_text()
    desk.shot(page, "calendar-closed-days")
    page.keyboard.press("Escape")

    # a date in the past typed by hand, a wrong floor count, no parcel number: all refused at once
    page.locator("#f-start_date").fill("۱۴۰۰/۰۱/۰۱")
    page.keyboard.press("Escape")
    page.locator("#f-floors").fill("۴۵")
    page.locator("#f-owner_code").fill("123")
    page.locator("#continue").click()
    summary = page.locator("#error-summary")
    summary.wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    links = summary.locator("a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert {"#f-start_date", "#f-floors", "#f-owner_code", "#f-parcel_number"} <= set(targets), targets
    assert "نمی‌تواند پیش از" in summary.inner_text()
    desk.shot(page, "summary")
    summary.locator("a[href='#f-start_date']").click()
    page.wait_for_function("() => location.hash === '#f-start_date'")
    assert page.locator("#f-start_date").is_visible()
    assert page.locator("#f-start_date").input_value() in ("۱۴۰۰/۰۱/۰۱", "1400/01/01")  # kept as typed
    assert page.locator("#f-floors").input_value() in ("۴۵", "45")
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_code_step_counts_down_then_offers_a_new_code(desk, settings, phone):
    settings.DABIR_OTP_MOBILE_GAP = 8
    if phone:
        context = phone_context(desk.browser)
        desk.contexts.append(context)
        page = context.new_page()
    else:
        page = desk.new_page()
    page.set_default_timeout(45_000)
    page.goto(desk.url("/citizen/login/"))
    page.locator("#id_national_code").fill("۰۰۱۲۳۴۵۶۷۹")
    page.locator("#id_mobile").fill("۰۹۱۲۱۲۳۶۷۸۹")
    page.get_by_role("button", name="فرستادن کد").click()
    page.wait_for_url(re.compile(r"step=code"))
    resend = page.locator("#resend")
    wait = int(resend.get_attribute("data-wait"))
    assert 1 <= wait <= 8
    assert resend.is_disabled()
    left = page.locator("#resend-left").inner_text()
    assert re.fullmatch(r"[۰-۹]+ ثانیه دیگر", left), left
    desk.shot(page, "countdown")
    page.wait_for_function("() => !document.getElementById('resend').disabled", timeout=15_000)
    assert page.locator("#resend-wait").is_hidden()
    assert page.locator("#resend-ready").inner_text() == "اکنون می‌توانید کد تازه بخواهید."
    desk.shot(page, "ready")
    resend.click()
    page.wait_for_url(re.compile(r"step=code"))
    assert "کد تازه فرستاده شد" in page.content()


def test_the_sign_in_error_summary_takes_the_focus(desk):
    page = desk.new_page()
    page.goto(desk.url("/citizen/login/"))
    page.locator("#id_national_code").fill("123")
    page.locator("#id_mobile").fill("0912")
    page.get_by_role("button", name="فرستادن کد").click()
    page.locator("#error-summary").wait_for()
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'error-summary'")
    hrefs = page.locator("#error-summary a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert hrefs == ["#id_national_code", "#id_mobile"]
    desk.shot(page, "signin-summary")
