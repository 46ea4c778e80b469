"""Folders (پرونده): creating one and filing a letter into it."""

from django.db import transaction

from dabir.core import audit
from dabir.core.errors import Conflict, NotAllowed
from dabir.orgs.selectors import Seat

from .. import policy
from ..models import Filing, Folder, Letter, Status
from ..names import AuditAction
from ._shared import _check_visible, _lock, _own_seat, _record, _require_text


@transaction.atomic
def file_letter(*, user, seat: Seat, letter: Letter, folder: Folder) -> Filing:
    """File a letter the user may see into one of their agency's folders (once per folder)."""
    seat = _own_seat(user, seat)
    letter = _lock(letter)
    _check_visible(user, letter)
    if letter.status == Status.VOID:
        raise Conflict("نامه ابطال‌شده را نمی‌توان در پرونده گذاشت.")
    policy.check(user, seat, letter, "file")
    if folder.agency_id != seat.position.unit.agency_id:
        raise NotAllowed("این پرونده از دستگاه شما نیست.", field="folder")
    filing, created = Filing.objects.get_or_create(folder=folder, letter=letter, defaults={"filed_by": user})
    if not created:
        raise Conflict("این نامه پیش‌تر در این پرونده بایگانی شده است.", field="folder")
    _record(AuditAction.LETTER_FILE, letter, user, seat, {"folder": folder.id})
    return filing


@transaction.atomic
def create_folder(*, user, seat: Seat, code: str, title: str) -> Folder:
    seat = _own_seat(user, seat)
    code = _require_text(code, "code", "کد پرونده", 32)
    title = _require_text(title, "title", "عنوان پرونده", 200)
    agency = seat.position.unit.agency
    if Folder.objects.filter(agency=agency, code=code).exists():
        raise Conflict("پرونده‌ای با این کد هست.", field="code")
    folder = Folder.objects.create(agency=agency, unit=seat.position.unit, code=code, title=title)
    audit.record(action=AuditAction.FOLDER_CREATE, obj=folder, actor=user, position=seat.position, as_acting=seat.as_acting)
    return folder
