"""The bell in the navbar, its dropdown, the notices page and the preferences page, in Debian's chromium at
desktop width and at 390x844; the count shown is the database's, and axe-core finds nothing serious."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from dabir.core.text import to_persian_digits
from dabir.letters.names import NoticeKind
from dabir.notify import notices
from dabir.notify.models import NoticePreference, NoticeProfile, Notification
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_world, register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.help + ' at ' +
    v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + JSON.stringify(n.any[0] && n.any[0].data)).join(', '))"""


def _given_notices(world):
    letter = register_incoming(world, subject="درخواست گزارش عملکرد شبکه استان")
    with transaction.atomic():
        for i, title in enumerate(["نامه در انتظار امضای شما", "مهلت ارجاع فردا به پایان می‌رسد",
                                   f"ارجاع تازه: نامه {to_persian_digits(letter.id)}"]):
            notices.notify([world.manager], kind=NoticeKind.REFERRAL_NEW, title=title, url=f"/letters/{letter.id}/",
                           related=f"test:{i}")
    return letter


def _unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _label(count: int) -> str:
    return f"اعلان‌ها، {to_persian_digits(count)} خوانده‌نشده"


def _open_menu(page):
    page.locator(".navbar-toggler").click()
    page.locator("#mainnav.collapse.show").wait_for()  # opened, not still sliding (that clips what opens in it)


def _no_serious_violations(page):
    """axe-core, injected past the strict CSP by the page's own origin: no serious or critical finding."""
    page.context.route("**/axe.min.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    page.evaluate("""() => new Promise((ok, fail) => { const s = document.createElement('script');
        s.src = '/static/axe.min.js'; s.onload = ok; s.onerror = fail; document.head.append(s); })""")
    found = page.evaluate(RUN_AXE)
    assert not found, found


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_bell_count_dropdown_page_and_preferences(desk, size, no_lingering_connections):
    world = make_world()
    letter = _given_notices(world)
    viewport = PHONE if size == "phone" else None
    page = desk.sign_in(world.manager, viewport=viewport)
    if size == "phone":
        _open_menu(page)  # the bell lives in the collapsed menu on a phone

    # the bell says how many are unread, in Persian digits, as the database counts them
    bell = page.locator("#notify-bell > button")
    count = _unread(world.manager)
    assert count >= 3
    assert bell.get_attribute("aria-label") == _label(count)
    assert bell.locator(".notify-count").inner_text() == to_persian_digits(count)

    # its dropdown lists the latest, newest first
    bell.click()
    menu = page.locator("#notify-bell .notify-menu")
    menu.wait_for(state="visible")
    menu.locator(".notify-item").first.wait_for()  # fetched as the list opens
    assert menu.locator(".notify-item").count() == min(count, 5)
    newest = menu.locator(".notify-item").first.inner_text()
    assert "ارجاع تازه: نامه" in newest and "خوانده‌نشده" in newest  # said to a screen reader too
    desk.shot(page, f"{size}-dropdown")

    # opening one goes to the letter and marks it read
    menu.locator(".notify-item").first.click()
    page.wait_for_url(desk.url(f"/letters/{letter.id}/"))
    assert _unread(world.manager) == count - 1
    if size == "phone":
        _open_menu(page)
    assert page.locator("#notify-bell > button").get_attribute("aria-label") == _label(count - 1)

    # the page of all notices, then all marked read
    page.goto(desk.url("/notify/notices/"))
    assert page.locator(".notify-list .list-group-item").count() == count
    assert page.locator(".notify-list .notify-unread").count() == count - 1
    if size == "phone":
        assert_phone_layout(page, "notices")
    desk.shot(page, f"{size}-notices")
    _no_serious_violations(page)
    page.get_by_role("button", name="علامت خواندن همه").click()
    page.wait_for_url(re.compile(r"/notify/notices/$"))
    assert _unread(world.manager) == 0
    assert page.locator(".notify-list .notify-unread").count() == 0
    assert page.locator("#notify-bell .notify-count").count() == 0

    # preferences: SMS for letters awaiting signature, the digest at nine
    page.goto(desk.url("/notify/preferences/"))
    page.get_by_label("نامه در انتظار امضا — پیامک").check()
    page.get_by_label("به جای پیام‌های تکی، روزی یک خلاصه بفرست").check()
    page.get_by_label("ساعت ارسال خلاصه").select_option(label="ساعت ۹")
    if size == "phone":
        assert_phone_layout(page, "preferences")
    _no_serious_violations(page)
    desk.shot(page, f"{size}-preferences")
    page.get_by_role("button", name="ذخیره").click()
    page.get_by_text("شیوه دریافت اعلان‌ها ذخیره شد").wait_for()
    assert page.get_by_label("نامه در انتظار امضا — پیامک").is_checked()
    desk.shot(page, f"{size}-preferences-saved")
    saved = NoticePreference.objects.get(user=world.manager)
    assert (saved.kind, saved.by_sms, saved.by_email) == (NoticeKind.AWAITING_SIGNATURE, True, False)
    profile = NoticeProfile.objects.get(user=world.manager)
    assert profile.digest and profile.digest_hour == 9
