"""The unread signals of a tab: read with the page, kept live by the listener's `Unread`
adapter from the events the tab gets, equal to a fresh read after each change, with a toast
only for what `notify.should_notify` tells."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflex.state import State

from socialhub.db import transaction
from socialhub.domain import blocks, chats, messages, notify
from socialhub.state.chat_list import ChatListState
from socialhub.state.conversation import ConversationState
from socialhub.state.unread import Unread, UnreadState
from tests.state.conftest import SignedInTab, deliver_to
from tests.support.chat import create_group, load_user, open_dm, send
from tests.support.social import act

Events = list[tuple[str, Any]]


async def deliver(root: State, events: Events, me: int) -> list[str]:
    """Hand what `me`'s stream got since the last call to the adapter as the listener does;
    the scripts it sends to the tab (its toasts)."""
    shown = await deliver_to(Unread(), root, events, me)
    # A toast is a script: the JavaScript function it runs.
    return [str(v) for event in shown for arg, v in event.args if str(arg) == "function"]


def fresh_total(user_id: int) -> int:
    with transaction() as s:
        return notify.unread_facts(s, load_user(s, user_id)).total


async def tab_on(signed_in_tab: SignedInTab, user_id: int, path: str) -> tuple[State, UnreadState]:
    root = await signed_in_tab(user_id, path)
    unread = await root.get_state(UnreadState)
    await UnreadState.load.fn(unread)
    return root, unread


async def test_a_new_dm_counts_and_toasts_live_and_reading_it_clears_the_count(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob", display_name="Bob")
    root, unread = await tab_on(signed_in_tab, alice, "/")
    assert (unread.total, unread.messages_label) == (0, "Messages")

    dm = open_dm(bob, "alice")  # a chat the tab has never seen: read once
    first = send(bob, dm, "hi <b>alice</b>")
    (toast,) = await deliver(root, events, alice)
    assert unread.total == fresh_total(alice) == 1
    assert unread.messages_label == "Messages, 1 unread"
    assert '"Bob"' in toast
    assert "hi <b>alice</b>" in toast  # as text: the toast renders it inert
    assert "Open chat" in toast
    assert f"/messages/{dm}" in toast

    send(bob, dm, "are you there?")
    replayed = list(events)
    assert len(await deliver(root, events, alice)) == 1  # one toast per message told
    assert unread.total == fresh_total(alice) == 2
    events.extend(replayed)
    assert await deliver(root, events, alice) == []  # a replay tells nothing twice
    assert unread.total == 2

    act(alice, lambda s, u: messages.check_mark_read(s, u, dm, first.seq))
    assert await deliver(root, events, alice) == []
    assert unread.total == fresh_total(alice) == 1
    send(alice, dm, "yes")  # your own message reads the chat up to it
    assert await deliver(root, events, alice) == []
    assert unread.total == fresh_total(alice) == 0


async def test_a_group_counts_but_toasts_only_a_mention_and_a_muted_chat_neither(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob", display_name="Bob")
    group = create_group(bob, ["alice"], title="Climbers")
    dm = open_dm(bob, "alice")
    root, unread = await tab_on(signed_in_tab, alice, "/explore")

    send(bob, group, "morning all")
    assert await deliver(root, events, alice) == []
    assert unread.total == 1
    send(bob, group, "@alice are you in?")
    (toast,) = await deliver(root, events, alice)
    assert "Bob mentioned you" in toast
    assert unread.total == fresh_total(alice) == 2

    act(alice, lambda s, u: chats.check_set_flags(s, u, dm, muted=True))
    assert await deliver(root, events, alice) == []  # the mute is read again
    send(bob, dm, "hello?")
    assert await deliver(root, events, alice) == []
    assert unread.total == fresh_total(alice) == 2  # a muted chat stays out of the total

    act(alice, lambda s, u: blocks.check_block(s, u, "bob"))
    assert await deliver(root, events, alice) == []
    send(bob, group, "@alice please")
    assert await deliver(root, events, alice) == []  # nobody you block is told about


async def test_the_chat_on_screen_counts_nothing_and_leaving_messages_closes_it(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    dm = open_dm(bob, "alice")
    send(bob, dm, "before")
    root = await signed_in_tab(alice, f"/messages/{dm}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    unread = await root.get_state(UnreadState)
    await UnreadState.load.fn(unread)
    assert unread.total == 0  # opening the chat read it
    events.clear()

    send(bob, dm, "while alice looks")
    assert await deliver(root, events, alice) == []
    assert unread.total == 0
    carol = make_user("carol")
    send(carol, open_dm(carol, "alice"), "another chat")
    assert await deliver(root, events, alice) == []  # on /messages the list shows it
    assert unread.total == 1

    home, unread = await tab_on(signed_in_tab, alice, "/")
    conversation = await home.get_state(ConversationState)
    conversation.open_id = dm  # the chat left open on /messages by this tab
    await UnreadState.load.fn(unread)
    assert conversation.open_id == ""
    events.clear()
    send(bob, dm, "while alice is home")
    assert len(await deliver(root=home, events=events, me=alice)) == 1
    assert unread.total == 3  # no read receipt here: the listener writes those, not the adapter


async def test_server_channels_leave_the_messages_badge_alone(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """A server channel's messages have badges of their own: the messenger's count is not
    worked out again, and nothing of it is pushed."""
    from tests.support.servers import general, make_server

    alice, bob = make_user("alice"), make_user("bob", display_name="Bob")
    server_id = make_server(bob, "Guild", members=(alice,))
    with transaction() as s:
        channel = general(s, server_id).id
    root, unread = await tab_on(signed_in_tab, alice, "/explore")
    root._clean()
    send(bob, channel, "hello @alice")
    assert await deliver(root, events, alice) == []
    assert unread.total == fresh_total(alice) == 0
    assert not any(
        name.endswith("unread_state") and delta for name, delta in root.get_delta().items()
    )
