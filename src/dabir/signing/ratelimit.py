"""A small fixed-window rate limiter on Django's cache, for public pages (verification lookups).

    if not ratelimit.hit(f"verify:{ratelimit.client_ip(request)}", limit=30, window=300):
        ... answer 429 ...

The default LocMemCache counts per process; with several processes configure a shared cache
(database or Redis) in CACHES so the limit holds across them.
"""

import time

from django.conf import settings
from django.core.cache import cache


def hit(key: str, limit: int, window: int) -> bool:
    """Count one request under `key`; True while at most `limit` were counted in this `window` seconds."""
    bucket = int(time.time() // window)
    cache_key = f"ratelimit:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    return count <= limit


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For hop behind a trusted proxy."""
    if getattr(settings, "DABIR_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
