"""With REDIS_URL, rate limits are shared by the worker processes (the hub: test_redis_hub.py)."""

from __future__ import annotations

import pytest

from tests.conftest import reset_settings


@pytest.mark.redis
def test_rate_limits_are_shared_through_redis(redis_url: str) -> None:
    from socialhub.domain import ratelimit
    from socialhub.domain.errors import RateLimited

    reset_settings(REDIS_URL=redis_url, RATE_LIMIT_LOGIN="2/minute")
    try:
        ratelimit.reset()
        ratelimit.hit("login", "ip:198.51.100.1")
        ratelimit.hit("login", "ip:198.51.100.1")
        # A second worker process would build its own limiter on the same storage.
        ratelimit._limiter.cache_clear()
        with pytest.raises(RateLimited):
            ratelimit.hit("login", "ip:198.51.100.1")
    finally:
        ratelimit.reset()
        reset_settings(REDIS_URL=None, RATE_LIMIT_LOGIN="1000/minute")
