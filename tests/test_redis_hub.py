"""The Redis hub on a real Redis: each hub in a test stands for one worker process, with its own
`run()` task. Each test has a channel prefix of its own (pub/sub channels are shared by every
Redis database), so tests and running workers on the same Redis do not see each other."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import redis

from socialhub.realtime.hub import Event, RedisHub, Subscription

pytestmark = pytest.mark.redis

WAIT = 5.0


@pytest.fixture
def prefix() -> str:
    return f"socialhub:test-{uuid.uuid4().hex[:12]}:"


@pytest.fixture
def admin(redis_url: str) -> Iterator[redis.Redis]:
    """A client of its own, as an operator's redis-cli would be."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
async def start_worker(redis_url: str, prefix: str) -> AsyncIterator[Callable[[], RedisHub]]:
    """`start_worker()`: a hub with its background task running (stopped after the test)."""
    tasks: list[asyncio.Task[None]] = []

    def start() -> RedisHub:
        hub = RedisHub(redis_url, prefix=prefix)
        tasks.append(asyncio.create_task(hub.run()))
        return hub

    yield start
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def channels(admin: redis.Redis, prefix: str) -> set[str]:
    """The keys some worker of this test is subscribed to at Redis."""
    return {c.decode().removeprefix(prefix) for c in admin.pubsub_channels(prefix + "*")}


def hub_connections(admin: redis.Redis, prefix: str) -> list[int]:
    """The ids of this test's hub connections (a hub names its connection after its prefix)."""
    return [int(c["id"]) for c in admin.client_list() if c["name"] == prefix + "hub"]


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT} s: {what}"
        await asyncio.sleep(0.01)


async def receive(sub: Subscription, count: int) -> list[tuple[str, Event]]:
    """The next `count` events of `sub` (fails after WAIT seconds without them)."""
    received: list[tuple[str, Event]] = []
    deadline = time.monotonic() + WAIT
    while len(received) < count:
        left = deadline - time.monotonic()
        assert left > 0, f"{len(received)} of {count} events within {WAIT} s: {received}"
        received += await sub.next_batch(wait=left)
    return received


def event(n: int) -> Event:
    return {"type": "t", "op": "add", "data": {"n": n}}


async def test_a_worker_subscribes_at_redis_only_to_the_keys_its_subscribers_hold(
    start_worker: Callable[[], RedisHub], admin: redis.Redis, prefix: str
) -> None:
    worker = start_worker()
    tab = worker.subscribe({"user:1", "conv:a"})
    api = worker.subscribe({"conv:a", "topic:explore"})
    await tab.ready()
    await api.ready()
    assert channels(admin, prefix) == {"user:1", "conv:a", "topic:explore"}

    tab.close()  # conv:a is still held by the other subscriber
    await until(lambda: channels(admin, prefix) == {"conv:a", "topic:explore"}, "user:1 dropped")
    api.set_keys({"conv:a", "conv:b"})
    await api.ready()
    assert channels(admin, prefix) == {"conv:a", "conv:b"}
    api.remove_keys(["conv:a"])
    await until(lambda: channels(admin, prefix) == {"conv:b"}, "conv:a dropped")
    api.close()
    await until(lambda: channels(admin, prefix) == set(), "every key dropped")


async def test_an_event_reaches_another_worker_only_where_its_key_is_subscribed(
    start_worker: Callable[[], RedisHub], admin: redis.Redis, prefix: str
) -> None:
    one, two = start_worker(), start_worker()
    alice = one.subscribe({"user:1"})
    bob = two.subscribe({"user:2", "conv:x"})
    await alice.ready()
    await bob.ready()
    assert admin.pubsub_numsub(prefix + "conv:x", prefix + "user:1") == [
        (f"{prefix}conv:x".encode(), 1),
        (f"{prefix}user:1".encode(), 1),
    ]

    one.publish("conv:x", event(1))
    two.publish("conv:x", event(2))  # from its own worker too: through Redis, once
    # One publisher's events arrive in order: had worker one received conv:x, Alice's
    # subscription would hold it before this last event.
    two.publish("user:1", event(3))
    assert [(k, e["data"]["n"]) for k, e in await receive(bob, 2)] == [("conv:x", 1), ("conv:x", 2)]
    assert [(k, e["data"]["n"]) for k, e in await receive(alice, 1)] == [("user:1", 3)]

    alice.add_keys(["conv:x"])
    await alice.ready()
    two.publish("conv:x", event(4))
    assert [(k, e["data"]["n"]) for k, e in await receive(alice, 1)] == [("conv:x", 4)]
    assert [(k, e["data"]["n"]) for k, e in await receive(bob, 1)] == [("conv:x", 4)]


async def test_ready_waits_for_a_worker_still_connecting(
    start_worker: Callable[[], RedisHub],
) -> None:
    publisher = start_worker()
    worker = start_worker()  # its task has not run yet
    sub = worker.subscribe({"conv:first"})
    await sub.ready()
    publisher.publish("conv:first", event(1))
    assert [e["data"]["n"] for _, e in await receive(sub, 1)] == [1]


async def test_a_publish_right_after_ready_is_received(
    start_worker: Callable[[], RedisHub], admin: redis.Redis, prefix: str
) -> None:
    one, two = start_worker(), start_worker()
    await two.subscribe({"user:0"}).ready()  # the worker is up
    for n in range(50):
        sub = two.subscribe({f"conv:{n}"})
        await sub.ready()
        one.publish(f"conv:{n}", event(n))
        assert [e["data"]["n"] for _, e in await receive(sub, 1)] == [n]

        # The key's last subscriber leaves, and a new one takes it back while the worker
        # is unsubscribing it at Redis.
        sub.close()
        # Polled without a pause: the worker must not get to read Redis's answer first.
        while f"conv:{n}" in channels(admin, prefix):  # noqa: ASYNC110
            await asyncio.sleep(0)
        again = two.subscribe({f"conv:{n}"})
        await again.ready()
        one.publish(f"conv:{n}", event(-n))
        assert [e["data"]["n"] for _, e in await receive(again, 1)] == [-n]
        again.close()


async def test_publish_many_arrives_at_another_worker_in_publish_order(
    start_worker: Callable[[], RedisHub],
) -> None:
    one, two = start_worker(), start_worker()
    keys = ["user:1", "conv:a", "conv:b", "topic:t", "conv:c"]
    sub = two.subscribe(keys)
    await sub.ready()
    pushes = [(keys[n % len(keys)], event(n)) for n in range(200)]
    one.publish_many(pushes)
    received = await receive(sub, 200)
    assert [(k, e["data"]["n"]) for k, e in received] == [(k, e["data"]["n"]) for k, e in pushes]


async def test_a_worker_recovers_when_its_redis_connection_drops(
    start_worker: Callable[[], RedisHub], admin: redis.Redis, prefix: str
) -> None:
    one, two = start_worker(), start_worker()
    sub = two.subscribe({"user:2", "conv:x"})
    await sub.ready()
    killed = hub_connections(admin, prefix)
    assert len(killed) == 2

    for client_id in killed:
        admin.client_kill_filter(_id=client_id)
    await until(lambda: channels(admin, prefix) == {"user:2", "conv:x"}, "subscriptions restored")
    assert not set(killed) & set(hub_connections(admin, prefix))
    await sub.ready()
    one.publish("conv:x", event(1))
    # First a word that pushes may have been missed (its streams re-read), then live again.
    resync, live = await receive(sub, 2)
    assert resync == ("", {"type": "resync"})
    assert live[1]["data"]["n"] == 1

    # The restored connection follows later changes too.
    sub.set_keys({"conv:y"})
    await sub.ready()
    await until(lambda: channels(admin, prefix) == {"conv:y"}, "the new keys")
    one.publish("conv:y", event(2))
    assert [e["data"]["n"] for _, e in await receive(sub, 1)] == [2]


async def test_a_stopped_worker_leaves_no_connection_behind(
    redis_url: str, admin: redis.Redis, prefix: str
) -> None:
    worker = RedisHub(redis_url, prefix=prefix)
    task = asyncio.create_task(worker.run())
    await worker.subscribe({"user:1"}).ready()
    assert len(hub_connections(admin, prefix)) == 1
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await until(lambda: not hub_connections(admin, prefix), "the connection closed")
    assert channels(admin, prefix) == set()
