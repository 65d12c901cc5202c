"""The channel beside an open thread (`ThreadParentState`): read once the browser says its
screen is wide, live from the stream (its messages even while its dot is lit, its starters'
thread counts), a live message pushing its few tail rows only, and let go on a phone or when
no thread is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflex.state import State

from socialhub.db import transaction
from socialhub.domain import messages
from socialhub.domain import threads as threads_domain
from socialhub.state import threads  # noqa: F401  (registers the starters' counts)
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import RealtimeState
from socialhub.state.server_live import read_screen
from socialhub.state.servers import ServerState
from socialhub.state.thread_parent import PARENT_PAGE, PARENT_TAIL, ThreadParentState
from tests.state.conftest import SignedInTab, event_args
from tests.state.test_listener_screen import batch_for, deliver_everywhere
from tests.state.test_server_states import pushed
from tests.support.chat import load_user
from tests.support.servers import general, make_server

Events = list[tuple[str, Any]]


def says(author: int, channel: str, body: str) -> str:
    with transaction() as s:
        return messages.check_send_message(s, load_user(s, author), channel, body=body).id


def a_thread(author: int, channel: str, message_id: str) -> str:
    with transaction() as s:
        made = threads_domain.check_create_thread(
            s, load_user(s, author), channel, message_id=message_id
        )
        return made.id


async def open_page(root: State) -> ThreadParentState:
    """The server page's load steps: the server and its channel or thread, then the side."""
    await ServerState.load.fn(await root.get_state(ServerState))
    parent = await root.get_state(ThreadParentState)
    await ThreadParentState.follow.fn(parent)
    return parent


def bodies(parent: ThreadParentState) -> list[str]:
    return [r.body for r in [*parent.messages, *parent.tail]]


async def test_the_channel_beside_a_thread_follows_its_messages_live(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    lunch = says(alice, general_id, "Lunch?")
    thread_id = a_thread(alice, general_id, lunch)
    root = await signed_in_tab(alice, f"/servers/{server_id}/{thread_id}")
    await ServerState.load.fn(await root.get_state(ServerState))
    parent = await root.get_state(ThreadParentState)

    # Until the browser tells its width, nothing is read: it asks.
    asked = await ThreadParentState.follow.fn(parent)
    assert event_args([asked], "javascript_code") == ["window.innerWidth"]
    assert parent.parent_id == ""
    assert parent.messages == []
    await ThreadParentState.set_width.fn(parent, 1280)
    assert (await root.get_state(ConversationState)).open_id == thread_id
    assert parent.parent_id == general_id
    assert (await root.get_state(ConversationState))._beside == general_id
    assert bodies(parent) == ["Lunch?"]
    assert parent.messages[0].thread_id == thread_id

    # Bob's messages in the channel: the first lights its dot, the next ones still reach the
    # side (the screen names the channel), each pushing the side's tail alone.
    events.clear()
    says(bob, general_id, "I am in")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    assert bodies(parent) == ["Lunch?", "I am in"]
    assert general_id in (await root.get_state(ServerState)).unread_ids
    screen = await read_screen(await root.get_state(RealtimeState))
    assert screen.loud_message(general_id)
    root._clean()
    says(bob, general_id, "me too")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    assert bodies(parent)[-1] == "me too"
    assert pushed(root).get("thread_parent_state") == {"tail"}

    # Bob answers in the thread: its starter beside it counts the message.
    says(bob, thread_id, "noon works")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    assert parent.messages[0].thread_count == 1

    # A long run of messages folds into the window, which keeps the latest page.
    for n in range(PARENT_PAGE + PARENT_TAIL):
        says(bob, general_id, f"line {n}")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    shown = bodies(parent)
    assert shown[-1] == f"line {PARENT_PAGE + PARENT_TAIL - 1}"
    assert len(shown) <= PARENT_PAGE + PARENT_TAIL
    assert len(parent.tail) <= PARENT_TAIL
    assert parent.has_older

    # A phone's width: the side is let go, and its channel's messages no longer touch it.
    await ThreadParentState.set_width.fn(parent, 360)
    assert parent.parent_id == ""
    assert bodies(parent) == []
    root._clean()
    says(bob, general_id, "unseen")
    await deliver_everywhere(root, batch_for(events, alice), alice)
    assert "thread_parent_state" not in pushed(root)
    # Wide again: read afresh, with what came meanwhile.
    await ThreadParentState.set_width.fn(parent, 1024)
    assert bodies(parent)[-1] == "unseen"


async def test_no_side_without_a_thread_open(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice, "Guild")
    with transaction() as s:
        general_id = general(s, server_id).id
    thread_id = a_thread(alice, general_id, says(alice, general_id, "Plans"))
    root = await signed_in_tab(alice, f"/servers/{server_id}/{thread_id}")
    parent = await open_page(root)
    await ThreadParentState.set_width.fn(parent, 1280)
    assert parent.parent_id == general_id

    # Back to the channel itself (the page's load runs again): nothing beside it.
    root = await signed_in_tab(alice, f"/servers/{server_id}/{general_id}")
    parent = await root.get_state(ThreadParentState)
    parent._width, parent._wanted, parent.parent_id = 1280, general_id, general_id
    (await root.get_state(ConversationState))._beside = general_id
    await open_page(root)
    assert (await root.get_state(ConversationState))._beside == ""
    assert parent.parent_id == ""
    assert bodies(parent) == []
    assert (await ThreadParentState.set_width.fn(parent, 1280)) is None
    assert parent.parent_id == ""


async def test_leaving_the_thread_panel_lets_the_channel_go(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """The panel unmounts (another page of the app): nothing of the channel stays in the tab,
    and its messages reach it no more, however wide the window."""
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    thread_id = a_thread(alice, general_id, says(alice, general_id, "Plans"))
    root = await signed_in_tab(alice, f"/servers/{server_id}/{thread_id}")
    parent = await open_page(root)
    await ThreadParentState.set_width.fn(parent, 1280)
    assert bodies(parent) == ["Plans"]
    await ThreadParentState.leave.fn(parent)
    assert parent.parent_id == ""
    assert bodies(parent) == []
    await ThreadParentState.set_width.fn(parent, 1400)
    assert parent.parent_id == ""
    events.clear()
    says(bob, general_id, "anyone?")
    root._clean()
    await deliver_everywhere(root, batch_for(events, alice), alice)
    assert "thread_parent_state" not in pushed(root)
    assert not (await read_screen(await root.get_state(RealtimeState))).loud_message(general_id)
