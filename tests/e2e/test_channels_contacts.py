"""The address book in a real browser (chromium), at desktop width and on a phone: a clerk adds a
correspondent through the form (a bad e-mail first: the Persian error, nothing lost), finds it by a name
typed with Arabic ي/ك, and reads the list on a phone without horizontal scroll.
Screenshots under test-artifacts/e2e/."""

import re

import pytest

from dabir.channels.models import Correspondent
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_world

from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]


@pytest.fixture
def world(db):
    return make_world("استانداری خوزستان")


def test_a_clerk_adds_and_finds_a_correspondent(desk, world):
    page = desk.sign_in(world.clerk)
    page.goto(desk.url("/channels/contacts/"))
    persian_page(page)
    page.locator("#contact-new").click()
    page.locator("#id_name").fill("شرکت پتروشیمی کیمیا")
    page.locator("#id_kind").select_option("company")
    page.locator("#id_email").fill("info@kimia")
    page.locator("#id_fax").fill("۰۶۱-۳۳۳۳۴۴۵۵")
    page.locator("#id_postal_address").fill("اهواز، کیانپارس، خیابان ۵ غربی")
    page.locator("#contact-save").click()
    assert "نشانی ایمیل درست نیست" in text(page.locator("#contact-form"))
    assert page.locator("#id_fax").input_value() == "۰۶۱-۳۳۳۳۴۴۵۵"  # nothing typed is lost
    desk.shot(page, "1-error")
    page.locator("#id_email").fill("info@kimia.ir")
    page.locator("#contact-save").click()
    page.wait_for_url(re.compile(r"/channels/contacts/$"))
    assert Correspondent.objects.get().fax == "06133334455"

    # Typed with Arabic letters (ي، ك), as many keyboards give them.
    page.locator("#id_q").press_sequentially("پتروشيمي كيميا")
    page.locator("#contact-search").click()
    page.wait_for_url(re.compile(r"q="))
    rows = page.locator("#contacts tbody tr")
    assert rows.count() == 1 and "شرکت پتروشیمی کیمیا" in text(rows.first)
    assert "۰۶۱۳۳۳۳۴۴۵۵" in text(rows.first)
    desk.shot(page, "2-found")


def test_the_address_book_on_a_phone(desk, world):
    from dabir.channels.services import contacts

    for i, name in enumerate(("شرکت کیمیا", "اداره کل راه و شهرسازی خوزستان", "علی رضایی")):
        contacts.save_correspondent(user=world.clerk, agency=world.agency, name=name, email=f"a{i}@long-domain-name.example.ir",
                                    fax="02155556666", postal_address="تهران، خیابان ولیعصر، کوچه بهار، پلاک ۱۲")
    phone = desk.sign_in(world.clerk, viewport=PHONE)
    phone.goto(desk.url("/channels/contacts/"))
    persian_page(phone)
    assert_phone_layout(phone, "the address book")
    assert phone.locator("#contacts tbody tr").count() == 3
    desk.shot(phone, "1-phone")
    phone.goto(desk.url("/channels/contacts/new/"))
    assert_phone_layout(phone, "the correspondent form")
    desk.shot(phone, "2-phone-form")
