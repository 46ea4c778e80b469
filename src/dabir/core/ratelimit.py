"""A fixed-window rate limiter for public pages and endpoints (verification, tracking, Open311).

    if not ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit=30, window=300):
        ... answer 429 ...

Counts live in core.RateCounter and grow by one atomic UPDATE, so concurrent processes never
lose a count (a cache's read-then-write increment can).

Lockouts (password sign-in) use the same table: `attempt()` numbers each attempt before it is
judged, in a window that starts at the first and, at `limit`, stretches to `lock` seconds; the
caller refuses attempts numbered above the limit. `release()` takes one back, `reset()` forgets all.
"""

import datetime as dt
import math
import random
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateCounter


def hit(key: str, limit: int, window: int) -> bool:
    """Count one request under `key`; True while at most `limit` were counted in this `window` seconds."""
    bucket = f"{key}:{int(time.time() // window)}"[:200]
    counters = RateCounter.objects.filter(bucket=bucket)
    with transaction.atomic():
        if not counters.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(
                        bucket=bucket, count=1, expires_at=timezone.now() + dt.timedelta(seconds=window + 1)
                    )
            except IntegrityError:  # another process created it first
                counters.update(count=F("count") + 1)
        count = counters.values_list("count", flat=True).first() or 1
    if random.random() < 0.01:  # now and then, drop finished windows
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


def _bump(bucket: str, *, expires_at, now) -> int:
    """Add one to a live counter (or start it at one), atomically; return the new count."""
    counters = RateCounter.objects.filter(bucket=bucket)
    with transaction.atomic():
        if counters.filter(expires_at__gt=now).update(count=F("count") + 1):
            return counters.values_list("count", flat=True).first() or 1
        counters.filter(expires_at__lte=now).delete()  # a finished window starts again
        try:
            with transaction.atomic():
                RateCounter.objects.create(bucket=bucket, count=1, expires_at=expires_at)
                return 1
        except IntegrityError:  # another process started it first
            counters.update(count=F("count") + 1)
            return counters.values_list("count", flat=True).first() or 1


def attempt(key: str, *, limit: int, window: int, lock: int) -> tuple[int, int]:
    """Count one attempt under `key` before it is judged; return (its number, seconds its window still runs).

    The window starts at the first attempt; the `limit`-th stretches it to `lock` seconds from now,
    so a caller that refuses attempts numbered above `limit` keeps the key locked that long. Counted
    first and atomically, so concurrent attempts each get their own number: none slips past the limit.
    """
    now = timezone.now()
    bucket = f"tries:{key}"[:200]
    count = _bump(bucket, expires_at=now + dt.timedelta(seconds=window), now=now)
    if count == limit:
        RateCounter.objects.filter(bucket=bucket).update(expires_at=now + dt.timedelta(seconds=lock))
    until = RateCounter.objects.filter(bucket=bucket).values_list("expires_at", flat=True).first() or now
    return count, max(1, math.ceil((until - now).total_seconds()))


def release(key: str) -> None:
    """Take back one attempt under `key` (it turned out well, and should not count against others)."""
    RateCounter.objects.filter(bucket=f"tries:{key}"[:200], count__gt=0).update(count=F("count") - 1)


def reset(key: str) -> None:
    """Forget the attempts (and so any lock) under `key`."""
    RateCounter.objects.filter(bucket=f"tries:{key}"[:200]).delete()
