"""A user's choice of copies: per notice kind by SMS and/or e-mail, and the daily digest instead.

    save_preferences(user=u, choices={"letters.referral_new": (True, False)}, digest=True, digest_hour=7)

Kinds are the ones the apps declare (names.py NoticeKind, labels.NOTICE_KIND); a kind left out of
`choices` gets no copies. Turning the digest on starts its window now (last_digest_at): the first
digest comes the next day at the chosen hour and holds nothing that already went out singly.
"""

from django.db import transaction
from django.utils import timezone

from dabir.core import audit, labels
from dabir.core.errors import DomainError

from .models import NoticePreference, NoticeProfile
from .names import AuditAction


def current(user) -> tuple[dict[str, tuple[bool, bool]], NoticeProfile]:
    """(kind → (by_sms, by_email) for every declared kind, the profile, unsaved when the user has none)."""
    saved = {p.kind: (p.by_sms, p.by_email) for p in NoticePreference.objects.filter(user=user)}
    choices = {kind: saved.get(kind, (False, False)) for kind in labels.known(labels.NOTICE_KIND)}
    profile = NoticeProfile.objects.filter(user=user).first() or NoticeProfile(user=user)
    return choices, profile


@transaction.atomic
def save_preferences(*, user, choices: dict[str, tuple[bool, bool]], digest: bool, digest_hour: int) -> NoticeProfile:
    for kind in choices:
        labels.check(labels.NOTICE_KIND, kind)
    if not 0 <= int(digest_hour) <= 23:
        raise DomainError("ساعت خلاصه روزانه باید از ۰ تا ۲۳ باشد.", field="digest_hour")
    kept = {kind: (bool(sms), bool(email)) for kind, (sms, email) in choices.items() if sms or email}
    NoticePreference.objects.filter(user=user).exclude(kind__in=list(kept)).delete()
    for kind, (sms, email) in kept.items():
        NoticePreference.objects.update_or_create(user=user, kind=kind, defaults={"by_sms": sms, "by_email": email})
    profile, _ = NoticeProfile.objects.select_for_update().get_or_create(user=user)
    if digest and not profile.digest:
        profile.last_digest_at = timezone.now()  # the digest's window starts when it is chosen
    profile.digest = bool(digest)
    profile.digest_hour = int(digest_hour)
    profile.save()
    audit.record(action=AuditAction.PREFERENCES_SAVE, obj=profile, actor=user, data={
        "sms": sorted(k for k, (s, _) in kept.items() if s),
        "email": sorted(k for k, (_, e) in kept.items() if e),
        "digest": profile.digest, "digest_hour": profile.digest_hour,
    })
    return profile
