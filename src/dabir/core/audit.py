"""The hash-chained audit log. Every service records its change here, in its own transaction."""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from . import labels
from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    payload = {
        # In UTC: the database gives the time back in UTC whatever zone it was written in.
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "position": entry.position_id,
        "as_acting": entry.as_acting,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": str(entry.object_id),
        "data": entry.data,
    }
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(
    *,
    action: str,
    obj,
    actor=None,
    position=None,
    as_acting: bool = False,
    data: dict | None = None,
) -> AuditEntry:
    """Append an entry; must run inside the caller's transaction (it locks the chain head).

    `action` is a member of the owning app's AuditAction (names.py); a code no app declares is refused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    labels.check(labels.AUDIT_ACTION, action)
    head = AuditHead.objects.select_for_update().filter(id=1).first()
    if head is None:  # a database flushed by tests; migrations create it otherwise
        AuditHead.objects.bulk_create([AuditHead(id=1)], ignore_conflicts=True)
        head = AuditHead.objects.select_for_update().get(id=1)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        position=position,
        as_acting=as_acting,
        action=str(action),
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=str(obj.pk if hasattr(obj, "pk") else obj),
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(head.last_hash, entry)
    entry.save()
    head.last_hash = entry.hash
    head.last_id = entry.id
    head.save(update_fields=["last_hash", "last_id"])
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the chain in order; name the first entry whose link or content does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != prev:
                return VerifyResult(False, checked, entry.id, "پیوند به رویداد پیشین نمی‌خواند")
            if _digest(prev, entry) != entry.hash:
                return VerifyResult(False, checked, entry.id, "محتوای رویداد تغییر کرده است")
            prev = entry.hash
            checked += 1
            last_id = entry.id
    head = AuditHead.objects.filter(id=1).first()
    if head and checked and head.last_hash != prev:
        return VerifyResult(False, checked, head.last_id, "سر زنجیره با آخرین رویداد نمی‌خواند")
    return VerifyResult(True, checked)
