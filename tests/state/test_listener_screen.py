"""What a tab's listener drops before taking the state lock: a server channel's events that
change nothing on the tab (another message into a dot already lit, into a muted channel or a
lit server elsewhere; another tab's read of a channel with no dot). The screen it judges by is
read under the lock and holds only until the tab sends its next event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflex.state import State

from socialhub.db import transaction
from socialhub.domain import messages, notify_levels
from socialhub.realtime.hub import Event
from socialhub.state import live_features  # noqa: F401  (registers the features)
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import (
    RealtimeState,
    Screen,
    TabActivity,
    _features,
    _inert,
    _Pending,
)
from socialhub.state.server_live import read_screen
from socialhub.state.servers import ServerState
from tests.state.conftest import SignedInTab, deliver_to
from tests.state.test_server_states import add_channel, pushed
from tests.support.chat import load_user
from tests.support.servers import general, make_server

Events = list[tuple[str, Any]]


async def screen_of(root: State) -> Screen:
    return await read_screen(await root.get_state(RealtimeState))


def says(author: int, channel: str, body: str) -> None:
    with transaction() as s:
        messages.check_send_message(s, load_user(s, author), channel, body=body)


def batch_for(events: Events, me: int) -> list[Event]:
    batch = [event for key, event in events if key == f"user:{me}"]
    events.clear()
    return batch


async def deliver_everywhere(root: State, batch: list[Event], me: int) -> None:
    """The batch through every registered feature, as the listener applies it."""
    for feature in _features:
        await deliver_to(feature, root, [(f"user:{me}", event) for event in batch], me)


async def test_the_screen_names_what_a_message_would_change(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    elsewhere = make_server(bob, "Other", members=(alice,))
    with transaction() as s:
        general_id, other_general = general(s, server_id).id, general(s, elsewhere).id
    random_id = add_channel(server_id, "random")
    quiet_id = add_channel(server_id, "quiet")
    with transaction() as s:
        notify_levels.check_set_channel_notifications(
            s, load_user(s, alice), quiet_id, mute="forever"
        )
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    await ServerState.load.fn(await root.get_state(ServerState))
    assert (await root.get_state(ConversationState)).open_id == random_id

    screen = await screen_of(root)
    # The open channel, an unlit channel here, any channel of an unlit server elsewhere.
    assert all(screen.loud_message(c) for c in (random_id, general_id, other_general))
    assert not screen.loud_message(quiet_id)  # muted: a message there lights nothing
    assert screen.server_id == server_id
    assert {random_id, general_id, quiet_id} <= screen.unlit

    events.clear()
    for channel in (general_id, other_general, quiet_id, random_id):
        says(bob, channel, "first")
    batch = batch_for(events, alice)
    judged = {
        e["data"]["conversation_id"]: _inert(e, screen) for e in batch if e["type"] == "message"
    }
    assert judged == {general_id: False, other_general: False, quiet_id: True, random_id: False}
    await deliver_everywhere(root, batch, alice)

    # Both dots are lit now: more messages there change nothing, the open channel still does.
    screen = await screen_of(root)
    assert not screen.loud_message(general_id)
    assert not screen.loud_message(other_general)
    assert screen.loud_message(random_id)
    assert general_id not in screen.unlit  # a read elsewhere would clear its dot


async def test_what_is_judged_inert_changes_nothing_on_the_tab(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """The listener's shortcut is only sound if every event it drops would have pushed
    nothing through any feature: checked here by applying them all anyway."""
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    elsewhere = make_server(bob, "Other", members=(alice,))
    with transaction() as s:
        general_id, other_general = general(s, server_id).id, general(s, elsewhere).id
    random_id = add_channel(server_id, "random")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    await ServerState.load.fn(await root.get_state(ServerState))
    events.clear()
    says(bob, general_id, "light it")
    says(bob, other_general, "and this")
    await deliver_everywhere(root, batch_for(events, alice), alice)

    screen = await screen_of(root)
    for channel in (general_id, other_general, general_id):
        says(bob, channel, "again")
    says(bob, random_id, "in the open one")  # and her read marker follows it there
    with transaction() as s:
        messages.check_mark_read(s, load_user(s, alice), random_id, 10**6)
    batch = batch_for(events, alice)
    inert = [e for e in batch if _inert(e, screen)]
    kinds = {(e["type"], e["data"]["conversation_id"]) for e in inert}
    assert ("message", general_id) in kinds
    assert ("message", other_general) in kinds
    assert ("channel_read", random_id) in kinds
    assert all(e["data"]["conversation_id"] != random_id for e in inert if e["type"] == "message")
    root._clean()
    await deliver_everywhere(root, inert, alice)
    assert pushed(root) == {}

    # The same events minus what was dropped: the open channel's own message still shows.
    root._clean()
    await deliver_everywhere(root, [e for e in batch if e not in inert], alice)
    assert "chat_tail_state" in pushed(root)


async def test_the_screen_holds_only_until_the_tab_sends_an_event(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice, "Guild")
    root = await signed_in_tab(alice, f"/servers/{server_id}")
    token = root.router.session.client_token
    listener = await root.get_state(RealtimeState)
    pending = _Pending([])
    await listener._look(pending, token)
    assert pending.dropping(token) is pending.screen is not None
    await TabActivity().preprocess(None, root, None)  # the tab clicks something
    assert pending.dropping(token) is None
    await listener._look(pending, token)
    assert pending.dropping(token) is not None


async def test_queued_events_are_dropped_only_while_the_listener_waits(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    random_id = add_channel(server_id, "random")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    await ServerState.load.fn(await root.get_state(ServerState))
    token = root.router.session.client_token
    events.clear()
    says(bob, general_id, "light it")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    pending = _Pending([])
    await (await root.get_state(RealtimeState))._look(pending, token)
    says(bob, general_id, "again")
    says(bob, random_id, "in the open one")
    again, open_one = (e for e in batch_for(events, alice) if e["type"] == "message")
    assert not pending.drops(token, "k", again)  # busy with a batch: never dropped
    pending.waiting = True
    assert pending.drops(token, "k", again)
    assert not pending.drops(token, "k", open_one)
    await TabActivity().preprocess(None, root, None)
    assert not pending.drops(token, "k", again)


async def test_the_open_chats_own_messages_keep_the_screen(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    random_id = add_channel(server_id, "random")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    await ServerState.load.fn(await root.get_state(ServerState))
    token = root.router.session.client_token
    listener = await root.get_state(RealtimeState)
    pending = _Pending([])
    await listener._look(pending, token)
    first = pending.screen
    assert first is not None
    assert first.reading == random_id
    events.clear()
    says(bob, random_id, "here")
    says(bob, general_id, "there")
    here, there = (e for e in batch_for(events, alice) if e["type"] == "message")
    await listener._look(pending, token, [here])
    assert pending.screen is first
    await listener._look(pending, token, [here, there])
    assert pending.screen is not first
    # In the background the open chat's arrivals light its dot: the screen is read again.
    (await root.get_state(ConversationState))._hidden = True
    await listener._look(pending, token)
    hidden = pending.screen
    assert hidden is not None
    assert hidden.reading == ""
    await listener._look(pending, token, [here])
    assert pending.screen is not hidden
