"""OCR of letters' scans: queued with the upload, read by the worker (real OCRmyPDF and Tesseract), the
text joined to the letter's search (the real search, on SQLite's FTS5 or PostgreSQL's tsvector table),
the letter page's panel and the copy with a text layer behind letters.policy."""

import functools
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from dabir.channels import ocr as engine
from dabir.channels.services import ocr
from dabir.core.models import AuditEntry
from dabir.letters.models import Attachment, TextStatus
from dabir.letters.search import search_letters
from dabir.letters.services import Upload, add_attachments
from tests.factories import make_draft, register_incoming

from . import scans

# The worker (db_worker) closes and reopens connections: the tests run outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)
# What only OCRmyPDF and Tesseract decide (the search through each engine's index is tested on both)
# runs once, in the SQLite run.
once = pytest.mark.engine_independent

WORD = "خوزستان"  # in the scans' text, nowhere in the letter's subject or sender


@functools.cache
def _scan_pdf() -> bytes:
    return scans.scanned_pdf()


def _jobs():
    return DBTaskResult.objects.filter(task_path="dabir.channels.tasks.read_attachment")


def _run_jobs():
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _register(world, name: str, content: bytes, is_scan=True):
    letter = register_incoming(world, uploads=[Upload(name, content, is_scan=is_scan)])
    return letter, letter.attachments.get()


def test_a_registered_scan_is_read_by_the_worker_and_found_by_search(world, client):
    letter, attachment = _register(world, "scan.pdf", _scan_pdf())
    assert attachment.text_status == TextStatus.PENDING
    [job] = _jobs()
    assert job.args_kwargs["args"] == [attachment.pk]
    assert not search_letters(world.clerk, q=WORD).exists()

    _run_jobs()
    attachment.refresh_from_db()
    assert attachment.text_status == TextStatus.DONE, attachment.text_note
    assert WORD in attachment.text and "احمدی" in attachment.text
    layer = "".join(page.extract_text() for page in PdfReader(attachment.searchable.open("rb")).pages)
    assert WORD in layer  # the copy carries an invisible text layer
    with attachment.file.open("rb") as original:
        assert original.read() == _scan_pdf()  # the original never changes
    assert list(search_letters(world.clerk, q=WORD)) == [letter]
    assert list(search_letters(world.clerk, q="نوسازی مدارس")) == [letter]
    assert not search_letters(world.other, q=WORD).exists()  # the search never shows what policy hides
    entry = AuditEntry.objects.filter(action="letter.attachment_text").latest("id")
    assert entry.data["status"] == "done" and entry.data["attachment"] == attachment.pk

    # The panel on the letter page and the copy with a text layer.
    client.force_login(world.clerk)
    page = client.get(reverse("letter_detail", args=[letter.pk])).content.decode()
    assert 'id="ocr-panel"' in page and "متن خوانده شد" in page and WORD in page
    url = reverse("channels:scan_text_pdf", args=[attachment.pk])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

    client.force_login(world.other)  # may not see the letter
    assert client.get(url).status_code == 403
    assert client.get(reverse("channels:scan_text_pdf", args=[attachment.pk + 999])).status_code == 404


def test_a_pending_scan_shows_in_the_panel_and_a_rolled_back_upload_leaves_no_job(world, client):
    letter, attachment = _register(world, "scan.pdf", _scan_pdf())
    client.force_login(world.clerk)
    page = client.get(reverse("letter_detail", args=[letter.pk])).content.decode()
    assert "در صف خواندن متن" in page
    # No copy yet: the link is absent and the URL answers 404.
    assert client.get(reverse("channels:scan_text_pdf", args=[attachment.pk])).status_code == 404

    draft = make_draft(world)
    before = _jobs().count()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_attachments(user=world.expert, seat=world.seat(world.expert_pos), letter=draft,
                        uploads=[Upload("scan2.jpg", scans.scanned_jpeg())])
        assert _jobs().count() == before + 1
        raise RuntimeError
    assert _jobs().count() == before


@once
def test_a_blank_page_is_unreadable_with_its_reason(world):
    letter, attachment = _register(world, "blank.pdf", scans.scanned_pdf(images=[scans.blank_page()]))
    _run_jobs()
    attachment.refresh_from_db()
    assert attachment.text_status == TextStatus.UNREADABLE
    assert attachment.text_note == engine.NO_TEXT and attachment.text == "" and not attachment.searchable


def test_a_born_digital_pdf_gives_its_own_text_without_ocr(world):
    letter, attachment = _register(world, "letter.pdf", scans.born_digital_pdf(), is_scan=False)
    _run_jobs()
    attachment.refresh_from_db()
    assert attachment.text_status == TextStatus.DONE
    assert WORD in attachment.text
    assert not attachment.searchable  # no OCR ran: nothing to add a text layer to
    assert list(search_letters(world.clerk, q=WORD)) == [letter]


@once
def test_a_jpeg_and_a_fax_tiff_are_read(world):
    letter, attachment = _register(world, "scan.jpg", scans.scanned_jpeg())
    tiff = add_attachments(user=world.clerk, seat=world.seat(world.clerk_pos), letter=letter,
                           uploads=[Upload("fax.tif", scans.scanned_tiff(pages=2))])[0]
    assert tiff.text_status == TextStatus.PENDING
    _run_jobs()
    for a in (attachment, tiff):
        a.refresh_from_db()
        assert a.text_status == TextStatus.DONE, a.text_note
        assert "بودجه" in a.text
        assert a.searchable
    assert len(PdfReader(tiff.searchable.open("rb")).pages) == 2


@once
def test_only_the_first_pages_are_read_and_the_note_says_so(world, settings):
    settings.DABIR_OCR_MAX_PAGES = 1
    reading = engine.read_file(scans.scanned_pdf(pages=2), "application/pdf")
    assert reading.pages == 2 and "۱ صفحه نخست از ۲" in reading.note
    assert len(PdfReader(io.BytesIO(reading.searchable_pdf)).pages) == 1
    letter, attachment = _register(world, "long.pdf", scans.born_digital_pdf(pages=3), is_scan=False)
    _run_jobs()
    attachment.refresh_from_db()
    assert attachment.text_status == TextStatus.DONE and "۱ صفحه نخست از ۳" in attachment.text_note


@once
def test_ocr_off_queues_nothing_and_other_files_are_not_queued(world, settings):
    settings.DABIR_OCR_MAX_PAGES = 0
    _, attachment = _register(world, "scan.jpg", scans.scanned_jpeg())
    assert attachment.text_status == "" and not _jobs().exists()


@once
def test_no_tesseract_a_timeout_and_a_lost_file_are_unreadable_with_a_persian_reason(world, settings, monkeypatch):
    letter, attachment = _register(world, "scan.pdf", _scan_pdf())
    monkeypatch.setenv("PATH", "/nonexistent")  # a server without Tesseract
    assert ocr.read(attachment.pk) == TextStatus.UNREADABLE
    attachment.refresh_from_db()
    assert attachment.text_note == engine.NOT_INSTALLED
    monkeypatch.undo()

    settings.DABIR_OCR_TIMEOUT = 1
    reading = engine.read_file(scans.scanned_pdf(pages=3), "application/pdf")
    assert reading.text == "" and "ثانیه طول کشید" in reading.note

    attachment.file.storage.delete(attachment.file.name)
    assert ocr.read(attachment.pk) == TextStatus.UNREADABLE
    attachment.refresh_from_db()
    assert "پیدا نشد" in attachment.text_note


@once
def test_retry_and_the_support_command(world, capsys):
    _, attachment = _register(world, "blank.pdf", scans.scanned_pdf(images=[scans.blank_page()]))
    call_command("ocr", "run", str(attachment.pk))
    assert capsys.readouterr().out.startswith("unreadable")
    call_command("ocr", "pending")
    assert "unreadable\t1" in capsys.readouterr().out
    DBTaskResult.objects.all().delete()

    call_command("ocr", "retry")  # only pending ones by default
    assert not _jobs().exists()
    with transaction.atomic():
        call_command("ocr", "retry", "--unreadable")
    assert [j.args_kwargs["args"] for j in _jobs()] == [[attachment.pk]]
    attachment.refresh_from_db()
    assert attachment.text_status == TextStatus.PENDING
    assert AuditEntry.objects.filter(action="channels.ocr.requeue").count() == 1
    assert Attachment.objects.get(pk=attachment.pk).text_note == ""
