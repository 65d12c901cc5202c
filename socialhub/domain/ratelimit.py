"""Rate limits, with the `limits` library: log-in and sign-up per account and per IP; reports,
posts, comments and stories per account."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from socialhub.config import get_settings
from socialhub.domain.errors import RateLimited


@lru_cache(maxsize=1)
def _limiter() -> MovingWindowRateLimiter:
    url = get_settings().redis_url
    storage = storage_from_string(url) if url else MemoryStorage()
    return MovingWindowRateLimiter(storage)


def hit(action: str, *keys: str, limit: str | None = None) -> None:
    """Count one attempt of `action` against each key; refuse when any key is over its limit."""
    settings = get_settings()
    rules = {
        "login": settings.rate_limit_login,
        "signup": settings.rate_limit_signup,
        "report": settings.rate_limit_report,
        "post": settings.rate_limit_post,
        "comment": settings.rate_limit_comment,
        "story": settings.rate_limit_story,
    }
    rule = parse(limit or rules[action])
    limiter = _limiter()
    for key in keys:
        if not key:
            continue
        if not limiter.hit(rule, action, key):
            reset_at, _remaining = limiter.get_window_stats(rule, action, key)
            retry_after = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited("too many attempts; try again later", retry_after=retry_after)


def reset() -> None:
    """Forget every counter (used between tests)."""
    _limiter().storage.reset()
