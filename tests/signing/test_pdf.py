"""Letters render to PDF on the letterhead, in Persian, right to left; PAdES signatures inside."""

import re
import subprocess
from pathlib import Path

import pytest

from dabir.core.jalali import format_date
from dabir.core.text import normalize, to_persian_digits
from dabir.letters import services as letter_services
from dabir.signing import pdf
from tests.factories import PDF_BYTES, make_draft, make_registered

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"

SUBJECT = "درخواست تأمین اعتبار طرح توسعهٔ شبکهٔ ارتباطی ادارات شهرستان"
BODY = (
    "<p>احتراماً، پیرو نامهٔ شمارهٔ قبلی و با توجه به نیاز ادارات تابعه به اتصال پایدار به شبکهٔ دولت، "
    "خواهشمند است دستور فرمایید نسبت به تأمین اعتبار ۱۲۵۰ میلیون ریالی طرح توسعهٔ شبکهٔ ارتباطی اقدام لازم "
    "به عمل آید.</p><p>برآورد هزینه‌ها و جدول زمان‌بندی اجرای طرح به پیوست تقدیم می‌شود.</p>"
)


def pdftotext(data: bytes, tmp_path: Path, *options) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *options, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def save_png(data: bytes, name: str) -> Path:
    """Page 1 as a PNG under test-artifacts/pdf/, to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    src = ARTIFACTS / f"{name}.pdf"
    src.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(src),
                    str(ARTIFACTS / name)], check=True)
    return ARTIFACTS / f"{name}.png"


def registered(world, **kw):
    kw.setdefault("subject", SUBJECT)
    kw.setdefault("body", BODY)
    kw.setdefault("kind", "outgoing")
    kw.setdefault("to", ["جناب آقای دکتر احمدی، مدیرکل محترم دفتر بودجه سازمان برنامه و بودجه"])
    kw.setdefault("cc", [world.other_pos.id, "معاونت توسعه مدیریت و منابع"])
    return make_registered(world, **kw)


@pytest.mark.django_db
def test_registered_letter_renders_persian_text_in_logical_order(world, tmp_path):
    letter = registered(world)
    data = pdf.render_letter(letter)
    assert data.startswith(b"%PDF-")
    png = save_png(data, "registered")
    text = normalize(pdftotext(data, tmp_path))
    assert normalize(SUBJECT) in text
    assert normalize("بسمه تعالی") in text
    assert normalize(world.agency.name) in text
    # The official number is laid out left to right, its parts in the order they were issued
    # (pdftotext -bbox reports each word's glyphs as they stand on the page, left to right).
    words = pdftotext(data, tmp_path, "-bbox")
    assert f">{to_persian_digits(letter.number)}</word>" in words
    assert f">{format_date(letter.registered_at)}</word>" in words
    assert "پیش نویس" not in text
    assert png.stat().st_size > 10_000


@pytest.mark.django_db
def test_draft_carries_watermark_and_no_number(world, tmp_path):
    letter = make_draft(world, subject="پیش‌نویس گزارش عملکرد", body="<p>متن آزمایشی</p>")
    data = pdf.render_letter(letter)
    save_png(data, "draft")
    # The watermark is drawn diagonally, which pdftotext cannot put back together; its glyphs
    # are there (see test-artifacts/pdf/draft.png) and the page says the copy has no force.
    assert 'class="watermark">پیش‌نویس<' in pdf.render_html(letter)
    assert 'class="watermark"' not in pdf.render_html(registered(world))
    text = normalize(pdftotext(data, tmp_path))
    assert normalize("اعتبار رسمی ندارد") in text
    assert re.search(r"شماره\s*:\s*—", text)


@pytest.mark.django_db
def test_classified_urgent_letter_shows_marks(world, tmp_path):
    letter = registered(world, classification="confidential", urgency="immediate")
    text = normalize(pdftotext(pdf.render_letter(letter), tmp_path))
    assert normalize("خیلی محرمانه") in text
    assert normalize("آنی") in text


@pytest.mark.django_db
def test_body_cannot_fetch_outside_resources(world, tmp_path, settings):
    letter = registered(world)
    # A style smuggled past the editor would make the renderer fetch a remote address.
    letter.body = '<p style="background: url(http://169.254.169.254/latest/meta-data)">متن</p>'
    seen = []
    fetcher = pdf._LocalOnlyFetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("http://169.254.169.254/latest/meta-data")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    seen.append(pdf.render_letter(letter))
    assert seen[0].startswith(b"%PDF-")


@pytest.mark.django_db
def test_attachment_mark(world, tmp_path):
    letter = make_draft(world)
    assert re.search(r"پیوست\s*:\s*ندارد", normalize(pdftotext(pdf.render_letter(letter), tmp_path)))
    letter_services.add_attachments(
        user=world.expert, seat=world.seat(world.expert_pos), letter=letter,
        uploads=[letter_services.Upload(name="برآورد.pdf", content=PDF_BYTES)],
    )
    text = normalize(pdftotext(pdf.render_letter(letter), tmp_path))
    assert re.search(r"پیوست\s*:\s*دارد", text)
