"""The navbar's counts in the browser (issue 13): «کارتابل» shows the current seat's unread referrals and
falls when one is opened; «صف ثبت» shows a clerk the signed letters waiting for a number and falls when
one is registered; on a desktop and a 390x844 phone."""

import pytest

from dabir.letters import services
from dabir.letters.models import Referral
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_signed, make_world, register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shown(page, element_id: str) -> str:
    """The badge's number as seen (its hidden words for screen readers follow it)."""
    return page.locator(f"#{element_id}").inner_text().split()[0]


def test_the_inbox_and_queue_counts_follow_the_work(desk):
    # given two letters referred to the manager and one signed letter waiting in the secretariat's queue
    world = make_world()
    first = register_incoming(world, subject="درخواست تعمیر ساختمان اداری",
                              refer_to=[services.ReferralSpec(world.manager_pos.id)])
    register_incoming(world, subject="دعوت به نشست هماهنگی", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    make_signed(world, subject="گزارش عملکرد سه‌ماهه")

    # the manager sees ۲ on the inbox link
    manager = desk.sign_in(world.manager)
    inbox_link = manager.locator("#mainnav a.nav-link", has_text="کارتابل")
    assert shown(manager, "nav-inbox-count") == "۲"
    assert "ارجاع خوانده‌نشده" in inbox_link.inner_text()  # read out by a screen reader with its number
    assert manager.locator("#nav-queue-count").count() == 0  # not a clerk: no queue
    desk.shot(manager, "manager-two-unread")

    # when the manager opens one letter from the inbox, the count falls to ۱
    inbox_link.click()
    manager.get_by_role("link", name="درخواست تعمیر ساختمان اداری").first.click()
    manager.wait_for_url(desk.url(f"/letters/{first.id}/"))
    assert shown(manager, "nav-inbox-count") == "۱"
    assert Referral.objects.filter(to_position=world.manager_pos, status="unread").count() == 1
    desk.shot(manager, "manager-one-unread")

    # the clerk sees ۱ on the queue link and nothing on the inbox (nothing referred to the clerk)
    clerk = desk.sign_in(world.clerk)
    assert shown(clerk, "nav-queue-count") == "۱"
    assert clerk.locator("#nav-inbox-count").count() == 0
    desk.shot(clerk, "clerk-queue-one")
    clerk.locator("#mainnav a.nav-link", has_text="صف ثبت").click()
    clerk.wait_for_url(desk.url("/secretariat/"))
    assert "گزارش عملکرد سه‌ماهه" in clerk.content()


def test_the_counts_on_a_phone(desk):
    world = make_world()
    for i in range(3):
        register_incoming(world, subject=f"نامه شماره {i}", seat=None,
                          refer_to=[services.ReferralSpec(world.clerk_pos.id)])
    make_signed(world)
    make_signed(world)
    clerk = desk.sign_in(world.clerk, viewport=PHONE)
    clerk.get_by_role("button", name="نمایش فهرست").click()
    clerk.locator("#nav-inbox-count").wait_for(state="visible")
    assert shown(clerk, "nav-inbox-count") == "۳"
    assert shown(clerk, "nav-queue-count") == "۲"
    assert_phone_layout(clerk, "navbar counts")
    desk.shot(clerk, "phone-menu")
