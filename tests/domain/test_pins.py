"""Pinned messages in DMs, groups and server channels: who may pin, the list, the limit, the
notice in the history, and who hears of it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import chats, messages, permissions, pins
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.domain.servers import do_create_channel
from socialhub.models import (
    AuditLogEntry,
    MemberRoleLink,
    Message,
    PermissionOverwrite,
    Role,
    SendPolicy,
    Server,
)
from socialhub.models.channel_views import PinView
from tests.support.chat import Events, create_group, history, key, load_user, open_dm, send
from tests.support.servers import everyone, general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def pin(actor: int, message_id: str) -> None:
    with transaction() as s:
        pins.check_pin(s, load_user(s, actor), message_id)


def unpin(actor: int, message_id: str) -> None:
    with transaction() as s:
        pins.check_unpin(s, load_user(s, actor), message_id)


def pinned(actor: int, conversation_id: str) -> list[PinView]:
    with transaction() as s:
        return pins.list_pins(s, load_user(s, actor), conversation_id)


def bodies(actor: int, conversation_id: str) -> list[str]:
    return [p.message.body for p in pinned(actor, conversation_id)]


def recipients_of(events: Events, type_: str, op: str) -> set[str]:
    return {k for k, e in events if e["type"] == type_ and e["op"] == op}


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def test_pins_in_a_dm(trio: tuple[int, int, int], events: Events) -> None:
    alice, bob, carol = trio
    dm = open_dm(alice, "bob")
    first = send(alice, dm, "first")
    second = send(bob, dm, "second")
    events.clear()
    pin(bob, first.id)
    assert recipients_of(events, "pin", "add") == {key(alice), key(bob)}
    event = next(e for _, e in events if e["type"] == "pin")
    assert event["data"] == {"conversation_id": dm, "message_id": first.id, "seq": first.seq}
    # The notice in the history, like any system message.
    notice = history(alice, dm)[-1]
    assert (notice.kind, notice.body) == ("system", "bob pinned a message")
    pin(alice, second.id)
    pin(alice, second.id)  # again: nothing changes
    listed = pinned(alice, dm)
    assert [p.message.body for p in listed] == ["second", "first"]
    assert listed[0].pinned_by is not None
    assert listed[0].pinned_by.username == "alice"
    assert [m.body for m in history(alice, dm)].count("alice pinned a message") == 1
    # The pinned notice cannot itself be pinned.
    with pytest.raises(InvalidInput) as system:
        pin(alice, notice.id)
    assert system.value.code == "system_message"
    # Strangers see neither the list nor the messages.
    with pytest.raises(NotFound):
        pinned(carol, dm)
    with pytest.raises(NotFound):
        pin(carol, first.id)
    events.clear()
    unpin(alice, first.id)
    unpin(alice, first.id)  # not pinned: nothing happens
    assert recipients_of(events, "pin", "remove") == {key(alice), key(bob)}
    assert len([e for _, e in events if e["type"] == "pin"]) == 2  # one per member, once
    assert bodies(bob, dm) == ["second"]


@SQLITE
def test_pins_in_a_group_deleted_and_hidden_messages(trio: tuple[int, int, int]) -> None:
    alice, bob, carol = trio
    group = create_group(alice, ["bob", "carol"])
    kept = send(carol, group, "kept")
    gone = send(carol, group, "gone")
    mine = send(bob, group, "hidden by carol")
    for message in (kept, gone, mine):
        pin(bob, message.id)  # any member
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, carol), gone.id, for_everyone=True)
        messages.check_delete_message(s, load_user(s, carol), mine.id, for_everyone=False)
    # Deleted: no longer pinned for anyone; hidden: not in carol's own list.
    assert bodies(alice, group) == ["hidden by carol", "kept"]
    assert bodies(carol, group) == ["kept"]
    with pytest.raises(InvalidInput) as deleted:
        pin(bob, gone.id)
    assert deleted.value.code == "message_deleted"
    with pytest.raises(NotFound):
        pin(carol, mine.id)
    # Only admins may pin where only admins may send.
    with transaction() as s:
        chats.check_update_group(s, load_user(s, alice), group, send_policy=SendPolicy.admins)
    with pytest.raises(PermissionDenied) as admins:
        unpin(bob, kept.id)
    assert admins.value.code == "admins_only"
    # The chat tells each member beforehand, for the UI to offer Pin or not.
    with transaction() as s:
        may = {u: chats.get_chat(s, load_user(s, u), group).can_pin for u in (alice, bob)}
    assert may == {alice: True, bob: False}
    unpin(alice, kept.id)
    assert bodies(alice, group) == ["hidden by carol"]


@SQLITE
def test_at_most_fifty_pins(trio: tuple[int, int, int]) -> None:
    alice, bob, _ = trio
    dm = open_dm(alice, "bob")
    with transaction() as s:
        user = load_user(s, alice)
        sent = [
            messages.check_send_message(s, user, dm, body=f"m{i}") for i in range(pins.PINS_MAX + 1)
        ]
        for message in sent[: pins.PINS_MAX]:
            pins.check_pin(s, user, message.id)
    with pytest.raises(Conflict) as full:
        pin(bob, sent[-1].id)
    assert full.value.code == "too_many_pins"
    # A deleted pinned message frees its place.
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, alice), sent[0].id, for_everyone=True)
    pin(bob, sent[-1].id)
    listed = pinned(alice, dm)
    assert len(listed) == pins.PINS_MAX
    assert listed[0].message.body == f"m{pins.PINS_MAX}"


def test_pins_in_a_channel(trio: tuple[int, int, int], session: Session, events: Events) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob, carol))
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        channel = general(s, server_id).id
        # A private channel for alice and bob (a "mods" role) only.
        role = Role(server_id=server_id, name="mods", position=1)
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=bob, role_id=role.id))
        secret = do_create_channel(s, server, name="secret").id
        for target, allow, deny in (
            (everyone(s, server_id).id, 0, int(Permission.VIEW_CHANNEL)),
            (role.id, int(Permission.VIEW_CHANNEL | Permission.MANAGE_MESSAGES), 0),
        ):
            s.add(
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=secret,
                    target_type="role",
                    target_id=target,
                    allow=allow,
                    deny=deny,
                )
            )
        permissions.bump_version(s, server)
    hello = send(carol, channel, "hello all")
    # Members without MANAGE_MESSAGES may not pin, but read the list.
    with pytest.raises(PermissionDenied) as denied:
        pin(carol, hello.id)
    assert denied.value.code == "missing_permission"
    events.clear()
    pin(alice, hello.id)
    assert recipients_of(events, "pin", "add") == {key(alice), key(bob), key(carol)}
    assert bodies(carol, channel) == ["hello all"]
    assert history(carol, channel)[-1].body == "alice pinned a message"

    # In the private channel, the pin reaches exactly those who may see it.
    quiet = send(alice, secret, "between us")
    events.clear()
    pin(bob, quiet.id)
    assert recipients_of(events, "pin", "add") == {key(alice), key(bob)}
    assert recipients_of(events, "message", "add") == {key(alice), key(bob)}
    with pytest.raises(NotFound):
        pinned(carol, secret)
    with pytest.raises(NotFound):
        unpin(carol, quiet.id)
    unpin(bob, quiet.id)
    session.expire_all()
    logged = session.exec(
        select(AuditLogEntry.action, AuditLogEntry.actor_id).where(
            AuditLogEntry.server_id == server_id, AuditLogEntry.target_type == "message"
        )
    ).all()
    assert [tuple(r) for r in logged] == [
        ("message_pin", alice),
        ("message_pin", bob),
        ("message_unpin", bob),
    ]
    assert session.get(Message, quiet.id) is not None
