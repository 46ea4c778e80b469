"""The warm renderers: a few WeasyPrint font configurations with the stylesheet parsed, each lent to one
thread at a time; cached QR codes and signature images. Renders stay correct across threads and
documents, a change to what a letter shows (signature image, agency letterhead, stylesheet) shows on
the next render, fonts stay embedded; PAdES signatures made with reserved space still verify."""

import io
import subprocess
import threading
from pathlib import Path

import pytest

from dabir.core.text import normalize
from dabir.signing import pades, pdf
from dabir.signing import services as signing
from tests.signing.test_pdf import SUBJECT, pdftotext, registered, signed_letter


def pdffonts(data: bytes, tmp_path: Path) -> list[list[str]]:
    """pdffonts' table rows: name, type, encoding, emb, sub, uni, object, id."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def assert_fonts_embedded(data: bytes, tmp_path: Path) -> None:
    rows = pdffonts(data, tmp_path)
    names = {row[0].split("+", 1)[-1] for row in rows}
    assert {"Vazirmatn", "Vazirmatn-Bold"} <= names, rows
    # Columns from the end: emb sub uni object id. Every font embedded (as a subset), none taken from the reader.
    assert all(row[-5] == "yes" and row[-4] == "yes" for row in rows), rows


def image_sizes(data: bytes, tmp_path: Path) -> list[tuple[int, int]]:
    """Width and height of each raster image in the PDF (not its soft masks)."""
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(int(r[3]), int(r[4])) for r in rows if r[2] == "image"]


def png(width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(5, height - 5), (width - 5, 5)], fill=(20, 40, 120, 255), width=4)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_threads_render_at_once_and_each_gets_its_own_letter(world, tmp_path):
    first = registered(world, subject=SUBJECT)
    second = registered(world, subject="گزارش عملکرد دبیرخانه و بایگانی اسناد")
    jobs = [(pdf.render_html(letter), f"dabir-{letter.uid.hex}") for letter in (first, second)]
    # The reference bytes, one after the other in this thread; rendering is deterministic.
    serial = [pdf.html_to_pdf(html, ident) for html, ident in jobs]

    # More threads than warm renderers: some wait for one, none shares one with another.
    threads_n, rounds = pdf.RENDERERS + 2, 3
    results: dict[int, list[bytes]] = {i: [] for i in range(threads_n)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def work(i: int) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=120)  # all threads asking for a renderer at the same time
                results[i].append(pdf.html_to_pdf(*jobs[i % 2]))
        except BaseException as exc:  # reported in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    for i in range(threads_n):
        assert len(results[i]) == rounds
        assert all(data == serial[i % 2] for data in results[i])
    assert serial[0] != serial[1]
    assert len(pdf._IDLE_RENDERERS) <= pdf.RENDERERS  # no more renderers were built than allowed
    for i, letter in enumerate((first, second)):
        text = normalize(pdftotext(results[i][-1], tmp_path))
        assert normalize(letter.subject) in text and normalize("بسمه تعالی") in text
        assert_fonts_embedded(results[i][-1], tmp_path)


@pytest.mark.django_db
def test_fonts_stay_embedded_render_after_render(world, tmp_path):
    letter = registered(world)
    outputs = [pdf.render_letter(letter) for _ in range(3)]
    assert outputs[0] == outputs[1] == outputs[2]
    assert_fonts_embedded(outputs[-1], tmp_path)
    # The draft watermark uses the bold face at another size: still the embedded font.
    from tests.factories import make_draft

    assert_fonts_embedded(pdf.render_letter(make_draft(world, subject="پیش‌نویس آزمایشی")), tmp_path)


@pytest.mark.django_db
def test_changed_signature_image_and_letterhead_show_on_the_next_render(world, tmp_path):
    seat = world.seat(world.manager_pos)
    signing.upload_signature_image(user=world.manager, seat=seat, content=png(360, 140))
    letter, version = signed_letter(world)

    before = pdf.render_letter(version)
    assert (360, 140) in image_sizes(before, tmp_path)
    agency_name = world.agency.name
    assert normalize(agency_name) in normalize(pdftotext(before, tmp_path))

    # A new signature image and a renamed, moved agency: the next render shows both.
    signing.upload_signature_image(user=world.manager, seat=seat, content=png(300, 100))
    world.agency.name = f"{agency_name} جنوب"
    world.agency.address = "اهواز، بلوار ساحلی، ساختمان شمارهٔ دو"
    world.agency.save(update_fields=["name", "address"])
    version.letter.agency.refresh_from_db()

    after = pdf.render_letter(version)
    sizes = image_sizes(after, tmp_path)
    assert (300, 100) in sizes and (360, 140) not in sizes
    text = normalize(pdftotext(after, tmp_path))
    assert normalize(f"{agency_name} جنوب") in text
    assert normalize("بلوار ساحلی") in text


@pytest.mark.django_db
def test_edited_stylesheet_is_parsed_again(world, tmp_path, monkeypatch):
    letter = registered(world)
    assert normalize("جمهوری") in normalize(pdftotext(pdf.render_letter(letter), tmp_path))

    sheet = tmp_path / "letter_pdf.css"
    sheet.write_text(pdf.STYLESHEET.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(pdf, "STYLESHEET", sheet)
    assert normalize("جمهوری") in normalize(pdftotext(pdf.render_letter(letter), tmp_path))

    sheet.write_text(sheet.read_text(encoding="utf-8") + "\n.republic { display: none; }\n", encoding="utf-8")
    hidden = pdf.render_letter(letter)
    assert normalize("جمهوری") not in normalize(pdftotext(hidden, tmp_path))
    assert_fonts_embedded(hidden, tmp_path)


@pytest.mark.django_db
def test_qr_codes_differ_per_code_and_repeat_for_the_same(world):
    a, b = pdf.qr_data_uri("https://example.org/verify/A"), pdf.qr_data_uri("https://example.org/verify/B")
    assert a != b and a.startswith("data:image/svg+xml")
    assert pdf.qr_data_uri("https://example.org/verify/A") == a


# ---------------------------------------------------------------- PAdES with reserved space


def _valid(data: bytes) -> list[tuple[bool, bool, bool]]:
    return [(r["intact"], r["valid"], r["trusted"]) for r in pades.validate(data)]


@pytest.mark.django_db
def test_signature_in_reserved_space_verifies_and_a_short_reservation_falls_back(world, monkeypatch):
    letter, version = signed_letter(world)
    signatures = list(version.signatures.all())
    unsigned = pdf.render_letter(version)

    signed = pades.sign_pdf(unsigned, signatures)
    assert _valid(signed) == [(True, True, True)]

    # Too little room reserved: pyHanko refuses, and the signature is made with room measured.
    monkeypatch.setattr(pades, "_CMS_OVERHEAD", -1000)
    fallback = pades.sign_pdf(unsigned, signatures)
    assert _valid(fallback) == [(True, True, True)]
    [result] = pades.validate(fallback)
    assert result["covers_whole_file"]


@pytest.mark.django_db
def test_rsa_signature_fits_its_reservation(world, monkeypatch):
    world.agency.name = f"{world.agency.name} خوزستان"
    world.agency.save(update_fields=["name"])
    signing.create_authority(agency=world.agency, name="مرجع گواهی آزمون", key_type="rsa")
    certificate = signing.issue_certificate(position=world.manager_pos, key_type="rsa")
    letter = registered(world)
    version = signing.current_version(letter)
    [signature] = version.signatures.all()
    assert signature.certificate_id == certificate.id

    calls = []
    real_sign = pades.signers.sign_pdf

    def spy(*args, **kwargs):
        calls.append(kwargs.get("bytes_reserved"))
        return real_sign(*args, **kwargs)

    monkeypatch.setattr(pades.signers, "sign_pdf", spy)
    material = pades.material_for(signature)
    data = pades.sign_with(pdf.render_letter(version), [material])
    assert _valid(data) == [(True, True, True)]
    # Signed once, in the reserved room: no retry with pyHanko's own estimate.
    assert calls == [pades._reserved_bytes(material)]
