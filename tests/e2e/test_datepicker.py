"""The Jalali date picker in chromium: picked on a staff form (a referral's deadline, past days
closed), a date typed by hand beside it, the admin's date field, and the same at 390x844."""

import datetime as dt
import re

import pytest

from dabir.core import jalali
from dabir.core.models import Holiday
from dabir.core.text import to_persian_digits
from dabir.letters import services
from dabir.letters.models import Referral
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_user, make_world, register_incoming

from .conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NATIVE_VALUE = "el => Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').get.call(el)"


def pick(page, day: dt.date) -> None:
    """Open the calendar's month of `day` and click that day (the picker starts on the box's date or today)."""
    target = jalali.to_jalali(day)
    shown = jalali.to_jalali(jalali.today())
    steps = (target.year - shown.year) * 12 + (target.month - shown.month)
    for _ in range(steps):
        page.locator("jdp-container .jdp-months .jdp-icon-plus").click()
    day_text = re.compile(rf"^\s*{to_persian_digits(target.day)}\s*$")
    page.locator("jdp-container div.jdp-day:not(.not-in-month)").filter(has_text=day_text).click()


def test_a_deadline_picked_and_another_typed_on_the_refer_page(desk):
    world = make_world()
    letter = register_incoming(world, subject="درخواست گزارش عملکرد ماهانه",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    page = desk.sign_in(world.manager)
    page.goto(desk.url(f"/letters/{letter.id}/refer/"))
    box = page.locator("input[name='t-0-deadline']")
    assert box.get_attribute("data-jdp") is not None
    assert box.get_attribute("placeholder") == f"مثلاً {to_persian_digits(jalali.to_jalali(jalali.today()).year)}/۰۱/۱۵"

    box.click()
    calendar = page.locator("jdp-container")
    calendar.wait_for(state="visible")
    # Persian digits and names; the days before today cannot be picked (a deadline is never in the past)
    assert "آذر" in calendar.inner_text() or calendar.locator("select").count() >= 2
    today = jalali.to_jalali(jalali.today())
    if today.day > 1:
        before = re.compile(rf"^\s*{to_persian_digits(today.day - 1)}\s*$")
        assert calendar.locator("div.jdp-day.disabled-day:not(.not-in-month)").filter(has_text=before).count() == 1
    assert not any(ch in calendar.locator(".jdp-days").inner_text() for ch in "0123456789")
    desk.shot(page, "calendar")
    due = jalali.today() + dt.timedelta(days=3)
    pick(page, due)
    calendar.wait_for(state="hidden")
    assert box.evaluate(NATIVE_VALUE) == jalali.format_date(due)  # shown in Persian digits

    # the second row's deadline typed by hand, in Latin digits, the calendar closed with Escape
    page.locator("select[name='t-0-position']").select_option(str(world.expert_pos.id))
    page.locator("select[name='t-1-position']").select_option(str(world.other_pos.id))
    typed_day = jalali.today() + dt.timedelta(days=10)
    t = jalali.to_jalali(typed_day)
    second = page.locator("input[name='t-1-deadline']")
    second.click()
    second.press_sequentially(f"{t.year}/{t.month:02d}/{t.day:02d}")
    second.press("Escape")
    calendar.wait_for(state="hidden")
    desk.shot(page, "picked-and-typed")
    page.get_by_role("button", name="ارجاع").click()
    page.wait_for_url(desk.url(f"/letters/{letter.id}/"))

    deadlines = dict(Referral.objects.filter(letter=letter, from_position=world.manager_pos)
                     .values_list("to_position_id", "deadline"))
    assert deadlines == {world.expert_pos.id: due, world.other_pos.id: typed_day}


def test_tab_moves_on_and_closes_the_calendar(desk):
    world = make_world()
    letter = register_incoming(world, subject="نامه آزمون صفحه‌کلید",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    page = desk.sign_in(world.manager)
    page.goto(desk.url(f"/letters/{letter.id}/refer/"))
    box = page.locator("input[name='t-0-deadline']")
    box.focus()
    page.locator("jdp-container").wait_for(state="visible")
    page.keyboard.press("Tab")
    page.locator("jdp-container").wait_for(state="hidden")
    assert box.get_attribute("readonly") is None  # typing always allowed


def test_the_picker_at_390x844(desk):
    world = make_world()
    letter = register_incoming(world, subject="نامه آزمون گوشی",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    page = desk.sign_in(world.manager, viewport=PHONE)
    page.goto(desk.url(f"/letters/{letter.id}/refer/"))
    assert_phone_layout(page, "refer")
    box = page.locator("input[name='t-0-deadline']")
    box.click()
    calendar = page.locator("jdp-container")
    calendar.wait_for(state="visible")
    page.wait_for_timeout(400)  # the opening animation
    rect = calendar.bounding_box()
    assert rect["x"] >= -1 and rect["x"] + rect["width"] <= PHONE["width"] + 1
    assert rect["y"] + rect["height"] <= PHONE["height"] + 1
    cell = calendar.locator("div.jdp-day:not(.not-in-month)").first.bounding_box()
    assert cell["height"] >= 40  # a finger's size
    assert calendar.locator(".jdp-btn-close").count() == 1
    desk.shot(page, "phone")
    due = jalali.today() + dt.timedelta(days=2)
    pick(page, due)
    assert box.evaluate(NATIVE_VALUE) == jalali.format_date(due)


def test_the_admin_date_field_has_the_picker(desk):
    boss = make_user(is_staff=True, is_superuser=True, first_name="مریم", last_name="کاظمی")
    page = desk.new_page()
    page.goto(desk.url("/admin/login/"))
    page.locator("#id_username").fill(boss.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(desk.url("/admin/"))
    page.goto(desk.url("/admin/core/holiday/add/"))
    page.locator("#id_title").fill("تعطیل آزمون")
    page.locator("#id_date").click()
    page.locator("jdp-container").wait_for(state="visible")
    desk.shot(page, "admin")
    day = jalali.today() + dt.timedelta(days=5)
    pick(page, day)
    page.locator("input[name=_save]").click()
    page.wait_for_url(desk.url("/admin/core/holiday/"))
    assert Holiday.objects.get(title="تعطیل آزمون").date == day
