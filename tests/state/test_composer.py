"""The composer's server side (the keys, drafts and clearing are the browser's, tested in
tests/e2e/test_messaging_e2e.py): a send never clears the box from the server, and Up arrow in
the empty box edits my newest message that can still be edited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from socialhub.db import transaction
from socialhub.domain import messages
from socialhub.state.conversation import ConversationState
from tests.state.conftest import SignedInTab, event_args
from tests.support.chat import load_user, open_dm, send


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, str]:
    alice, bob = make_user("alice"), make_user("bob")
    return alice, bob, open_dm(alice, "bob")


async def alice_tab(signed_in_tab: SignedInTab, alice: int, chat: str) -> ConversationState:
    root = await signed_in_tab(alice, f"/messages/{chat}")
    tab = await root.get_state(ConversationState)
    assert isinstance(tab, ConversationState)
    assert await tab._open(chat) is None
    return tab


def targeted_refs(events: list[Any]) -> list[str]:
    """The elements whose value the handler set in the browser (`rx.set_value`)."""
    return event_args(events, "ref")


async def test_a_send_leaves_the_box_to_the_browser(
    people: tuple[int, int, str], signed_in_tab: SignedInTab
) -> None:
    alice, _, chat = people
    tab = await alice_tab(signed_in_tab, alice, chat)
    form = {"body": "first line\nsecond line", "client_id": "c-1"}
    events = [e async for e in ConversationState.send.fn(tab, form)]
    assert targeted_refs(events) == []
    assert [row.body for row in (await tab._rows()).all()] == ["first line\nsecond line"]


async def test_up_arrow_edits_my_newest_message_still_editable(
    people: tuple[int, int, str], signed_in_tab: SignedInTab
) -> None:
    alice, bob, chat = people
    older = send(alice, chat, "older").id
    deleted = send(alice, chat, "deleted").id
    send(bob, chat, "bob's is newer")
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, alice), deleted, for_everyone=True)
    tab = await alice_tab(signed_in_tab, alice, chat)
    # A send on its way (no id yet) is not editable either.
    rows = (await tab._rows()).all()
    pending = rows[0].model_copy(
        update={"id": "", "seq": 0, "client_id": "c-9", "pending": True, "body": "on its way"}
    )
    await tab._upsert(pending, alice)

    await ConversationState.edit_last.fn(tab)
    assert tab.editing_id == older


async def test_up_arrow_with_nothing_of_mine_edits_nothing(
    people: tuple[int, int, str], signed_in_tab: SignedInTab
) -> None:
    alice, bob, chat = people
    send(bob, chat, "only bob wrote")
    tab = await alice_tab(signed_in_tab, alice, chat)
    await ConversationState.edit_last.fn(tab)
    assert tab.editing_id == ""
