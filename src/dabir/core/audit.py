"""The hash-chained audit log. Every service records its change here, in its own transaction.

The log is kept in lanes (docs/architecture.md, «زنجیره ممیزی»): a writer takes a free lane's head
row with `FOR UPDATE SKIP LOCKED` and keeps it to its commit, so each lane is a chain in commit
order while concurrent writers use other lanes instead of queueing behind one row. A checkpoint
entry (lane 0, written by the worker every DABIR_AUDIT_CHECKPOINT_SECONDS) locks every lane and
records each lane's head, which fixes the order between lanes and seals their past. SQLite has one
writer at a time: it always finds lane 1 free, so there the log is a single chain.
"""

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from . import labels
from .models import AuditEntry, AuditHead
from .names import AuditAction

GENESIS = "0" * 64
CHECKPOINT_LANE = 0


def _body(entry: AuditEntry) -> str:
    """What an entry's hash covers besides the previous hash: its content as canonical JSON."""
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
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder)


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((prev_hash + _body(entry)).encode()).hexdigest()


def _ensure_lanes() -> None:
    """Migrations create the lanes; a database flushed by tests, or a larger DABIR_AUDIT_LANES, needs them again."""
    AuditHead.objects.bulk_create(
        [AuditHead(id=i) for i in range(CHECKPOINT_LANE, settings.DABIR_AUDIT_LANES + 1)], ignore_conflicts=True
    )


def _take_lane() -> AuditHead:
    """Lock a writers' lane for the rest of the transaction: a free one, or wait for a random one if all are busy.

    A transaction that already holds a lane finds it free (its own lock does not count), so it never waits
    once it holds one, and writers cannot deadlock each other.
    """
    lanes = AuditHead.objects.filter(id__gte=1, id__lte=settings.DABIR_AUDIT_LANES)
    free = lanes.select_for_update(skip_locked=True).order_by("id")
    head = free.first()
    if head is None and not lanes.exists():
        _ensure_lanes()
        head = free.first()
    if head is None:
        head = lanes.select_for_update().get(id=random.randint(1, settings.DABIR_AUDIT_LANES))
    return head


def _append(head: AuditHead, entry: AuditEntry) -> AuditEntry:
    entry.lane, entry.prev_hash = head.id, head.last_hash
    entry.hash = _digest(head.last_hash, entry)
    entry.save()
    head.last_hash, head.last_id = entry.hash, entry.id
    head.save(update_fields=["last_hash", "last_id"])
    return entry


def record(
    *,
    action: str,
    obj,
    actor=None,
    position=None,
    as_acting: bool = False,
    data: dict | None = None,
) -> AuditEntry:
    """Append an entry; must run inside the caller's transaction (it holds a lane of the chain to the commit).

    `action` is a member of the owning app's AuditAction (names.py); a code no app declares is refused.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the service's transaction")
    labels.check(labels.AUDIT_ACTION, action)
    entry = AuditEntry(
        at=timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        position=position,
        as_acting=as_acting,
        action=str(action),
        object_type=obj._meta.label_lower if hasattr(obj, "_meta") else str(type(obj).__name__),
        object_id=str(obj.pk if hasattr(obj, "pk") else obj),
        data=json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder)),
    )
    if connection.vendor == "postgresql" and _append_in_one_statement(entry):
        return entry
    return _append(_take_lane(), entry)


# PostgreSQL: take a free lane, write the entry with the database hashing its link, and move the lane's
# head, in one round trip; the lane stays locked to the commit as with _take_lane. No free lane: no row,
# and the caller waits for one the long way.
_ONE_STATEMENT = """
WITH lane AS (
    SELECT id, last_hash FROM core_audithead WHERE id BETWEEN 1 AND %(lanes)s
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
), entry AS (
    INSERT INTO core_auditentry
        (at, actor_id, position_id, as_acting, action, object_type, object_id, data, lane, prev_hash, hash)
    SELECT %(at)s, %(actor)s, %(position)s, %(as_acting)s, %(action)s, %(object_type)s, %(object_id)s,
           %(data)s::jsonb, lane.id, lane.last_hash,
           encode(sha256(convert_to(lane.last_hash || %(body)s, 'UTF8')), 'hex')
    FROM lane
    RETURNING id, lane, prev_hash, hash
)
UPDATE core_audithead SET last_hash = entry.hash, last_id = entry.id FROM entry WHERE core_audithead.id = entry.lane
RETURNING entry.id, entry.lane, entry.prev_hash, entry.hash
"""


def _append_in_one_statement(entry: AuditEntry) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_ONE_STATEMENT, {
            "lanes": settings.DABIR_AUDIT_LANES, "at": entry.at, "actor": entry.actor_id,
            "position": entry.position_id, "as_acting": entry.as_acting, "action": entry.action,
            "object_type": entry.object_type, "object_id": entry.object_id,
            "data": json.dumps(entry.data, ensure_ascii=False), "body": _body(entry),
        })
        row = cursor.fetchone()
    if row is None:
        return False
    entry.id, entry.lane, entry.prev_hash, entry.hash = row
    entry._state.adding, entry._state.db = False, connection.alias
    return True


@transaction.atomic
def checkpoint() -> AuditEntry | None:
    """Link every lane's head in one entry of lane 0; None when nothing was written since the last one.

    Locks the lanes in order (after the writers holding them commit), so the heads it records are
    exactly the lanes' state below the checkpoint's own id.
    """
    _ensure_lanes()
    heads = list(AuditHead.objects.select_for_update().filter(id__lte=settings.DABIR_AUDIT_LANES).order_by("id"))
    own, lanes = heads[0], heads[1:]
    state = {str(h.id): [h.last_id, h.last_hash] for h in lanes if h.last_id}
    if own.last_id:
        last = AuditEntry.objects.filter(id=own.last_id).values_list("data", flat=True).first() or {}
        if last.get("heads") == state:
            return None
    elif not state:
        return None
    entry = AuditEntry(at=timezone.now(), action=str(AuditAction.AUDIT_CHECKPOINT), data={"heads": state})
    entry.object_type, entry.object_id = AuditHead._meta.label_lower, "lanes"
    return _append(own, entry)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(batch: int = 2000) -> VerifyResult:
    """Walk the log in id order, each entry against its lane's previous one; name the first that does not match.

    A checkpoint must name exactly the head each lane had reached below it, and each lane's head row
    must match the lane's last entry (so deleting the newest entries is found too).
    """
    prev: dict[int, tuple[int, str]] = {}  # lane → (id, hash) of its last entry so far
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEntry.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            break
        for entry in rows:
            before = prev.get(entry.lane, (0, GENESIS))[1]
            if entry.prev_hash != before:
                return VerifyResult(False, checked, entry.id, "پیوند به رویداد پیشین نمی‌خواند")
            if _digest(before, entry) != entry.hash:
                return VerifyResult(False, checked, entry.id, "محتوای رویداد تغییر کرده است")
            if entry.lane == CHECKPOINT_LANE and entry.action == AuditAction.AUDIT_CHECKPOINT:
                seen = {str(lane): [i, h] for lane, (i, h) in prev.items() if lane != CHECKPOINT_LANE}
                if entry.data.get("heads") != seen:
                    return VerifyResult(False, checked, entry.id, "نقطه بازبینی با سر رشته‌ها نمی‌خواند")
            prev[entry.lane] = (entry.id, entry.hash)
            checked += 1
            last_id = entry.id
    for head in AuditHead.objects.filter(last_id__gt=0).order_by("id"):
        if prev.get(head.id, (0, GENESIS))[1] != head.last_hash:
            return VerifyResult(False, checked, head.last_id, "سر زنجیره با آخرین رویداد نمی‌خواند")
    return VerifyResult(True, checked)
