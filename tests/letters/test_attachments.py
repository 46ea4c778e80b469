"""Attachments: checked by content, stored under their SHA-256; a refusal leaves nothing behind."""

import hashlib

import pytest

from dabir.core.errors import DomainError
from dabir.core.models import AuditEntry
from dabir.letters import services
from dabir.letters.models import Attachment, Letter
from dabir.orgs.models import NumberCounter

from ..factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, ZIP_BYTES, make_draft, register_incoming


def _nothing_left(world):
    assert not Letter.objects.filter(agency=world.agency).exists()
    assert not Attachment.objects.exists()
    assert not NumberCounter.objects.filter(series__secretariat=world.secretariat, last__gt=0).exists()
    assert not AuditEntry.objects.filter(action="letter.register_incoming").exists()


def _refused(world, name, content, code):
    with pytest.raises(DomainError) as refused:
        register_incoming(world, uploads=[services.Upload("cover.pdf", PDF_BYTES), services.Upload(name, content)])
    error = refused.value
    assert error.field == "attachments"
    assert error.code == code
    assert name.rsplit("/", 1)[-1] in error.message
    assert any("\u0600" <= ch <= "\u06ff" for ch in error.message)  # a Persian message
    _nothing_left(world)
    return error


def test_valid_files_are_stored_under_their_sha256(world):
    # given a PDF and a scanned PNG
    uploads = [services.Upload("نامه.pdf", PDF_BYTES), services.Upload("scan.png", PNG_BYTES, is_scan=True)]
    # when an incoming letter is registered with them
    letter = register_incoming(world, uploads=uploads)
    # then each is kept with its detected type, size and the SHA-256 of the bytes actually stored
    pdf, png = letter.attachments.order_by("id")
    assert (pdf.name, pdf.content_type, pdf.size, pdf.is_scan) == ("نامه.pdf", "application/pdf", len(PDF_BYTES), False)
    assert (png.content_type, png.is_scan) == ("image/png", True)
    for att, content in ((pdf, PDF_BYTES), (png, PNG_BYTES)):
        with att.file.open("rb") as fh:
            stored = fh.read()
        assert stored == content
        assert hashlib.sha256(stored).hexdigest() == att.sha256
        assert att.file.name.endswith(att.sha256)
    # and the audit entry names the files by hash
    entry = AuditEntry.objects.get(action="letter.register_incoming")
    assert entry.data["attachments"] == [pdf.sha256, png.sha256]


def test_the_same_content_is_stored_once(world):
    # given a file already attached to one letter
    first = register_incoming(world, uploads=[services.Upload("a.pdf", PDF_BYTES)]).attachments.get()
    # when the same bytes come with another letter under another name
    second = register_incoming(world, uploads=[services.Upload("b.pdf", PDF_BYTES)]).attachments.get()
    # then both rows point at one stored file
    assert first.file.name == second.file.name
    assert second.name == "b.pdf"


def test_a_text_file_named_pdf_is_refused_as_disguised(world):
    _refused(world, "report.pdf", "این یک متن ساده است، نه PDF".encode(), "disguised_file")


def test_a_program_named_jpg_is_refused_as_disguised(world):
    _refused(world, "photo.jpg", EXE_BYTES, "disguised_file")


def test_a_zip_named_jpg_is_refused_as_disguised(world):
    _refused(world, "photo.jpg", ZIP_BYTES, "disguised_file")


def test_a_jpeg_named_pdf_is_refused_as_disguised(world):
    _refused(world, "letter.pdf", JPEG_BYTES, "disguised_file")


def test_a_program_under_its_own_name_is_refused_by_type(world):
    _refused(world, "setup.exe", EXE_BYTES, "file_type")


def test_an_empty_file_is_refused(world):
    _refused(world, "empty.pdf", b"", "empty_file")


def test_a_file_over_the_limit_is_refused(world, settings):
    # given a limit of 1 KiB
    settings.DABIR_MAX_ATTACHMENT_BYTES = 1024
    # then a 1025-byte PDF is refused, naming the limit in Persian digits
    error = _refused(world, "big.pdf", PDF_BYTES + b" " * (1025 - len(PDF_BYTES)), "file_too_large")
    assert "۱ کیلوبایت" in error.message
    # and one of exactly 1024 bytes passes
    letter = register_incoming(world, uploads=[services.Upload("ok.pdf", PDF_BYTES + b" " * (1024 - len(PDF_BYTES)))])
    assert letter.attachments.get().size == 1024


def test_a_path_in_the_file_name_is_dropped(world):
    # given a client that sends a path as the file name
    letter = register_incoming(world, uploads=[services.Upload("..\\..\\secret/نامه.pdf", PDF_BYTES)])
    # then only the file's own name is kept
    assert letter.attachments.get().name == "نامه.pdf"


def test_a_bad_file_on_a_draft_leaves_the_draft_as_it_was(world):
    # given a draft with one attachment
    letter = make_draft(world, uploads=[services.Upload("a.pdf", PDF_BYTES)])
    entries = AuditEntry.objects.count()
    # when its author adds a good file and a disguised one
    with pytest.raises(DomainError) as refused:
        services.add_attachments(
            user=world.expert, seat=world.seat(world.expert_pos), letter=letter,
            uploads=[services.Upload("b.png", PNG_BYTES), services.Upload("c.png", b"not an image")],
        )
    # then neither is added and no audit entry is written
    assert refused.value.field == "attachments"
    assert letter.attachments.count() == 1
    assert AuditEntry.objects.count() == entries


def test_a_bad_file_refuses_the_draft_itself(world):
    # when a draft is created with a disguised file
    with pytest.raises(DomainError) as refused:
        make_draft(world, uploads=[services.Upload("x.docx", b"plain text")])
    # then no draft exists
    assert refused.value.field == "attachments"
    assert not Letter.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_the_author_or_the_secretariat_may_attach(world):
    # given a draft by the expert
    letter = make_draft(world)
    # when another position tries to attach a file
    with pytest.raises(DomainError) as refused:
        services.add_attachments(
            user=world.other, seat=world.seat(world.other_pos), letter=letter,
            uploads=[services.Upload("a.pdf", PDF_BYTES)],
        )
    # then it is refused
    assert refused.value.status == 403
    assert not letter.attachments.exists()
