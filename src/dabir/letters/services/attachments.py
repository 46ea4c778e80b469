"""Attaching files to a draft or a registered incoming letter."""

from collections.abc import Sequence

from django.db import transaction

from dabir.orgs.selectors import Seat

from .. import policy
from ..models import Attachment, Letter
from ..names import AuditAction
from ._shared import Upload, _check_files, _lock, _own_seat, _record, _save_files


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
