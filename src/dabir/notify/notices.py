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

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from dabir.core import audit, labels
from dabir.core.errors import DomainError
from dabir.core.validators import validate_mobile

from .mail import queue_mail
from .models import NoticePreference, NoticeProfile, Notification
from .names import AuditAction, SmsKind
from .services import queue_sms


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
    if not rows:
        return
    kind = rows[0].kind
    wanted = {
        p.user_id: p for p in NoticePreference.objects.filter(kind=kind, user_id__in=list(users))
        if p.by_sms or p.by_email
    }
    if not wanted:
        return
    digest_users = set(
        NoticeProfile.objects.filter(user_id__in=list(wanted), digest=True).values_list("user_id", flat=True)
    )
    for row in rows:
        preference = wanted.get(row.user_id)
        if preference is None or row.user_id in digest_users:
            continue  # the digest job sends these later, in one message a day
        user = users[row.user_id]
        related = f"notify.notification:{row.pk}"
        if preference.by_sms and (mobile := usable_mobile(user)):
            queue_sms(mobile=mobile, text=sms_text(row.title, row.url), kind=SmsKind.NOTICE, related=related)
        if preference.by_email and user.email:
            queue_mail(to=user.email, subject=f"دبیر: {' '.join(row.title.split())}", text=mail_text([row]), kind=SmsKind.NOTICE,
                       related=related)


def usable_mobile(user) -> str:
    """The user's mobile in its normal form, or "" when it is missing or not a mobile (no copy, no error:
    a wrong number in a profile must never fail the event that raised the notice)."""
    try:
        return validate_mobile(user.mobile) if user.mobile else ""
    except DomainError:
        return ""


def absolute(url: str) -> str:
    return f"{settings.DABIR_PUBLIC_URL.rstrip('/')}{url}" if is_local(url) else ""


def sms_text(title: str, url: str) -> str:
    link = absolute(url)
    return f"دبیر: {title}" + (f"\n{link}" if link else "")


def mail_text(rows) -> str:
    lines = []
    for row in rows:
        lines.append(f"- {row.title}")
        if link := absolute(row.url):
            lines.append(f"  {link}")
    lines += ["", "این پیام را دبیر فرستاده است؛ شیوه دریافت اعلان‌ها را در صفحه «تنظیم اعلان‌ها» تغییر دهید:",
              absolute(reverse("notify:preferences"))]
    return "\n".join(lines)


def is_local(url: str) -> bool:
    """A path on this site (/letters/42/), never another host: "//evil", "/\\evil" and "https://…" are not."""
    return bool(url) and url.startswith("/") and not url.startswith(("//", "/\\")) and url_has_allowed_host_and_scheme(
        url, allowed_hosts=set(), require_https=False)


# ---------------------------------------------------------------- the user's own notices (the bell's page)


def mark_read(*, user, notice: Notification) -> Notification:
    """Mark one of the user's notices read (opening it); a second time changes nothing."""
    if notice.user_id != user.pk:
        raise DomainError("این اعلان از آن شما نیست.")
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=timezone.now())
        if changed:
            audit.record(action=AuditAction.NOTICE_READ, obj=notice, actor=user, data={"kind": notice.kind})
    notice.refresh_from_db(fields=["read_at"])
    return notice


def mark_all_read(*, user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
        if count:
            audit.record(action=AuditAction.NOTICE_READ_ALL, obj=user, actor=user, data={"count": count})
    return count
