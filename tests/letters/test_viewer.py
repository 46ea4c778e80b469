"""The document viewer's pages: who may open a file (the same as who may download it), which files open
in it (PDF, JPEG, PNG, a TIFF scan through its text copy; anything else downloads), and a print from
the viewer counted like any print, with its pages and copies; bad counts refused in Persian."""

import io
import mimetypes
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from dabir.core.models import AuditEntry
from dabir.letters import policy, services
from dabir.letters.models import Attachment, PrintRecord
from dabir.letters.names import AuditAction
from dabir.letters.services import Upload
from tests.factories import JPEG_BYTES, PNG_BYTES, make_draft, make_pdf, register_incoming

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


def _tiff(width: int = 24) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, 16), (40, 90, 200)).save(out, "TIFF", compression="tiff_lzw")
    return out.getvalue()


PDF = make_pdf(pages=3, title="viewer")
TEXT_COPY = make_pdf(pages=1, title="text layer")


@pytest.fixture
def letter(world):
    """An incoming letter with one file of each kind, referred to the expert; a TIFF with its OCR copy."""
    letter = register_incoming(world, subject="گزارش بازدید کارخانه", uploads=[
        Upload("نامه.pdf", PDF), Upload("عکس.jpg", JPEG_BYTES), Upload("نمودار.png", PNG_BYTES),
        Upload("متن.docx", _docx()), Upload("اسکن.tif", _tiff(), is_scan=True), Upload("اسکن-دوم.tif", _tiff(30)),
    ], refer_to=[services.ReferralSpec(world.expert_pos.id, note="بررسی شود")])
    scanned = letter.attachments.get(name="اسکن.tif")
    scanned.searchable.save("scan-text.pdf", ContentFile(TEXT_COPY), save=True)
    return letter


def _file(letter, name) -> Attachment:
    return letter.attachments.get(name=name)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_letter_page_offers_the_viewer_exactly_for_the_files_the_policy_shows(world, letter):
    page = login(world.expert).get(reverse("letter_detail", args=[letter.pk])).content.decode()
    offered = set(re.findall(r'href="/attachments/(\d+)/view/"', page))
    expected = {str(a.pk) for a in letter.attachments.all() if policy.viewer_kind(a)}
    assert offered == expected
    assert {a.name for a in letter.attachments.filter(pk__in=[int(i) for i in offered])} == {
        "نامه.pdf", "عکس.jpg", "نمودار.png", "اسکن.tif"}
    # Every file still downloads as before; the viewer's dialog and its script come with the page.
    for attachment in letter.attachments.all():
        assert f'href="{reverse("attachment_download", args=[attachment.pk])}"' in page
    assert 'id="viewer-dialog"' in page and "dabir/viewer.js" in page and 'type="module"' in page
    assert 'aria-label="نمایش نامه.pdf"' in page


@pytest.mark.parametrize("name, content_type, expected", [
    ("نامه.pdf", "application/pdf", PDF),
    ("عکس.jpg", "image/jpeg", JPEG_BYTES),
    ("نمودار.png", "image/png", PNG_BYTES),
    ("اسکن.tif", "application/pdf", TEXT_COPY),  # browsers cannot draw TIFF: its copy with a text layer
])
def test_the_viewer_opens_a_file_and_serves_what_it_draws(world, letter, name, content_type, expected):
    attachment = _file(letter, name)
    client = login(world.expert)
    page = client.get(reverse("attachment_view", args=[attachment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-src="{reverse("attachment_view_file", args=[attachment.pk])}"' in html
    assert f'data-print-url="{reverse("viewer_print", args=[letter.pk])}"' in html
    assert "vendor/pdfjs/pdf.min.mjs" in html and "vendor/pdfjs/pdf.worker.min.mjs" in html
    assert 'aria-label="چرخش ۹۰ درجه"' in html and 'aria-label="بزرگ‌نمایی"' in html

    response = client.get(reverse("attachment_view_file", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert _body(response) == expected
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"].startswith("sandbox")  # opened alone, an uploaded PDF runs nothing
    assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize("name", ["متن.docx", "اسکن-دوم.tif"])
def test_a_file_the_browser_cannot_draw_is_offered_for_download(world, letter, name):
    attachment = _file(letter, name)
    client = login(world.expert)
    page = client.get(reverse("attachment_view", args=[attachment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "در مرورگر نمایش داده نمی‌شود" in html
    assert f'href="{reverse("attachment_download", args=[attachment.pk])}"' in html
    assert "data-viewer" not in html
    assert client.get(reverse("attachment_view_file", args=[attachment.pk])).status_code == 404


def test_an_outsider_gets_404_for_a_confidential_letters_files_and_nothing_leaks(world):
    secret = register_incoming(world, subject="پرونده محرمانه بازرسی", classification="confidential",
                               uploads=[Upload("گزارش-بازرسی.pdf", PDF)],
                               refer_to=[services.ReferralSpec(world.expert_pos.id, note="بررسی شود")])
    attachment = secret.attachments.get()
    urls = [reverse("attachment_view", args=[attachment.pk]), reverse("attachment_view_file", args=[attachment.pk]),
            reverse("letter_pdf_view", args=[secret.pk])]
    # The manager of the same agency is outside this letter's chain, as is the other expert.
    for outsider in (world.other, world.manager):
        client = login(outsider)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, url
            assert "محرمانه بازرسی" not in response.content.decode() and "گزارش-بازرسی" not in response.content.decode()
        # The download asks the same rule and answers the same.
        assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404
        assert client.post(reverse("viewer_print", args=[secret.pk]), {"pages": "1", "copies": "1"}).status_code == 404
    assert not PrintRecord.objects.filter(letter=secret).exists()
    # Those in its chain open it.
    for insider in (world.expert, world.clerk):
        assert login(insider).get(urls[0]).status_code == 200
        assert login(insider).get(urls[1]).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(world, letter):
    attachment = _file(letter, "نامه.pdf")
    client = Client()
    for url in (reverse("attachment_view", args=[attachment.pk]), reverse("attachment_view_file", args=[attachment.pk]),
                reverse("letter_pdf_view", args=[letter.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("viewer_print", args=[letter.pk]), {"pages": "1", "copies": "1"})
    assert response.status_code == 302
    assert not PrintRecord.objects.exists()


def test_a_print_from_the_viewer_is_counted_with_its_pages_and_copies(world, letter):
    client = login(world.expert)
    response = client.post(reverse("viewer_print", args=[letter.pk]), {"pages": "3", "copies": "۲"})
    assert response.status_code == 200, response.content
    assert response.json() == {"id": response.json()["id"], "pages": 3, "copies": 2}
    row = PrintRecord.objects.get(pk=response.json()["id"])
    assert (row.letter_id, row.user_id, row.agency_id, row.kind, row.pages, row.copies) == (
        letter.pk, world.expert.pk, world.agency.pk, PrintRecord.Kind.LETTER, 3, 2)
    entry = AuditEntry.objects.filter(action=AuditAction.LETTER_PRINT, object_id=str(letter.pk)).latest("id")
    assert entry.data == {"kind": "letter", "copies": 2, "pages": 3}


@pytest.mark.parametrize("data, field, message", [
    ({"pages": "3", "copies": "0"}, "copies", "شمار نسخه‌ها باید از ۱ تا ۵۰ باشد."),
    ({"pages": "3", "copies": "۵۱"}, "copies", "شمار نسخه‌ها باید از ۱ تا ۵۰ باشد."),
    ({"pages": "3", "copies": "دو"}, "copies", "شمار نسخه‌ها باید از ۱ تا ۵۰ باشد."),
    ({"pages": "3", "copies": "9" * 5000}, "copies", "شمار نسخه‌ها باید از ۱ تا ۵۰ باشد."),
    ({"pages": "0", "copies": "1"}, "pages", "شمار صفحه‌ها باید از ۱ تا ۱۰۰۰ باشد."),
    ({"copies": "1"}, "pages", "شمار صفحه‌ها باید از ۱ تا ۱۰۰۰ باشد."),
    ({"pages": "1001", "copies": "1"}, "pages", "شمار صفحه‌ها باید از ۱ تا ۱۰۰۰ باشد."),
])
def test_bad_counts_are_refused_in_persian_and_nothing_is_counted(world, letter, data, field, message):
    response = login(world.expert).post(reverse("viewer_print", args=[letter.pk]), data)
    assert response.status_code == 400
    assert response.json() == {"error": message, "field": field}
    assert not PrintRecord.objects.exists()


def test_printing_is_a_post(world, letter):
    assert login(world.expert).get(reverse("viewer_print", args=[letter.pk])).status_code == 405


def test_the_letters_pdf_opens_in_the_viewer(world):
    draft = make_draft(world, subject="گزارش پیشرفت طرح")
    client = login(world.expert)
    page = client.get(reverse("letter_detail", args=[draft.pk])).content.decode()
    button = re.search(r'<a [^>]*data-src="/verify/letters/\d+\.pdf"[^>]*>', page).group(0)
    assert f'href="{reverse("letter_pdf_view", args=[draft.pk])}"' in button and "data-viewer-open" in button
    viewer = client.get(reverse("letter_pdf_view", args=[draft.pk]))
    assert viewer.status_code == 200
    assert f'data-src="{reverse("letter_pdf", args=[draft.pk])}"' in viewer.content.decode()
    pdf = client.get(reverse("letter_pdf", args=[draft.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_pdfjs_modules_are_served_as_javascript():
    # Browsers run an ES module only with a JavaScript type (the settings register .mjs).
    assert mimetypes.guess_type("pdf.worker.min.mjs")[0] == "text/javascript"
