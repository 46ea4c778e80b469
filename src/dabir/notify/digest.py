"""The daily digest: one SMS and/or one e-mail a day instead of a copy per notice.

A user with NoticeProfile.digest gets no single copies (notices._queue_copies skips them). Once a day,
at the first round of the worker at or after their digest_hour (Asia/Tehran), the notices since their
last digest that are still unread and of a kind they want by SMS (or by e-mail) go in one message of
each; those notices are marked digested_at. A notice already read in the bell is not told again.
The worker's periodic round (notify/apps.py) calls send_due every DABIR_NOTIFY_DIGEST_SECONDS.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dabir.core import audit
from dabir.core.text import to_persian_digits

from .mail import queue_mail
from .models import NoticePreference, NoticeProfile, Notification
from .names import AuditAction, SmsKind
from .notices import absolute, mail_text, usable_mobile
from .services import MAX_TEXT, queue_sms

logger = logging.getLogger(__name__)

FIRST_WINDOW = dt.timedelta(days=1)  # a first digest covers the last day at most
SMS_TITLES = 3  # an SMS names the first few; the e-mail names them all


def _due(profile: NoticeProfile, now: dt.datetime) -> bool:
    local = timezone.localtime(now)
    if local.hour < profile.digest_hour:
        return False
    return profile.last_digest_at is None or timezone.localtime(profile.last_digest_at).date() < local.date()


def due_profiles(now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    hour = timezone.localtime(now).hour
    candidates = NoticeProfile.objects.filter(digest=True, digest_hour__lte=hour, user__is_active=True)
    return [p.pk for p in candidates if _due(p, now)]


def send_due(now: dt.datetime | None = None) -> int:
    """Send every digest that is due; returns how many users got one. A failure for one user is logged
    and that user is tried again next round; the others go on."""
    now = now or timezone.now()
    sent = 0
    for profile_id in due_profiles(now):
        try:
            sent += bool(send_digest(profile_id, now=now))
        except Exception:
            logger.exception("Notice digest for profile %s failed", profile_id)
    return sent


def _sms(rows) -> str:
    head = f"دبیر: {to_persian_digits(len(rows))} اعلان تازه"
    titles = [f"- {r.title}" for r in rows[:SMS_TITLES]]
    more = [f"و {to_persian_digits(len(rows) - SMS_TITLES)} اعلان دیگر"] if len(rows) > SMS_TITLES else []
    text = "\n".join([head, *titles, *more, absolute("/notify/notices/")])
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@transaction.atomic
def send_digest(profile_id: int, *, now: dt.datetime | None = None) -> list[Notification]:
    """One user's digest, if it is still due (the profile row is locked: two workers send it once)."""
    now = now or timezone.now()
    profile = NoticeProfile.objects.select_for_update().select_related("user").get(pk=profile_id)
    if not profile.digest or not _due(profile, now):
        return []
    user = profile.user
    since = profile.last_digest_at or now - FIRST_WINDOW
    preferences = list(NoticePreference.objects.filter(Q(by_sms=True) | Q(by_email=True), user=user))
    by_sms = {p.kind for p in preferences if p.by_sms}
    by_email = {p.kind for p in preferences if p.by_email}
    rows = list(
        Notification.objects.filter(user=user, read_at__isnull=True, digested_at__isnull=True,
                                    created_at__gt=since, created_at__lte=now, kind__in=by_sms | by_email)
        .order_by("created_at", "id")
    )
    sms_rows = [r for r in rows if r.kind in by_sms]
    mail_rows = [r for r in rows if r.kind in by_email]
    related = f"notify.digest:{profile.pk}:{timezone.localtime(now).date().isoformat()}"
    mobile = usable_mobile(user)
    channels = []
    if sms_rows and mobile:
        queue_sms(mobile=mobile, text=_sms(sms_rows), kind=SmsKind.DIGEST, related=related)
        channels.append("sms")
    if mail_rows and user.email:
        count = to_persian_digits(len(mail_rows))
        queue_mail(to=user.email, subject=f"دبیر: خلاصه روزانه اعلان‌ها ({count} اعلان)",
                   text=mail_text(mail_rows), kind=SmsKind.DIGEST, related=related)
        channels.append("email")
    told = [r for r in rows if ("sms" in channels and r in sms_rows) or ("email" in channels and r in mail_rows)]
    Notification.objects.filter(pk__in=[r.pk for r in told]).update(digested_at=now)
    profile.last_digest_at = now
    profile.save(update_fields=["last_digest_at"])
    if told:
        audit.record(action=AuditAction.DIGEST_SENT, obj=profile, data={"notices": len(told), "channels": channels})
    return told
