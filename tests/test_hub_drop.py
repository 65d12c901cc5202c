"""A subscription's `drop`: asked as an event is queued on the consumer's loop, and only while
the consumer waits in `next_batch` with nothing queued (an event already waiting, or a batch
being handled, could change what the consumer would make of the next one)."""

from __future__ import annotations

import asyncio

from socialhub.realtime.hub import Event, Hub


def flush_loop() -> asyncio.Future[None]:
    """Resolves after the callbacks queued so far on this loop have run."""
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(done.set_result, None)
    return done


async def test_drop_is_asked_only_while_the_consumer_waits_empty_handed() -> None:
    hub = Hub()
    sub = hub.subscribe(["k"])
    asked: list[Event] = []

    def drop(key: str, event: Event) -> bool:
        asked.append(event)
        return bool(event.get("quiet"))

    sub.drop = drop
    # Not waiting: everything is queued, nothing is asked.
    hub.deliver_local("k", {"n": 1, "quiet": True})
    await flush_loop()
    assert asked == []
    assert [e["n"] for _, e in await sub.next_batch(0.1)] == [1]

    # Waiting with nothing queued: a quiet event is dropped there, a loud one wakes it up.
    waiter = asyncio.create_task(sub.next_batch(1.0))
    await flush_loop()
    hub.deliver_local("k", {"n": 2, "quiet": True})
    await flush_loop()
    assert not waiter.done()
    hub.deliver_local("k", {"n": 3})
    # Queued behind a waiting event: not asked, kept in order.
    hub.deliver_local("k", {"n": 4, "quiet": True})
    batch = await waiter
    assert [e["n"] for _, e in batch] == [3, 4]
    assert [e["n"] for e in asked] == [2, 3]
