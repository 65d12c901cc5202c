"""The chat screens' three states working together: the page load fills the list and opens the
chat in the URL, the list's live refresh leaves the chat being read at zero unread, and the chat
info dialog reads its members when it opens. The open chat carries none of the list's or the
dialog's data, so a live message pickles the conversation alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialhub.db import transaction
from socialhub.domain import chats, messages
from socialhub.state.chat_admin import ChatAdminState
from socialhub.state.chat_list import ChatListState, load_chat_rows
from socialhub.state.conversation import ChatTailState, ChatTicksState, ConversationState
from tests.state.conftest import ORIGIN, SignedInTab
from tests.support.chat import create_group, load_user, open_dm, send


def fields(state: type[Any]) -> set[str]:
    """The state's own vars, the backend-only ones included."""
    return set(state.__annotations__)


def test_the_open_chat_carries_neither_the_list_nor_the_dialog() -> None:
    conversation = fields(ConversationState)
    assert not conversation & fields(ChatListState)
    assert not conversation & fields(ChatAdminState)
    assert {"chats", "members", "invite_url"}.isdisjoint(conversation)


async def test_the_page_load_lists_the_chats_and_opens_the_one_in_the_url(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(bob, "alice")
    send(bob, chat, "hi alice")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    chat_list = await root.get_state(ChatListState)

    assert len(await ChatListState.load.fn(chat_list)) == 2  # hidden? and the outbox
    conversation = await root.get_state(ConversationState)
    assert (conversation.open_id, conversation.open_partner) == (chat, "bob")
    assert [m.body for m in conversation.messages] == ["hi alice"]
    assert [(row.id, row.unread) for row in chat_list.chats] == [(chat, 0)]
    assert chat_list.loaded


async def test_the_live_list_refresh_reads_the_open_chat_only_while_the_tab_is_visible(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(bob, "alice")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    chat_list = await root.get_state(ChatListState)
    await ChatListState.load.fn(chat_list)
    send(bob, chat, "while you look")

    with transaction() as s:
        summaries, gone = load_chat_rows(s, alice, {chat})
    await chat_list._apply_chat_list(summaries, gone)
    assert [row.unread for row in chat_list.chats] == [0]

    (await root.get_state(ConversationState))._hidden = True
    await chat_list._apply_chat_list(summaries, gone)
    assert [row.unread for row in chat_list.chats] == [1]


async def test_the_info_dialog_reads_the_open_group_when_it_opens(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    owner = make_user("owner")
    make_user("friend")
    group = create_group(owner, ["friend"], title="Climbers", description="Saturdays")
    root = await signed_in_tab(owner, f"/messages/{group}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    admin = await root.get_state(ChatAdminState)
    assert admin.members == []  # nothing read until the dialog opens

    await ChatAdminState.show_info.fn(admin, True)
    assert sorted((m.username, m.role) for m in admin.members) == [
        ("friend", "member"),
        ("owner", "admin"),
    ]
    assert admin.description == "Saturdays"

    await ChatAdminState.create_invite.fn(admin)
    assert admin.invite_url.startswith(f"{ORIGIN}/join/")
    await ChatAdminState.set_archived.fn(admin, True)
    assert admin.archived
    assert [row.archived for row in (await root.get_state(ChatListState)).chats] == [True]
    with transaction() as s:
        assert chats.get_chat(s, load_user(s, owner), group).archived


def pushed(root: Any) -> dict[str, set[str]]:
    """The states and vars the next push would carry (the delta, keys without their suffix)."""
    return {
        name.rsplit("____", 1)[-1]: {var.removesuffix("_rx_state_") for var in delta}
        for name, delta in root.get_delta().items()
        if delta
    }


async def test_a_live_message_pushes_the_short_tail_and_a_receipt_only_the_ticks(
    make_user: Callable[..., int],
    signed_in_tab: SignedInTab,
    events: list[tuple[str, Any]],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(alice, "bob")
    for n in range(30):
        send(alice if n % 2 else bob, chat, f"earlier {n}")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    conversation = await root.get_state(ConversationState)
    root._clean()

    events.clear()
    send(bob, chat, "live")
    [message] = [e for key, e in events if key == f"user:{alice}" and e["type"] == "message"]
    await conversation._apply_events([message], alice)
    assert pushed(root) == {"chat_tail_state": {"rows_0"}}
    tail = await root.get_state(ChatTailState)
    assert [r.body for r in tail.rows_0] == ["live"]
    assert len(conversation.messages) == 30  # the window, untouched

    # Past a chunk of the tail, a message pushes the next chunk alone.
    for n in range(6):
        events.clear()
        send(alice if n % 2 else bob, chat, f"live {n}")
        batch = [e for key, e in events if key == f"user:{alice}" and e["type"] == "message"]
        root._clean()
        await conversation._apply_events(batch, alice)
    assert pushed(root)["chat_tail_state"] == {"rows_1"}
    assert [r.body for r in tail.rows_1] == ["live 5"]
    assert len(tail.rows_0) == 6

    events.clear()
    send(alice, chat, "mine")
    [mine] = [e for key, e in events if key == f"user:{alice}" and e["type"] == "message"]
    await conversation._apply_events([mine], alice)
    root._clean()
    events.clear()
    with transaction() as s:
        messages.check_mark_read(s, load_user(s, bob), chat, 38)
    receipts = [e for key, e in events if key == f"user:{alice}" and e["type"] == "receipt"]
    assert receipts
    await conversation._apply_events(receipts, alice)
    assert pushed(root) == {"chat_ticks_state": {"statuses"}}
    ticks = await root.get_state(ChatTicksState)
    assert set(ticks.statuses.values()) == {"read"}


async def test_receipts_written_together_move_the_ticks_in_one_push(
    make_user: Callable[..., int],
    signed_in_tab: SignedInTab,
    events: list[tuple[str, Any]],
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, ["bob", "carol"])
    mine = send(alice, group, "to both")
    root = await signed_in_tab(alice, f"/messages/{group}")
    await ChatListState.load.fn(await root.get_state(ChatListState))
    conversation = await root.get_state(ConversationState)
    ticks = await root.get_state(ChatTicksState)
    assert ticks.statuses == {mine.id: "sent"}
    root._clean()
    events.clear()
    with transaction() as s:
        messages.do_record_receipts(
            s, {(bob, group): mine.seq, (carol, group): mine.seq}, {(bob, group): mine.seq}
        )
    [batch] = [e for key, e in events if key == f"user:{alice}" and e["type"] == "receipt"]
    await conversation._apply_events([batch], alice)
    assert pushed(root) == {"chat_ticks_state": {"statuses"}}
    assert ticks.statuses == {mine.id: "read by 1 of 2"}
