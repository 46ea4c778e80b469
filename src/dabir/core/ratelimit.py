"""A fixed-window rate limiter for public pages and endpoints (verification, tracking, Open311).

    if not ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit=30, window=300):
        ... answer 429 ...

Counts live in core.RateCounter and grow by one atomic UPDATE, so concurrent processes never
lose a count (a cache's read-then-write increment can).

Lockouts (password sign-in) use the same table: `fail()` counts failures in a window that starts
at the first one and, at `limit`, locks the key for `lock` seconds; `locked_for()` says how long a
lock still holds; `reset()` forgets both (a successful sign-in).
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
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy."""
    if settings.DABIR_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
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


def locked_for(key: str) -> int:
    """Seconds the lock on `key` still holds; 0 when it is not locked."""
    now = timezone.now()
    until = (
        RateCounter.objects.filter(bucket=f"lock:{key}"[:200], expires_at__gt=now)
        .values_list("expires_at", flat=True).first()
    )
    return math.ceil((until - now).total_seconds()) if until else 0


def fail(key: str, *, limit: int, window: int, lock: int) -> int:
    """Count one failure under `key`; the `limit`-th within `window` seconds locks the key for `lock` seconds.

    Returns the lock's length when this failure set it, else 0 (so the caller records a lock once).
    """
    now = timezone.now()
    count = _bump(f"fail:{key}"[:200], expires_at=now + dt.timedelta(seconds=window), now=now)
    if count < limit:
        return 0
    until = now + dt.timedelta(seconds=lock)
    RateCounter.objects.update_or_create(bucket=f"lock:{key}"[:200], defaults={"count": count, "expires_at": until})
    RateCounter.objects.filter(bucket=f"fail:{key}"[:200]).delete()  # after the lock, a fresh count
    return lock


def reset(key: str) -> None:
    """Forget the failures and any lock under `key`."""
    RateCounter.objects.filter(bucket__in=[f"fail:{key}"[:200], f"lock:{key}"[:200]]).delete()
