"""A fixed-window rate limiter for public pages and endpoints (verification, tracking, Open311).

    if not ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit=30, window=300):
        ... answer 429 ...

Counts live in core.RateCounter and grow by one atomic UPDATE, so concurrent processes never
lose a count (a cache's read-then-write increment can).
"""

import datetime as dt
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
    if getattr(settings, "DABIR_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
