"""The sender's reminder (یادآوری) of a referral still unanswered: a notice to whoever works its inbox."""

from django.db import transaction
from django.urls import reverse

from dabir.core.errors import Conflict
from dabir.core.jalali import format_date
from dabir.notify import notices
from dabir.notify.models import Notification
from dabir.orgs.models import Assignment
from dabir.orgs.selectors import Seat

from .. import policy
from ..dashboard import reminded_today
from ..models import Classification, Referral
from ..names import AuditAction, NoticeKind
from ._shared import _check_visible, _lock_referral, _own_seat, _record


def _notice_text(referral: Referral) -> tuple[str, str]:
    """Title and body of the notice. A classified letter's subject and the margin note stay out of it:
    the notice travels further (SMS, e-mail, digest) than the letter may."""
    letter = referral.letter
    sender = referral.from_position.title if referral.from_position else "دبیرخانه"
    if letter.classification == Classification.UNCLASSIFIED:
        title = f"یادآوری {sender}: {letter.subject}"
    else:
        title = f"یادآوری {sender}: یک نامه {letter.get_classification_display()}"
    body = f"ارجاع {format_date(referral.created_at)} هنوز پاسخی نگرفته است."
    if referral.deadline:
        body += f" مهلت آن {format_date(referral.deadline)} است."
    return title, body


@transaction.atomic
def remind(*, user, seat: Seat, referral: Referral) -> list[Notification]:
    """The seat that made an open referral reminds its receiver: one notice to each person holding or
    acting for the receiving position, at most once a day per referral, with its audit entry."""
    seat = _own_seat(user, seat)
    referral = _lock_referral(referral)  # two clicks at once: the second finds the first's audit entry
    letter = referral.letter
    _check_visible(user, letter)
    if not referral.is_open:
        raise Conflict("این ارجاع دیگر باز نیست؛ یادآوری لازم نیست.")
    policy.check_remind(seat, referral)
    if reminded_today([referral.id]):
        raise Conflict("امروز برای این ارجاع یک بار یادآوری فرستاده‌اید؛ فردا دوباره می‌توانید.")
    users = [
        a.user for a in Assignment.objects.current()
        .filter(position_id=referral.to_position_id, user__is_active=True).select_related("user")
    ]
    if not users:
        raise Conflict("اکنون کسی این سمت را در اختیار ندارد؛ یادآوری به کسی نمی‌رسد.")
    title, body = _notice_text(referral)
    rows = notices.notify(
        users, kind=NoticeKind.REMINDER, title=title, body=body,
        url=reverse("letter_detail", args=[letter.id]), related=f"letters.referral:{referral.id}",
    )
    _record(AuditAction.REFERRAL_REMIND, referral, user, seat, {
        "letter": letter.id, "to": referral.to_position_id, "users": sorted(u.pk for u in users),
    })
    return rows
