"""The server pages' newer states: a server created with its icon (or, with an icon refused,
not at all), notification levels from the header menus (and live from elsewhere), the member
list under its hoisted roles, and pins in DMs and groups through the servers' pinned panel."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import select

from socialhub.db import transaction
from socialhub.domain import chats, messages, notify_levels, roles
from socialhub.domain import pins as pins_domain
from socialhub.models import Server
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import RealtimeState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.server_pins import ChatPinsLive, ServerPinsState
from socialhub.state.server_reads import MemberItem, arrange_members
from socialhub.state.servers import NotifyLevelsLive, ServerCreateState, ServerState
from tests.state.conftest import SignedInTab, event_args
from tests.support.chat import load_user
from tests.support.images import png
from tests.support.servers import general, make_server


def upload(data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), size=len(data))


async def run(generator: Any) -> list[Any]:
    return [event async for event in generator]


def servers_named(name: str) -> list[Server]:
    with transaction() as s:
        return list(s.exec(select(Server).where(Server.name == name)).all())


async def test_a_server_is_created_with_its_icon_or_not_at_all(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice = make_user("alice")
    root = await signed_in_tab(alice, "/servers")
    create = await root.get_state(ServerCreateState)

    # Not an image (whatever its name says): refused with a toast, and no server is left.
    shown = await run(
        ServerCreateState.create.fn(create, [upload(b"not a picture at all")], "Broken", "public")
    )
    assert servers_named("Broken") == []
    toasts = [str(e) for e in shown if e is not None]
    assert any("The server was not created" in t and "JPEG, PNG" in t for t in toasts), toasts
    assert create.creating is False

    # A real image: the server and its icon together, and the tab goes to the server.
    shown = await run(ServerCreateState.create.fn(create, [upload(png())], "Pictured", "private"))
    (server,) = servers_named("Pictured")
    assert server.icon_version is not None
    assert server.is_public is False
    assert event_args(shown, "path") == [f"/servers/{server.id}"]

    # Its icon shows on the rail and in the header.
    page = await signed_in_tab(alice, f"/servers/{server.id}/{general_id(server.id)}")
    servers = await page.get_state(ServerState)
    await ServerState.load.fn(servers)
    assert servers.server_icon_url.startswith("/")
    (item,) = servers.servers
    assert item.icon_url == servers.server_icon_url

    # No icon: the initials, as before.
    await run(ServerCreateState.create.fn(create, [], "Plain Guild", "public"))
    (plain,) = servers_named("Plain Guild")
    assert plain.icon_version is None
    assert plain.is_public


def general_id(server_id: str) -> str:
    with transaction() as s:
        return general(s, server_id).id


async def test_levels_and_mutes_from_the_menus(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    channel = general_id(server_id)
    root = await signed_in_tab(alice, f"/servers/{server_id}/{channel}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    assert (servers.notify_level, servers.channel_level, servers.channel_muted) == (
        "all",
        "",
        False,
    )

    shown = await ServerState.set_server_level.fn(servers, "mentions")
    assert servers.notify_level == "mentions"
    assert "Guild: mentions only" in str(shown)
    await ServerState.set_channel_level.fn(servers, "nothing")
    assert servers.channel_level == "nothing"
    await ServerState.set_channel_level.fn(servers, "")
    assert servers.channel_level == ""

    # A timed mute: the channel row is muted, with when it ends.
    shown = await ServerState.mute_channel.fn(servers, "8h")
    assert servers.channel_muted
    assert servers.channel_muted_until != ""
    assert "#general muted for 8 hours" in str(shown)
    # Bob writes in it: the channel is read again without a dot (the domain's badge).
    with transaction() as s:
        messages.check_send_message(s, load_user(s, bob), channel, body="hi", client_id="m1")
    servers.channel_id = ""
    await ServerState.load.fn(servers)
    row = next(c for c in servers.channels if c.id == channel)
    assert row.muted
    assert channel not in servers.unread_ids
    servers.channel_id = channel
    await ServerState.mute_channel.fn(servers, "off")
    assert not servers.channel_muted

    await ServerState.mute_server.fn(servers, "forever")
    assert servers.server_muted
    assert servers.server_muted_until == ""
    assert servers.servers[0].muted

    # A value the domain does not know: its refusal, as a toast; nothing changes.
    shown = await ServerState.mute_server.fn(servers, "2h")
    assert "bad_mute" in str(shown)
    assert servers.server_muted


async def test_the_member_list_groups_members_under_hoisted_roles(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    server_id = make_server(alice, "Guild", members=(bob, carol, dave))
    with transaction() as s:
        owner = load_user(s, alice)
        mods = roles.check_create_role(
            s, owner, server_id, name="Mods", colour="#e5484d", hoist=True
        )
        helpers = roles.check_create_role(s, owner, server_id, name="Helpers", colour="#30a46c")
        roles.check_add_member_role(s, owner, server_id, dave, mods.id)
        roles.check_add_member_role(s, owner, server_id, bob, helpers.id)
    root = await signed_in_tab(alice, f"/servers/{server_id}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    members = await root.get_state(ServerMembersState)
    await ServerMembersState.toggle.fn(members)
    shown = [(m.username, m.header, m.colour) for m in members.members]
    assert shown == [
        ("dave", "Mods", "#e5484d"),
        ("alice", "Members", ""),
        # Helpers is not hoisted: Bob is among the members, in its colour.
        ("bob", "", "#30a46c"),
        ("carol", "", ""),
    ]


async def test_pins_in_a_dm_through_the_pinned_panel(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with transaction() as s:
        dm = chats.check_open_dm(s, load_user(s, alice), "bob").id
        message = messages.check_send_message(
            s, load_user(s, bob), dm, body="remember this", client_id="p1"
        ).id
    root = await signed_in_tab(alice, f"/messages/{dm}")
    conversation = await root.get_state(ConversationState)
    assert await conversation._open(dm) is None
    assert conversation.open_can_pin
    pins = await root.get_state(ServerPinsState)

    await ServerPinsState.menu_opened.fn(pins, message, True)
    assert pins.pinned_ids == []
    shown = await ServerPinsState.pin.fn(pins, message)
    assert "Pinned" in str(shown)
    assert pins.pinned_ids == [message]
    await ServerPinsState.set_open.fn(pins, True)
    assert [(p.id, p.body) for p in pins.pins] == [(message, "remember this")]

    # Bob's tab sees it in his menu (Unpin) and unpins it.
    bob_root = await signed_in_tab(bob, f"/messages/{dm}")
    assert await (await bob_root.get_state(ConversationState))._open(dm) is None
    bob_pins = await bob_root.get_state(ServerPinsState)
    await ServerPinsState.menu_opened.fn(bob_pins, message, True)
    assert bob_pins.pinned_ids == [message]
    shown = await ServerPinsState.unpin.fn(bob_pins, message)
    assert "Unpinned" in str(shown)
    assert bob_pins.pinned_ids == []


async def deliver(feature: Any, root: Any, events: list[tuple[str, Any]], me: int) -> None:
    """What `me`'s stream got since the last call, through one listener feature."""
    batch = [event for key, event in events if key == f"user:{me}"]
    events.clear()
    assert feature.wants(batch)
    listener = await root.get_state(RealtimeState)
    observed = await feature.observe(listener, batch, me)
    loaded = None
    if feature.needs_database(observed):
        with transaction() as s:
            loaded = feature.load(s, load_user(s, me), observed)
    await feature.apply(listener, batch, observed, loaded, me)


async def test_levels_set_elsewhere_show_live(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: list[tuple[str, Any]]
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice, "Guild")
    channel = general_id(server_id)
    root = await signed_in_tab(alice, f"/servers/{server_id}/{channel}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    events.clear()
    # Another tab (or the API) mutes the channel and the server.
    with transaction() as s:
        notify_levels.check_set_channel_notifications(s, load_user(s, alice), channel, mute="1h")
        notify_levels.check_set_server_notifications(
            s, load_user(s, alice), server_id, level="mentions", mute="forever"
        )
    await deliver(NotifyLevelsLive(), root, events, alice)
    assert servers.channel_muted
    assert (servers.notify_level, servers.server_muted) == ("mentions", True)
    assert servers.servers[0].muted


async def test_a_pin_in_a_dm_shows_live_in_an_open_panel(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: list[tuple[str, Any]]
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with transaction() as s:
        dm = chats.check_open_dm(s, load_user(s, alice), "bob").id
        message = messages.check_send_message(
            s, load_user(s, bob), dm, body="keep", client_id="k1"
        ).id
    root = await signed_in_tab(alice, f"/messages/{dm}")
    assert await (await root.get_state(ConversationState))._open(dm) is None
    pins = await root.get_state(ServerPinsState)
    await ServerPinsState.set_open.fn(pins, True)
    assert pins.pins == []
    events.clear()
    with transaction() as s:
        pins_domain.check_pin(s, load_user(s, bob), message)
    await deliver(ChatPinsLive(), root, events, alice)
    assert [p.body for p in pins.pins] == ["keep"]


def member(name: str, group: str = "", rank: int = 1) -> MemberItem:
    return MemberItem(
        user_id=hash(name) % 10_000,
        username=name,
        display_name=name,
        avatar_url="",
        colour="",
        role_name="",
        status="offline",
        group=group,
        group_rank=rank,
    )


def test_pages_of_members_merge_into_their_groups() -> None:
    """A second page (names after the first's) joins the groups already shown, name order kept
    within each; with nothing hoisted the list stays one plain list."""
    first = arrange_members([member("ann"), member("bo", "Mods", 0), member("cy")])
    assert [(m.username, m.header) for m in first] == [
        ("bo", "Mods"),
        ("ann", "Members"),
        ("cy", ""),
    ]
    both = arrange_members([*first, member("dee", "Mods", 0), member("eve")])
    assert [(m.username, m.header) for m in both] == [
        ("bo", "Mods"),
        ("dee", ""),
        ("ann", "Members"),
        ("cy", ""),
        ("eve", ""),
    ]
    plain = arrange_members([member("ann"), member("bo")])
    assert [(m.username, m.header) for m in plain] == [("ann", ""), ("bo", "")]
