"""The durable per-user stream and the hub."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest

from socialhub.db import read_session, transaction
from socialhub.realtime.events import (
    current_position,
    events_since,
    in_stream_order,
    publish_on_commit,
    topic_key,
    user_key,
)
from socialhub.realtime.hub import Event, Hub


def test_positions_increase_per_user_and_replay_in_order(
    make_user: Callable[..., int], events: list
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    for n in range(3):
        with transaction() as s:
            publish_on_commit(s, type="t", op="add", data={"n": n}, users=[alice, bob])
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": 3}, users=[bob])
    with read_session() as s:
        assert current_position(s, alice) == 3
        assert current_position(s, bob) == 4
        assert [e["data"]["n"] for e in events_since(s, bob, 0)] == [0, 1, 2, 3]
        assert [e["position"] for e in events_since(s, bob, 2)] == [3, 4]
        assert events_since(s, alice, 3) == []
    assert [(k, e["position"]) for k, e in events if k == user_key(bob)] == [
        (user_key(bob), 1),
        (user_key(bob), 2),
        (user_key(bob), 3),
        (user_key(bob), 4),
    ]


def test_one_publish_serves_new_and_existing_streams(make_user: Callable[..., int]) -> None:
    old, new = make_user("old"), make_user("new")
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": 0}, users=[old])
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": 1}, users=[new, old, old])
    with read_session() as s:
        assert [e["position"] for e in events_since(s, old, 0)] == [1, 2]
        assert [(e["position"], e["data"]) for e in events_since(s, new, 0)] == [(1, {"n": 1})]


def test_concurrent_publishes_to_overlapping_users_neither_deadlock_nor_collide(
    make_user: Callable[..., int],
) -> None:
    users = [make_user(f"user{i}") for i in range(6)]
    with transaction() as s:  # every stream exists, so both writers lock existing rows
        publish_on_commit(s, type="t", op="add", data={}, users=users)

    def writer(recipients: list[int]) -> None:
        for _ in range(25):
            with transaction() as s:
                publish_on_commit(s, type="t", op="add", data={}, users=recipients)

    threads = [
        threading.Thread(target=writer, args=(users,)),
        threading.Thread(target=writer, args=(list(reversed(users)),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    with read_session() as s:
        for user in users:
            assert [e["position"] for e in events_since(s, user, 0)] == list(range(1, 52))


def test_nothing_is_published_or_stored_on_rollback(
    make_user: Callable[..., int], events: list
) -> None:
    alice = make_user("alice")
    events.clear()
    with pytest.raises(RuntimeError), transaction() as s:
        publish_on_commit(s, type="t", op="add", data={}, users=[alice], topics=["x"])
        raise RuntimeError("boom")
    assert events == []
    with read_session() as s:
        assert current_position(s, alice) == 0


def test_topics_are_pushed_but_not_stored(make_user: Callable[..., int], events: list) -> None:
    alice = make_user("alice")
    events.clear()
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={}, topics=["profile:1"])
    assert events == [(topic_key("profile:1"), {"type": "t", "op": "add", "data": {}})]
    with read_session() as s:
        assert current_position(s, alice) == 0


async def test_hub_delivers_to_subscribed_keys_only_and_rekeys() -> None:
    hub = Hub()
    sub = hub.subscribe({"user:1", "topic:a"})
    other = hub.subscribe({"user:2"})
    hub.publish("user:1", {"n": 1})
    hub.publish("topic:a", {"n": 2})
    hub.publish("user:3", {"n": 3})
    batch = await sub.next_batch(wait=1)
    assert [e["n"] for _, e in batch] == [1, 2]
    assert await other.next_batch(wait=0.05) == []
    sub.set_keys({"user:1"})
    hub.publish("topic:a", {"n": 4})
    assert await sub.next_batch(wait=0.05) == []
    sub.close()
    hub.publish("user:1", {"n": 5})
    assert await sub.next_batch(wait=0.05) == []
    assert hub.subscriber_count("user:1") == 0


async def test_hub_publish_from_a_worker_thread() -> None:
    hub = Hub()
    sub = hub.subscribe({"user:1"})
    await asyncio.to_thread(hub.publish, "user:1", {"from": "thread"})
    assert [e for _, e in await sub.next_batch(wait=1)] == [{"from": "thread"}]


def test_live_events_are_delivered_in_stream_order_and_gaps_are_reported() -> None:
    def stored(position: int) -> tuple[str, Event]:
        return ("user:1", {"type": "message", "op": "add", "data": {}, "position": position})

    typing: tuple[str, Event] = ("user:1", {"type": "typing", "op": "start", "data": {}})
    # In order: all delivered; already seen ones dropped; unstored ones pass.
    ordered, last, gap = in_stream_order([stored(4), stored(5), typing, stored(6)], 4)
    assert [e.get("position") for _, e in ordered] == [5, None, 6]
    assert (last, gap) == (6, False)
    # 8 arrives before 7 (pushed out of commit order): the stored ones wait for the database.
    ordered, last, gap = in_stream_order([stored(8), typing, stored(7), stored(9)], 6)
    assert [e.get("position") for _, e in ordered] == [None]
    assert (last, gap) == (6, True)
