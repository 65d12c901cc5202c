"""Fan-out of events to subscribers (browser tabs, API event streams) by key.

Keys name what an event is about: `user:<id>` (a user's own stream), `conv:<id>` (a
conversation), `topic:<name>` (a page anyone may watch). Each subscriber holds the keys it
needs (a tab: its user and the conversations it is a member of), so an event costs nothing for
those who have no live client.

One process: an in-memory hub. Several workers: each key is a Redis channel, and each worker
subscribes only to the channels its own subscribers need, on ONE connection that fans out
in-process; publishes are pipelined. Publishing is thread-safe, so domain code running in a
worker thread can publish after its transaction commits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

log = logging.getLogger(__name__)

Event = dict[str, Any]
Observer = Callable[[str, Event], None]

CHANNEL_PREFIX = "socialhub:"
# A subscriber that has this many events waiting is not reading: it is dropped, not buffered.
QUEUE_BOUND = 5_000
# Unstored topics (pages anyone may watch) whose latest publish this process remembers.
TOPIC_PREFIX = "topic:"
TOPICS_TRACKED = 20_000


class Subscription:
    """A bounded queue of (key, event) pairs for one consumer, bound to its event loop."""

    def __init__(self, hub: Hub, loop: asyncio.AbstractEventLoop, bound: int) -> None:
        self._hub = hub
        self._loop = loop
        self._queue: asyncio.Queue[tuple[str, Event]] = asyncio.Queue()
        self._bound = bound
        self._queued = 0  # approximate, counted from any thread
        self.keys: frozenset[str] = frozenset()
        self.closed = False
        self.overflowed = False
        # Asked on the consumer's own loop, only while the consumer waits in `next_batch` with
        # nothing queued: True drops the event there, without waking the consumer (a tab's
        # listener for an event that changes nothing on its tab).
        self.drop: Callable[[str, Event], bool] | None = None
        self._waiting = False

    def _admit(self, key: str, event: Event) -> tuple[str, Event] | None:
        """What this offer queues (None: nothing): the event, or past the bound the one
        overflow notice, after which the subscription is dropped."""
        if self.closed:
            return None
        if self._loop.is_closed():
            self.closed = True
            return None
        if self._queued >= self._bound:
            self.overflowed = True
            self._hub._unsubscribe(self)
            return ("", {"type": "overflow"})
        self._queued += 1
        return (key, event)

    def _offer(self, key: str, event: Event) -> None:
        _offer_all([self], key, event)

    async def next_batch(self, wait: float | None = None) -> list[tuple[str, Event]]:
        """Wait for at least one event (or the timeout), then take everything already queued."""
        self._waiting = True
        try:
            first = await asyncio.wait_for(self._queue.get(), wait)
        except TimeoutError:
            return []
        finally:
            self._waiting = False
        batch = [first]
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        self._queued = max(0, self._queued - len(batch))
        return batch

    def set_keys(self, keys: Iterable[str]) -> None:
        self._hub._rekey(self, frozenset(keys))

    def add_keys(self, keys: Iterable[str]) -> None:
        self._hub._rekey(self, self.keys | frozenset(keys))

    def remove_keys(self, keys: Iterable[str]) -> None:
        self._hub._rekey(self, self.keys - frozenset(keys))

    async def ready(self) -> None:
        """Returns once every key is subscribed where publishes arrive (Redis: confirmed)."""
        await self._hub._ready(self.keys)

    def close(self) -> None:
        self._hub._unsubscribe(self)


def _offer_all(subs: Iterable[Subscription], key: str, event: Event) -> None:
    """Queue the event for each subscriber with ONE wake-up of each event loop (a write to its
    self-pipe from any thread), not one per subscriber: a channel's event reaches every tab of
    a worker in one call."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[Subscription, tuple[str, Event]]]] = {}
    for sub in subs:
        item = sub._admit(key, event)
        if item is not None:
            by_loop.setdefault(sub._loop, []).append((sub, item))
    for loop, puts in by_loop.items():
        loop.call_soon_threadsafe(_put_all, puts)


def _put_all(puts: list[tuple[Subscription, tuple[str, Event]]]) -> None:
    for sub, item in puts:
        if sub.drop is not None and sub._waiting and sub._queue.empty() and sub.drop(*item):
            sub._queued = max(0, sub._queued - 1)
            continue
        sub._queue.put_nowait(item)


class Hub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_key: dict[str, set[Subscription]] = {}
        self._observers: list[Observer] = []
        # A count of the events this process published, and the count at each topic key's
        # latest (the most recent TOPICS_TRACKED; past them, `_forgotten` is the latest count
        # let go): whether a topic was published to since a moment (`published_since`).
        self._position = 0
        self._latest: OrderedDict[str, int] = OrderedDict()
        self._forgotten = 0

    def subscribe(self, keys: Iterable[str], *, bound: int = QUEUE_BOUND) -> Subscription:
        sub = Subscription(self, asyncio.get_running_loop(), bound)
        self._rekey(sub, frozenset(keys))
        return sub

    def _rekey(self, sub: Subscription, keys: frozenset[str]) -> None:
        if sub.closed:
            return
        added: list[str] = []
        removed: list[str] = []
        with self._lock:
            for key in sub.keys - keys:
                if self._discard(key, sub):
                    removed.append(key)
            for key in keys - sub.keys:
                subs = self._by_key.setdefault(key, set())
                if not subs:
                    added.append(key)
                subs.add(sub)
            sub.keys = keys
        self._keys_changed(added, removed)

    def _discard(self, key: str, sub: Subscription) -> bool:
        """Forget `sub` under `key`; True when nobody here needs the key any more."""
        subs = self._by_key.get(key)
        if subs is None:
            return False
        subs.discard(sub)
        if not subs:
            del self._by_key[key]
            return True
        return False

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            removed = [key for key in sub.keys if self._discard(key, sub)]
            sub.keys = frozenset()
            sub.closed = True
        self._keys_changed([], removed)

    def _keys_changed(self, added: list[str], removed: list[str]) -> None:
        """Keys that gained their first or lost their last local subscriber."""

    async def _ready(self, keys: frozenset[str]) -> None:
        """In memory, a subscription is live at once."""

    def resync_all(self) -> None:
        """Tell every subscriber that pushes may have been missed: each re-reads the stored
        stream after its token (unstored signals missed meanwhile stay missed)."""
        with self._lock:
            subs = set().union(*self._by_key.values()) if self._by_key else set()
        _offer_all(subs, "", {"type": "resync"})

    def subscriber_count(self, key: str) -> int:
        with self._lock:
            return len(self._by_key.get(key, ()))

    def add_observer(self, observer: Observer) -> None:
        self._observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        self._observers.remove(observer)

    def publish(self, key: str, event: Event) -> None:
        self.publish_many([(key, event)])

    def position(self) -> int:
        """Now, in this process's count of published events (see `published_since`)."""
        with self._lock:
            return self._position

    def published_since(self, keys: Iterable[str], position: int) -> bool:
        """Whether any of `keys` may have been published to after `position`: what a page that
        read its data before its subscription was live asks, since unstored events published
        in between reached nobody. Only topic keys (`TOPIC_PREFIX`) are counted; in one process
        every publish passes here, so for them the answer is exact."""
        with self._lock:
            return any(self._latest.get(key, self._forgotten) > position for key in keys)

    def publish_many(self, pushes: list[tuple[str, Event]]) -> None:
        """Publish in order (a subscriber receives one publisher's events in this order)."""
        with self._lock:
            for key, _ in pushes:
                self._position += 1
                if key.startswith(TOPIC_PREFIX):
                    self._latest[key] = self._position
                    self._latest.move_to_end(key)
            while len(self._latest) > TOPICS_TRACKED:
                _, self._forgotten = self._latest.popitem(last=False)
        for observer in list(self._observers):
            for key, event in pushes:
                observer(key, event)
        self._send(pushes)

    def _send(self, pushes: list[tuple[str, Event]]) -> None:
        for key, event in pushes:
            self.deliver_local(key, event)

    def deliver_local(self, key: str, event: Event) -> None:
        with self._lock:
            subs = list(self._by_key.get(key, ()))
        _offer_all(subs, key, event)

    async def run(self) -> None:
        """Background task of a worker process; the in-memory hub needs none."""


class RedisHub(Hub):
    """Each key is a channel; this worker subscribes only to the keys its subscribers hold."""

    def __init__(self, url: str, *, prefix: str = CHANNEL_PREFIX) -> None:
        super().__init__()
        import redis

        self._url = url
        self._prefix = prefix  # another prefix keeps a test's channels apart from the app's
        self._client = redis.Redis.from_url(url)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changes: asyncio.Queue[None] | None = None
        # Keys subscribed at Redis (confirmed), and waiters for keys not yet confirmed.
        self._subscribed: set[str] = set()
        self._waiters: list[tuple[frozenset[str], concurrent.futures.Future[None]]] = []
        # After a lost connection, what was published meanwhile never reached this worker:
        # once subscribed again, every subscriber is told to re-read from its token.
        self._resync = False

    def _send(self, pushes: list[tuple[str, Event]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for key, event in pushes:
            pipe.publish(self._prefix + key, json.dumps(event))
        pipe.execute()

    def ping(self) -> bool:
        return bool(self._client.ping())

    def published_since(self, keys: Iterable[str], position: int) -> bool:
        """Another worker's publishes to keys nobody here subscribed never reach this one, so
        it cannot tell: assume they were."""
        return True

    def _keys_changed(self, added: list[str], removed: list[str]) -> None:
        if (added or removed) and self._loop is not None and self._changes is not None:
            self._loop.call_soon_threadsafe(self._changes.put_nowait, None)

    async def _ready(self, keys: frozenset[str]) -> None:
        # Waits even before `run()` has started: a key is live only once Redis confirmed it.
        with self._lock:
            if keys <= self._subscribed:
                return
            future: concurrent.futures.Future[None] = concurrent.futures.Future()
            self._waiters.append((keys, future))
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), 5.0)
        except TimeoutError:
            log.warning("redis subscription not confirmed within 5 s")

    def _wanted(self) -> set[str]:
        with self._lock:
            wanted = set(self._by_key)
            # A key about to be unsubscribed is not ready for a subscriber that takes it back
            # meanwhile: that one waits for the next round, which subscribes it again.
            self._subscribed = self._subscribed & wanted  # a new set: run() holds the old one
            return wanted

    def _confirm(self, subscribed: set[str]) -> None:
        with self._lock:
            self._subscribed = subscribed
            waiting = []
            for keys, future in self._waiters:
                if keys <= subscribed or future.done():
                    if not future.done():
                        future.set_result(None)
                else:
                    waiting.append((keys, future))
            self._waiters = waiting

    async def run(self) -> None:
        import redis.asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self._loop = asyncio.get_running_loop()
        self._changes = asyncio.Queue()
        # No retries inside redis-py: it would reconnect and resubscribe on its own, unseen by
        # ready(), even on a connection the hub is about to give up. The hub reconnects itself.
        no_retry = Retry(NoBackoff(), 0, supported_errors=())
        while True:
            client = aioredis.Redis.from_url(
                self._url, client_name=self._prefix + "hub", retry=no_retry
            )
            try:
                async with client.pubsub() as pubsub:
                    subscribed: set[str] = set()
                    while True:
                        wanted = self._wanted()
                        if wanted - subscribed:
                            await pubsub.subscribe(
                                *(self._prefix + k for k in sorted(wanted - subscribed))
                            )
                        if subscribed - wanted:
                            await pubsub.unsubscribe(
                                *(self._prefix + k for k in sorted(subscribed - wanted))
                            )
                        subscribed = wanted
                        # SUBSCRIBE is confirmed in order with messages: a PING answered means
                        # every earlier SUBSCRIBE took effect (answered with no subscription
                        # too, so no placeholder channel is needed).
                        await pubsub.ping()
                        await self._pump(pubsub, subscribed)
            except Exception:
                log.exception("redis hub subscription failed; retrying in 1s")
                self._resync = True
            finally:
                self._confirm(set())
                await client.aclose()  # its connections too, also when the task is cancelled
            await asyncio.sleep(1)

    async def _pump(self, pubsub: Any, subscribed: set[str]) -> None:
        """Deliver messages until the wanted keys change (once this round is confirmed)."""
        assert self._changes is not None
        confirmed = False
        while True:
            if confirmed and not self._changes.empty():
                while not self._changes.empty():
                    self._changes.get_nowait()
                return
            message = await pubsub.get_message(timeout=0.05)
            if message is None:
                continue
            kind = message.get("type")
            if kind == "pong" or (kind == "message" and message.get("data") == b"ping"):
                confirmed = True
                self._confirm(subscribed)
                if self._resync:
                    self._resync = False
                    self.resync_all()
                continue
            if kind != "message":
                continue
            channel = message["channel"].decode()
            self.deliver_local(channel.removeprefix(self._prefix), json.loads(message["data"]))


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
