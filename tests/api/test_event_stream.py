"""/api/v1/events: replay in pages, resume from a token, live in order, and the stream's end
when its session ends."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from starlette.requests import Request

from socialhub import db
from socialhub.api import events as events_api
from socialhub.api.deps import Caller
from socialhub.delivery import connections
from socialhub.domain import auth, chats
from socialhub.models import AuthSession
from socialhub.models.base import utcnow
from socialhub.realtime.events import head, publish_on_commit, user_key
from socialhub.realtime.hub import get_hub
from tests.support.chat import create_group, load_user, send


async def never_disconnects() -> dict[str, Any]:
    await asyncio.sleep(3600)
    return {}


def login(user_id: int) -> Caller:
    with db.transaction() as s:
        user = load_user(s, user_id)
        session_id = auth.do_login_api(s, user, device="test", ip="").session_id
        return Caller(user_id=user_id, session_id=session_id, authenticated=user)


async def open_stream(caller: Caller, since: str = "") -> Any:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    return await events_api.events(Request(scope, never_disconnects), caller, since=since)


async def frames(response: Any) -> AsyncIterator[tuple[str, dict[str, Any], str]]:
    """(event name, data, id) of each frame; keep-alive comments skipped."""
    async for chunk in response.body_iterator:
        name, data, ident = "", None, ""
        for line in str(chunk).splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = json.loads(line[6:])
            elif line.startswith("id: "):
                ident = line[4:]
        if data is not None:
            yield name, data, ident


async def collect(response: Any, until: Callable[[list[tuple[str, dict, str]]], bool]) -> list:
    got: list[tuple[str, dict, str]] = []
    stream = frames(response)
    while not until(got):
        got.append(await asyncio.wait_for(stream.__anext__(), 10))
    return got


async def live(user_id: int) -> None:
    """Wait until a stream of `user_id` is subscribed (past its backlog read)."""
    for _ in range(200):
        if get_hub().subscriber_count(user_key(user_id)):
            await asyncio.sleep(0.05)
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the stream never subscribed")


async def ends_within(response: Any, seconds: float, action: Callable[[], None]) -> str:
    """Run `action` while the stream is live; the reason the stream gives for ending."""
    reasons: list[str] = []

    async def read() -> None:
        async for name, data, _ in frames(response):
            if name == "end":
                reasons.append(data["reason"])

    reading = asyncio.ensure_future(read())
    await asyncio.sleep(0.3)
    started = time.monotonic()
    await asyncio.to_thread(action)
    await asyncio.wait_for(reading, seconds + 1)
    assert time.monotonic() - started < seconds
    return reasons[0]


async def test_the_stream_ends_within_two_seconds_of_its_session_being_revoked(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    caller = login(alice)

    def revoke() -> None:
        with db.transaction() as s:
            auth.check_revoke_session(s, load_user(s, alice), caller.session_id)

    assert await ends_within(await open_stream(caller), 2, revoke) == "session_revoked"


async def test_the_stream_ends_when_the_account_is_suspended(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    caller = login(alice)

    def suspend() -> None:
        with db.transaction() as s:
            auth.do_suspend_user(s, load_user(s, alice))

    assert await ends_within(await open_stream(caller), 2, suspend) == "session_revoked"


async def test_the_stream_ends_when_its_session_expires(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    caller = login(alice)
    with db.transaction() as s:
        row = s.get(AuthSession, caller.session_id)
        assert row is not None
        row.expires_at = utcnow() + timedelta(seconds=1)
        s.add(row)
    assert await ends_within(await open_stream(caller), 2.5, lambda: None) == "session_expired"


async def test_since_a_token_from_before_a_removal_replays_nothing_after_it(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    make_user("carol")
    group = create_group(alice, ["bob", "carol"])
    with db.read_session() as s:
        token = f"s{head(s)}"
    send(alice, group, "before")
    with db.transaction() as s:
        chats.check_remove_member(s, load_user(s, alice), group, "bob")
    send(alice, group, "after the removal")
    response = await open_stream(login(bob), since=token)
    got = await collect(response, lambda g: any(n == "chat" for n, _, _ in g))
    await asyncio.sleep(0.3)
    names = [(n, d["op"]) for n, d, _ in got]
    assert ("member", "remove") in names
    bodies = [d["data"].get("body") for n, d, _ in got if n == "message"]
    assert bodies[0] == "before"
    assert "after the removal" not in bodies
    await response.body_iterator.aclose()


async def test_the_backlog_is_replayed_whole_in_pages_then_live_and_resumable(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    with db.transaction() as s:
        for n in range(1_200):
            publish_on_commit(s, type="t", op="add", data={"n": n}, users=[alice])
    caller = login(alice)
    response = await open_stream(caller)
    got = await collect(response, lambda g: len([f for f in g if f[0] == "t"]) == 1_200)
    assert [d["data"]["n"] for n, d, _ in got if n == "t"] == list(range(1_200))
    resume_from = got[-1][2]
    await live(alice)
    with db.transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": "live"}, users=[alice])
    [(_, data, ident)] = await collect(response, lambda g: len(g) == 1)
    assert data["data"] == {"n": "live"}
    await response.body_iterator.aclose()
    # Resuming from the last id replays exactly what came after it.
    again = await open_stream(login(alice), since=resume_from)
    [(_, data, _)] = await collect(again, lambda g: any(f[0] == "t" for f in g))
    assert data["data"] == {"n": "live"}
    await again.body_iterator.aclose()
    assert ident


async def test_events_whose_pushes_race_arrive_in_commit_order(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    response = await open_stream(login(alice))
    reading = asyncio.ensure_future(collect(response, lambda g: len(g) == 2))
    await live(alice)
    held = []
    for n in (1, 2):  # two commits in turn; the second one's push runs first
        s = db.Session(db.get_engine(), expire_on_commit=False)
        publish_on_commit(s, type="t", op="add", data={"n": n}, users=[alice])
        db._finish(s)
        held.append(s.info.pop(db._AFTER_COMMIT))
        s.close()
    for pushes in reversed(held):
        for push in pushes:
            await asyncio.to_thread(push)
    got = await reading
    assert [d["data"]["n"] for _, d, _ in got] == [1, 2]
    await response.body_iterator.aclose()


async def test_a_bad_token_is_refused(make_user: Callable[..., int]) -> None:
    response = await open_stream(login(make_user("alice")), since="12")
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "bad_token"


async def test_streams_per_user_are_capped(
    make_user: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections, "MAX_CLIENTS_PER_USER", 2)
    alice = make_user("alice")
    first, second = await open_stream(login(alice)), await open_stream(login(alice))
    third = await open_stream(login(alice))
    assert third.status_code == 429
    assert json.loads(third.body)["error"]["code"] == "too_many_streams"
    for response in (first, second):  # a stream that starts and stops frees its place
        await stop(response)
    fourth = await open_stream(login(alice))
    assert fourth.status_code == 200
    await stop(fourth)


async def stop(response: Any) -> None:
    """Start the stream, then cancel it as a leaving client does."""
    started = asyncio.ensure_future(response.body_iterator.__anext__())
    await asyncio.sleep(0.2)
    started.cancel()
    await asyncio.gather(started, return_exceptions=True)
