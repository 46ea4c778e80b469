"""In-app notices (the bell) and their copies by SMS or e-mail.

    with transaction.atomic():
        ...change...
        notices.notify(users, kind=NoticeKind.REFERRAL_NEW, title="…", url="/letters/42/",
                       related="letters.referral:7")

The Notification rows are written in the caller's transaction, so a notice exists exactly when its
event does. Copies by SMS or e-mail follow each user's NoticePreference for the kind: queued in the
same transaction in the outboxes (SmsMessage, MailMessage), or left for the daily digest when the
user chose one (NoticeProfile.digest). A failed send never touches the in-app notice.
`kind` is a member of the raising app's NoticeKind (names.py); a kind no app declares is refused.
"""

from django.db import transaction

from dabir.core import labels

from .models import Notification


def notify(users, *, kind: str, title: str, url: str = "", body: str = "", related: str = "",
           once: bool = False) -> list[Notification]:
    """One notice per distinct active user. `once`: skip users who already hold a notice of this
    kind about `related` (the periodic deadline notices run every few minutes)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notify must run inside the caller's transaction")
    labels.check(labels.NOTICE_KIND, kind)
    by_id = {u.pk: u for u in users if u is not None and u.is_active}
    if once and related and by_id:
        had = set(
            Notification.objects.filter(kind=kind, related=related, user_id__in=list(by_id))
            .values_list("user_id", flat=True)
        )
        by_id = {pk: u for pk, u in by_id.items() if pk not in had}
    rows = Notification.objects.bulk_create([
        Notification(user=u, kind=str(kind), title=title[:300], body=body, url=url[:300], related=related[:100])
        for u in by_id.values()
    ])
    _queue_copies(rows, by_id)
    return rows


def _queue_copies(rows: list[Notification], users: dict) -> None:
    """SMS and e-mail copies by each user's preferences (or nothing now, for digest users)."""
    # NOTIFY-COPIES: filled by the delivery part (preferences, outboxes, digest).
    return None
