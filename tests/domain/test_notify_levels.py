"""Notification levels per server and channel, timed mutes, and the unread badges that honour
them (per channel, per server for the rail, for all of a member's servers at once)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from socialhub import db
from socialhub.db import transaction
from socialhub.domain import notify_levels, permissions
from socialhub.domain.errors import InvalidInput, NotFound
from socialhub.domain.permissions import Permission
from socialhub.domain.servers import do_create_channel
from socialhub.models import NotificationSetting, PermissionOverwrite, Server
from socialhub.models.base import utcnow
from socialhub.models.channel_views import NotificationLevelView, ServerBadge
from tests.support.chat import load_user, send
from tests.support.servers import everyone, general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def channel(server_id: str, name: str, *, hidden: bool = False) -> str:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        made = do_create_channel(s, server, name=name)
        if hidden:
            s.add(
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=made.id,
                    target_type="role",
                    target_id=everyone(s, server_id).id,
                    deny=int(Permission.VIEW_CHANNEL),
                )
            )
            permissions.bump_version(s, server)
        return made.id


def set_server(actor: int, server_id: str, **kw: object) -> NotificationLevelView:
    with transaction() as s:
        return notify_levels.check_set_server_notifications(s, load_user(s, actor), server_id, **kw)  # type: ignore[arg-type]


def set_channel(actor: int, channel_id: str, **kw: object) -> NotificationLevelView:
    with transaction() as s:
        return notify_levels.check_set_channel_notifications(
            s,
            load_user(s, actor),
            channel_id,
            **kw,  # type: ignore[arg-type]
        )


def badge(actor: int, server_id: str) -> ServerBadge:
    with transaction() as s:
        return notify_levels.server_badges(s, load_user(s, actor), server_id)


def by_channel(b: ServerBadge) -> dict[str, tuple[bool, int, bool, str]]:
    return {c.channel_id: (c.unread, c.mentions, c.muted, c.level) for c in b.channels}


@pytest.fixture
def pair(make_user: Callable[..., int]) -> tuple[int, int]:
    return make_user("alice"), make_user("bob")


def test_levels_mutes_and_badges(pair: tuple[int, int]) -> None:
    alice, bob = pair
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        chat = general(s, server_id).id
    news = channel(server_id, "news")
    send(bob, chat, "just chatting")
    send(bob, news, "hey @alice, news")
    b = badge(alice, server_id)
    assert by_channel(b) == {chat: (True, 0, False, "all"), news: (True, 1, False, "all")}
    assert (b.unread, b.mentions, b.muted) == (True, 1, False)
    # Nothing in news: no mention there; the chatter still lights the rail.
    set_channel(alice, news, level="nothing")
    b = badge(alice, server_id)
    assert by_channel(b)[news] == (True, 0, False, "nothing")
    assert (b.unread, b.mentions) == (True, 0)
    # Mute the chatter too: no dot anywhere.
    set_channel(alice, chat, mute="forever")
    b = badge(alice, server_id)
    assert by_channel(b)[chat] == (False, 0, True, "all")
    assert (b.unread, b.mentions) == (False, 0)
    # The server at mentions, channels as the server: only the mention lights the rail.
    set_channel(alice, chat, mute="off")
    set_channel(alice, news, level=None)
    set_server(alice, server_id, level="mentions")
    b = badge(alice, server_id)
    assert by_channel(b) == {
        chat: (True, 0, False, "mentions"),
        news: (True, 1, False, "mentions"),
    }
    assert (b.unread, b.mentions) == (True, 1)
    send(bob, chat, "no mention")
    assert badge(alice, server_id).mentions == 1
    # A muted server: no dot on the rail, the mention badge stays.
    muted = set_server(alice, server_id, mute="8h")
    assert muted.muted
    assert muted.muted_until is not None
    assert abs(muted.muted_until - (utcnow() + timedelta(hours=8))) < timedelta(minutes=1)
    assert muted.level == "mentions"  # a mute leaves the level alone
    b = badge(alice, server_id)
    assert (b.unread, b.mentions, b.muted) == (False, 1, True)
    # The timed mute ends by itself.
    with db.read_session() as s:
        settings = {
            (r.server_id, r.channel_id): r
            for r in s.exec(
                select(NotificationSetting).where(NotificationSetting.user_id == alice)
            ).all()
        }
    later = utcnow() + timedelta(hours=8, minutes=1)
    assert notify_levels.effective_level(settings, server_id, chat, utcnow()).muted
    assert not notify_levels.effective_level(settings, server_id, chat, later).muted
    assert notify_levels.effective_level(settings, server_id, None, later).level == "mentions"
    # Bob's levels are his own.
    assert badge(bob, server_id).muted is False


@SQLITE
def test_settings_read_back_and_bad_input(
    pair: tuple[int, int], make_user: Callable[..., int]
) -> None:
    alice, bob = pair
    carol = make_user("carol")
    server_id = make_server(alice, members=(bob,))
    secret = channel(server_id, "secret", hidden=True)
    with transaction() as s:
        chat = general(s, server_id).id
        got = notify_levels.get_notifications(s, load_user(s, bob), server_id)
    assert got.server.level == "all"
    assert not got.server.muted
    assert got.channels == []
    for mute in ("1h", "24h"):
        view = set_channel(bob, chat, mute=mute)
        assert view.muted_until is not None
    set_channel(bob, chat, level="mentions", mute="forever")
    set_channel(alice, secret, level="nothing")
    with transaction() as s:
        got = notify_levels.get_notifications(s, load_user(s, bob), server_id)
    assert [(c.channel_id, c.level, c.muted, c.muted_until) for c in got.channels] == [
        (chat, "mentions", True, None)
    ]
    for call, code in (
        (lambda: set_server(bob, server_id, level="loud"), "bad_level"),
        (lambda: set_server(bob, server_id, level=None), "bad_level"),
        (lambda: set_channel(bob, chat, level="some"), "bad_level"),
        (lambda: set_channel(bob, chat, mute="2h"), "bad_mute"),
        (lambda: set_server(bob, server_id, mute="week"), "bad_mute"),
    ):
        with pytest.raises(InvalidInput) as err:
            call()
        assert err.value.code == code
    # A channel bob cannot see, a server carol is not in: not found.
    with pytest.raises(NotFound) as hidden:
        set_channel(bob, secret, level="all")
    assert hidden.value.code == "channel_not_found"
    with pytest.raises(NotFound) as stranger:
        set_server(carol, server_id, level="all")
    assert stranger.value.code == "server_not_found"
    with pytest.raises(NotFound), transaction() as s:
        notify_levels.server_badges(s, load_user(s, carol), server_id)


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []
    engine = db.get_engine()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


@SQLITE
def test_every_server_badges_at_once(pair: tuple[int, int], session: Session) -> None:
    alice, bob = pair
    first = make_server(alice, "First", members=(bob,))
    secret = channel(first, "secret", hidden=True)
    with transaction() as s:
        first_chat = general(s, first).id
    send(alice, secret, "@bob cannot see this")
    send(alice, first_chat, "hi @bob")

    def all_badges() -> list[ServerBadge]:
        with transaction() as s:
            return notify_levels.all_server_badges(s, load_user(s, bob))

    [only] = all_badges()
    assert only.server_id == first
    assert [c.channel_id for c in only.channels] == [first_chat]
    assert (only.unread, only.mentions) == (True, 1)
    with counted() as one_server:
        all_badges()
    others = [make_server(alice, f"S{i}", members=(bob,)) for i in range(3)]
    for server_id in others:
        for name in ("a", "b"):
            send(alice, channel(server_id, name), "news")
    all_badges()  # the permission snapshots are cached from here on
    with counted() as four_servers:
        badges = all_badges()
    assert [b.server_id for b in badges] == [first, *others]
    assert all(b.unread for b in badges)
    assert [len(b.channels) for b in badges] == [1, 3, 3, 3]
    # The same queries whatever the number of servers and channels.
    assert len(four_servers) == len(one_server)
