"""The personal dashboard (میز کار) in a real browser, at desktop width and at 390x844.

A manager signs in and lands on the dashboard → every figure shown (his referrals by age, overdue,
waiting for his signature, his unanswered referrals, each line of his unit) equals the count the test
makes from the database → the overdue figure opens the inbox filtered to as many rows → «یادآوری» on
an unanswered referral writes the holder's notice and turns into «امروز یادآوری شد». The clerk does
the same on a phone, without sideways scrolling. axe-core finds no serious violation on the page.
Screenshots under test-artifacts/e2e/dashboard-*.png.
"""

import datetime as dt
import re

import pytest
from django.urls import reverse

from dabir.core.jalali import today
from dabir.core.text import to_persian_digits
from dabir.letters import services
from dabir.letters.models import Referral
from dabir.letters.names import NoticeKind
from dabir.notify.models import Notification
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_draft, make_world
from tests.letters.test_dashboard import expected, midnight

from .test_accessibility import DESKTOP, _session, _violations
from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

HIDDEN = "پرونده محرمانه بازرسی کارکنان"


def _incoming(w, subject, *to, classification="unclassified"):
    letter = services.register_incoming(
        user=w.clerk, secretariat=w.secretariat, subject=subject, sender_name="شهرداری اهواز", channel="post",
        refer_to=[services.ReferralSpec(p.id, note="جهت بررسی") for p in to], seat=w.seat(w.clerk_pos),
        classification=classification,
    )
    return letter, list(letter.referrals.order_by("id"))


def _scene():
    """The manager (مدیرکل, his unit holds the clerk too) with referrals of every age, one he passed
    on to the clerk and one to the expert, a draft waiting for his signature, and a confidential
    letter at the clerk that never crossed his desk."""
    w = make_world("استانداری خوزستان")
    for subject, created, deadline in [
        ("درخواست بودجه عمرانی شهرستان", midnight(0), None),
        ("گزارش خسارت سیل روستاها", midnight(1), today() - dt.timedelta(days=1)),
        ("دعوت به جلسه شورای اداری", midnight(2), today() + dt.timedelta(days=3)),
        ("پیگیری قرارداد نگهداری", midnight(9), today() - dt.timedelta(days=4)),
    ]:
        _, (ref,) = _incoming(w, subject, w.manager_pos)
        Referral.objects.filter(pk=ref.pk).update(created_at=created, deadline=deadline)
    letter, _ = _incoming(w, "استعلام سوابق پیمانکار", w.manager_pos)
    services.refer(user=w.manager, seat=w.seat(w.manager_pos), letter=letter, targets=[
        services.ReferralSpec(w.clerk_pos.id, note="سوابق از بایگانی استخراج شود"),
        services.ReferralSpec(w.expert_pos.id, note="نظر فنی اعلام شود"),
    ])
    hidden, _ = _incoming(w, HIDDEN, w.expert_pos, classification="confidential")
    services.refer(user=w.expert, seat=w.seat(w.expert_pos), letter=hidden,
                   targets=[services.ReferralSpec(w.clerk_pos.id, note="بایگانی شود")])
    draft = make_draft(w, subject="پاسخ به استعلام فرمانداری", author=w.expert, author_pos=w.expert_pos,
                       signer_position_id=w.manager_pos.id)
    services.submit_for_signature(user=w.expert, seat=w.seat(w.expert_pos), letter=draft)
    return w


def _shown(page) -> dict[str, int]:
    """Each figure's number as the page says it, read from its Persian digits and checked against data-count."""
    out = {}
    for el in page.locator("[data-figure]").all():
        key, count = el.get_attribute("data-figure"), int(el.get_attribute("data-count"))
        assert to_persian_digits(str(count)) in text(el), (key, text(el))
        out[key] = count
    return out


def _unit_cell(page, position_id, col) -> str:
    return text(page.locator(f"#unit tr[data-position='{position_id}'] td[data-col='{col}']"))


def test_the_dashboard_figures_equal_the_database(desk, live_server):
    w = _scene()
    manager = desk.sign_in(w.manager)
    manager.wait_for_url(desk.url("/"))
    persian_page(manager)
    assert "میز کار" in text(manager.locator("h1"))
    want = expected(w.manager, w.manager_pos)
    assert want == {"open": 5, "today": 2, "recent": 2, "older": 1, "overdue": 2, "signature": 1, "unanswered": 2}
    shown = _shown(manager)
    for key, n in want.items():
        assert shown[key] == n, key
    # The unit: each position's line as the database counts it for the manager (letters in his reach).
    for position in (w.manager_pos, w.clerk_pos):
        line = expected(w.manager, position)
        for col in ("open", "today", "recent", "older", "overdue", "signature"):
            assert _unit_cell(manager, position.id, col) == to_persian_digits(str(line[col])), (position.title, col)
    assert Referral.objects.filter(to_position=w.clerk_pos, status__in=["unread", "read"]).count() == 2
    assert _unit_cell(manager, w.clerk_pos.id, "open") == "۱"  # the confidential one is not counted
    total = sum(expected(w.manager, p)["open"] for p in (w.manager_pos, w.clerk_pos))
    assert _unit_cell(manager, "total", "open") == to_persian_digits(str(total))
    assert HIDDEN not in text(manager.locator("main"))
    desk.shot(manager, "1-manager")

    # The overdue figure opens the inbox filtered to as many rows.
    manager.locator("[data-figure='overdue']").click()
    manager.wait_for_url(re.compile(r"/inbox/\?overdue=on"))
    assert manager.locator("#inbox-list tbody tr").count() == want["overdue"]
    manager.go_back()
    manager.wait_for_url(desk.url("/"))

    # «یادآوری» to the expert: a notice for the expert, and the button gives way for today.
    row = manager.locator("#unanswered tr", has_text="کارشناس فناوری")
    row.get_by_role("button", name=re.compile("یادآوری")).click()
    manager.wait_for_url(re.compile(r"/#unanswered$"))
    assert "یادآوری برای «کارشناس فناوری» فرستاده شد." in text(manager.locator(".messages"))
    row = manager.locator("#unanswered tr", has_text="کارشناس فناوری")
    assert "امروز یادآوری شد" in text(row) and not row.get_by_role("button").count()
    notice = Notification.objects.get(kind=NoticeKind.REMINDER)
    assert notice.user == w.expert and "استعلام سوابق پیمانکار" in notice.title
    desk.shot(manager, "2-reminded")
    assert not desk.problems, desk.problems

    # axe-core on the manager's dashboard (unit table included), at both sizes.
    session = _session(w.manager)
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        found = _violations(desk.browser, live_server.url, reverse("home"), session=session, viewport=viewport,
                            shot=f"dashboard-manager-{size}")
        assert not found, found


def test_the_clerks_dashboard_on_a_phone(desk):
    w = _scene()
    clerk = desk.sign_in(w.clerk, viewport=PHONE)
    clerk.wait_for_url(desk.url("/"))
    assert_phone_layout(clerk, "the dashboard")
    want = expected(w.clerk, w.clerk_pos)
    shown = _shown(clerk)
    for key, n in want.items():
        assert shown[key] == n, key
    assert want["unanswered"] and want["open"]  # what the clerk registered and still waits; two at his desk
    assert not clerk.locator("#unit").count()  # no unit for a clerk
    desk.shot(clerk, "3-clerk-phone")
    row = clerk.locator("#unanswered tr", has_text="دعوت به جلسه شورای اداری")
    row.get_by_role("button", name=re.compile("یادآوری")).click()
    clerk.wait_for_url(re.compile(r"/#unanswered$"))
    assert "فرستاده شد" in text(clerk.locator(".messages"))
    assert Notification.objects.filter(kind=NoticeKind.REMINDER, user=w.manager).count() == 1
    assert_phone_layout(clerk, "the dashboard after a reminder")
    desk.shot(clerk, "4-clerk-reminded")
    assert not desk.problems, desk.problems
