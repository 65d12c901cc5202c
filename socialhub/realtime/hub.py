"""Fan-out of events to subscribers (browser tabs, API event streams).

One process: an in-memory hub. Several workers: every publish goes through one Redis channel and
each worker holds ONE subscription that fans out in-process. Publishing is thread-safe, so domain
code running in a worker thread can publish after its transaction commits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

Event = dict[str, Any]
Observer = Callable[[str, Event], None]

REDIS_CHANNEL = "socialhub:hub"


class Subscription:
    """A queue of (key, event) pairs for one consumer, bound to the consumer's event loop."""

    def __init__(self, hub: Hub, keys: Iterable[str], loop: asyncio.AbstractEventLoop) -> None:
        self._hub = hub
        self._loop = loop
        self._queue: asyncio.Queue[tuple[str, Event]] = asyncio.Queue()
        self.keys: frozenset[str] = frozenset(keys)
        self.closed = False

    def _offer(self, key: str, event: Event) -> None:
        if self.closed:
            return
        if self._loop.is_closed():
            self.closed = True
            return
        self._loop.call_soon_threadsafe(self._queue.put_nowait, (key, event))

    async def next_batch(self, wait: float | None = None) -> list[tuple[str, Event]]:
        """Wait for at least one event (or the timeout), then take everything already queued."""
        try:
            first = await asyncio.wait_for(self._queue.get(), wait)
        except TimeoutError:
            return []
        batch = [first]
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    def set_keys(self, keys: Iterable[str]) -> None:
        self._hub._rekey(self, frozenset(keys))

    def close(self) -> None:
        self._hub._unsubscribe(self)


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, set[Subscription]] = {}
        self._observers: list[Observer] = []

    def subscribe(self, keys: Iterable[str]) -> Subscription:
        sub = Subscription(self, (), asyncio.get_running_loop())
        self._rekey(sub, frozenset(keys))
        return sub

    def _rekey(self, sub: Subscription, keys: frozenset[str]) -> None:
        with self._lock:
            for key in sub.keys - keys:
                self._discard(key, sub)
            for key in keys - sub.keys:
                self._by_key.setdefault(key, set()).add(sub)
            sub.keys = keys

    def _discard(self, key: str, sub: Subscription) -> None:
        subs = self._by_key.get(key)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_key[key]

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            for key in sub.keys:
                self._discard(key, sub)
            sub.keys = frozenset()
            sub.closed = True

    def subscriber_count(self, key: str) -> int:
        with self._lock:
            return len(self._by_key.get(key, ()))

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        self._observers.remove(observer)

    def publish(self, key: str, event: Event) -> None:
        for observer in list(self._observers):
            observer(key, event)
        self._send(key, event)

    def _send(self, key: str, event: Event) -> None:
        self.deliver_local(key, event)

    def deliver_local(self, key: str, event: Event) -> None:
        with self._lock:
            subs = list(self._by_key.get(key, ()))
        for sub in subs:
            sub._offer(key, event)

    async def run(self) -> None:
        """Background task of a worker process; the in-memory hub needs none."""


class RedisHub(Hub):
    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self._url = url
        self._client = redis.Redis.from_url(url)

    def _send(self, key: str, event: Event) -> None:
        self._client.publish(REDIS_CHANNEL, json.dumps({"key": key, "event": event}))

    def ping(self) -> bool:
        return bool(self._client.ping())

    async def run(self) -> None:
        import redis.asyncio as aioredis

        while True:
            try:
                client = aioredis.Redis.from_url(self._url)
                pubsub = client.pubsub()
                await pubsub.subscribe(REDIS_CHANNEL)
                log.info("hub subscribed to redis channel %s", REDIS_CHANNEL)
                async for message in pubsub.listen():
                    if message.get("type") != "message":
                        continue
                    payload = json.loads(message["data"])
                    self.deliver_local(payload["key"], payload["event"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis hub subscription failed; retrying in 1s")
                await asyncio.sleep(1)


_hub: Hub | None = None
_hub_lock = threading.Lock()


def get_hub() -> Hub:
    global _hub
    with _hub_lock:
        if _hub is None:
            from socialhub.config import get_settings

            url = get_settings().redis_url
            _hub = RedisHub(url) if url else Hub()
        return _hub
