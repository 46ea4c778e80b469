"""Uploads are parsed whole, not judged by their first bytes (the one checker, letters.attachments).

Given crafted files — a PDF header followed by an executable, a truncated PDF, an image whose data
is broken, a zip bomb named .docx — when they are uploaded through the checker, the compose page or
the API, then each is refused with a Persian message naming the file and nothing saved is lost;
whole PDFs, images and office documents still pass.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from dabir.core.errors import DomainError
from dabir.letters import attachments
from dabir.letters.models import Letter

from ..factories import PDF_BYTES, make_draft, make_jpeg, make_pdf, make_png
from .test_api_helpers import Api, assert_problem, upload
from .test_pages import compose_data, login

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + bytes(range(256)) * 8


def _docx(extra: dict[str, bytes] | None = None, *, document=True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if document:
            archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="secret-1405", owner_password="owner-1405", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _refused(name: str, content: bytes) -> str:
    with pytest.raises(DomainError) as refused:
        attachments.check(name, content)
    error = refused.value
    assert error.field == "attachments" and f"«{name}»" in error.message and "پذیرفته نشد" in error.message
    return error.message


@pytest.mark.parametrize("name, content", [
    ("fake.pdf", b"%PDF-1.4\n" + ELF),  # the reported case: a PDF header, then a program
    ("truncated.pdf", PDF_BYTES[: len(PDF_BYTES) // 2]),
    ("riding.pdf", PDF_BYTES + ELF),  # a whole PDF with a program appended after its end
    ("broken.png", make_png(8, 8)[:-20] + b"\x00" * 20),  # the end chunk overwritten
    ("truncated.jpg", make_jpeg(64, 64)[:300]),
    ("noisy.jpg", make_jpeg(64, 64)[:200] + b"\xff\xd9"),  # markers fine, image data cut short
    ("notes.docx", _docx(document=False)),  # a zip, but no Word document inside
])
def test_files_that_do_not_parse_whole_are_refused(name, content):
    _refused(name, content)


def test_a_pdf_locked_with_a_password_we_do_not_have_is_refused():
    assert "رمزدار" in _refused("locked.pdf", _encrypted_pdf())


def test_a_zip_bomb_named_docx_is_refused():
    # 30 MB of zeros squeezed into a few tens of kilobytes: a ratio no document has
    bomb = _docx({"word/media/fill.bin": b"\x00" * (30 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    assert "بیش از اندازه بزرگ" in _refused("bomb.docx", bomb)


def test_archive_limits_on_entries_and_expanded_size(settings):
    settings.DABIR_UPLOAD_ZIP_MAX_ENTRIES = 10
    assert "بخش" in _refused("many.docx", _docx({f"word/p{i}.xml": b"<p/>" for i in range(20)}))
    settings.DABIR_UPLOAD_ZIP_MAX_BYTES = 64 * 1024
    assert "بزرگ" in _refused("big.docx", _docx({"word/media/a.bin": bytes(range(256)) * 400}))


def test_an_image_beyond_the_pixel_budget_is_refused_before_decoding(settings):
    settings.DABIR_UPLOAD_MAX_PIXELS = 1000
    assert "بیش از اندازه بزرگ" in _refused("huge.png", make_png(40, 40))


@pytest.mark.parametrize("name, content, mime", [
    ("letter.pdf", make_pdf(pages=3), "application/pdf"),
    ("photo.jpg", make_jpeg(32, 32), "image/jpeg"),
    ("scan.png", make_png(16, 16), "image/png"),
    ("report.docx", _docx({"word/styles.xml": "<w:styles/>" * 200}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
])
def test_whole_files_pass(name, content, mime):
    assert attachments.check(name, content).content_type == mime


def test_compose_page_refuses_a_fake_pdf_and_keeps_what_was_typed(world):
    fake = SimpleUploadedFile("fake.pdf", b"%PDF-1.4\n" + ELF, content_type="application/pdf")
    response = login(world.expert).post(reverse("compose"), {**compose_data(world), "attachments": [fake]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "«fake.pdf»" in html and "پذیرفته نشد" in html
    assert 'value="درخواست تجهیزات"' in html
    assert not Letter.objects.filter(created_by=world.expert).exists()


def test_compose_page_accepts_a_whole_pdf(world):
    good = SimpleUploadedFile("plan.pdf", make_pdf(pages=2), content_type="application/pdf")
    response = login(world.expert).post(reverse("compose"), {**compose_data(world), "attachments": [good]})
    assert response.status_code == 302
    assert Letter.objects.get(created_by=world.expert).attachments.get().name == "plan.pdf"


@pytest.mark.parametrize("name, content", [
    ("fake.pdf", b"%PDF-1.4\n" + ELF),
    ("bomb.docx", _docx({"word/media/fill.bin": b"\x00" * (30 * 1024 * 1024)})),
    ("broken.png", make_png(8, 8)[:-20] + b"\x00" * 20),
    ("riding.png", make_png(8, 8) + ELF),
])
def test_api_refuses_crafted_files_and_the_drafts_attachments_stay(world, name, content):
    letter = make_draft(world, uploads=[])
    api = Api(world.expert, world.expert_pos)
    kept = api.multipart(f"/api/letters/{letter.id}/attachments", {"files": [upload("kept.pdf", PDF_BYTES)]})
    assert kept.status_code == 201, kept.content[:300]
    response = api.multipart(f"/api/letters/{letter.id}/attachments",
                             {"files": [upload("more.docx", _docx()), upload(name, content)]})
    body = assert_problem(response, 400)
    assert f"«{name}»" in body["detail"]
    assert list(letter.attachments.values_list("name", flat=True)) == ["kept.pdf"]


def test_desk_api_refuses_a_fake_pdf_for_a_required_document(world):
    """The service desk's request documents go through the same checker."""
    from dabir.desk.models import ServiceRequest
    from tests.desk.test_services import ANSWERS, make_citizen, setup_desk

    service = setup_desk(world)
    api = Api(make_citizen())
    url = f"/api/desk/services/{service.code}/requests"
    body = assert_problem(api.multipart(url, {**ANSWERS, "deed": upload("deed.pdf", b"%PDF-1.4\n" + ELF)}), 400)
    assert body["errors"][0]["field"] == "deed" and "«deed.pdf»" in body["errors"][0]["message"]
    assert not ServiceRequest.objects.exists()
    accepted = api.multipart(url, {**ANSWERS, "deed": upload("deed.pdf", make_pdf())})
    assert accepted.status_code in (200, 201), accepted.content[:300]


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("run.exe", ELF * 20)
    return out.getvalue()


def _tiff(pages: int = 1) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    first, *rest = [Image.new("RGB", (24 + i, 16), (i * 40, 90, 200)) for i in range(pages)]
    first.save(out, "TIFF", save_all=True, append_images=rest, compression="tiff_lzw")
    return out.getvalue()


@pytest.mark.parametrize("name, content", [
    ("photo.png", make_png(16, 16) + ELF),  # a whole PNG, a program after its IEND chunk
    ("photo.jpg", make_jpeg(32, 32) + _zip()),  # a whole JPEG, an archive after its EOI marker
    ("scan.tif", _tiff() + _zip()),
])
def test_an_image_with_data_after_its_end_is_refused(name, content):
    assert "پس از پایان تصویر" in _refused(name, content)


@pytest.mark.parametrize("name, content", [
    ("padded.jpg", make_jpeg(32, 32) + b"\x00" * 16),  # NUL padding some scanners leave: no content
    ("pages.tif", _tiff(pages=3)),
])
def test_images_that_end_where_they_say_pass(name, content):
    assert attachments.check(name, content).name == name

