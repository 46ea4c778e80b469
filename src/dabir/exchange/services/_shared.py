"""What the exchange's use cases share: settings, the audit entry, signing with a member's key."""

import datetime as dt
import random

from django.conf import settings
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import Conflict
from dabir.signing import keys

from .. import envelope
from ..models import Credential, Member


def record(action: str, obj, user=None, data: dict | None = None) -> None:
    audit.record(action=action, obj=obj, actor=user, data=data or {})


def credential_of(member: Member) -> Credential:
    credential = (
        Credential.objects.filter(member=member, kind=Credential.Kind.MEMBER, revoked_at__isnull=True,
                                  not_after__gt=timezone.now())
        .order_by("-created_at").first()
    )
    if credential is None:
        raise Conflict(f"«{member.name}» گواهی تبادل معتبر ندارد؛ مدیر سامانه آن را صادر کند.", code="no_credential")
    return credential


def sign_as(member: Member, payload: bytes, *, message_id, kind: str, receiver: str) -> bytes:
    credential = credential_of(member)
    key = keys.decrypt_private_key(credential.private_key_pem)
    cert = keys.load_certificate(credential.certificate_pem)
    return envelope.sign(payload, message_id=message_id, kind=kind, sender=member.code, receiver=receiver,
                         key=key, certificate=cert)


def backoff(attempts: int) -> dt.timedelta:
    """Exponential backoff with full jitter: a random wait up to base·2^(n-1), capped."""
    base = float(settings.DABIR_EXCHANGE_RETRY_BASE_SECONDS)
    cap = float(settings.DABIR_EXCHANGE_RETRY_MAX_SECONDS)
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=max(base / 2, random.uniform(0, ceiling)))


def expiry() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=int(settings.DABIR_EXCHANGE_EXPIRY_SECONDS))


def local_member(agency) -> Member:
    member = Member.objects.filter(agency=agency, active=True).first()
    if member is None:
        raise Conflict(f"«{agency.name}» هنوز عضو شبکه تبادل نیست.", code="not_member")
    return member
