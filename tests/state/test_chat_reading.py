"""Reading a chat: date separators in the viewer's zone, runs of one author grouped, and the
"Unread messages" divider where the reader stopped (state/message_window.arrange), and a chat
with more unread than a page opens at the first unread message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from socialhub.state import message_window as window
from socialhub.state.chat_list import ChatListState
from socialhub.state.clock import UTC_CLOCK, clock_for
from socialhub.state.conversation import PAGE, UNREAD_CONTEXT, ConversationState
from socialhub.state.message_window import Rows
from tests.state.conftest import SignedInTab
from tests.state.test_message_window import CAROL, ME, row
from tests.support.chat import create_group, open_dm, send

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def at(moment: datetime, seq: int, **values: Any) -> Any:
    return row(seq, day=UTC_CLOCK.day(moment), at=int(moment.timestamp()), **values)


def marks(rows: Rows) -> list[tuple[int, str, bool, bool]]:
    return [(r.seq, r.separator, r.grouped, r.first_unread) for r in rows.all()]


def test_separators_name_the_day_and_runs_of_one_author_group_within_five_minutes() -> None:
    two_days_ago, yesterday = NOW - timedelta(days=2), NOW - timedelta(days=1)
    shown = Rows(
        [
            at(two_days_ago, 1),
            at(yesterday, 2),
            at(yesterday + timedelta(minutes=1), 3),  # Bob again, a minute later
            at(yesterday + timedelta(minutes=2), 4, author=CAROL),
            at(yesterday + timedelta(minutes=10), 5, author=CAROL),  # eight minutes later
            at(NOW - timedelta(minutes=3), 6),
        ],
        [at(NOW - timedelta(minutes=2), 7), at(NOW, 8, author=ME)],
        has_older=False,
    )
    arranged = window.arrange(shown, UTC_CLOCK, NOW, 0)
    assert marks(arranged) == [
        (1, "Monday, 30 November", False, False),
        (2, "Yesterday", False, False),
        (3, "", True, False),
        (4, "", False, False),
        (5, "", False, False),
        (6, "Today", False, False),
        (7, "", True, False),  # the tail continues the window's run
        (8, "", False, False),
    ]


def test_a_system_message_breaks_a_run() -> None:
    shown = Rows([at(NOW, 1), at(NOW, 2, kind="system"), at(NOW, 3)], [], has_older=False)
    assert [r.grouped for r in window.arrange(shown, UTC_CLOCK, NOW, 0).all()] == [
        False,
        False,
        False,
    ]


def test_the_unread_divider_sits_above_the_first_unread_and_breaks_the_run() -> None:
    shown = Rows([at(NOW, 1), at(NOW, 2), at(NOW, 3)], [], has_older=False)
    arranged = window.arrange(shown, UTC_CLOCK, NOW, 2)
    assert marks(arranged) == [
        (1, "Today", False, False),
        (2, "", False, True),
        (3, "", True, False),
    ]
    assert marks(window.arrange(arranged, UTC_CLOCK, NOW, 0))[1] == (2, "", True, False)


def test_the_days_are_the_viewers() -> None:
    late, later = (datetime(2026, 12, 1, hour, 30, tzinfo=UTC) for hour in (22, 23))
    for clock, labels in (
        (UTC_CLOCK, ["Yesterday", ""]),
        (clock_for("Europe/Berlin"), ["Yesterday", "Today"]),  # 00:30 on 2 December there
    ):
        shown = Rows(
            [
                row(seq, day=clock.day(moment), at=int(moment.timestamp()))
                for seq, moment in ((1, late), (2, later))
            ],
            [],
            has_older=False,
        )
        assert [r.separator for r in window.arrange(shown, clock, NOW, 0).all()] == labels


def test_an_unchanged_part_is_the_same_list() -> None:
    arranged = window.arrange(
        Rows([at(NOW, 1), at(NOW, 2)], [], has_older=False), UTC_CLOCK, NOW, 0
    )
    with_live = window.upsert(arranged, at(NOW, 3))
    assert with_live is not None
    again = window.arrange(with_live, UTC_CLOCK, NOW, 0)
    assert again.window is arranged.window  # nothing to push for the window
    assert marks(again)[-1] == (3, "", True, False)


async def test_opening_a_chat_marks_where_i_stopped_reading(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = open_dm(bob, "alice")
    send(bob, chat, "read before")
    send(alice, chat, "my answer")  # writing reads what came before
    send(bob, chat, "first unread")
    send(bob, chat, "second unread")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    await ChatListState.load.fn(await root.get_state(ChatListState))

    conversation = await root.get_state(ConversationState)
    assert [(m.body, m.first_unread) for m in conversation.messages] == [
        ("read before", False),
        ("my answer", False),
        ("first unread", True),
        ("second unread", False),
    ]

    # Opened again, it is all read: no divider.
    await ChatListState.load.fn(await root.get_state(ChatListState))
    assert not any(m.first_unread for m in conversation.messages)


async def test_more_unread_than_a_page_opens_at_the_first_unread(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    chat = create_group(bob, ["alice"], title="Busy")
    root = await signed_in_tab(alice, f"/messages/{chat}")
    await ChatListState.load.fn(await root.get_state(ChatListState))  # all read so far
    for n in range(PAGE + 20):
        send(bob, chat, f"news {n}")

    await ChatListState.load.fn(await root.get_state(ChatListState))
    conversation = await root.get_state(ConversationState)
    bodies = [m.body for m in conversation.messages]
    first = next(m for m in conversation.messages if m.first_unread)
    assert first.body == "news 0"
    assert 0 < bodies.index("news 0") <= UNREAD_CONTEXT  # a few read ones above it
    assert len(bodies) == PAGE
    assert conversation.has_newer  # the rest waits below "Jump to latest"

    await ConversationState.jump_latest.fn(conversation)
    assert conversation.messages[-1].body == f"news {PAGE + 19}"
    assert not conversation.has_newer
