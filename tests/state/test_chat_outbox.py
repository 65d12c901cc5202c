"""The composer's send path and the outbox resend over the message rate limit, on
ConversationState itself (the browser side is tests/e2e/test_messaging_e2e.py): a RateLimited send
is never dropped from the outbox; the browser is asked to hand the outbox back after Retry-After,
and then it goes out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from socialhub.models import Message
from socialhub.state.conversation import ChatTicksState, ConversationState
from tests.state.conftest import SignedInTab, event_args
from tests.support.chat import open_dm

Lower = Callable[..., None]


@pytest.fixture
async def tab(make_user: Callable[..., int], signed_in_tab: SignedInTab) -> ConversationState:
    """Alice's browser tab on her DM with Bob."""
    alice = make_user("alice")
    make_user("bob")
    chat = open_dm(alice, "bob")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    state = await root.get_state(ConversationState)
    assert isinstance(state, ConversationState)
    state.open_id = chat
    return state


def scripts(events: list[Any]) -> list[str]:
    """The JavaScript the handler asked the browser to run, in order."""
    return event_args(events, "javascript_code")


async def send(tab: ConversationState, body: str, client_id: str) -> list[str]:
    return scripts(
        [e async for e in ConversationState.send.fn(tab, {"body": body, "client_id": client_id})]
    )


async def resend(tab: ConversationState, *items: tuple[str, str]) -> list[str]:
    outbox = [{"client_id": cid, "chat_id": tab.open_id, "body": body} for cid, body in items]
    return scripts([e async for e in ConversationState.resend_outbox.fn(tab, outbox)])


async def shown(tab: ConversationState) -> list[tuple[str, bool, str]]:
    """The rows on screen (window and tail), each with the status its ticks show."""
    ticks = await tab.get_state(ChatTicksState)
    return [
        (m.body, m.pending, m.status if m.pending else ticks.statuses.get(m.id, ""))
        for m in (await tab._rows()).all()
    ]


def stored(session: Session) -> list[str]:
    return list(session.exec(select(Message.body).order_by(col(Message.seq))).all())


async def test_a_send_over_the_limit_stays_queued_until_the_outbox_is_handed_back(
    tab: ConversationState, session: Session, lower_limits: Lower
) -> None:
    lower_limits(RATE_LIMIT_MESSAGE="1/minute")
    assert await send(tab, "one", "c-1") == ['window.shOutbox && shOutbox.done("c-1")']

    refused = await send(tab, "two", "c-2")
    assert not any("shOutbox.done" in js for js in refused)  # kept in the outbox
    [retry] = [js for js in refused if "retryIn" in js]
    assert 0 < int(retry.split("retryIn(")[1].split(")")[0]) <= 60
    assert await shown(tab) == [
        ("one", False, "sent"),
        ("two", True, "queued"),
    ]
    # Typed while "two" waits: it queues behind it, without asking the server.
    behind = await send(tab, "three", "c-3")
    [asked] = [js for js in behind if "shOutbox" in js]
    assert "retryIn" in asked
    assert stored(session) == ["one"]

    # The window has moved on (here: the limit is lifted); the browser hands the outbox back.
    lower_limits(RATE_LIMIT_MESSAGE="1000/minute")
    assert await resend(tab, ("c-2", "two"), ("c-3", "three")) == [
        'window.shOutbox && shOutbox.done("c-2")',
        'window.shOutbox && shOutbox.done("c-3")',
    ]
    session.expire_all()
    assert stored(session) == ["one", "two", "three"]
    assert [(body, pending) for body, pending, _ in await shown(tab)] == [
        ("one", False),
        ("two", False),
        ("three", False),
    ]


async def test_a_resent_burst_over_the_limit_keeps_the_rest_queued_in_order(
    tab: ConversationState, session: Session, lower_limits: Lower
) -> None:
    lower_limits(RATE_LIMIT_MESSAGE="2/minute")
    burst = [(f"c-{n}", f"queued {n}") for n in range(4)]
    first = await resend(tab, *burst)
    assert first[:2] == [f'window.shOutbox && shOutbox.done("c-{n}")' for n in range(2)]
    assert len(first) == 3  # c-2 and c-3 stay in the outbox
    assert "retryIn" in first[2]
    assert stored(session) == ["queued 0", "queued 1"]

    # Handed back too early: still over the limit, nothing lost, nothing doubled.
    again = await resend(tab, *burst)
    assert again[:2] == [f'window.shOutbox && shOutbox.done("c-{n}")' for n in range(2)]
    assert "retryIn" in again[2]
    session.expire_all()
    assert stored(session) == ["queued 0", "queued 1"]

    lower_limits(RATE_LIMIT_MESSAGE="1000/minute")
    await resend(tab, *burst[2:])
    session.expire_all()
    assert stored(session) == [body for _, body in burst]


async def test_a_refused_send_is_still_dropped_from_the_outbox(tab: ConversationState) -> None:
    """Refusals other than the rate limit are decisions: resending would not change them."""
    tab.open_id = "no-such-chat"
    assert await resend(tab, ("c-1", "lost cause")) == ['window.shOutbox && shOutbox.done("c-1")']
