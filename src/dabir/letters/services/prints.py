"""Counting prints of a letter or its referral sheet (supervision counts paper from these)."""

from django.db import transaction

from dabir.core import audit

from ..models import Letter, PrintRecord
from ..names import AuditAction
from ._shared import _check_choice, _check_visible


@transaction.atomic
def record_print(*, user, letter: Letter, kind: str = PrintRecord.Kind.LETTER) -> PrintRecord:
    """Count a print of the letter or its referral sheet (supervision counts paper from these)."""
    _check_choice(kind, PrintRecord.Kind, "kind", "نوع چاپ")
    _check_visible(user, letter)
    row = PrintRecord.objects.create(letter=letter, user=user, agency_id=letter.agency_id, kind=kind)
    audit.record(action=AuditAction.LETTER_PRINT, obj=letter, actor=user, data={"kind": kind})
    return row
