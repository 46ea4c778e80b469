"""Suggested first recipients on the register page, in a real browser (desktop and 390x844).

Given a secretariat whose letters from «شرکت ملی گاز» went first to the finance manager, a clerk who
types that sender sees the finance manager suggested first with its reason in counts, takes it with one
click (the first-referral select now holds it), registers, and the letter's first referral is to him.
"""

import re

import pytest

from dabir.letters import services
from dabir.letters.models import Letter
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_position, make_user, make_world, register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LETTER_URL = re.compile(r"/letters/(\d+)/$")


def _refer(position):
    return [services.ReferralSpec(position_id=position.id, action="action", note="", deadline=None)]


def _world():
    w = make_world()
    finance = make_position(w.unit, "مدیر امور مالی", holder=make_user(first_name="حسن", last_name="حسابدار"))
    for subject in ("قرارداد گازرسانی", "صورت‌حساب گاز مصرفی", "پرداخت بدهی گاز", "تمدید قرارداد گاز",
                    "صورت‌حساب زمستان"):
        register_incoming(w, sender_name="شرکت ملی گاز", subject=subject, refer_to=_refer(finance))
    for subject in ("پشتیبانی سامانه", "شبکه رایانه", "سامانه جدید"):
        register_incoming(w, sender_name="سازمان فناوری اطلاعات", subject=subject, refer_to=_refer(w.expert_pos))
    return w, finance


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_suggestions_on_registration(desk, viewport):
    w, finance = _world()
    size = "phone" if viewport else "desktop"
    clerk = desk.sign_in(w.clerk, viewport=viewport)
    clerk.goto(desk.url("/letters/incoming/new/"))
    box = clerk.locator("#suggestions")
    assert box.locator(".suggestion").count() == 0  # nothing typed, nothing suggested

    clerk.locator("#id_sender_name").press_sequentially("شرکت ملی گاز")
    first = box.locator(".suggestion").first
    first.wait_for()
    assert "مدیر امور مالی" in first.inner_text()
    assert "۵ نامه از همین فرستنده" in first.inner_text()
    # Only positions with history, and never the clerk's own seat.
    offered = [int(b.get_attribute("data-position")) for b in box.locator(".suggestion").all()]
    assert offered[0] == finance.id and w.clerk_pos.id not in offered

    # The subject's words of the other unit bring its position up too; the sender still leads.
    clerk.locator("#id_subject").press_sequentially("صورت‌حساب سامانه")
    clerk.wait_for_function("() => document.querySelector('#suggestions .suggestion-reason')"
                            " && document.querySelector('#suggestions').textContent.includes('واژه')")
    first = box.locator(".suggestion").first
    assert "مدیر امور مالی" in first.inner_text()
    if viewport:
        assert_phone_layout(clerk, f"register page with suggestions ({size})")
    else:
        clerk.locator("#suggestions").scroll_into_view_if_needed()
    desk.shot(clerk, f"{size}-1-suggested")

    assert clerk.evaluate("document.getElementById('id_refer_position').value") == ""
    first.click()
    assert clerk.evaluate("document.getElementById('id_refer_position').value") == str(finance.id)
    assert first.get_attribute("aria-pressed") == "true"
    desk.shot(clerk, f"{size}-2-taken")

    clerk.locator("button[type=submit]", has_text="ثبت و گرفتن شماره").click()
    clerk.wait_for_url(LETTER_URL)
    letter = Letter.objects.get(pk=int(LETTER_URL.search(clerk.url).group(1)))
    assert letter.sender_name == "شرکت ملی گاز" and letter.subject == "صورت‌حساب سامانه"
    assert [r.to_position_id for r in letter.referrals.all()] == [finance.id]
    desk.shot(clerk, f"{size}-3-registered")


def test_no_suggestions_for_an_unknown_sender_and_words(desk):
    w, _finance = _world()
    clerk = desk.sign_in(w.clerk)
    clerk.goto(desk.url("/letters/incoming/new/"))
    clerk.locator("#id_sender_name").press_sequentially("فرستنده تازه")
    clerk.locator("#id_subject").press_sequentially("موضوعی بی‌سابقه")
    clerk.locator("#suggestions .form-text").wait_for()
    # Every position that ever received a letter first is offered by its share alone, said so plainly.
    text = clerk.locator("#suggestions").inner_text()
    assert "نامه وارده اخیر" in text and "از همین فرستنده" not in text


def test_suggestions_pass_axe(browser, live_server, no_lingering_connections):
    """axe-core on the suggestions, shown and one taken: nothing serious or critical. (Scoped to the box: the
    rest of the page is the other parts' to check; tests/e2e/test_accessibility.py runs the whole pages.)"""
    from django.test import Client

    from tests.e2e.test_accessibility import AXE, BLOCKING, DESKTOP, RUN_AXE

    w, _finance = _world()
    client = Client()
    client.force_login(w.clerk)
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport, locale="fa-IR", timezone_id="Asia/Tehran", bypass_csp=True)
        try:
            context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                                  "url": live_server.url}])
            page = context.new_page()
            page.goto(live_server.url + "/letters/incoming/new/")
            page.locator("#id_sender_name").press_sequentially("شرکت ملی گاز")
            page.locator("#suggestions .suggestion").first.click()
            page.add_script_tag(path=str(AXE))
            found = [v for v in page.evaluate(RUN_AXE.replace("axe.run(document", "axe.run('#suggestions'"))
                     if v["impact"] in BLOCKING]
            assert not found, f"axe-core at {viewport['width']}px: {found}"
        finally:
            context.close()
