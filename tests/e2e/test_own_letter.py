"""In chromium: a manager writes a letter he signs himself, signs it from the draft page, and the clerk
numbers it. (He was once offered his own position as signer and then refused when sending it.)"""

import re

import pytest

from dabir.letters.models import Letter, Status
from tests.factories import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LETTER_URL = re.compile(r"/letters/(\d+)/$")
# «امضا» alone: the icon's glyph (not Persian) may come before it in the button's name
SIGN = re.compile("^[^\u0600-\u06ff]*امضا$")


def test_manager_composes_and_signs_his_own_letter(desk, no_lingering_connections):
    w = make_world("استانداری خوزستان")
    subject = "دستور کار جلسه شورای اداری"

    manager = desk.sign_in(w.manager)
    manager.locator("nav").get_by_role("link", name="نامه جدید").click()
    manager.wait_for_url(desk.url("/letters/new/"))
    manager.select_option("#id_kind", "internal")
    manager.locator("#id_subject").press_sequentially(subject)
    manager.locator(".rich-area").click()
    manager.keyboard.type("با سلام، دستور کار جلسه به پیوست است.")
    manager.select_option("#id_to", str(w.expert_pos.id))
    # his own position is among the signers he is offered
    manager.select_option("#id_signer_position", str(w.manager_pos.id))
    manager.get_by_role("button", name="ذخیره پیش‌نویس").click()
    manager.wait_for_url(LETTER_URL)
    letter_id = int(LETTER_URL.search(manager.url).group(1))

    # the draft offers «امضا», and no «فرستادن برای امضا» to himself
    panel = manager.locator(".action-panel")
    assert panel.get_by_role("button", name=SIGN).count() == 1
    assert panel.get_by_role("button", name="فرستادن برای امضا").count() == 0
    desk.shot(manager, "1-own-draft")
    panel.get_by_role("button", name=SIGN).click()
    manager.wait_for_url(LETTER_URL)
    assert "نامه امضا شد و به دبیرخانه رفت." in manager.locator(".messages").inner_text()
    assert "امضا در" in manager.locator(".letter-header").inner_text()
    desk.shot(manager, "2-signed")
    assert Letter.objects.get(pk=letter_id).status == Status.APPROVED

    # the clerk finds it in the registration queue; its link opens and it is numbered
    clerk = desk.sign_in(w.clerk)
    clerk.get_by_role("link", name="صف ثبت").click()
    clerk.wait_for_url(desk.url("/secretariat/"))
    row = clerk.locator("table tr", has_text=subject)
    row.get_by_role("button", name="ثبت").click()
    clerk.wait_for_url(desk.url("/secretariat/"))
    assert "نامه ثبت و شماره‌گذاری شد." in clerk.locator(".messages").inner_text()
    letter = Letter.objects.get(pk=letter_id)
    assert letter.status == Status.REGISTERED and letter.number
