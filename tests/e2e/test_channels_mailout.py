"""Outgoing e-mail in a real browser, desktop and phone: a letter's e-mail refused by the recipient's
server (a real aiosmtpd answering 550) shows in red in the menu and first on «ایمیل و نمابر ارسالی»;
the clerk fixes the address in the address book and presses «ارسال دوباره»; the worker's next try
goes through and the letter page's panel says «ارسال شد». Screenshots in test-artifacts/e2e/."""

import pytest

from dabir.channels.models import Correspondent, Transmission
from dabir.channels.services import sending
from dabir.letters import services as letter_services
from tests.browser import PHONE, assert_phone_layout
from tests.channels.smtpd import serving
from tests.channels.test_sending import WATER, contact, mailbox, outgoing
from tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]


def test_failed_email_resent_from_the_outbox(desk, tmp_path):
    world = make_world("استانداری خوزستان")
    with serving(tmp_path) as server:
        contact(world, WATER, email="nobody@abfa-ahvaz.example")
        mailbox(world, server)
        letter = outgoing(world, WATER)
        letter_services.dispatch(user=world.clerk, letter=letter, channel="email")
        row = Transmission.objects.get()
        server.rcpt_answer = "550 5.1.1 No such user"
        assert sending.deliver(row.pk) == Transmission.State.FAILED
        server.rcpt_answer = None

        page = desk.sign_in(world.clerk)
        page.locator("#nav-channels").click()
        assert page.locator("#nav-outbox .text-bg-danger").inner_text() == "۱"
        page.locator("#nav-outbox").click()
        page.wait_for_url("**/channels/outbox/")
        failed = page.locator(f'#outbox tr[data-id="{row.pk}"]')
        assert failed.get_attribute("data-state") == "failed"
        assert "نپذیرفت" in failed.inner_text() and "nobody@abfa-ahvaz.example" in failed.inner_text()
        desk.shot(page, "failed")

        Correspondent.objects.filter(name=WATER).update(email="dabir@abfa-ahvaz.example")
        failed.get_by_role("button", name="ارسال دوباره").click()
        page.wait_for_load_state()
        assert "دوباره در صف" in page.locator(".alert").first.inner_text()
        assert page.locator(f'#outbox tr[data-id="{row.pk}"]').get_attribute("data-state") == "queued"
        desk.shot(page, "queued")

        assert sending.deliver(row.pk) == Transmission.State.SENT
        assert server.received[0].rcpt_tos == ["dabir@abfa-ahvaz.example"]

    phone = desk.sign_in(world.clerk, viewport=PHONE)
    phone.goto(desk.url(f"/letters/{letter.pk}/"))
    panel = phone.locator("#outbox-panel")
    assert panel.locator("tr[data-state='sent']").count() == 1 and "ارسال شد" in panel.inner_text()
    panel.scroll_into_view_if_needed()
    assert_phone_layout(phone, "letter page with the outbox panel")
    desk.shot(phone, "phone-letter")
    phone.goto(desk.url("/channels/outbox/"))
    assert_phone_layout(phone, "outbox")
    desk.shot(phone, "phone-outbox")
