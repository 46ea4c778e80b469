"""OCR of letters' scans and images: queued when a file is attached, read in the worker.

Letters sends attachments_added in the transaction that saves the files; the PDFs and images among
them are marked «در صف خواندن متن» and one job each is queued with that change (jobs.enqueue_with_change:
a rolled-back upload leaves no job). The job reads the stored file (channels.ocr) and hands the text to
letters.services.record_text, which joins it to the letter's search text; a file that gives no text,
fails or runs out of time is marked «متن خوانده نشد» with the reason, never left pending in silence.
Reading is idempotent: a job run twice records the same text.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from dabir.core import audit, jobs
from dabir.letters.models import Attachment, TextStatus
from dabir.letters.services import record_text

from .. import ocr, tasks
from ..names import AuditAction

log = logging.getLogger(__name__)


def enabled() -> bool:
    return int(settings.DABIR_OCR_MAX_PAGES) > 0


def readable(attachment: Attachment) -> bool:
    return attachment.content_type in ocr.READABLE_TYPES


def on_attachments_added(sender, *, letter, attachments, **kwargs) -> None:
    """Receiver of letters.signals.attachments_added: runs in the letters' writing transaction."""
    _queue([a for a in attachments if readable(a)])


def _queue(attachments: list[Attachment]) -> list[int]:
    if not attachments or not enabled():
        return []
    ids = [a.pk for a in attachments]
    Attachment.objects.filter(pk__in=ids).update(text_status=TextStatus.PENDING, text_note="")
    for attachment in attachments:
        attachment.text_status, attachment.text_note = TextStatus.PENDING, ""
    for pk in ids:
        # a scan waits behind the SMS and letters being sent: OCR takes seconds, they take milliseconds
        jobs.enqueue_with_change(jobs.background(tasks.read_attachment), pk)
    return ids


def read(attachment_id: int) -> str:
    """The worker's job: read one attachment and record what came of it; returns the status."""
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        return "gone"  # the letter's draft was deleted meanwhile
    try:
        with attachment.file.open("rb") as stored:
            content = stored.read()
    except OSError:
        log.exception("OCR: attachment %s has no stored file", attachment_id)
        return _record(attachment_id, TextStatus.UNREADABLE, note="فایل پیوست در انبار پرونده‌ها پیدا نشد")
    try:
        reading = ocr.read_file(content, attachment.content_type)
    except Exception:  # a fault of ours: recorded as unreadable (and logged), not a job that dies silently
        log.exception("OCR: reading attachment %s failed", attachment_id)
        return _record(attachment_id, TextStatus.UNREADABLE, note="خطای ناشناخته در خواندن متن؛ در گزارش کارساز ثبت شد")
    if ocr.has_words(reading.text):
        return _record(attachment_id, TextStatus.DONE, text=reading.text, note=reading.note,
                       searchable=reading.searchable_pdf)
    return _record(attachment_id, TextStatus.UNREADABLE, note=reading.note or ocr.NO_TEXT)


def _record(attachment_id: int, status: str, **kwargs) -> str:
    saved = record_text(attachment_id=attachment_id, status=status, **kwargs)
    return status if saved is not None else "gone"


@transaction.atomic
def requeue(ids: Iterable[int] | None = None, *, unreadable: bool = False) -> list[int]:
    """Queue again the given attachments, or (no ids) those still pending, and the unreadable ones
    with `unreadable` — after the worker was down, Tesseract was installed, or limits were raised."""
    rows = Attachment.objects.filter(content_type__in=ocr.READABLE_TYPES)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    else:
        states = Q(text_status=TextStatus.PENDING)
        if unreadable:
            states |= Q(text_status=TextStatus.UNREADABLE)
        rows = rows.filter(states)
    attachments = list(rows.select_related("letter").order_by("id"))
    queued = _queue(attachments)
    for attachment in attachments if queued else []:
        audit.record(action=AuditAction.OCR_REQUEUE, obj=attachment.letter, data={
            "attachment": attachment.pk, "sha256": attachment.sha256,
        })
    return queued


def counts() -> dict[str, int]:
    """Attachments by text status, for `dabir ocr pending`."""
    out = {status: 0 for status in TextStatus.values}
    rows = Attachment.objects.exclude(text_status="").values("text_status").annotate(n=Count("id"))
    out.update({row["text_status"]: row["n"] for row in rows})
    return out
