"""store_message(): one intake item per (mailbox, UIDVALIDITY, UID), with its files, raw message and audit."""

import hashlib

import pytest
from django.db import connection

from dabir.channels import secrets
from dabir.channels.models import IntakeFile, IntakeItem, Mailbox
from dabir.channels.names import AuditAction
from dabir.channels.services.receiving import store_message
from dabir.core.models import AuditEntry

from . import messages as m


@pytest.fixture
def mailbox(world):
    return Mailbox.objects.create(secretariat=world.secretariat, name="صندوق", address="dabir@agency.example.ir",
                                  imap_host="127.0.0.1", username="dabir", password_encrypted=secrets.encrypt("x"),
                                  fax_senders="fax@faxserver.example.ir")


def test_stores_item_files_raw_and_audit(mailbox):
    raw = m.nested_inline()
    item, created = store_message(mailbox, raw, uidvalidity=7, uid=1)
    assert created and item.secretariat_id == mailbox.secretariat_id and item.state == IntakeItem.State.PENDING
    assert (item.subject, item.sender_address, item.message_id) == ("تو در تو", "nested@example.ir", "nested@x")
    assert item.raw.read() == raw and item.sha256 == hashlib.sha256(raw).hexdigest() and item.size == len(raw)
    files = list(item.files.all())
    assert [f.name for f in files] == ["logo.png", "نامه پیوست.pdf", "پیام-3.eml"]
    assert files[0].inline and files[0].file.read() == m.png("logo")
    assert files[0].sha256 == hashlib.sha256(files[0].file.open().read()).hexdigest()
    entry = AuditEntry.objects.get(action=AuditAction.INTAKE_STORE, object_id=str(item.pk))
    assert entry.actor is None and entry.data["uid"] == 1 and entry.data["files"] == 3


def test_same_uid_again_returns_the_existing_item(mailbox):
    first, created = store_message(mailbox, m.plain(), uidvalidity=7, uid=5)
    again, created_again = store_message(mailbox, m.plain(), uidvalidity=7, uid=5)
    assert created and not created_again and again.pk == first.pk
    assert IntakeItem.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.INTAKE_STORE).count() == 1
    _, other_validity = store_message(mailbox, m.plain("نامه دیگر", message_id="<other@x>"), uidvalidity=8, uid=5)
    assert other_validity  # a new UIDVALIDITY: UID 5 is another message
    same, created_same = store_message(mailbox, m.plain(), uidvalidity=8, uid=6)
    assert not created_same and same.pk == first.pk  # the folder rebuilt: the same bytes are the same message


def test_the_constraint_is_the_last_guard(mailbox, monkeypatch):
    """Two workers past the lookup at once: the second insert fails and returns the first's row."""
    first, _ = store_message(mailbox, m.plain(), uidvalidity=7, uid=9)
    from dabir.channels.services import receiving

    calls = []
    real = receiving.existing

    def misses_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(receiving, "existing", misses_first)
    again, created = store_message(mailbox, m.plain(), uidvalidity=7, uid=9)
    assert not created and again.pk == first.pk and IntakeItem.objects.count() == 1


def test_same_content_stored_once_on_disk(mailbox):
    raw = m.fax()
    a, _ = store_message(mailbox, raw, uidvalidity=1, uid=1)
    b, _ = store_message(mailbox, raw, uidvalidity=1, uid=2)
    assert a.raw.name == b.raw.name and a.files.get().file.name == b.files.get().file.name


def test_fax_item(mailbox):
    item, _ = store_message(mailbox, m.fax("+982188776655"), uidvalidity=1, uid=1)
    assert item.kind == IntakeItem.Kind.FAX and item.calling_number == "+982188776655"
    assert item.files.get().name == "fax-0001.pdf"


def test_thirty_megabyte_attachment_queued_with_the_rest_and_a_note(mailbox):
    item, _ = store_message(mailbox, m.big_attachment(30), uidvalidity=1, uid=1)
    assert [f.name for f in item.files.all()] == ["small.png"]
    assert any("huge.bin" in p for p in item.problems)


def test_message_over_the_limit_keeps_headers_only(mailbox, settings):
    settings.DABIR_MAIL_MAX_MESSAGE_BYTES = 1024 * 1024
    raw = m.big_attachment(2)
    item, _ = store_message(mailbox, raw, uidvalidity=1, uid=1)
    assert item.subject == "پیوست بزرگ" and item.size == len(raw) and not item.files.exists()
    assert len(item.raw.read()) < 2000 and "فقط سرآیندهای" in item.problems[0]


@pytest.mark.parametrize("name", sorted(m.MALFORMED))
def test_malformed_messages_are_queued_with_notes(mailbox, name):
    item, created = store_message(mailbox, m.MALFORMED[name], uidvalidity=1, uid=1)
    assert created and item.problems
    item.refresh_from_db()  # what the database (PostgreSQL too) kept
    assert item.raw.read() == m.MALFORMED[name]


def test_no_uid_is_never_deduplicated(mailbox):
    store_message(mailbox, m.plain())
    store_message(mailbox, m.plain())
    assert IntakeItem.objects.count() == 2 and IntakeFile.objects.count() == 0
    assert connection.vendor in ("sqlite", "postgresql")
