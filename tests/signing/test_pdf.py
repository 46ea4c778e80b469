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


# ---------------------------------------------------------------- signed letters: PAdES inside the PDF


def signed_letter(world, *, circuit=False, **kw):
    """A registered letter signed digitally on approval by the manager (and, with `circuit`, first by a deputy)."""
    from dabir.letters import services as letters
    from dabir.signing import services as signing

    # X.509 names with Persian text must start and end with a Persian letter (RFC 4518 bidi rule,
    # enforced by asn1crypto under pyHanko); the test agency's name ends with a digit.
    world.agency.name = f"{world.agency.name} خوزستان"
    world.agency.save(update_fields=["name"])
    signing.create_authority(agency=world.agency, name="مرجع گواهی آزمون")
    signing.issue_certificate(position=world.manager_pos)
    if not circuit:
        letter = registered(world, **kw)
    else:
        deputy_pos = world.extra.get("deputy_pos")
        if deputy_pos is None:
            from tests.factories import make_position, make_user

            deputy = make_user(first_name="حسن", last_name="معاونی")
            deputy_pos = make_position(world.unit, "معاون توسعه مدیریت", holder=deputy, can_sign=True)
            world.extra.update(deputy=deputy, deputy_pos=deputy_pos)
        signing.issue_certificate(position=deputy_pos)
        kw.setdefault("subject", SUBJECT)
        kw.setdefault("body", BODY)
        kw.setdefault("kind", "outgoing")
        kw.setdefault("to", ["جناب آقای دکتر احمدی، مدیرکل محترم دفتر بودجه سازمان برنامه و بودجه"])
        letter = make_draft(world, **kw)
        signing.set_circuit(letter, [deputy_pos, world.manager_pos])
        letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
        letters.approve(user=world.extra["deputy"], seat=world.seat(deputy_pos), letter=letter)
        letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
        letters.register_letter(user=world.clerk, letter=letter)
        letter.refresh_from_db()
    version = signing.current_version(letter)
    return letter, version


def pdfsig(data: bytes, tmp_path: Path, name="signed.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    # pdfsig exits non-zero when a signature fails; its report is what we read.
    done = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True)
    return done.stdout + done.stderr


def flip_byte_in_signed_range(data: bytes) -> bytes:
    """Change one byte of page content inside the first signature's byte range."""
    at = data.index(b"stream", len(data) // 4)  # a content or font stream of the original revision
    at += 20
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


@pytest.mark.django_db
def test_signed_pdf_passes_pdfsig_and_pyhanko_and_altered_fails(world, tmp_path):
    from dabir.signing import keys, pades

    letter, version = signed_letter(world)
    data = pdf.letter_pdf(version)
    assert pades.count_signatures(data) == 1
    save_png(data, "signed")

    report = pdfsig(data, tmp_path)
    assert "Signature #1" in report
    assert "Signature Validation: Signature is Valid." in report
    assert "ETSI.CAdES.detached" in report
    # pdfsig does not know our agency CA; trust is pyHanko's job below.
    assert "Signature #2" not in report

    roots = [keys.load_certificate(keys.authority_for(world.agency).certificate_pem)]
    [ok] = pades.validate(data, roots)
    assert ok["intact"] and ok["valid"] and ok["trusted"] and ok["covers_whole_file"]
    assert "مدیری" in ok["signer"]

    # The same check, straight through pyHanko's public API.
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    vc = ValidationContext(trust_roots=[pades._asn1_cert(c) for c in roots], allow_fetching=False)
    status = validate_pdf_signature(PdfFileReader(BytesIO(data)).embedded_signatures[0], vc)
    assert status.intact and status.valid and status.trusted

    altered = flip_byte_in_signed_range(data)
    assert altered != data and len(altered) == len(data)
    report = pdfsig(altered, tmp_path, "altered.pdf")
    assert "Signature Validation: Signature is Valid." not in report
    assert "Signature Validation:" in report
    status = validate_pdf_signature(PdfFileReader(BytesIO(altered), strict=False).embedded_signatures[0], vc)
    assert not status.intact
    [bad] = pades.validate(altered, roots)
    assert not bad["intact"]


@pytest.mark.django_db
def test_circuit_gives_one_signature_per_signer_in_order(world, tmp_path):
    from dabir.signing import pades

    letter, version = signed_letter(world, circuit=True)
    data = pdf.letter_pdf(version)
    report = pdfsig(data, tmp_path)
    assert report.count("Signature Validation: Signature is Valid.") == 2
    results = pades.validate(data)
    assert [r["intact"] and r["valid"] and r["trusted"] for r in results] == [True, True]
    assert "معاونی" in results[0]["signer"] and "مدیری" in results[1]["signer"]
    assert not results[0]["covers_whole_file"] and results[1]["covers_whole_file"]
    text = normalize(pdftotext(data, tmp_path))
    assert normalize("معاون توسعه مدیریت") in text and normalize("حسن معاونی") in text
    save_png(data, "circuit")


@pytest.mark.django_db
def test_letter_pdf_is_made_once_and_reused(world, tmp_path):
    letter, version = signed_letter(world)
    first = pdf.letter_pdf(version)
    version.refresh_from_db()
    assert version.pdf and version.pdf_sha256 == pdf.sha256(first)
    assert pdf.letter_pdf(version) == first
    text = normalize(pdftotext(first, tmp_path))
    # The QR's address and the code are printed beside it.
    assert version.code[:4].lower() in text
    assert "/verify/" in text


@pytest.mark.django_db
def test_check_uploaded_pdf(world, tmp_path):
    letter, version = signed_letter(world)
    data = pdf.letter_pdf(version)
    good = pdf.check_uploaded_pdf(data)
    assert good.ok, good.checks
    assert good.version == version

    altered = pdf.check_uploaded_pdf(flip_byte_in_signed_range(data))
    assert not altered.ok
    assert "pades" in altered.failed() and "issued" in altered.failed()

    not_pdf = pdf.check_uploaded_pdf(b"GIF89a not a pdf")
    assert not not_pdf.ok and not_pdf.failed() == ["file"]

    # A PDF that is genuine bytes-for-bytes but unsigned is not an issued letter.
    unsigned = pdf.check_uploaded_pdf(pdf.render_letter(letter))
    assert not unsigned.ok and set(unsigned.failed()) == {"pades", "issued"}


def signature_png() -> bytes:
    """A handwritten-looking stroke on a transparent background."""
    import io
    import math

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (360, 140), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    points = [(20 + x, 80 + 35 * math.sin(x / 18) * math.exp(-x / 260)) for x in range(0, 320, 4)]
    draw.line(points, fill=(20, 40, 120, 255), width=5, joint="curve")
    draw.line([(60, 115), (300, 40)], fill=(20, 40, 120, 255), width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_signature_image_drawn_on_signed_letter(world, tmp_path):
    from dabir.signing import services as signing

    signing.upload_signature_image(user=world.manager, seat=world.seat(world.manager_pos), content=signature_png())
    letter, version = signed_letter(world)
    data = pdf.letter_pdf(version)
    path = tmp_path / "with-image.pdf"
    path.write_bytes(data)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert "image" in images and "smask" in images  # the PNG with its transparency
    save_png(data, "signed-with-image")
