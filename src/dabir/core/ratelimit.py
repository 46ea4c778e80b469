"""A fixed-window rate limiter for public pages and endpoints (verification, tracking, Open311).

    if not ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit=30, window=300):
        ... answer 429 ...

Counts live in core.RateCounter, in the database every web server shares (nothing node-local), and
each count is one statement: `INSERT … ON CONFLICT (bucket) DO UPDATE SET count = count + 1
RETURNING count`, atomic under concurrency on PostgreSQL and SQLite alike (a cache's read-then-write
increment can lose counts). On PostgreSQL the table is UNLOGGED (migration core 0006): a count
writes no WAL, so its commit waits for no disk flush; a crash empties the table, which only
forgets windows and lockouts in progress.

Lockouts (password sign-in) use the same table: `attempt()` numbers each attempt before it is
judged, in a window that starts at the first and, at `limit`, stretches to `lock` seconds; the
caller refuses attempts numbered above the limit. `release()` takes one back, `reset()` forgets all.
"""

import datetime as dt
import math
import random
import time

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import RateCounter

_TABLE = RateCounter._meta.db_table

_HIT = (
    f"INSERT INTO {_TABLE} (bucket, count, expires_at) VALUES (%s, 1, %s) "
    f"ON CONFLICT (bucket) DO UPDATE SET count = {_TABLE}.count + 1 RETURNING count"
)

# One attempt: a live window counts on (and at the limit-th attempt stretches to the lock), a finished
# one starts again at one. Parameters: bucket, first expiry, now, now, limit, lock expiry.
_ATTEMPT = (
    f"INSERT INTO {_TABLE} (bucket, count, expires_at) VALUES (%s, 1, %s) "
    f"ON CONFLICT (bucket) DO UPDATE SET "
    f"count = CASE WHEN {_TABLE}.expires_at > %s THEN {_TABLE}.count + 1 ELSE 1 END, "
    f"expires_at = CASE WHEN {_TABLE}.expires_at > %s THEN "
    f"(CASE WHEN {_TABLE}.count + 1 = %s THEN %s ELSE {_TABLE}.expires_at END) ELSE EXCLUDED.expires_at END "
    f"RETURNING count, expires_at"
)


def _db_time(value: dt.datetime):
    """A datetime as the backend's driver wants it in raw SQL (SQLite keeps text in UTC)."""
    return connection.ops.adapt_datetimefield_value(value)


def _from_db_time(value) -> dt.datetime:
    if isinstance(value, str):  # SQLite gives the stored text back
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


# The share of hits that also drop finished windows (a test that counts statements sets it to 0).
SWEEP_SHARE = 0.01


def hit(key: str, limit: int, window: int) -> bool:
    """Count one request under `key`; True while at most `limit` were counted in this `window` seconds."""
    now = time.time()
    bucket = f"{key}:{int(now // window)}"[:200]
    expires_at = timezone.now() + dt.timedelta(seconds=window + 1)
    with connection.cursor() as cursor:
        cursor.execute(_HIT, [bucket, _db_time(expires_at)])
        count = cursor.fetchone()[0]
    if random.random() < SWEEP_SHARE:  # now and then, drop finished windows
        RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return count <= limit


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind DABIR_TRUSTED_PROXIES proxies the address the outermost
    one saw. Each proxy appends to X-Forwarded-For, so only the last N entries are theirs: anything to the
    left of them the client wrote itself and may forge to dodge a per-address limit."""
    hops = settings.DABIR_TRUSTED_PROXIES
    if hops > 0:
        entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
        if len(entries) >= hops:
            return entries[-hops][:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def attempt(key: str, *, limit: int, window: int, lock: int) -> tuple[int, int]:
    """Count one attempt under `key` before it is judged; return (its number, seconds its window still runs).

    The window starts at the first attempt; the `limit`-th stretches it to `lock` seconds from now,
    so a caller that refuses attempts numbered above `limit` keeps the key locked that long. Counted
    first and in one statement, so concurrent attempts each get their own number: none slips past the limit.
    """
    now = timezone.now()
    bucket = f"tries:{key}"[:200]
    locked = _db_time(now + dt.timedelta(seconds=lock))
    first = locked if limit <= 1 else _db_time(now + dt.timedelta(seconds=window))
    with connection.cursor() as cursor:
        cursor.execute(_ATTEMPT, [bucket, first, _db_time(now), _db_time(now), limit, locked])
        count, until = cursor.fetchone()
    return count, max(1, math.ceil((_from_db_time(until) - now).total_seconds()))


def release(key: str) -> None:
    """Take back one attempt under `key` (it turned out well, and should not count against others)."""
    RateCounter.objects.filter(bucket=f"tries:{key}"[:200], count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    """Forget the attempts (and so any lock) under `key`."""
    RateCounter.objects.filter(bucket=f"tries:{key}"[:200]).delete()
