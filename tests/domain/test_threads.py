"""Threads: a conversation of its own under a channel, through the shared message code; who may
create, read and speak (the parent's permissions), archiving after inactivity and reopening by a
new message, the list of a channel's threads and the starter message's summary, and events that
reach exactly the parent's viewers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from socialhub.db import read_session, transaction
from socialhub.domain import channel_messages, channels, permissions, servers, threads
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    ChannelType,
    Conversation,
    MemberRoleLink,
    PermissionOverwrite,
    Role,
    Server,
)
from socialhub.models.thread_views import ThreadView
from tests.support.chat import Events, history, load_user, send
from tests.support.servers import everyone, general, make_server


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """Owner A, member B, and C, a member who may not see the private channel."""
    return make_user("ada"), make_user("bob"), make_user("cyd")


def _general(server_id: str) -> str:
    with read_session() as s:
        return general(s, server_id).id


def _start(actor: int, channel_id: str, **kw: object) -> str:
    with transaction() as s:
        return threads.check_create_thread(s, load_user(s, actor), channel_id, **kw).id  # type: ignore[arg-type]


def _overwrite(server_id: str, scope_id: str, *, allow: int = 0, deny: int = 0) -> None:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=scope_id,
                target_type="role",
                target_id=everyone(s, server_id).id,
                allow=allow,
                deny=deny,
            )
        )
        permissions.bump_version(s, server)


def _private(server_id: str, name: str, *, members: tuple[int, ...]) -> str:
    """A channel @everyone may not view; a role given to `members` may."""
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        channel = servers.do_create_channel(s, server, name=name)
        role = Role(server_id=server_id, name="Crew", position=1)
        s.add(role)
        s.flush()
        s.add_all(
            [
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=channel.id,
                    target_type="role",
                    target_id=everyone(s, server_id).id,
                    deny=int(Permission.VIEW_CHANNEL),
                ),
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=channel.id,
                    target_type="role",
                    target_id=role.id,
                    allow=int(Permission.VIEW_CHANNEL),
                ),
                *(MemberRoleLink(server_id=server_id, user_id=u, role_id=role.id) for u in members),
            ]
        )
        permissions.bump_version(s, server)
        return channel.id


def _text(server_id: str, name: str) -> str:
    """A channel outside any category (its own overwrites count)."""
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        return servers.do_create_channel(s, server, name=name).id


def _age(thread_id: str, delta: timedelta) -> None:
    """The thread's last activity moves `delta` into the past."""
    with transaction() as s:
        conversation = s.get(Conversation, thread_id)
        assert conversation is not None
        conversation.last_activity_at = conversation.last_activity_at - delta
        s.add(conversation)


def test_a_thread_from_a_message_is_a_conversation_with_its_own_messages(
    trio: tuple[int, int, int], events: Events
) -> None:
    a, b, c = trio
    server_id = make_server(a, members=(b, c))
    chat = _general(server_id)
    starter = send(a, chat, "shall we plan the trip?")
    events.clear()
    thread_id = _start(a, chat, message_id=starter.id)
    # The name defaults to the message's text; everyone who views the channel hears of it.
    created = [e for _, e in events if e["type"] == "channel" and e["op"] == "thread"]
    assert created
    assert created[0]["data"]["thread"]["name"] == "shall we plan the trip?"
    assert created[0]["data"]["channel_id"] == chat
    assert {k for k, e in events if e["type"] == "channel"} == {f"user:{u}" for u in (a, b, c)}
    events.clear()
    send(b, thread_id, "yes, in May")
    send(c, thread_id, "count me in")
    assert [m.body for m in history(a, thread_id)] == ["yes, in May", "count me in"]
    assert {k for k, e in events if e["type"] == "message"} == {f"user:{u}" for u in (a, b, c)}
    # The parent keeps its own history; the starter message shows the thread's summary.
    parent = history(b, chat)
    assert [m.body for m in parent] == ["shall we plan the trip?"]
    assert parent[0].thread is not None
    assert (parent[0].thread.name, parent[0].thread.message_count) == (
        "shall we plan the trip?",
        2,
    )
    assert not parent[0].thread.archived
    # A thread is no channel of the list.
    with read_session() as s:
        listed = channels.list_channels(s, load_user(s, a), server_id)
        assert thread_id not in {ch.id for ch in listed.channels}
        detail = servers.get_server(s, load_user(s, a), server_id)
        assert thread_id not in {ch.id for ch in detail.channels}
        # Unread counts are the channels' own: A has not read B's and C's answers.
        unread = channel_messages.channel_unreads(s, load_user(s, a), server_id, [thread_id], [])
        assert unread[thread_id].unread
        assert thread_id in permissions.viewable_channels(s, b)


def test_an_empty_thread_needs_a_good_name_and_one_thread_per_message(
    trio: tuple[int, int, int],
) -> None:
    a, b, _ = trio
    server_id = make_server(a, members=(b,))
    chat = _general(server_id)
    for bad, code in (("   ", "empty"), ("x" * 101, "too_long")):
        with pytest.raises(InvalidInput) as caught:
            _start(b, chat, name=bad)
        assert caught.value.code == code
    with pytest.raises(InvalidInput) as caught:
        _start(b, chat, name="ideas", auto_archive_minutes=30)
    assert caught.value.code == "bad_archive_duration"
    assert threads_view(b, _start(b, chat)).name == "New thread"
    thread_id = _start(b, chat, name="ideas", auto_archive_minutes=60)
    assert threads_view(b, thread_id).name == "ideas"
    assert threads_view(b, thread_id).auto_archive_minutes == 60
    starter = send(a, chat, "hi")
    _start(b, chat, message_id=starter.id, name="about hi")
    with pytest.raises(Conflict) as conflict:
        _start(a, chat, message_id=starter.id, name="again")
    assert conflict.value.code == "thread_exists"
    # A message of another channel, or of the thread itself, is not one of this channel's.
    inside = send(a, thread_id, "in the thread")
    with pytest.raises(NotFound):
        _start(a, chat, message_id=inside.id)
    with pytest.raises(NotFound):
        _start(a, chat, message_id="nope")
    # A thread under a thread, or under a posts channel, is refused.
    with pytest.raises(InvalidInput) as caught:
        _start(a, thread_id, name="deeper")
    assert caught.value.code == "bad_parent"
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        board = servers.do_create_channel(s, server, name="board", channel_type=ChannelType.posts)
        board_id = board.id
    with pytest.raises(InvalidInput):
        _start(a, board_id, name="no")


def threads_view(actor: int, thread_id: str) -> ThreadView:
    with read_session() as s:
        return threads.get_thread(s, load_user(s, actor), thread_id)


def test_who_may_see_create_and_speak_follows_the_parent_channel(
    trio: tuple[int, int, int], events: Events
) -> None:
    a, b, c = trio
    server_id = make_server(a, members=(b, c))
    crew = _private(server_id, "crew", members=(b,))
    events.clear()
    thread_id = _start(b, crew, name="secret")
    send(a, thread_id, "only for the crew")
    reached = {k for k, e in events if e["type"] in ("message", "channel")}
    assert reached == {f"user:{a}", f"user:{b}"}
    # C may see neither the thread nor its channel: both are missing to them.
    for attempt in (
        lambda: history(c, thread_id),
        lambda: send(c, thread_id, "let me in"),
        lambda: threads_view(c, thread_id),
        lambda: _start(c, crew, name="mine"),
    ):
        with pytest.raises(NotFound):
            attempt()
    with read_session() as s:
        assert thread_id not in permissions.viewable_channels(s, c)
        with pytest.raises(NotFound):
            threads.list_threads(s, load_user(s, c), crew)
    # Without CREATE_THREADS no thread; without SEND_IN_THREADS no word in one, even where
    # the channel itself is open to messages, and the other way round.
    chat = _text(server_id, "talk")
    open_thread = _start(b, chat, name="open")
    _overwrite(server_id, chat, deny=int(Permission.CREATE_THREADS | Permission.SEND_IN_THREADS))
    with pytest.raises(PermissionDenied):
        _start(b, chat, name="another")
    with pytest.raises(PermissionDenied):
        send(b, open_thread, "hello?")
    send(b, chat, "the channel is still open")
    assert not threads_view(b, open_thread).can_send
    news_id = _news(server_id)
    talk = _start(a, news_id, name="talk")
    with pytest.raises(PermissionDenied):
        send(b, news_id, "not here")
    send(b, talk, "but here")
    assert threads_view(b, talk).can_send


def _news(server_id: str) -> str:
    """An announcement channel where @everyone may not send, but may speak in threads."""
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        news = servers.do_create_channel(
            s, server, name="news", channel_type=ChannelType.announcement
        )
        news_id = news.id
    _overwrite(server_id, news_id, deny=int(Permission.SEND_MESSAGES))
    return news_id


def test_a_quiet_thread_archives_and_a_new_message_reopens_it(
    trio: tuple[int, int, int], events: Events
) -> None:
    a, b, _ = trio
    server_id = make_server(a, members=(b,))
    chat = _general(server_id)
    quiet = _start(b, chat, name="quiet", auto_archive_minutes=60)
    busy = _start(b, chat, name="busy", auto_archive_minutes=10080)
    _age(quiet, timedelta(minutes=59))
    assert not threads_view(a, quiet).archived
    _age(quiet, timedelta(minutes=2))
    view = threads_view(a, quiet)
    assert view.archived
    assert view.archived_at is not None
    # Active first, archived after.
    with read_session() as s:
        listed = threads.list_threads(s, load_user(s, a), chat)
        assert [t.name for t in listed.threads] == ["busy", "quiet"]
        assert listed.can_create
        # The sidebar lists the active ones only.
        shown = threads.threads_by_parent(s, load_user(s, a), server_id, [chat])
        assert [t.id for t in shown[chat]] == [busy]
    events.clear()
    send(a, quiet, "anyone?")
    assert not threads_view(a, quiet).archived
    reopened = [e["data"] for _, e in events if e["type"] == "channel" and e["op"] == "thread"]
    assert reopened
    assert reopened[0]["change"] == "reopen"
    assert not reopened[0]["thread"]["archived"]
    # A one-week thread left alone for six days is still open.
    _age(busy, timedelta(days=6))
    assert not threads_view(a, busy).archived


def test_archive_and_rename_by_the_creator_or_a_channel_manager_unarchive_by_a_speaker(
    trio: tuple[int, int, int],
) -> None:
    a, b, c = trio
    server_id = make_server(a, members=(b, c))
    chat = _text(server_id, "plans")
    thread_id = _start(b, chat, name="plans")
    with transaction() as s:
        with pytest.raises(PermissionDenied):
            threads.check_archive_thread(s, load_user(s, c), thread_id)
        with pytest.raises(PermissionDenied):
            threads.check_update_thread(s, load_user(s, c), thread_id, name="mine")
    with transaction() as s:
        threads.check_update_thread(
            s, load_user(s, b), thread_id, name="trip plans", auto_archive_minutes=4320
        )
    with transaction() as s:
        with pytest.raises(InvalidInput) as caught:
            threads.check_update_thread(s, load_user(s, b), thread_id, auto_archive_minutes=5)
        assert caught.value.code == "bad_archive_duration"
    with transaction() as s:
        threads.check_archive_thread(s, load_user(s, a), thread_id)  # the owner manages all
    view = threads_view(c, thread_id)
    assert (view.name, view.archived, view.auto_archive_minutes) == ("trip plans", True, 4320)
    with transaction() as s:
        threads.check_unarchive_thread(s, load_user(s, c), thread_id)
    assert not threads_view(c, thread_id).archived
    # A member who may not speak there may not unarchive either.
    with transaction() as s:
        threads.check_archive_thread(s, load_user(s, b), thread_id)
    _overwrite(server_id, chat, deny=int(Permission.SEND_IN_THREADS))
    with transaction() as s, pytest.raises(PermissionDenied):
        threads.check_unarchive_thread(s, load_user(s, c), thread_id)
    with pytest.raises(PermissionDenied):
        send(c, thread_id, "reopen?")
    assert threads_view(c, thread_id).archived


def test_new_servers_give_everyone_the_thread_permissions(trio: tuple[int, int, int]) -> None:
    a, _, _ = trio
    server_id = make_server(a)
    with read_session() as s:
        bits = everyone(s, server_id).permissions
        assert bits & Permission.CREATE_THREADS
        assert bits & Permission.SEND_IN_THREADS
        assert Permission.CREATE_THREADS in permissions.DESCRIPTIONS
        assert Permission.SEND_IN_THREADS in permissions.DESCRIPTIONS


def test_a_channel_deleted_takes_its_threads_with_it(trio: tuple[int, int, int]) -> None:
    a, b, _ = trio
    server_id = make_server(a, members=(b,))
    crew = _private(server_id, "crew", members=(b,))
    thread_id = _start(b, crew, name="plans")
    send(b, thread_id, "secret")
    with transaction() as s:
        channels.check_delete_channel(s, load_user(s, a), crew)
    with read_session() as s:
        assert s.get(Conversation, thread_id) is None
        assert thread_id not in permissions.viewable_channels(s, b)
    with pytest.raises(NotFound):
        history(b, thread_id)
