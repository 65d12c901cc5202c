"""The API's event stream delivers a user's events in stream order, even when two transactions
push their events in the opposite order to the one they committed in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from socialhub import db
from socialhub.api import events as events_api
from socialhub.api.deps import Caller
from socialhub.realtime.events import current_position, publish_on_commit
from tests.support.chat import load_user


async def next_data(frames: Any) -> dict[str, Any]:
    """The next `data:` frame of the stream (keep-alive comments skipped)."""
    while True:
        chunk = await asyncio.wait_for(frames.__anext__(), 10)
        for line in str(chunk).splitlines():
            if line.startswith("data: "):
                data: dict[str, Any] = json.loads(line[6:])
                return data


async def test_events_pushed_out_of_commit_order_arrive_in_order(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    with db.transaction() as s:
        caller = Caller(user_id=alice, session_id="test", authenticated=load_user(s, alice))
        start = current_position(s, alice)

    async def never_disconnects() -> dict[str, Any]:
        await asyncio.sleep(3600)
        return {}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    response = await events_api.events(Request(scope, never_disconnects), caller, since=start)
    frames = response.body_iterator
    opening = asyncio.ensure_future(next_data(frames))
    await asyncio.sleep(0.3)  # the stream is past its (empty) backlog, waiting for live events

    # Two transactions commit in turn; the second one's push wins the race to the hub.
    held = []
    for n in (1, 2):
        with db.transaction() as s:
            publish_on_commit(s, type="message", op="add", data={"n": n}, users=[alice])
            held.append(s.info.pop(db._AFTER_COMMIT))  # the push, held back
    for pushes in reversed(held):
        for push in pushes:
            await asyncio.to_thread(push)

    first = await opening
    second = await next_data(frames)
    assert [(e["data"]["n"], e["position"]) for e in (first, second)] == [
        (1, start + 1),
        (2, start + 2),
    ]
    await frames.aclose()
