"""The document viewer in a real browser, at desktop width and on a phone: the expert opens the letter page
→ «نمایش» of a three-page PDF opens the viewer in place → its thumbnails are drawn, zoom and rotation
change the page → a print with two copies is counted (a PrintRecord row with 3 pages, 2 copies) before the
browser prints the pages, a bad number of copies is refused in Persian and nothing is counted → the photo
opens in the same frame and turns → the signed PDF of a letter opens the same way. No CSP violation,
no script error. Screenshots under test-artifacts/e2e/."""

import io

import pytest
from PIL import Image, ImageDraw

from dabir.letters import services as letters
from dabir.letters.models import PrintRecord
from dabir.letters.services import Upload
from dabir.signing import services as signing
from tests.browser import PHONE, assert_phone_layout
from tests.factories import make_draft, register_incoming

from .test_csp import WATCH
from .test_secretariat_flow import persian_page, text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_lingering_connections")]

# window.print() is replaced by a note of what would go to paper: the pages rendered for print.
NO_PRINTER = """
window.__printed = [];
window.print = function () {
  window.__printed.push(document.querySelectorAll(".viewer-print-pages img").length);
};
"""


def _pdf() -> bytes:
    """Three A4 pages, each with its number and a coloured band (so thumbnails and the page show them)."""
    from weasyprint import HTML

    pages = "".join(
        f'<section><h1>صفحه {n} گزارش بازدید</h1><div class="band c{n}"></div><p>متن آزمایشی نمایشگر اسناد دبیر.</p></section>'
        for n in (1, 2, 3))
    css = ("section { break-after: page; font-size: 22pt; } .band { height: 9cm; } .c1 { background: #c0392b; }"
           ".c2 { background: #27ae60; } .c3 { background: #2c3e50; }")
    return HTML(string=f'<html dir="rtl" lang="fa"><head><style>{css}</style></head><body>{pages}</body></html>').write_pdf()


def _photo() -> bytes:
    """A landscape photo with a marked corner: a turn of the viewer shows where it went."""
    image = Image.new("RGB", (900, 500), (236, 240, 241))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 300, 160), fill=(192, 57, 43))
    draw.ellipse((500, 200, 800, 460), fill=(41, 128, 185))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def letter(world):
    return register_incoming(world, subject="گزارش بازدید کارخانه", uploads=[
        Upload("گزارش-بازدید.pdf", _pdf()), Upload("عکس-بازدید.jpg", _photo()),
    ], refer_to=[letters.ReferralSpec(world.expert_pos.id, note="بررسی و اقدام")])


def _open(desk, world, letter, size):
    page = desk.sign_in(world.expert, viewport=PHONE if size == "phone" else None)
    page.context.add_init_script(WATCH + NO_PRINTER)
    page.on("console", lambda m: m.type == "error" and desk.problems.append(f"console on {page.url}: {m.text}"))
    page.goto(desk.url(f"/letters/{letter.pk}/"))
    persian_page(page)
    return page


def _ready(page, viewer, pages):
    page.wait_for_function("el => el.dataset.state === 'ready' && el.dataset.drawn", arg=viewer.element_handle())
    assert viewer.get_attribute("data-pages") == str(pages)


def _drawn(page, viewer) -> dict:
    """The stage canvas's size in pixels and whether anything but white is on it."""
    return page.evaluate("""el => {
        const c = el.querySelector('[data-viewer-canvas]');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 0; i < d.length; i += 4 * 97) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++;
        return {width: c.width, height: c.height, ink: ink};
    }""", viewer.element_handle())


def _csp_clean(desk, page):
    for violation in page.evaluate("window.__csp || []"):
        desk.problems.append(f"CSP: {violation}")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_pdf_attachment_opens_in_the_viewer_with_thumbnails_zoom_rotation_and_a_counted_print(desk, world, letter, size):
    page = _open(desk, world, letter, size)
    row = page.locator("li", has=page.get_by_text("گزارش-بازدید.pdf"))
    row.get_by_role("link", name="نمایش گزارش-بازدید.pdf").click()

    dialog = page.locator("#viewer-dialog")
    assert dialog.is_visible() and page.evaluate("document.getElementById('viewer-dialog').open")
    viewer = dialog.locator("[data-viewer]")
    _ready(page, viewer, 3)
    assert text(viewer.locator("[data-viewer-title]")) == "گزارش-بازدید.pdf"
    assert text(viewer.locator("[data-viewer-page]")) == "۱ از ۳"
    first = _drawn(page, viewer)
    assert first["ink"] > 50 and first["height"] > first["width"]  # a portrait A4 page, with its band drawn

    # The thumbnails: one per page, each drawn, the current one marked.
    page.wait_for_function("el => el.dataset.thumbs === '3'", arg=viewer.element_handle())
    if size == "phone":
        assert not viewer.locator("[data-viewer-thumbs]").is_visible()  # folded on a phone until asked for
        viewer.get_by_role("button", name="تصویرک صفحه‌ها").click()
    thumbs = viewer.locator(".viewer-thumb")
    assert thumbs.count() == 3 and thumbs.nth(0).get_attribute("aria-current") == "page"
    assert page.evaluate("""el => [...el.querySelectorAll('.viewer-thumb canvas')].every(c => c.width > 50 &&
        [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data].some(v => v < 200))""",
                         viewer.element_handle())
    desk.shot(page, f"{size}-opened")
    thumbs.nth(1).click()
    page.wait_for_function("el => el.dataset.drawn && el.dataset.drawn.startsWith('2:')", arg=viewer.element_handle())
    assert text(viewer.locator("[data-viewer-page]")) == "۲ از ۳"
    assert thumbs.nth(1).get_attribute("aria-current") == "page" and thumbs.nth(0).get_attribute("aria-current") is None

    # Zoom in: a larger page; the keyboard turns pages too (left arrow forward, right to left).
    before = float(viewer.get_attribute("data-scale"))
    viewer.get_by_role("button", name="بزرگ‌نمایی").click()
    page.wait_for_function("(a) => Number(a[0].dataset.scale) > a[1] && a[0].dataset.drawn.endsWith(a[0].dataset.scale)",
                           arg=[viewer.element_handle(), before])
    zoomed = _drawn(page, viewer)
    assert zoomed["width"] > first["width"]
    viewer.locator("[data-viewer-stage]").focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("el => el.dataset.drawn.startsWith('3:')", arg=viewer.element_handle())
    assert viewer.get_by_role("button", name="صفحه بعد").is_disabled()

    # Rotate: the page lies on its side.
    viewer.get_by_role("button", name="چرخش ۹۰ درجه").click()
    page.wait_for_function("el => el.dataset.drawn.startsWith('3:90:')", arg=viewer.element_handle())
    turned = _drawn(page, viewer)
    assert turned["width"] > turned["height"]
    desk.shot(page, f"{size}-zoomed-rotated")

    # A bad number of copies: refused in Persian, nothing counted, nothing printed.
    copies = viewer.locator("[data-viewer-copies]")
    assert copies.input_value() == "۱"
    copies.fill("۰")
    viewer.get_by_role("button", name="چاپ سند").click()
    status = viewer.locator("[data-viewer-status]")
    status.get_by_text("شمار نسخه‌ها باید از ۱ تا ۵۰ باشد.").wait_for()
    assert PrintRecord.objects.count() == 0 and page.evaluate("window.__printed") == []

    # Two copies: counted first, then the three pages go to the printer.
    copies.fill("۲")  # typed in Persian digits
    viewer.get_by_role("button", name="چاپ سند").click()
    page.wait_for_function("() => window.__printed.length === 1")
    assert page.evaluate("window.__printed") == [3]
    assert "چاپ ثبت شد" in text(status)
    row = PrintRecord.objects.get()
    assert (row.letter_id, row.user_id, row.pages, row.copies, row.kind) == (letter.pk, world.expert.pk, 3, 2, "letter")
    if size == "phone":
        assert_phone_layout(page, "the viewer on a phone")
        box = dialog.bounding_box()
        assert box["width"] <= PHONE["width"] + 1 and box["x"] >= -1  # the whole screen, nothing beyond it
    desk.shot(page, f"{size}-printed")

    # Esc closes the viewer and gives the focus back to the link that opened it.
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('viewer-dialog').open")
    _csp_clean(desk, page)


def test_a_photo_opens_in_the_same_frame_and_turns(desk, world, letter):
    page = _open(desk, world, letter, "desktop")
    page.get_by_role("link", name="نمایش عکس-بازدید.jpg").click()
    viewer = page.locator("#viewer-dialog [data-viewer]")
    _ready(page, viewer, 1)
    shown = _drawn(page, viewer)
    assert shown["ink"] > 50 and shown["width"] > shown["height"]  # landscape
    assert viewer.locator(".viewer-thumb").count() == 1
    desk.shot(page, "photo")
    viewer.get_by_role("button", name="چرخش ۹۰ درجه").click()
    page.wait_for_function("el => el.dataset.drawn.startsWith('1:90:')", arg=viewer.element_handle())
    turned = _drawn(page, viewer)
    assert turned["height"] > turned["width"]
    desk.shot(page, "photo-turned")
    viewer.get_by_role("button", name="بستن نمایشگر").click()
    assert not page.evaluate("document.getElementById('viewer-dialog').open")
    _csp_clean(desk, page)


def test_the_signed_pdf_of_a_letter_opens_in_the_viewer(desk, world):
    signing.create_authority(agency=world.agency)
    signing.issue_certificate(position=world.manager_pos)
    draft = make_draft(world, subject="گزارش پیشرفت طرح آبرسانی",
                       body="<p>گزارش پیشرفت طرح آبرسانی روستاهای استان به پیوست تقدیم می‌شود.</p>")
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=draft)
    signing.sign(user=world.manager, seat=world.seat(world.manager_pos), letter=draft)

    page = _open(desk, world, draft, "desktop")
    with page.expect_response(lambda r: r.url.endswith(f"/verify/letters/{draft.pk}.pdf")) as answer:
        page.get_by_role("link", name="نسخه PDF").click()
    assert answer.value.headers["x-dabir-signed"] == "1"
    viewer = page.locator("#viewer-dialog [data-viewer]")
    _ready(page, viewer, 1)
    assert text(viewer.locator("[data-viewer-title]")) == "نسخه PDF نامه"
    assert _drawn(page, viewer)["ink"] > 50
    desk.shot(page, "signed-pdf")
    _csp_clean(desk, page)

    # The same viewer on a page of its own (the link's address, for a new tab or without scripts).
    page.goto(desk.url(f"/letters/{draft.pk}/pdf/view/"))
    own = page.locator("[data-viewer]")
    _ready(page, own, 1)
    desk.shot(page, "signed-pdf-own-page")
    _csp_clean(desk, page)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_open_viewer_has_no_serious_accessibility_violation(browser, live_server, world, letter, size):
    """axe-core over the letter page with the viewer open on the PDF (its context alone bypasses the CSP to
    inject axe)."""
    from .test_accessibility import AXE, BLOCKING, RUN_AXE, _session

    context = browser.new_context(viewport=PHONE if size == "phone" else {"width": 1280, "height": 900},
                                  locale="fa-IR", timezone_id="Asia/Tehran", bypass_csp=True)
    try:
        context.add_cookies([{"name": "sessionid", "value": _session(world.expert), "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/letters/{letter.pk}/")
        page.get_by_role("link", name="نمایش گزارش-بازدید.pdf").click()
        viewer = page.locator("#viewer-dialog [data-viewer]")
        _ready(page, viewer, 3)
        page.wait_for_function("el => el.dataset.thumbs === '3'", arg=viewer.element_handle())
        page.add_script_tag(path=str(AXE))
        found = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
        assert not found, found
    finally:
        context.close()
