"""Counting prints of a letter or its referral sheet (supervision counts paper from these)."""

from django.db import transaction
from django.utils.html import strip_tags

from dabir.core import audit
from dabir.core.errors import DomainError
from dabir.core.jalali import persian

from ..models import Letter, PrintRecord
from ..names import AuditAction
from ._shared import _check_choice, _check_visible

MAX_COPIES = 50
# A4 pages a letter's text fills, roughly (the print page's type size); the letterhead and signature
# fit on the first page.
CHARS_PER_PAGE = 2500


def estimated_pages(letter: Letter, kind: str) -> int:
    """Pages of one printed copy: the letter's text by length; a referral sheet one page."""
    if kind != PrintRecord.Kind.LETTER:
        return 1
    return 1 + len(strip_tags(letter.body or "")) // CHARS_PER_PAGE


@transaction.atomic
def record_print(*, user, letter: Letter, kind: str = PrintRecord.Kind.LETTER, copies: int = 1,
                 pages: int | None = None) -> PrintRecord:
    """Count a print of the letter or its referral sheet (supervision counts paper from these)."""
    _check_choice(kind, PrintRecord.Kind, "kind", "نوع چاپ")
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise DomainError(f"شمار نسخه‌ها باید از ۱ تا {persian(MAX_COPIES)} باشد.", field="copies")
    if pages is not None and (not isinstance(pages, int) or not 1 <= pages <= 1000):
        raise DomainError("شمار صفحه‌ها باید از ۱ تا ۱۰۰۰ باشد.", field="pages")
    _check_visible(user, letter)
    row = PrintRecord.objects.create(letter=letter, user=user, agency_id=letter.agency_id, kind=kind, copies=copies,
                                     pages=pages or estimated_pages(letter, kind))
    audit.record(action=AuditAction.LETTER_PRINT, obj=letter, actor=user,
                 data={"kind": kind, "copies": copies, "pages": row.pages})
    return row
