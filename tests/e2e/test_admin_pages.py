"""The Django admin in chromium: right to left in Vazirmatn, Jalali dates, and the number series
preview that follows the pieces as they are chosen."""

import re

import pytest

from dabir.orgs.services import make_agency_admin

from ..factories import make_registered, make_user
from .conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("no_lingering_connections")


def admin_sign_in(desk, user, viewport=None):
    page = desk.new_page(viewport)
    page.goto(desk.url("/admin/login/"))
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(desk.url("/admin/"))
    return page


def assert_persian_layout(page, name):
    page.evaluate("document.fonts.ready")
    layout = page.evaluate("""() => ({
        dir: getComputedStyle(document.documentElement).direction,
        font: getComputedStyle(document.body).fontFamily,
        ready: document.fonts.check('16px Vazirmatn'),
    })""")
    assert layout["dir"] == "rtl" and "Vazirmatn" in layout["font"] and layout["ready"], (name, layout)


def test_admin_pages_in_chromium_are_persian_and_the_series_preview_follows_the_pieces(desk, world):
    make_registered(world)
    boss = make_user(is_staff=True, first_name="مریم", last_name="کاظمی")
    make_agency_admin(actor=None, user=boss, agency=world.agency)
    page = admin_sign_in(desk, boss)
    assert_persian_layout(page, "index")
    assert "ساختار سازمانی" in page.inner_text("#content")
    desk.shot(page, "index")

    # number series: the preview changes with the pieces, before anything is saved
    series = world.outgoing_series
    page.goto(desk.url(f"/admin/orgs/numberseries/{series.id}/change/"))
    assert_persian_layout(page, "series")
    preview = page.locator("output.series-preview")
    first = preview.get_attribute("data-number")
    assert re.fullmatch(r"\d{4}/ص/\d+", first)
    page.locator("#id_padding").fill("5")
    page.locator("#id_sep_1").select_option("-")
    page.wait_for_function("() => document.querySelector('output.series-preview').dataset.number.includes('-')")
    number = preview.get_attribute("data-number")
    assert re.fullmatch(r"\d{4}-ص/\d{5}", number), number
    shown = preview.inner_text()
    assert re.search("[۰-۹]{5}", shown) and not re.search("[0-9]", shown)
    page.locator("#id_piece_3").select_option("")
    page.wait_for_selector(".series-preview-error:not([hidden])")
    assert "ردیف" in page.inner_text(".series-preview-error")
    desk.shot(page, "series-preview")

    # an acting period typed in Jalali
    page.goto(desk.url("/admin/orgs/assignment/add/"))
    assert re.fullmatch(r"مثلاً [۰-۹]{4}/۰۱/۱۵ ۰۸:۳۰", page.get_attribute("#id_starts_at", "placeholder"))
    page.locator("#id_starts_at").fill("۱۴۰۵/۰۱/۳۲")
    page.locator("input[name=_save]").click()
    page.wait_for_selector(".errornote")
    assert "این تاریخ در تقویم وجود ندارد." in page.inner_text("#content")
    assert page.input_value("#id_starts_at") == "۱۴۰۵/۰۱/۳۲"
    desk.shot(page, "acting-error")

    page.goto(desk.url("/admin/orgs/assignment/"))
    assert re.search(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", page.inner_text("#result_list"))
    desk.shot(page, "assignments")


def test_superuser_audit_log_and_task_queue_on_a_phone(desk, world):
    make_registered(world)
    root = make_user(is_staff=True, is_superuser=True)
    page = admin_sign_in(desk, root, viewport={"width": 390, "height": 844})
    page.goto(desk.url("/admin/core/auditentry/"))
    text = page.inner_text("#content")
    assert "ثبت و شماره‌گذاری نامه" in text and "letter.register" not in text
    assert_persian_layout(page, "audit log")
    desk.shot(page, "audit-phone")
    page.goto(desk.url("/admin/django_tasks_database/dbtaskresult/"))
    assert "کارهای پس‌زمینه" in page.inner_text("#content")
    desk.shot(page, "tasks-phone")
