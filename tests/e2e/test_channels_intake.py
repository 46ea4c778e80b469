"""The intake queue in a real browser (chromium): a clerk finds the e-mails and faxes waiting from the
navbar's counted link, opens an e-mail with a Persian subject, registers it with a first referral typed
in Persian, and lands on the letter page; the expert finds it in the inbox. At phone width the queue and
an HTML-only e-mail (shown in a sandboxed frame) fit the screen. Screenshots under test-artifacts/e2e/.
"""

import re

import pytest

from dabir.channels.models import IntakeItem
from dabir.letters.models import Letter, Referral
from tests.browser import PHONE, assert_phone_layout
from tests.channels.test_intake_services import make_item
from tests.factories import make_pdf, make_world

from .test_secretariat_flow import LETTER_URL, persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

SUBJECT = "درخواست همکاری در طرح آبرسانی روستاهای شهرستان شوش"


def test_a_clerk_registers_an_email_from_the_queue(desk):
    w = make_world("استانداری خوزستان")
    item = make_item(w, subject=SUBJECT, files=[("نامه-شرکت-آب.pdf", make_pdf(title="water"))])
    make_item(w, kind=IntakeItem.Kind.FAX, subject="نمابر اداره کل گاز", problems=["صفحه سوم نمابر خوانا نبود"])

    clerk = desk.sign_in(w.clerk)
    menu = clerk.locator("#nav-channels")
    assert text(menu).endswith("۲")
    menu.click()
    link = clerk.locator("#nav-intake")
    assert text(link).endswith("۲")
    link.click()
    clerk.wait_for_url(desk.url("/channels/intake/"))
    persian_page(clerk)
    rows = clerk.locator("#intake tbody tr")
    assert rows.count() == 2
    assert "۱ نکته" in text(clerk.locator("#intake tbody tr[data-kind=fax]"))
    desk.shot(clerk, "1-queue")

    clerk.locator("#intake-tabs a[data-kind=email]").click()
    clerk.wait_for_url(re.compile(r"kind=email"))
    assert clerk.locator("#intake tbody tr").count() == 1
    clerk.get_by_role("link", name=SUBJECT).click()
    clerk.wait_for_url(re.compile(r"/channels/intake/\d+/$"))
    persian_page(clerk)
    assert clerk.locator("#id_register-subject").input_value() == SUBJECT
    assert "لطفاً بررسی فرمایید." in text(clerk.locator("#intake-text"))
    assert clerk.locator("#register-files input[type=checkbox]").is_checked()
    clerk.select_option("#id_register-refer_position", str(w.expert_pos.id))
    clerk.locator("#id_register-refer_note").press_sequentially("جهت بررسی و اعلام نظر")
    desk.shot(clerk, "2-item")
    clerk.get_by_role("button", name="ثبت به‌عنوان وارده و ارجاع").click()
    clerk.wait_for_url(LETTER_URL)
    persian_page(clerk)
    letter = Letter.objects.get(intake_item=item)
    assert letter.channel == "email" and letter.attachments.count() == 1
    assert SUBJECT in text(clerk.locator("body")) and "ثبت و ارجاع شد" in text(clerk.locator("body"))
    assert Referral.objects.get(letter=letter).note == "جهت بررسی و اعلام نظر"
    desk.shot(clerk, "3-letter")

    expert = desk.sign_in(w.expert)
    expert.goto(desk.url("/inbox/"))  # signing in lands on the dashboard
    assert SUBJECT in text(expert.locator("#inbox-list"))


def test_the_queue_and_an_html_email_at_phone_width(desk):
    w = make_world("استانداری خوزستان")
    make_item(w, subject=SUBJECT)
    html_only = make_item(w, subject="خبرنامه هفتگی سازمان", text="", files=[],
                          html="<p dir=\"rtl\">این خبرنامه فقط <strong>HTML</strong> دارد.</p>")
    make_item(w, kind=IntakeItem.Kind.FAX, subject="نمابر اداره کل گاز")
    phone = desk.sign_in(w.clerk, viewport=PHONE)
    phone.goto(desk.url("/channels/intake/"))
    assert_phone_layout(phone, "intake queue")
    desk.shot(phone, "phone-queue")
    phone.goto(desk.url(f"/channels/intake/{html_only.pk}/"))
    assert_phone_layout(phone, "intake item")
    frame = phone.frame_locator("#intake-text iframe")
    assert "فقط" in text(frame.locator("body"))
    assert phone.locator("#intake-text iframe").get_attribute("sandbox") == ""
    desk.shot(phone, "phone-item")
