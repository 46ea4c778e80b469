"""Attaching files to a draft or a registered incoming letter."""

from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction

from dabir.orgs.selectors import Seat

from .. import policy
from ..models import Attachment, Letter, TextStatus
from ..names import AuditAction
from ..search import letter_search_text
from ._shared import Upload, _check_choice, _check_files, _lock, _own_seat, _record, _save_files

MAX_TEXT = 200_000  # characters of one attachment's text kept for search (about 80 full pages)


@transaction.atomic
def add_attachments(*, user, seat: Seat, letter: Letter, uploads: Sequence[Upload]) -> list[Attachment]:
    """Attach files to a draft (author) or to a registered incoming letter (its secretariat)."""
    seat = _own_seat(user, seat)
    checked = _check_files(uploads)  # parsed before the lock, so the letter is not held meanwhile
    letter = _lock(letter)
    policy.check(user, seat, letter, "attach")
    saved = _save_files(letter, user, uploads, checked)
    _record(AuditAction.LETTER_ATTACH, letter, user, seat, {"sha256": [a.sha256 for a in saved]})
    return saved


@transaction.atomic
def record_text(*, attachment_id: int, status: str, text: str = "", note: str = "",
                searchable: bytes | None = None) -> Attachment | None:
    """Keep what was read of an attachment (OCR in the worker, no user) and put it in its letter's
    search text; `searchable` is the scan's copy with a text layer, kept beside the original (which
    never changes: a signed letter's hash covers it). None when the attachment is gone."""
    _check_choice(status, TextStatus, "text_status", "وضعیت خواندن متن")
    found = Attachment.objects.filter(pk=attachment_id).select_related("letter").first()
    if found is None:
        return None
    letter = _lock(found.letter)  # the letter first, as every other write to it does
    attachment = Attachment.objects.select_for_update().get(pk=found.pk)
    attachment.text = (text or "").strip()[:MAX_TEXT]
    attachment.text_status, attachment.text_note = status, (note or "")[:300]
    fields = ["text", "text_status", "text_note"]
    if searchable:
        attachment.searchable.save(f"{attachment.sha256}.pdf", ContentFile(searchable), save=False)
        fields.append("searchable")
    attachment.save(update_fields=fields)
    # A queryset update: reading a scan is not a change of the letter (its updated_at stays).
    Letter.objects.filter(pk=letter.pk).update(search_text=letter_search_text(letter))
    _record(AuditAction.LETTER_ATTACHMENT_TEXT, letter, None, None, {
        "attachment": attachment.pk, "sha256": attachment.sha256, "status": status,
        "characters": len(attachment.text),
    })
    return attachment
