"""Screenshots of the main pages in Debian's chromium, at desktop and phone width.

They land in test-artifacts/screens/ for a person to look at; the test also checks what a
browser alone can tell: right-to-left layout, no horizontal overflow at phone width, the
Vazirmatn font loaded, the editor working, and the absence warning shown under the picker.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from dabir.letters import services
from dabir.orgs.models import Assignment
from tests.browser import CHROMIUM, launch
from tests.factories import PDF_BYTES, make_world

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

playwright_sync = pytest.importorskip("playwright.sync_api")

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.usefixtures("no_lingering_connections"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def browser():
    with playwright_sync.sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


def sign_in(page, base, user):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "demo-pass-1234")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def build(world):
    clerk_seat = world.seat(world.clerk_pos)
    now = timezone.now()
    Assignment.objects.create(
        user=world.other, position=world.expert_pos, role=Assignment.Role.ACTING,
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=5),
    )
    subjects = [
        ("درخواست تخصیص اعتبار برای بازسازی مدارس مناطق سیل‌زده استان", "immediate", "confidential"),
        ("گزارش عملکرد سه‌ماهه اول سال ۱۴۰۵ ادارات تابعه", "urgent", "unclassified"),
        ("دعوت به جلسه هماهنگی ستاد اربعین", "normal", "unclassified"),
        ("استعلام وضعیت پرونده متقاضی شماره 98123", "normal", "restricted"),
    ]
    letters = []
    for subject, urgency, classification in subjects:
        letters.append(services.register_incoming(
            user=world.clerk, secretariat=world.secretariat, subject=subject,
            sender_name="شهرداری اهواز — معاونت فنی و عمرانی", sender_number="۱۴۰۵/۲۳۴۵/ص",
            channel="post", urgency=urgency, classification=classification, seat=clerk_seat,
            body="<p>با سلام و احترام،</p><p>بازگشت به نامه شماره <b>۱۲۳/۴۵</b> مورخ ۱۴۰۵/۰۱/۱۵، "
                 "خواهشمند است دستور فرمایید اقدام لازم معمول گردد.</p><ul><li>بند نخست</li><li>بند دوم</li></ul>",
            refer_to=[services.ReferralSpec(world.manager_pos.id, note="جهت بررسی و اعلام نظر")],
            uploads=[services.Upload("scan-1.pdf", PDF_BYTES, is_scan=True)],
        ))
    main = letters[0]
    services.refer(
        user=world.manager, seat=world.seat(world.manager_pos), letter=main,
        targets=[services.ReferralSpec(world.expert_pos.id, note="با هماهنگی اداره فنی گزارش کامل تهیه شود"),
                 services.ReferralSpec(world.other_pos.id, action="information")],
    )
    return main


@pytest.mark.django_db(transaction=True)
def test_screens(live_server, browser):
    world = make_world("استانداری خوزستان")
    letter = build(world)
    SCREENS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    # Who looks at which page: the manager's inbox and letter, the clerk's forms.
    pages = [
        ("inbox", "/inbox/", world.manager),
        ("letter", f"/letters/{letter.id}/", world.manager),
        ("compose", "/letters/new/", world.clerk),
        ("incoming", "/letters/incoming/new/", world.clerk),
    ]
    for size_name, (width, height) in SIZES.items():
        contexts = {}
        for name, path, user in pages:
            if user.pk not in contexts:
                contexts[user.pk] = browser.new_context(viewport={"width": width, "height": height}, locale="fa-IR")
                sign_in(contexts[user.pk].new_page(), base, user)
            page = contexts[user.pk].pages[0]
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("document.documentElement.dir") == "rtl"
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
            assert page.evaluate("document.fonts.check('16px Vazirmatn')"), name
            page.screenshot(path=str(SCREENS / f"{name}-{size_name}.png"), full_page=True)
        for context in contexts.values():
            context.close()

    # The manager's view of the letter (action panel with refer/done/close), and the editor at work.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, base, world.manager)
    page.goto(f"{base}/inbox/")  # signing in lands on the dashboard
    assert "گزارش عملکرد سه‌ماهه" in page.inner_text("#inbox-list")
    page.goto(f"{base}/letters/{letter.id}/")
    # An official number keeps its parts in order, left to right, inside the right-to-left page.
    box = page.locator(".letter-header bdi.number").first
    # (the text carries invisible direction marks: measure the first and the last digit)
    digits_x = box.evaluate("""el => { const r = document.createRange(); const t = el.firstChild;
        const s = t.textContent; const first = s.search(/[۰-۹]/); let last = s.length - 1;
        while (last > 0 && !/[۰-۹]/.test(s[last])) last--;
        r.setStart(t, first); r.setEnd(t, first + 4); const year = r.getBoundingClientRect().left;
        r.setStart(t, last); r.setEnd(t, last + 1); return [year, r.getBoundingClientRect().left]; }""")
    assert digits_x[0] < digits_x[1], "the year must stay at the left of the number"
    page.goto(f"{base}/letters/{letter.id}/refer/")
    page.select_option("#id_t-0-position", str(world.expert_pos.id))
    assert "جانشین: رضا بیرونی" in page.inner_text(".refer-row .absence-note")
    page.screenshot(path=str(SCREENS / "refer-desktop.png"), full_page=True)
    page.goto(f"{base}/letters/new/")
    page.fill("#id_subject", "درخواست تجهیزات رایانه‌ای")
    page.click(".rich-area")
    page.keyboard.type("متن آزمایشی ")
    page.click("[data-cmd=bold]")
    page.keyboard.type("پررنگ")
    page.select_option("#id_to", str(world.expert_pos.id))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/letters/*/")
    assert "پررنگ" in page.inner_text(".letter-body")
    assert page.locator(".letter-body b, .letter-body strong").count() == 1
    context.close()
