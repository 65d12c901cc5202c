"""With REDIS_URL, events cross worker processes through Redis pub/sub, and limits are shared."""

from __future__ import annotations

import asyncio

import pytest

from socialhub.realtime.hub import RedisHub
from tests.conftest import reset_settings


@pytest.mark.redis
async def test_events_cross_workers(redis_url: str) -> None:
    worker_a, worker_b = RedisHub(redis_url), RedisHub(redis_url)
    task = asyncio.create_task(worker_b.run())
    try:
        subscription = worker_b.subscribe({"user:7"})
        await asyncio.sleep(0.3)  # let worker B's subscription reach Redis
        worker_a.publish("user:7", {"type": "t", "op": "add", "data": {"n": 1}})
        worker_a.publish("user:8", {"type": "t", "op": "add", "data": {"n": 2}})
        batch = await subscription.next_batch(wait=5)
        assert [(k, e["data"]) for k, e in batch] == [("user:7", {"n": 1})]
        assert await subscription.next_batch(wait=0.3) == []
        assert worker_a.ping()
    finally:
        task.cancel()


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
