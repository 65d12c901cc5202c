"""Channels and categories: create, rename, topic, slow mode, order, delete; who may; the
audit log; and who hears of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import channels, messages, permissions, pins
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AuditLogEntry,
    ChannelCategory,
    Conversation,
    MemberRoleLink,
    Message,
    PermissionOverwrite,
    PinnedMessage,
    Role,
    Server,
)
from tests.support.chat import Events, key, load_user
from tests.support.servers import everyone, general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


# Helpers ---------------------------------------------------------------------------------------


def give_role(server_id: str, user_id: int, bits: int, name: str = "mod", position: int = 1) -> str:
    """A role with these server-wide bits, given to the user (the roles module's job, done by
    hand here)."""
    with transaction() as s:
        role = Role(server_id=server_id, name=name, position=position, permissions=bits)
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)
        return role.id


def overwrite(
    server_id: str, scope_id: str, target: str, *, allow: int = 0, deny: int = 0, kind: str = "role"
) -> None:
    with transaction() as s:
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=scope_id,
                target_type=kind,
                target_id=target,
                allow=allow,
                deny=deny,
            )
        )
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)


def create(actor: int, server_id: str, name: str, **kw: object) -> str:
    with transaction() as s:
        return channels.check_create_channel(s, load_user(s, actor), server_id, name=name, **kw).id  # type: ignore[arg-type]


def update(actor: int, channel_id: str, **kw: object) -> Conversation:
    with transaction() as s:
        return channels.check_update_channel(s, load_user(s, actor), channel_id, **kw)  # type: ignore[arg-type]


def sidebar(actor: int, server_id: str) -> list[tuple[str | None, str]]:
    """(category name, channel name) in the order the actor's sidebar shows them."""
    with transaction() as s:
        listed = channels.list_channels(s, load_user(s, actor), server_id)
    names = {c.id: c.name for c in listed.categories}
    return [(names.get(c.category_id or ""), c.name) for c in listed.channels]


def category_id(s: Session, server_id: str, name: str) -> str:
    return s.exec(
        select(ChannelCategory.id).where(
            ChannelCategory.server_id == server_id, ChannelCategory.name == name
        )
    ).one()


def audit_actions(s: Session, server_id: str) -> list[str]:
    return list(
        s.exec(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.server_id == server_id)
            .order_by(AuditLogEntry.id)  # type: ignore[arg-type]
        ).all()
    )


def about(events: Events, type_: str, op: str) -> dict[str, list[dict]]:
    """Recipient -> the events of that type and op they got."""
    got: dict[str, list[dict]] = {}
    for k, e in events:
        if e["type"] == type_ and e["op"] == op:
            got.setdefault(k, []).append(e)
    return got


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


# Tests -----------------------------------------------------------------------------------------


def test_create_rename_topic_slow_mode(
    trio: tuple[int, int, int], session: Session, events: Events
) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob,))
    events.clear()
    channel_id = create(alice, server_id, "  Cool   Stuff  ", topic="all things cool")
    channel = session.get(Conversation, channel_id)
    assert channel is not None
    assert (channel.title, channel.topic, channel.channel_type) == (
        "cool-stuff",
        "all things cool",
        "text",
    )
    # At the end of no category (the uncategorised come first), synced by default.
    assert channel.category_id is None
    assert channel.synced
    # Every member hears that the list changed, naming nothing; its viewers hear which channel.
    added = about(events, "channel", "add")
    assert set(added) == {key(alice), key(bob)}
    assert [e["data"] for e in added[key(bob)]] == [
        {"server_id": server_id},
        {"server_id": server_id, "channel_id": channel_id, "category_id": None},
    ]

    events.clear()
    changed = update(alice, channel_id, name="Hot Stuff", topic="new", slow_mode_seconds=30)
    assert (changed.title, changed.topic, changed.slow_mode_seconds) == ("hot-stuff", "new", 30)
    updated = about(events, "channel", "update")
    assert set(updated) == {key(alice), key(bob)}
    assert updated[key(bob)][0]["data"]["name"] == "hot-stuff"

    for seconds in (0, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600):
        assert update(alice, channel_id, slow_mode_seconds=seconds).slow_mode_seconds == seconds
    for bad in (1, 7, 45, 21601, -5, True):
        with pytest.raises(InvalidInput) as err:
            update(alice, channel_id, slow_mode_seconds=bad)
        assert err.value.code == "bad_slow_mode"
    for bad_name, code in (("", "empty"), ("  - -  ", "empty"), ("x" * 101, "too_long")):
        with pytest.raises(InvalidInput) as err:
            create(alice, server_id, bad_name)
        assert err.value.code == code
    assert len(create(alice, server_id, "y" * 100)) == 32
    for bad_type in ("voice", "nonsense"):
        with pytest.raises(InvalidInput) as err:
            create(alice, server_id, "talk", channel_type=bad_type)
        assert err.value.code == "bad_channel_type"
    with pytest.raises(NotFound) as missing:
        create(alice, server_id, "x", category_id="0" * 32)
    assert missing.value.code == "category_not_found"
    # Strangers see no server at all.
    with pytest.raises(NotFound):
        create(carol, server_id, "mine")
    with pytest.raises(NotFound) as gone:
        update(carol, channel_id, name="mine")
    assert gone.value.code == "channel_not_found"

    session.expire_all()
    entries = session.exec(
        select(AuditLogEntry).where(
            AuditLogEntry.server_id == server_id, AuditLogEntry.action == "channel_update"
        )
    ).all()
    assert entries[0].changes == {
        "name": {"old": "cool-stuff", "new": "hot-stuff"},
        "topic": {"old": "all things cool", "new": "new"},
        "slow_mode_seconds": {"old": 0, "new": 30},
    }
    assert entries[0].actor_id == alice
    assert entries[0].target_id == channel_id


@SQLITE
def test_who_may_manage(trio: tuple[int, int, int], session: Session) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob, carol))
    with transaction() as s:
        general_id = general(s, server_id).id
        text_id = category_id(s, server_id, "Text channels")
    checks: list[Callable[[int], object]] = [
        lambda u: create(u, server_id, "new"),
        lambda u: update(u, general_id, topic="t"),
        lambda u: move(u, general_id, "down"),
        lambda u: delete(u, general_id),
        lambda u: new_category(u, server_id, "Voice"),
        lambda u: rename_category(u, text_id, "Chat"),
        lambda u: delete_category(u, text_id),
        lambda u: reorder(u, server_id, [(None, []), (text_id, [general_id])]),
    ]
    for check in checks:
        with pytest.raises(PermissionDenied) as denied:
            check(bob)
        assert denied.value.code == "missing_permission"
    # MANAGE_CHANNELS in one channel (an overwrite) manages that channel, not the server.
    overwrite(server_id, general_id, str(bob), allow=int(Permission.MANAGE_CHANNELS), kind="member")
    with transaction() as s:
        s.get(Conversation, general_id).synced = False  # type: ignore[union-attr]
    assert update(bob, general_id, topic="bob's").topic == "bob's"
    with pytest.raises(PermissionDenied):
        create(bob, server_id, "new")
    # ...and in a category, creating in it.
    overwrite(server_id, text_id, str(carol), allow=int(Permission.MANAGE_CHANNELS), kind="member")
    made = create(carol, server_id, "carols", category_id=text_id)
    with pytest.raises(PermissionDenied):
        create(carol, server_id, "elsewhere")
    assert update(carol, made, topic="mine").topic == "mine"
    # A channel carol cannot see is not there for her, managing or not.
    secret = create(alice, server_id, "secret")
    overwrite(server_id, secret, everyone_id(server_id), deny=int(Permission.VIEW_CHANNEL))
    with pytest.raises(NotFound) as hidden:
        update(carol, secret, name="found")
    assert hidden.value.code == "channel_not_found"
    # A moderator role with MANAGE_CHANNELS server-wide manages everything they see.
    give_role(server_id, bob, int(Permission.MANAGE_CHANNELS))
    new_category(bob, server_id, "Voice")
    with pytest.raises(NotFound):
        delete(bob, secret)


def everyone_id(server_id: str) -> str:
    with transaction() as s:
        return everyone(s, server_id).id


def move(actor: int, channel_id: str, direction: str) -> Conversation:
    with transaction() as s:
        return channels.check_move_channel(s, load_user(s, actor), channel_id, direction)


def delete(actor: int, channel_id: str) -> None:
    with transaction() as s:
        channels.check_delete_channel(s, load_user(s, actor), channel_id)


def new_category(actor: int, server_id: str, name: str) -> str:
    with transaction() as s:
        return channels.check_create_category(s, load_user(s, actor), server_id, name=name).id


def rename_category(actor: int, category: str, name: str) -> None:
    with transaction() as s:
        channels.check_rename_category(s, load_user(s, actor), category, name=name)


def delete_category(actor: int, category: str) -> None:
    with transaction() as s:
        channels.check_delete_category(s, load_user(s, actor), category)


def reorder(actor: int, server_id: str, groups: list[tuple[str | None, list[str]]]) -> None:
    with transaction() as s:
        channels.check_reorder(
            s, load_user(s, actor), server_id, [channels.Group(c, ids) for c, ids in groups]
        )


@SQLITE
def test_announcement_channel_only_some_roles_post(
    trio: tuple[int, int, int], session: Session
) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob, carol))
    with transaction() as s:
        text_id = category_id(s, server_id, "Text channels")
    # The category hides nothing but is where the category's overwrites must carry over.
    overwrite(server_id, text_id, str(carol), deny=int(Permission.ADD_REACTIONS), kind="member")
    news = create(alice, server_id, "news", channel_type="announcement", category_id=text_id)
    channel = session.get(Conversation, news)
    assert channel is not None
    assert channel.channel_type == "announcement"
    assert not channel.synced
    rows = {
        (o.target_type, o.target_id): (o.allow, o.deny)
        for o in session.exec(
            select(PermissionOverwrite).where(PermissionOverwrite.scope_id == news)
        ).all()
    }
    assert rows == {
        ("role", everyone_id(server_id)): (0, int(Permission.SEND_MESSAGES)),
        ("member", str(carol)): (0, int(Permission.ADD_REACTIONS)),
    }
    with transaction() as s:
        messages.check_send_message(s, load_user(s, alice), news, body="owner speaks")
    with pytest.raises(PermissionDenied), transaction() as s:
        messages.check_send_message(s, load_user(s, bob), news, body="me too")
    role = give_role(server_id, bob, 0, name="herald")
    overwrite(server_id, news, role, allow=int(Permission.SEND_MESSAGES))
    with transaction() as s:
        messages.check_send_message(s, load_user(s, bob), news, body="hear ye")
    with pytest.raises(PermissionDenied), transaction() as s:
        messages.check_send_message(s, load_user(s, carol), news, body="me too")


@SQLITE
def test_order_move_and_reorder(trio: tuple[int, int, int], events: Events) -> None:
    alice, bob, _ = trio
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        text_id = category_id(s, server_id, "Text channels")
        general_id = general(s, server_id).id
    a = create(alice, server_id, "a", category_id=text_id)
    b = create(alice, server_id, "b", category_id=text_id)
    top = create(alice, server_id, "top")
    assert sidebar(alice, server_id) == [
        (None, "top"),
        ("Text channels", "general"),
        ("Text channels", "a"),
        ("Text channels", "b"),
    ]
    move(alice, b, "up")
    assert [n for _, n in sidebar(alice, server_id)] == ["top", "general", "b", "a"]
    # Past the top of its category: to the end of the one before.
    move(alice, general_id, "up")
    assert sidebar(alice, server_id)[:2] == [(None, "top"), (None, "general")]
    move(alice, top, "up")  # the very top: nowhere to go
    assert [n for _, n in sidebar(alice, server_id)] == ["top", "general", "b", "a"]
    move(alice, general_id, "down")  # back into the category, first
    assert sidebar(alice, server_id)[1] == ("Text channels", "general")
    move(alice, a, "down")  # the very bottom
    assert [n for _, n in sidebar(alice, server_id)][-1] == "a"
    with pytest.raises(InvalidInput):
        move(alice, a, "sideways")

    # A channel bob cannot see keeps its place and does not count for his moves.
    hidden = create(alice, server_id, "hidden", category_id=text_id)
    with transaction() as s:
        s.get(Conversation, hidden).synced = False  # type: ignore[union-attr]
    overwrite(server_id, hidden, str(bob), deny=int(Permission.VIEW_CHANNEL), kind="member")
    give_role(server_id, bob, int(Permission.MANAGE_CHANNELS))
    assert "hidden" not in [n for _, n in sidebar(bob, server_id)]

    # The full order, as a drag and drop leaves it: a new category first, a channel moved in.
    other = new_category(alice, server_id, "Other")
    events.clear()
    reorder(
        bob,
        server_id,
        [(None, []), (other, [top, a]), (text_id, [b, general_id])],
    )
    assert sidebar(alice, server_id) == [
        ("Other", "top"),
        ("Other", "a"),
        ("Text channels", "b"),
        ("Text channels", "general"),
        ("Text channels", "hidden"),
    ]
    assert set(about(events, "channel", "move")) == {key(alice), key(bob)}
    for groups, error, code in (
        ([(other, [top, a]), (text_id, [b])], InvalidInput, "order_incomplete"),
        ([(other, [top, a, a]), (text_id, [b, general_id])], InvalidInput, "duplicate_channel"),
        ([(other, [top, a, general_id]), (text_id, [b])], None, ""),
        ([(text_id, [b, general_id, top, a])], InvalidInput, "order_incomplete"),
        ([(other, []), (other, [top, a, b, general_id])], InvalidInput, "duplicate_category"),
        ([(other, [top, a, hidden]), (text_id, [b, general_id])], NotFound, "channel_not_found"),
        (
            [("0" * 32, []), (other, [top, a]), (text_id, [b, general_id])],
            NotFound,
            "category_not_found",
        ),
    ):
        if error is None:
            reorder(bob, server_id, groups)
            continue
        with pytest.raises(error) as err:
            reorder(bob, server_id, groups)
        assert err.value.code == code


def test_categories_and_delete(
    trio: tuple[int, int, int], session: Session, events: Events
) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob, carol))
    with transaction() as s:
        general_id = general(s, server_id).id
    staff = new_category(alice, server_id, "Staff")
    overwrite(server_id, staff, everyone_id(server_id), deny=int(Permission.VIEW_CHANNEL))
    overwrite(server_id, staff, str(bob), allow=int(Permission.VIEW_CHANNEL), kind="member")
    desk = create(alice, server_id, "desk", category_id=staff)
    assert ("Staff", "desk") in sidebar(bob, server_id)
    assert [n for _, n in sidebar(carol, server_id)] == ["general"]
    # Carol sees no channel in it: no category either.
    with transaction() as s:
        assert [
            c.name for c in channels.list_channels(s, load_user(s, carol), server_id).categories
        ] == ["Text channels"]

    events.clear()
    rename_category(alice, staff, "Crew")
    assert set(about(events, "category", "update")) == {key(alice), key(bob), key(carol)}
    with pytest.raises(InvalidInput):
        rename_category(alice, staff, "   ")

    # The desk is private; a rename reaches only those who may see it.
    events.clear()
    update(alice, desk, name="front desk")
    assert set(about(events, "channel", "update")) == {key(alice), key(bob)}

    # The category goes; its channel stays private, now uncategorised.
    events.clear()
    delete_category(alice, staff)
    assert sidebar(bob, server_id)[0] == (None, "front-desk")
    assert [n for _, n in sidebar(carol, server_id)] == ["general"]
    removed = about(events, "category", "remove")
    assert set(removed) == {key(alice), key(bob), key(carol)}
    # Carol never saw the category: the signal names nothing she could not see.
    assert removed[key(carol)][0]["data"] == {"server_id": server_id}
    assert staff not in str(removed[key(carol)])

    # A channel goes with its messages and pins.
    with transaction() as s:
        sent = messages.check_send_message(s, load_user(s, alice), desk, body="bye")
        pins.check_pin(s, load_user(s, alice), sent.id)
    events.clear()
    delete(alice, desk)
    session.expire_all()
    assert session.get(Conversation, desk) is None
    assert session.exec(select(Message).where(Message.conversation_id == desk)).all() == []
    assert (
        session.exec(select(PinnedMessage).where(PinnedMessage.conversation_id == desk)).all() == []
    )
    assert (
        session.exec(
            sa.select(PermissionOverwrite).where(PermissionOverwrite.scope_id == desk)
        ).all()  # type: ignore[call-overload]
        == []
    )
    # Everyone re-reads the list; nothing that reaches carol names the desk.
    assert set(about(events, "channel", "remove")) == {key(alice), key(bob), key(carol)}
    assert [e["data"] for e in about(events, "channel", "remove")[key(carol)]] == [
        {"server_id": server_id}
    ]
    with pytest.raises(NotFound):
        delete(alice, desk)
    actions = audit_actions(session, server_id)
    for action in ("category_create", "category_update", "category_delete", "channel_delete"):
        assert action in actions
    # The remaining channels are numbered without gaps.
    with transaction() as s:
        assert channels.get_channel(s, load_user(s, carol), general_id).position == 0


def _naming(events: Events, user_id: int, channel_id: str) -> list[tuple[str, str]]:
    """The (type, op) of the events that reached `user_id` and mention `channel_id` at all."""
    return [(e["type"], e["op"]) for k, e in events if k == key(user_id) and channel_id in str(e)]


async def test_a_private_channel_added_moved_removed_names_itself_only_to_its_viewers(
    trio: tuple[int, int, int], events: Events
) -> None:
    """Bob may view the staff channel, carol may not: carol hears that the list changed (and
    re-reads it) but never the channel's id, live or replayed; bob hears each change by id."""
    import asyncio

    from socialhub.db import read_session
    from socialhub.realtime.events import StreamToken, head, read_stream
    from tests.domain.test_realtime import live, reader_for

    alice, bob, carol = trio
    server_id = await asyncio.to_thread(make_server, alice, members=(bob, carol))
    with transaction() as s:
        text_id = category_id(s, server_id, "Text channels")
    staff = await asyncio.to_thread(new_category, alice, server_id, "Staff")
    await asyncio.to_thread(
        overwrite, server_id, staff, everyone_id(server_id), deny=int(Permission.VIEW_CHANNEL)
    )
    await asyncio.to_thread(
        overwrite, server_id, staff, str(bob), allow=int(Permission.VIEW_CHANNEL), kind="member"
    )
    reader_bob, reader_carol = await reader_for(bob), await reader_for(carol)
    with read_session() as s:
        start = head(s)
    carol_live: list[dict] = []

    async def heard(op: str, channel_id: str) -> None:
        """Bob's live stream names the channel in a `channel`/`op` event; carol's hears the
        bare notice."""

        def named(got: list[dict]) -> bool:
            return any(
                (e["type"], e["op"]) == ("channel", op) and channel_id in str(e) for e in got
            )

        assert named(await live(reader_bob, named))
        carol_live.extend(
            await live(reader_carol, lambda g: any(e["type"] == "channel" for e in g))
        )

    events.clear()
    desk = await asyncio.to_thread(create, alice, server_id, "desk", category_id=staff)
    added = {k: [e["data"] for e in got] for k, got in about(events, "channel", "add").items()}
    assert added[key(carol)] == [{"server_id": server_id}]
    assert {"server_id": server_id, "channel_id": desk, "category_id": staff} in added[key(bob)]
    assert _naming(events, carol, desk) == []
    assert _naming(events, bob, desk) == [("channel", "add")]
    await heard("add", desk)

    # Within its category: only its viewers hear of it.
    other = await asyncio.to_thread(create, alice, server_id, "other", category_id=staff)
    await heard("add", other)
    events.clear()
    await asyncio.to_thread(move, alice, desk, "down")
    assert set(about(events, "channel", "move")) == {key(alice), key(bob)}
    assert about(events, "channel", "move")[key(bob)][0]["data"] == {
        "server_id": server_id,
        "channel_id": desk,
        "category_id": staff,
        "position": 1,
    }
    assert _naming(events, carol, desk) == []
    named_move = await live(reader_bob, lambda g: any(desk in str(e) for e in g))
    assert [(e["type"], e["op"]) for e in named_move if desk in str(e)] == [("channel", "move")]
    # Into another category (it keeps its overwrites): everyone re-reads, since who may see a
    # channel can change with its category; the id still reaches only its viewers.
    events.clear()
    await asyncio.to_thread(update, alice, other, category_id=text_id)
    assert _naming(events, carol, other) == []
    assert ("channel", "move") in _naming(events, bob, other)
    assert [e["data"] for e in about(events, "channel", "move")[key(carol)]] == [
        {"server_id": server_id}
    ]
    await heard("move", other)

    events.clear()
    await asyncio.to_thread(delete, alice, desk)
    assert _naming(events, carol, desk) == []
    assert about(events, "channel", "remove")[key(carol)][0]["data"] == {"server_id": server_id}
    await heard("remove", desk)

    # Carol's live stream heard every notice and never a name; nor does her replay have one.
    assert [e["op"] for e in carol_live if e["type"] == "channel"] == [
        "add",
        "add",
        "move",
        "remove",
    ]
    assert not [e for e in carol_live if desk in str(e) or other in str(e)]
    with read_session() as s:
        replay = read_stream(s, carol, StreamToken(start), upto=head(s), limit=1000)
    assert len(replay) >= 4
    assert not [e for e in replay if desk in str(e) or other in str(e)]
    reader_bob.close()
    reader_carol.close()
