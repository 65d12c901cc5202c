"""Server channels through the shared message code: who reads, who sends, slow mode, timeouts,
mentions and badges, read markers, and the streams that reach exactly the channel's viewers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session

from socialhub.db import read_session, transaction
from socialhub.domain import channel_messages, messages, permissions, servers
from socialhub.domain.errors import NotFound, PermissionDenied, RateLimited
from socialhub.domain.permissions import Permission
from socialhub.models import (
    ChannelType,
    MemberRoleLink,
    PermissionOverwrite,
    Role,
    Server,
    ServerMember,
)
from socialhub.models.base import utcnow
from socialhub.realtime.events import StreamToken, head, publish_on_commit, read_stream
from tests.support.chat import Events, history, load_user, send
from tests.support.servers import everyone, general, make_server


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int, int]:
    """Owner A, members B and C, and an outsider D."""
    return make_user("ada"), make_user("bob"), make_user("cyd"), make_user("dan")


def _channel(server_id: str, name: str, **kw: object) -> str:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        return servers.do_create_channel(s, server, name=name, **kw).id  # type: ignore[arg-type]


def _private(server_id: str, channel_id: str, *, role_members: tuple[int, ...] = ()) -> str:
    """Hide the channel from @everyone; a "Mods" role (given to `role_members`) sees it."""
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        role = Role(server_id=server_id, name="Mods", position=1, mentionable=True)
        s.add(role)
        s.flush()
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=channel_id,
                target_type="role",
                target_id=everyone(s, server_id).id,
                deny=int(Permission.VIEW_CHANNEL),
            )
        )
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=channel_id,
                target_type="role",
                target_id=role.id,
                allow=int(Permission.VIEW_CHANNEL),
            )
        )
        for user_id in role_members:
            s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        permissions.bump_version(s, server)
        return role.id


def _chan_id(server_id: str) -> str:
    with read_session() as s:
        return general(s, server_id).id


def test_members_chat_in_a_channel_and_outsiders_see_nothing(
    trio: tuple[int, int, int, int], events: Events
) -> None:
    a, b, c, d = trio
    server_id = make_server(a, members=(b, c))
    chat = _chan_id(server_id)
    events.clear()
    sent = send(b, chat, "hello all")
    assert [m.body for m in history(a, chat)] == ["hello all"]
    reached = {k for k, e in events if e["type"] == "message" and e["op"] == "add"}
    assert reached == {f"user:{a}", f"user:{b}", f"user:{c}"}
    with pytest.raises(NotFound):
        send(d, chat, "let me in")
    with pytest.raises(NotFound):
        history(d, chat)
    with transaction() as s:
        with pytest.raises(NotFound):
            messages.check_react(s, load_user(s, d), sent.id, "👍")
        messages.check_react(s, load_user(s, c), sent.id, "👍")


def test_a_private_channel_reaches_only_those_who_may_view_it(
    trio: tuple[int, int, int, int], events: Events
) -> None:
    a, b, c, _ = trio
    server_id = make_server(a, members=(b, c))
    mods = _channel(server_id, "mods")
    _private(server_id, mods, role_members=(b,))
    events.clear()
    send(a, mods, "secret plans")
    reached = {k for k, e in events if e["type"] == "message" and e["op"] == "add"}
    assert reached == {f"user:{a}", f"user:{b}"}
    with pytest.raises(NotFound):  # the same as a channel that does not exist
        history(c, mods)
    with read_session() as s:
        assert mods not in permissions.viewable_channels(s, c)
        assert mods in permissions.viewable_channels(s, b)
        # C's stream replays nothing of it either.
        replay = read_stream(s, c, StreamToken(), upto=head(s), limit=1000)
    assert not [e for e in replay if e["data"].get("conversation_id") == mods]


def test_send_needs_send_messages_and_history_needs_read_history(
    trio: tuple[int, int, int, int],
) -> None:
    a, b, _, _ = trio
    server_id = make_server(a, members=(b,))
    news = _channel(server_id, "news", channel_type=ChannelType.announcement)
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=news,
                target_type="role",
                target_id=everyone(s, server_id).id,
                deny=int(Permission.SEND_MESSAGES | Permission.READ_HISTORY),
            )
        )
        permissions.bump_version(s, server)
    send(a, news, "owner announces")  # the owner has every permission
    with pytest.raises(PermissionDenied) as refused:
        send(b, news, "me too")
    assert refused.value.code == "missing_permission"
    with pytest.raises(PermissionDenied):
        history(b, news)


def test_slow_mode_and_timeout_are_enforced_in_the_domain(
    trio: tuple[int, int, int, int],
) -> None:
    a, b, _, _ = trio
    server_id = make_server(a, members=(b,))
    chat = _chan_id(server_id)
    with transaction() as s:
        channel = general(s, server_id)
        channel.slow_mode_seconds = 30
        s.add(channel)
    send(b, chat, "first")
    with pytest.raises(RateLimited) as waited:
        send(b, chat, "second")
    assert waited.value.code == "slow_mode"
    assert 0 < waited.value.retry_after <= 30
    send(a, chat, "the owner is never slowed")
    send(a, chat, "not even twice")
    with transaction() as s:
        member = s.get(ServerMember, (server_id, b))
        assert member is not None
        member.timeout_until = utcnow() + timedelta(minutes=5)
        s.add(member)
        channel = general(s, server_id)
        channel.slow_mode_seconds = 0
        s.add(channel)
    with pytest.raises(PermissionDenied) as muted:
        send(b, chat, "let me speak")
    assert muted.value.code == "timed_out"
    assert [m.body for m in history(b, chat)][-1] == "not even twice"  # still reads


def test_mentions_count_on_the_badge_and_read_markers_clear_them(
    trio: tuple[int, int, int, int],
) -> None:
    a, b, c, _ = trio
    server_id = make_server(a, members=(b, c))
    chat = _chan_id(server_id)
    role = _private(server_id, _channel(server_id, "hidden"), role_members=(c,))
    send(a, chat, "hi @bob")
    send(b, chat, "@everyone look")  # B may not mention everyone: plain text
    send(a, chat, "@everyone look")
    send(a, chat, "@mods and @dan")  # D is no member: nobody told
    with transaction() as s:
        # B's own message marked what came before it read ("hi @bob" included).
        for user_id, expected in ((b, 1), (c, 2), (a, 0)):
            user = load_user(s, user_id)
            roles = permissions.member_roles(s, server_id, user_id)
            unread = channel_messages.channel_unreads(s, user, server_id, [chat], list(roles))
            assert unread[chat].mentions == expected, (user_id, role)
        last = general(s, server_id).last_seq
        messages.check_mark_read(s, load_user(s, b), chat, last)
    with transaction() as s:
        unread = channel_messages.channel_unreads(s, load_user(s, b), server_id, [chat], [])
        assert unread[chat] == channel_messages.ChannelUnread(chat, False, 0)


def test_a_role_change_makes_a_channel_visible_to_the_stream(
    trio: tuple[int, int, int, int], session: Session
) -> None:
    a, b, _, _ = trio
    server_id = make_server(a, members=(b,))
    mods = _channel(server_id, "mods")
    role = _private(server_id, mods)
    send(a, mods, "before")
    with transaction() as s:
        s.add(MemberRoleLink(server_id=server_id, user_id=b, role_id=role))
    assert [m.body for m in history(b, mods)] == ["before"]
    with read_session() as s:
        assert mods in permissions.viewable_channels(s, b)


# The live stream follows visibility -------------------------------------------------------------


async def test_the_live_stream_follows_roles_joins_and_removals(
    trio: tuple[int, int, int, int],
) -> None:
    """A tab's stream reader subscribes to what its member may view: a private channel once a
    role grants it (live, after the role event), a server once joined, nothing after removal."""
    import asyncio

    from tests.domain.test_realtime import live, reader_for, texts
    from tests.support.servers import add_members

    a, b, c, _ = trio
    server_id = await asyncio.to_thread(make_server, a, members=(b,))
    mods = await asyncio.to_thread(_channel, server_id, "mods")
    role = await asyncio.to_thread(_private, server_id, mods)
    reader_b, reader_c = await reader_for(b), await reader_for(c)
    await asyncio.to_thread(send, a, mods, "before the role")
    assert texts([event for event, _ in await reader_b.next(0.3)]) == []

    def grant() -> None:
        with transaction() as s:
            s.add(MemberRoleLink(server_id=server_id, user_id=b, role_id=role))
            permissions.publish_server_event(
                s, server_id, type="server_member", op="update", data={"user_id": b}
            )

    await asyncio.to_thread(grant)
    got = await live(reader_b, lambda g: any(e["type"] == "server_member" for e in g))
    assert any(e["type"] == "server_member" for e in got)
    await asyncio.to_thread(send, a, mods, "after the role")
    assert "after the role" in texts(await live(reader_b, lambda g: "after the role" in texts(g)))
    # C joins: the server's channels follow without a new stream.
    await asyncio.to_thread(add_members, server_id, c)
    await live(reader_c, lambda g: any(e["type"] == "server" for e in g))
    chat = await asyncio.to_thread(_chan_id, server_id)
    await asyncio.to_thread(send, a, chat, "welcome cyd")
    assert "welcome cyd" in texts(await live(reader_c, lambda g: "welcome cyd" in texts(g)))

    def remove_c() -> None:
        with transaction() as s:
            member = s.get(ServerMember, (server_id, c))
            s.delete(member)
            publish_on_commit(
                s, type="server", op="remove", data={"server_id": server_id}, users=[c]
            )

    await asyncio.to_thread(remove_c)
    await live(reader_c, lambda g: any(e["type"] == "server" for e in g))
    await asyncio.to_thread(send, a, chat, "after cyd left")
    assert "after cyd left" not in texts([event for event, _ in await reader_c.next(0.5)])
    reader_b.close()
    reader_c.close()
