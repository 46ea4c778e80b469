"""Post and courier in a real browser (chromium), at desktop width and on a phone:

the clerk dispatches a registered outgoing letter by post from the letter page → the letter's post panel
shows its envelope with the address from the address book → the navbar leads to the day's dispatch list →
the tracking number and cost are typed in Persian digits (a wrong tracking number first: refused in
Persian, nothing typed lost) → the receipt is recorded → the day's list is printed as a PDF, read back
and rendered to an image. Screenshots under test-artifacts/e2e/ (and the PDF's first page as a PNG).
"""

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from dabir.channels import addressing
from dabir.channels.models import Correspondent, PostDispatch
from dabir.core.jalali import format_date, today
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_registered, make_world

from .conftest import ARTIFACTS
from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

WATER = "شرکت آب و فاضلاب اهواز"
SUBJECT = "پاسخ درخواست انشعاب آب مجتمع اداری"


@pytest.fixture
def scene(db):
    world = make_world("استانداری خوزستان")
    Correspondent.objects.create(agency=world.agency, name=WATER, postal_address="اهواز، کیانپارس، خیابان ۱۵ شرقی",
                                 postal_code="6155689451", search_name=addressing.search_name(WATER))
    world.letter = make_registered(world, kind="outgoing", to=[WATER], subject=SUBJECT)
    return world


def _save_pdf(desk, data: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{desk.test_name}-5-list.pdf"
    path.write_bytes(data)
    if shutil.which("pdftoppm"):  # the printed page as an image, to look at beside the screenshots
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", str(path), str(path.with_suffix(""))],
                       check=True, timeout=60)


def test_a_clerk_posts_a_letter_and_prints_the_days_list(desk, scene):
    letter = scene.letter
    page = desk.sign_in(scene.clerk)
    page.goto(desk.url(f"/letters/{letter.pk}/"))
    page.select_option("#id_dispatch-channel", "post")
    page.get_by_role("button", name="ارسال شد").click()
    page.wait_for_url(re.compile(rf"/letters/{letter.pk}/$"))
    panel = page.locator("#post-panel")
    assert WATER in text(panel) and "۶۱۵۵۶۸۹۴۵۱" in text(panel) and "پست سفارشی" in text(panel)
    line = PostDispatch.objects.get(letter=letter)
    desk.shot(page, "1-letter")

    # the navbar's «ایمیل و پست» menu leads to the day's list
    page.locator("#nav-channels").click()
    page.locator("#nav-post").click()
    page.wait_for_url(re.compile(r"/channels/post/"))
    persian_page(page)
    row = page.locator(f"#dispatch-{line.pk}")
    assert SUBJECT in text(row) and WATER in text(row) and text(page.locator("#post-count")) == "۱"
    assert format_date(today()) in page.locator("#post-day-input").input_value()
    desk.shot(page, "2-list")

    # a tracking number too short: refused in Persian, what was typed stays
    row.locator(f"#id_u{line.pk}-tracking_number").fill("۱۲۳۴")
    row.locator(f"#id_u{line.pk}-cost").fill("۱۲۰٬۰۰۰")
    row.locator("[data-save]").click()
    row = page.locator(f"#dispatch-{line.pk}")
    assert "شماره رهگیری پستی باید از ۱۰ تا ۲۴ رقم باشد" in text(row)
    assert row.locator(f"#id_u{line.pk}-cost").input_value() == "۱۲۰٬۰۰۰"
    desk.shot(page, "3-refused")

    # the real one, in Persian digits, by express post
    row.locator(f"#id_u{line.pk}-method").select_option("express")
    row.locator(f"#id_u{line.pk}-tracking_number").fill("۲۰۴۸۱۳۵۷۹۲۴۶۸۰۱۲۳۴۵۶۷")
    row.locator("[data-save]").click()
    page.wait_for_url(re.compile(r"/channels/post/\?"))
    line.refresh_from_db()
    assert (line.method, line.tracking_number, line.cost) == ("express", "204813579246801234567", 120000)
    assert text(page.locator("#post-total")) == "۱۲۰٬۰۰۰"

    # the receipt came back
    page.locator(f"#dispatch-{line.pk} [data-delivered]").click()
    page.wait_for_url(re.compile(r"/channels/post/\?"))
    assert page.locator(f"#dispatch-{line.pk}").get_attribute("data-state") == "delivered"
    desk.shot(page, "4-delivered")

    # printed: the PDF behind the button, in the clerk's session
    href = page.locator("#post-pdf").get_attribute("href")
    response = page.request.get(desk.url(href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    data = response.body()
    _save_pdf(desk, data)
    # compared without spaces, and only a cell's first line (pypdf joins a wrapped cell's lines with others)
    flat = re.sub(r"[\s\u200c]", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    for words in ("دفتر ارسال مرسولات پستی", "شرکت آب و فاضلاب", "پاسخ درخواست انشعاب", "پست پیشتاز",
                  "تحویل‌گیرنده"):
        assert re.sub(r"[\s\u200c]", "", words) in flat, words

    # the same list on a phone: right to left, no sideways scroll
    phone = desk.sign_in(scene.clerk, viewport=PHONE)
    phone.goto(desk.url("/channels/post/"))
    assert_phone_layout(phone, "the dispatch list")
    assert WATER in text(phone.locator(f"#dispatch-{line.pk}"))
    desk.shot(phone, "6-phone")
