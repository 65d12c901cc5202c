"""The event log (one global ordering, conversation events stored once), the hub, and the one
stream reader that the API stream and the tab listener share."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from socialhub import db
from socialhub.db import read_session, transaction
from socialhub.domain import auth, chats, messages
from socialhub.models import ConversationEvent, UserEvent
from socialhub.realtime import events as events_module
from socialhub.realtime import hub as hub_module
from socialhub.realtime.events import (
    StreamToken,
    head,
    publish_on_commit,
    read_stream,
    topic_key,
    user_key,
)
from socialhub.realtime.hub import Event, Hub, RedisHub
from socialhub.realtime.stream import StreamReader
from socialhub.state import realtime as realtime_state
from tests.support.chat import create_group, load_user, open_dm, send


def stream_of(user_id: int, token: StreamToken | None = None) -> list[Event]:
    with read_session() as s:
        return read_stream(s, user_id, token or StreamToken(), upto=head(s), limit=10_000)


def test_user_events_take_global_positions_and_replay_in_order(
    make_user: Callable[..., int], events: list
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with read_session() as s:
        start = head(s)
    for n in range(3):
        with transaction() as s:
            publish_on_commit(s, type="t", op="add", data={"n": n}, users=[alice, bob])
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": 3}, users=[bob])
    with read_session() as s:
        assert head(s) == start + 7
    assert [e["data"]["n"] for e in stream_of(bob)] == [0, 1, 2, 3]
    positions = [e["position"] for e in stream_of(bob)]
    assert positions == sorted(positions)
    assert [e["data"]["n"] for e in stream_of(bob, StreamToken(positions[1]))] == [2, 3]
    assert stream_of(alice, StreamToken(start + 7)) == []
    assert [e["position"] for k, e in events if k == user_key(bob)] == positions


def test_a_conversation_event_is_stored_once_whatever_the_members(
    make_user: Callable[..., int],
) -> None:
    owner = make_user("owner")
    names = [f"member{i}" for i in range(20)]
    for name in names:
        make_user(name)
    group = create_group(owner, names)
    with read_session() as s:
        before_user = s.execute(sa.select(sa.func.count()).select_from(UserEvent)).scalar_one()
        before_conv = s.execute(
            sa.select(sa.func.count()).select_from(ConversationEvent)
        ).scalar_one()
    send(owner, group, "hello all")
    with read_session() as s:
        after_user = s.execute(sa.select(sa.func.count()).select_from(UserEvent)).scalar_one()
        after_conv = s.execute(
            sa.select(sa.func.count()).select_from(ConversationEvent)
        ).scalar_one()
    assert (after_conv - before_conv, after_user - before_user) == (1, 0)


def test_a_member_replays_only_their_span_of_a_conversation(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    group = create_group(alice, ["bob"])
    send(alice, group, "before")
    with transaction() as s:
        chats.check_remove_member(s, load_user(s, alice), group, "bob")
    send(alice, group, "while away")
    assert texts(stream_of(bob)) == ["before"]
    kinds = [(e["type"], e["op"]) for e in stream_of(bob)]
    assert ("member", "remove") in kinds  # they hear that they were removed
    assert kinds.count(("chat", "remove")) == 1
    with transaction() as s:
        invite = chats.check_create_invite(s, load_user(s, alice), group)
    with transaction() as s:
        chats.check_join_by_invite(s, load_user(s, bob), invite.code)
    send(alice, group, "after")
    # A rejoin starts a new span: nothing from while they were away (the history API shows
    # what the group allows a returning member to see).
    assert "while away" not in texts(stream_of(bob))
    assert texts(stream_of(bob))[-1] == "after"


def test_a_token_resumes_both_kinds_of_stream(make_user: Callable[..., int]) -> None:
    alice, _bob = make_user("alice"), make_user("bob")
    dm = open_dm(alice, "bob")
    send(alice, dm, "one")
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={"n": 1}, users=[alice])
    everything = stream_of(alice)
    middle = everything[len(everything) // 2]["position"]
    token = StreamToken.parse(str(StreamToken(middle)))
    assert token == StreamToken(middle)
    rest = stream_of(alice, token)
    assert rest == [e for e in everything if e["position"] > middle]
    # A writer's entry covers what that process published up to there, whatever the floor.
    last = everything[-1]
    covered = StreamToken(0, ((last["writer"], last["position"]),))
    assert stream_of(alice, covered) == []
    assert StreamToken.parse(str(covered)) == covered
    assert StreamToken.parse("12") is None
    assert StreamToken.parse("") == StreamToken()


def test_concurrent_publishers_take_distinct_positions_without_deadlock(
    make_user: Callable[..., int],
) -> None:
    users = [make_user(f"user{i}") for i in range(6)]
    with read_session() as s:
        start = head(s)

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
        assert head(s) == start + 300
        positions = list(s.execute(sa.select(UserEvent.position)).scalars())  # type: ignore[call-overload]
    assert sorted(positions) == list(range(start + 1, start + 301))
    for user in users:
        assert len(stream_of(user)) == 50


def test_nothing_is_published_or_stored_on_rollback(
    make_user: Callable[..., int], events: list
) -> None:
    alice = make_user("alice")
    with read_session() as s:
        start = head(s)
    events.clear()
    with pytest.raises(RuntimeError), transaction() as s:
        publish_on_commit(s, type="t", op="add", data={}, users=[alice], topics=["x"])
        raise RuntimeError("boom")
    assert events == []
    with read_session() as s:
        assert head(s) == start
    assert stream_of(alice) == []


def test_topics_are_pushed_but_not_stored(make_user: Callable[..., int], events: list) -> None:
    alice = make_user("alice")
    events.clear()
    with transaction() as s:
        publish_on_commit(s, type="t", op="add", data={}, topics=["profile:1"])
    assert events == [(topic_key("profile:1"), {"type": "t", "op": "add", "data": {}})]
    assert stream_of(alice) == []


def test_a_process_pushes_its_commits_in_position_order(
    make_user: Callable[..., int], events: list
) -> None:
    """Two transactions commit in turn, but their after-commit pushes run in the reverse order:
    the later one waits for the earlier one, so subscribers hear them in position order."""
    alice = make_user("alice")
    events.clear()
    sessions = []
    for n in (1, 2):
        s = db.Session(db.get_engine(), expire_on_commit=False)
        publish_on_commit(s, type="t", op="add", data={"n": n}, users=[alice])
        sessions.append(s)
    callbacks = []
    for s in sessions:
        db._finish(s)
        callbacks.append(s.info.pop(db._AFTER_COMMIT))
        s.close()
    for pending in reversed(callbacks):
        for callback in pending:
            callback()
    assert [e["data"]["n"] for _, e in events] == [1, 2]


def test_edits_and_deletes_leave_no_old_text_in_the_log(make_user: Callable[..., int]) -> None:
    alice, _bob = make_user("alice"), make_user("bob")
    dm = open_dm(alice, "bob")
    message = send(alice, dm, "first secret")
    with transaction() as s:
        messages.check_edit_message(s, load_user(s, alice), message.id, body="second secret")
    with read_session() as s:
        payloads = [str(p) for p in s.execute(sa.select(ConversationEvent.payload)).scalars()]  # type: ignore[call-overload]
    assert not any("first secret" in p for p in payloads)
    assert any("second secret" in p for p in payloads)
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, alice), message.id, for_everyone=True)
    with read_session() as s:
        payloads = [str(p) for p in s.execute(sa.select(ConversationEvent.payload)).scalars()]  # type: ignore[call-overload]
    assert not any("secret" in p for p in payloads)
    replay = [e for e in stream_of(alice) if e["type"] == "message"]
    assert [(e["op"], bool(e["data"].get("redacted"))) for e in replay] == [
        ("add", True),
        ("edit", True),
        ("delete", False),
    ]


# The hub ----------------------------------------------------------------------------------------


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


def test_the_hub_tells_whether_a_topic_was_published_to_since_a_moment() -> None:
    hub = Hub()
    before = hub.position()
    hub.publish("topic:profile:1", {"n": 1})
    hub.publish("user:1", {"n": 2})
    after = hub.position()
    assert hub.published_since({"topic:profile:1"}, before)
    assert not hub.published_since({"topic:profile:1"}, after)
    assert not hub.published_since({"topic:profile:2"}, before)
    hub.publish("topic:profile:2", {"n": 3})
    assert hub.published_since({"topic:profile:1", "topic:profile:2"}, after)


def test_a_topic_the_hub_let_go_counts_as_published_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "TOPICS_TRACKED", 2)
    hub = Hub()
    start = hub.position()
    hub.publish("topic:a", {})
    middle = hub.position()
    hub.publish("topic:a", {})
    hub.publish("topic:b", {})
    hub.publish("topic:c", {})  # topic:a is let go
    assert hub.published_since({"topic:a"}, middle)  # cannot tell any more: assume so
    assert hub.published_since({"topic:never"}, start)
    assert not hub.published_since({"topic:never"}, hub.position())
    assert not hub.published_since({"topic:b"}, hub.position())


def test_another_worker_may_have_published_to_any_topic() -> None:
    hub = RedisHub("redis://127.0.0.1:1/0")  # never connected: it cannot see other workers
    assert hub.published_since({"topic:x"}, hub.position())


def test_a_page_read_before_its_listener_subscribed_is_read_again_if_its_topic_moved() -> None:
    """A profile read on a page load (or a reconnect after a server restart) while its tab had
    no live subscription: a rename published in between reached nobody, so the listener, once
    subscribed, sends the page's reload; with nothing published it sends nothing."""
    hub = hub_module.get_hub()
    since = realtime_state.topics_position()
    for token, topic in (("tab-a", "profile:7"), ("tab-b", "profile:8")):
        assert (
            realtime_state.watch_topics(
                token, {topic}, owner="profile", since=since, reload=f"reload-{token}"
            )
            == []
        )
    hub.publish("topic:profile:7", {"type": "user"})
    assert realtime_state._missed("tab-a") == ["reload-tab-a"]
    assert realtime_state._missed("tab-b") == []
    assert realtime_state._missed("tab-a") == []  # asked once
    for token in ("tab-a", "tab-b"):
        realtime_state._watched.pop(token, None)


async def test_a_page_read_while_subscribed_is_read_again_if_its_topic_moved_meanwhile(
    make_user: Callable[..., int],
) -> None:
    """A live tab opens another profile: the rename published between the page's read and its
    watch reached nobody (the topic was not watched yet), so the watch answers with the reload."""
    reader = await reader_for(make_user("watcher"))
    realtime_state._readers["tab-c"] = reader
    try:
        since = realtime_state.topics_position()
        hub_module.get_hub().publish("topic:profile:9", {"type": "user"})
        assert realtime_state.watch_topics(
            "tab-c", {"profile:9"}, owner="profile", since=since, reload="reload-c"
        ) == ["reload-c"]
        since = realtime_state.topics_position()
        assert (
            realtime_state.watch_topics(
                "tab-c", {"profile:9"}, owner="profile", since=since, reload="reload-c"
            )
            == []
        )
        hub_module.get_hub().publish("topic:profile:9", {"type": "user", "n": 2})
        got = await live(reader, lambda g: bool(g))
        assert got == [{"type": "user", "n": 2}]  # watched from then on
    finally:
        del realtime_state._readers["tab-c"]
        realtime_state._watched.pop("tab-c", None)
        reader.close()


async def test_one_publish_from_a_thread_reaches_every_subscriber_of_the_key() -> None:
    """The hub wakes the loop once for all of a key's subscribers (a channel's event and a
    worker's every tab in that server); each gets it, in order, and other keys nothing."""
    hub = Hub()
    subs = [hub.subscribe({"conv:busy"}) for _ in range(200)]
    quiet = hub.subscribe({"conv:quiet"})
    for n in range(3):
        await asyncio.to_thread(hub.publish, "conv:busy", {"n": n})
    for sub in subs:
        got: list[Event] = []
        while len(got) < 3:
            got += [e for _, e in await sub.next_batch(wait=1)]
        assert [e["n"] for e in got] == [0, 1, 2]
    assert await quiet.next_batch(wait=0.05) == []


async def test_a_subscriber_that_stops_reading_is_dropped() -> None:
    hub = Hub()
    sub = hub.subscribe({"user:1"}, bound=10)
    for n in range(25):
        hub.publish("user:1", {"n": n})
    batch = await sub.next_batch(wait=1)
    assert sub.overflowed
    assert batch[-1][1] == {"type": "overflow"}
    assert len(batch) == 11
    assert hub.subscriber_count("user:1") == 0


# The stream reader ------------------------------------------------------------------------------


async def live(reader: StreamReader, until: Callable[[list[Event]], bool]) -> list[Event]:
    got: list[Event] = []
    for _ in range(50):
        got += [event for event, _ in await reader.next(0.1)]
        if until(got) or reader.ended:
            break
    return got


def texts(got: list[Event]) -> list[str]:
    return [
        e["data"]["body"]
        for e in got
        if (e["type"], e["op"]) == ("message", "add") and e["data"].get("kind") == "text"
    ]


async def reader_for(user_id: int, token: StreamToken | None = None) -> StreamReader:
    with read_session() as s:
        start = token if token is not None else StreamToken(head(s))
    reader = StreamReader(user_id, "no-session", start)
    await reader.open()
    async for _page in reader.backlog():
        pass
    return reader


async def test_conversation_events_reach_exactly_its_members_by_subscription(
    make_user: Callable[..., int],
) -> None:
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    group = await asyncio.to_thread(create_group, alice, ["bob", "carol"])
    readers = {u: await reader_for(u) for u in (alice, bob, carol, dave)}
    await asyncio.to_thread(send, alice, group, "to the group")
    for member in (alice, bob, carol):
        got = await live(readers[member], lambda g: bool(texts(g)))
        assert texts(got) == ["to the group"]
    assert await readers[dave].next(0.3) == []
    for reader in readers.values():
        reader.close()


async def test_a_removed_member_gets_nothing_after_the_removal(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    make_user("carol")
    group = await asyncio.to_thread(create_group, alice, ["bob", "carol"])
    reader = await reader_for(bob)

    def remove() -> None:
        with transaction() as s:
            chats.check_remove_member(s, load_user(s, alice), group, "bob")

    await asyncio.to_thread(remove)
    await asyncio.to_thread(send, alice, group, "secret plans")
    got = await live(reader, lambda g: any(e["type"] == "member" for e in g))
    got += [event for event, _ in await reader.next(0.5)]
    assert ("member", "remove") in [(e["type"], e["op"]) for e in got]
    assert "secret plans" not in texts(got)
    reader.close()


async def test_a_joined_conversation_is_followed_live_including_what_raced_the_join(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    group = await asyncio.to_thread(create_group, alice, [])
    reader = await reader_for(bob)

    def add_and_send() -> None:
        with transaction() as s:
            chats.check_add_members(s, load_user(s, alice), group, ["bob"])
        send(alice, group, "welcome")

    await asyncio.to_thread(add_and_send)
    got = await live(reader, lambda g: "welcome" in texts(g))
    assert texts(got) == ["welcome"]
    await asyncio.to_thread(send, alice, group, "and again")
    got = await live(reader, lambda g: "and again" in texts(g))
    assert texts(got) == ["and again"]  # the live copy of a backfilled event is not repeated
    reader.close()


async def test_a_reader_resumes_from_its_token_exactly_once(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    dm = await asyncio.to_thread(open_dm, alice, "bob")
    reader = await reader_for(bob)
    await asyncio.to_thread(send, alice, dm, "live one")
    got = await live(reader, lambda g: bool(texts(g)))
    assert texts(got) == ["live one"]
    token = reader.token
    reader.close()
    for n in range(3):
        await asyncio.to_thread(send, alice, dm, f"missed {n}")
    again = StreamReader(bob, "no-session", StreamToken.parse(str(token)) or StreamToken())
    await again.open()
    replayed = [e async for page in again.backlog() for e, _ in page]
    assert texts(replayed) == ["missed 0", "missed 1", "missed 2"]
    again.close()


async def test_the_stream_ends_when_its_session_is_revoked(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")

    def login() -> str:
        with transaction() as s:
            return auth.do_login_api(s, load_user(s, alice), device="test", ip="").session_id

    session_id = await asyncio.to_thread(login)
    with read_session() as s:
        reader = StreamReader(alice, session_id, StreamToken(head(s)))
    await reader.open()

    def revoke() -> None:
        with transaction() as s:
            auth.check_revoke_session(s, load_user(s, alice), session_id)

    await asyncio.to_thread(revoke)
    await live(reader, lambda g: False)
    assert reader.ended == "session_revoked"
    reader.close()


async def test_a_reader_told_of_lost_pushes_reads_them_back(
    make_user: Callable[..., int],
) -> None:
    """A worker whose hub lost its Redis connection tells its readers; each re-reads what its
    token has not seen (here the pushes go to another hub, as if published while cut off)."""

    alice, bob = make_user("alice"), make_user("bob")
    dm = await asyncio.to_thread(open_dm, alice, "bob")
    reader = await reader_for(bob)
    connected = hub_module.get_hub()
    hub_module._hub = Hub()  # the pushes of this send never reach the reader's hub
    try:
        await asyncio.to_thread(send, alice, dm, "sent while cut off")
    finally:
        hub_module._hub = connected
    assert await reader.next(0.2) == []
    connected.resync_all()
    got = await live(reader, lambda g: bool(texts(g)))
    assert texts(got) == ["sent while cut off"]
    await asyncio.to_thread(send, alice, dm, "live again")
    got = await live(reader, lambda g: bool(texts(g)))
    assert texts(got) == ["live again"]
    reader.close()


def test_a_writer_id_is_per_process() -> None:
    assert events_module.writer_id() == events_module.writer_id() > 0


async def test_a_tab_counts_as_connected_while_its_socket_is_linked() -> None:
    """The listener's liveness check reads Reflex's own token manager (a real event namespace
    here, as the app server makes it), both ways."""
    from reflex.app import EventNamespace

    from socialhub.socialhub import app

    before = app._event_namespace
    namespace = EventNamespace("/_event", app)
    app._event_namespace = namespace
    try:
        assert not realtime_state._tab_connected("tab-x")
        await namespace._token_manager.link_token_to_sid("tab-x", "sid-1")
        assert realtime_state._tab_connected("tab-x")
        assert not realtime_state._tab_connected("tab-y")
        await namespace._token_manager.disconnect_token("tab-x", "sid-1")
        assert not realtime_state._tab_connected("tab-x")
    finally:
        app._event_namespace = before


def test_a_listener_drops_only_the_typing_of_chats_not_on_screen() -> None:
    typing = {"type": "typing", "op": "start", "data": {"conversation_id": "c1", "user_id": 2}}
    message = {"type": "message", "op": "add", "data": {"conversation_id": "c2"}}
    assert realtime_state._shown_typing(typing, "c1")
    assert not realtime_state._shown_typing(typing, "c2")
    assert not realtime_state._shown_typing(typing, "")  # no chat open
    assert realtime_state._shown_typing(message, "c1")
    assert realtime_state._shown_typing(message, "")
