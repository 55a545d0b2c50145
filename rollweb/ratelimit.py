"""Fixed-window rate limits on the shared cache (set CACHE_URL when several processes serve)."""

import time

from django.conf import settings
from django.core.cache import cache


def rate_limit_hit(key, limit, window_seconds, cost=1):
    """Count `cost` against `key`; returns the seconds to wait when over `limit`, else 0."""
    now = int(time.time())
    window = now - now % window_seconds
    bucket = f"rate:{key}:{window}"
    cache.add(bucket, 0, timeout=window_seconds + 1)
    try:
        used = cache.incr(bucket, cost)
    except ValueError:  # the window expired between add and incr
        cache.set(bucket, cost, timeout=window_seconds + 1)
        used = cost
    if used > limit:
        return window + window_seconds - now
    return 0


def upload_wait(user_id, files=1):
    """Seconds a person must wait before uploading `files` more (0: go ahead). One budget of
    UPLOADS_PER_MINUTE for the pages and the API together."""
    return rate_limit_hit(f"upload:{user_id}", settings.UPLOADS_PER_MINUTE, 60, cost=max(files, 1))
