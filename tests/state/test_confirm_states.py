"""The confirmation dialog's state, and the chat states telling the truth: a removed member's
open chat, the member count after adding, Block or Unblock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialhub.db import transaction
from socialhub.domain import blocks, chats
from socialhub.state.chat_admin import ChatAdminState
from socialhub.state.chat_list import ChatListState
from socialhub.state.confirm import CONFIRMATIONS, ConfirmState
from socialhub.state.conversation import ConversationState
from socialhub.state.feed import FeedState
from tests.state.conftest import SignedInTab
from tests.support.chat import Events, create_group, key, load_user, open_dm, send


def handler_name(event: Any) -> str:
    return str(event.handler.fn.__qualname__)


async def test_confirming_runs_the_asked_action_and_cancelling_drops_it(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    root = await signed_in_tab(make_user("alice"), "/")
    confirm = await root.get_state(ConfirmState)
    ConfirmState.ask.fn(confirm, "remove_member", "bob", "Bob")
    assert (confirm.open, confirm.title, confirm.action) == (
        True,
        "Remove Bob from the group?",
        "Remove",
    )
    ConfirmState.set_open.fn(confirm, False)  # Cancel or Escape
    assert not confirm.open
    assert ConfirmState.confirm.fn(confirm) is None

    ConfirmState.ask.fn(confirm, "delete_post", "p1")
    event = ConfirmState.confirm.fn(confirm)
    assert handler_name(event) == FeedState.delete_post.fn.__qualname__
    assert [str(value._var_value) for _, value in event.args] == ["p1"]
    assert not confirm.open
    # A second confirm has nothing left to run; an unknown kind opens nothing.
    assert ConfirmState.confirm.fn(confirm) is None
    ConfirmState.ask.fn(confirm, "drop_database", "x")
    assert not confirm.open


def test_every_confirmation_says_what_happens() -> None:
    for confirmation in CONFIRMATIONS.values():
        assert confirmation.title.endswith("?")
        assert len(confirmation.body) > 30
        assert confirmation.action


async def test_a_removed_member_keeps_the_open_chat_read_only(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    group = create_group(alice, ["bob"])
    send(alice, group, "before")
    root = await signed_in_tab(bob, f"/messages/{group}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    conversation = await root.get_state(ConversationState)
    assert not conversation.open_removed
    events.clear()
    with transaction() as s:
        chats.check_remove_member(s, load_user(s, alice), group, "bob")

    await conversation._apply_events([e for k, e in events if k == key(bob)], bob)
    assert conversation.open_id == group
    assert (conversation.open_removed, conversation.open_removed_by) == (True, "alice")
    shown = [m.body for m in [*conversation.messages, *conversation.get_value("messages")]]
    assert "before" in shown

    # Opened again (a reload), it says the same from the database.
    root = await signed_in_tab(bob, f"/messages/{group}")
    chat_list = await root.get_state(ChatListState)
    await ChatListState.load.fn(chat_list)
    conversation = await root.get_state(ConversationState)
    assert (conversation.open_removed, conversation.open_removed_by) == (True, "alice")
    assert [m.body for m in conversation.messages][-2:] == ["before", "alice removed bob"]
    assert [row.id for row in chat_list.chats] == [group]


async def test_adding_a_member_counts_them_once(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice = make_user("alice")
    make_user("bob")
    make_user("carol")
    group = create_group(alice, ["bob"])
    root = await signed_in_tab(alice, f"/messages/{group}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    conversation = await root.get_state(ConversationState)
    assert conversation.open_members == 2
    events.clear()
    admin = await root.get_state(ChatAdminState)
    # What the people picker's Add runs.
    await admin._change(
        lambda s, u, chat: chats.check_add_members(s, u, chat, ["carol"]), "Members added"
    )
    assert conversation.open_members == 3
    # The listener then brings the membership event: still three.
    await conversation._apply_events([e for k, e in events if k == key(alice)], alice)
    assert conversation.open_members == 3


async def test_the_dm_info_knows_whether_i_block_the_partner(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(alice, "bob")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    admin = await root.get_state(ChatAdminState)
    await ChatAdminState.show_info.fn(admin, True)
    assert not admin.partner_blocked
    await ChatAdminState.block_partner.fn(admin)
    assert admin.partner_blocked
    # Blocked by the partner is not "I block them": the dialog offers Block.
    with transaction() as s:
        blocks.check_unblock(s, load_user(s, alice), "bob")
        blocks.check_block(s, load_user(s, bob), "alice")
    await ChatAdminState.show_info.fn(admin, True)
    assert not admin.partner_blocked
