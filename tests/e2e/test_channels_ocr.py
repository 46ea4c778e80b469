"""The text read from a letter's scans, in a real browser at desktop width and on a phone: the clerk
opens the letter page → the OCR panel shows one scan read (its text behind «نمایش متن») and one blank
page unreadable with its reason → the searchable copy opens as a PDF → the search page finds the
letter by a word that is only on the paper. Screenshots under test-artifacts/e2e/."""

import shutil
from pathlib import Path

import pytest

from dabir.channels.services import ocr
from dabir.letters.services import Upload
from tests.browser import PHONE, assert_phone_layout
from tests.channels import scans
from tests.factories import register_incoming

from .conftest import ARTIFACTS
from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

SHOTS = Path("/tmp/dabir-notes/shots/ocr")
WORD = "خوزستان"


def _shot(desk, page, step: str) -> None:
    path = desk.shot(page, step)
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)


@pytest.fixture
def letter(world):
    letter = register_incoming(world, uploads=[
        Upload("نامه-اسکن.pdf", scans.scanned_pdf(), is_scan=True),
        Upload("صفحه-سفید.jpg", scans.encode(scans.blank_page(dpi=150), "JPEG", 150), is_scan=True),
    ])
    for attachment in letter.attachments.all():
        ocr.read(attachment.pk)  # the worker's job, run here
    return letter


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_clerk_reads_the_scans_text_and_finds_the_letter_by_it(desk, world, letter, size):
    page = desk.sign_in(world.clerk, viewport=PHONE if size == "phone" else None)
    page.goto(desk.url(f"/letters/{letter.pk}/"))
    persian_page(page)
    panel = page.locator("#ocr-panel")
    panel.scroll_into_view_if_needed()
    rows = panel.locator("[data-text-status]")
    assert rows.count() == 2
    done, blank = rows.nth(0), rows.nth(1)
    assert done.get_attribute("data-text-status") == "done" and "متن خوانده شد" in text(done)
    assert not done.locator("[data-text]").is_visible()  # folded until asked for
    done.locator("summary").click()
    assert WORD in text(done.locator("[data-text]"))
    assert blank.get_attribute("data-text-status") == "unreadable"
    assert "متن خوانده نشد: متنی در این فایل پیدا نشد" in text(blank)
    if size == "phone":
        assert_phone_layout(page, "letter page with the OCR panel")
    _shot(desk, page, f"{size}-page")
    panel.screenshot(path=str(ARTIFACTS / f"{desk.test_name}-{size}-panel.png"))

    link = done.locator("a[href*='/text.pdf']")
    response = page.request.get(desk.url(link.get_attribute("href")))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    page.goto(desk.url(f"/search/?q={WORD}"))
    result = page.locator(f"a[href='/letters/{letter.pk}/']").first
    assert result.is_visible()
    _shot(desk, page, f"{size}-search")
