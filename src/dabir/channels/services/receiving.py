"""Storing a fetched e-mail or fax in its secretariat's intake queue, once.

A message is known by (mailbox, UIDVALIDITY, UID): storing it again returns the row already there, so
a poll killed between the commit and the flag on the server only flags it next time. After the folder
is rebuilt (a new UIDVALIDITY), a message with the same bytes as one stored before is that message. The raw message
is kept beside what was read of it; files are stored under their SHA-256 like letters' attachments.
"""

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from dabir.core import audit
from dabir.letters.attachments import CheckedFile

from .. import parsing
from ..models import IntakeFile, IntakeItem, Mailbox, intake_file_path
from ..names import AuditAction

log = logging.getLogger("dabir.channels.mail")


def _headers_only(raw: bytes) -> bytes:
    for end in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(end)
        if at >= 0:
            return raw[: at + len(end)]
    return raw[:64 * 1024]


def existing(mailbox: Mailbox, uidvalidity, uid) -> IntakeItem | None:
    if uid is None:
        return None
    return IntakeItem.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()


def store_message(mailbox: Mailbox, raw: bytes, *, uidvalidity=None, uid=None) -> tuple[IntakeItem, bool]:
    """The message as an intake item with its files; (item, created). Never raises for bad content."""
    found = existing(mailbox, uidvalidity, uid)
    if found:
        return found, False
    size = len(raw)
    kept = raw
    notes = []
    if size > settings.DABIR_MAIL_MAX_MESSAGE_BYTES:
        kept = _headers_only(raw)
        notes.append(f"پیام با حجم {parsing.size_text(size)} بیش از حد مجاز "
                     f"({parsing.size_text(settings.DABIR_MAIL_MAX_MESSAGE_BYTES)}) بود؛ فقط سرآیندهای آن نگه "
                     "داشته شد. متن و پیوست‌ها را از فرستنده بخواهید.")
    if uid is not None:
        # A folder rebuilt on the server (new UIDVALIDITY, Dabir's marks lost) gives its old messages new
        # UIDs: the same bytes stored under the folder's earlier life are the same message, not a new one.
        before = (IntakeItem.objects.filter(mailbox=mailbox, sha256=hashlib.sha256(kept).hexdigest())
                  .exclude(uidvalidity=uidvalidity).order_by("id").first())
        if before is not None:
            return before, False
    parsed = parsing.parse(kept, fax_senders=mailbox.fax_sender_list(), fax_header=mailbox.fax_header)
    return _save(mailbox, kept, size, parsed, notes, uidvalidity, uid)


def store_unreadable(mailbox: Mailbox, raw: bytes, note: str, *, uidvalidity=None, uid=None):
    """The last resort of a poll when storing failed: the raw message and a note, no reading at all."""
    found = existing(mailbox, uidvalidity, uid)
    if found:
        return found, False
    return _save(mailbox, raw, len(raw), parsing.Parsed(), [note], uidvalidity, uid)


def _save(mailbox, raw, size, parsed: parsing.Parsed, notes, uidvalidity, uid) -> tuple[IntakeItem, bool]:
    digest = hashlib.sha256(raw).hexdigest()
    item = IntakeItem(
        mailbox=mailbox, secretariat_id=mailbox.secretariat_id, kind=parsed.kind,
        uidvalidity=uidvalidity, uid=uid, message_id=parsed.message_id[:255],
        sender_name=parsed.sender_name[:300], sender_address=parsed.sender_address[:320],
        calling_number=parsed.calling_number[:40], subject=" ".join(parsed.subject.split())[:500],
        text=parsed.text, html=parsed.html, sent_at=parsed.sent_at, size=size, sha256=digest,
        problems=[*notes, *parsed.problems],
    )
    _put(item.raw, f"raw/{digest[:2]}/{digest}.eml", raw)
    files = []
    for order, part in enumerate(parsed.files):
        sha = hashlib.sha256(part.content).hexdigest()
        row = IntakeFile(name=part.name[:255], content_type=part.content_type[:100], size=len(part.content),
                         sha256=sha, inline=part.inline, order=order)
        CheckedFile(part.name, part.content, part.content_type, sha).store(row.file, intake_file_path(row, part.name))
        files.append(row)
    try:
        with transaction.atomic():
            with transaction.atomic():  # a savepoint: another worker stored the same UID first
                item.save()
            for row in files:
                row.item = item
            IntakeFile.objects.bulk_create(files)
            audit.record(action=AuditAction.INTAKE_STORE, obj=item, data={
                "mailbox": mailbox.pk, "uidvalidity": uidvalidity, "uid": uid, "kind": item.kind,
                "message_id": item.message_id, "sha256": digest, "files": len(files),
                "problems": len(item.problems)})
    except IntegrityError:
        found = existing(mailbox, uidvalidity, uid)
        if found is None:
            raise
        return found, False
    return item, True


def _put(field, name: str, content: bytes) -> None:
    """The raw message under its hash: the same bytes are stored once, whoever stores them."""
    path = f"intake/{name}"
    if field.storage.exists(path):
        field.name = path
    else:
        field.save(name, ContentFile(content), save=False)
