"""The open chat's rows as plain lists (socialhub/state/message_window.py): live messages go to
the tail, the tail folds into the window, pending sends give way to their stored rows, and the
ticks are computed from the members' receipts."""

from __future__ import annotations

from typing import Any

from socialhub.state import message_window as window
from socialhub.state.chat_rows import MessageRow
from socialhub.state.message_window import Rows

ME, BOB, CAROL = 1, 2, 3


def row(seq: int, *, author: int = BOB, pending: bool = False, **values: Any) -> MessageRow:
    fields: dict[str, Any] = {
        "id": "" if pending else f"m{seq}",
        "seq": seq,
        "client_id": "",
        "kind": "text",
        "author_id": author,
        "author_name": "",
        "author_username": "",
        "body": f"body {seq}",
        "html": "",
        "when": "",
        "edited": False,
        "deleted": False,
        "forwarded": False,
        "mine": author == ME,
        "pending": pending,
        "failed": False,
        "reply_to_id": "",
        "reply_author": "",
        "reply_body": "",
        "reactions": [],
        "status": "sending" if pending else "",
    }
    return MessageRow(**{**fields, **values})


def seqs(part: list[MessageRow]) -> list[int]:
    return [r.seq for r in part]


def test_a_live_message_goes_to_the_tail_and_leaves_the_window_list_as_it_was() -> None:
    shown = Rows([row(1), row(2)], [], has_older=False)
    after = window.upsert(shown, row(3))
    assert after is not None
    assert after.window is shown.window  # the same list: nothing to push for it
    assert seqs(after.tail) == [3]


def test_the_tail_folds_into_the_window_which_keeps_its_newest_rows() -> None:
    rows = Rows([row(s) for s in range(1, window.WINDOW + 1)], [], has_older=False)
    for seq in range(window.WINDOW + 1, window.WINDOW + window.TAIL_MAX + 2):
        rows = window.upsert(rows, row(seq)) or rows
    assert rows.tail == []
    assert len(rows.window) == window.WINDOW
    assert rows.window[-1].seq == window.WINDOW + window.TAIL_MAX + 1
    assert rows.has_older


def test_a_stored_message_replaces_its_pending_send_and_an_edit_replaces_in_place() -> None:
    rows = Rows([row(1)], [row(0, author=ME, pending=True, client_id="c1")], has_older=False)
    stored = window.upsert(rows, row(2, author=ME, client_id="c1"))
    assert stored is not None
    assert [(r.seq, r.pending) for r in stored.all()] == [(1, False), (2, False)]
    edited = window.upsert(stored, row(1, body="edited", edited=True))
    assert edited is not None
    assert [r.body for r in edited.window] == ["edited"]
    assert edited.tail is stored.tail


def test_messages_outside_the_window_change_nothing_on_screen() -> None:
    rows = Rows([row(10), row(11)], [], has_older=True)
    assert window.upsert(rows, row(5)) is None  # older than the window: loads when scrolled to
    jumped = Rows([row(10), row(11)], [], has_older=True, has_newer=True)
    assert window.upsert(jumped, row(40)) is None  # the reader is in the past


def test_a_late_message_inside_the_window_goes_in_order() -> None:
    rows = Rows([row(1), row(3)], [], has_older=False)
    after = window.upsert(rows, row(2))
    assert after is not None
    assert seqs(after.window) == [1, 2, 3]
    assert after.tail == []


def test_hiding_and_changing_reach_either_list() -> None:
    rows = Rows([row(1)], [row(2)], has_older=False)
    assert seqs(window.without(rows, "m2").all()) == [1]
    reacted = window.changed(rows, "m1", reactions=[{"emoji": "👍", "count": 1}])
    assert reacted is not None
    assert reacted.window[0].reactions == [{"emoji": "👍", "count": 1}]
    assert window.changed(rows, "m9", reactions=[]) is None


def test_a_pending_send_is_marked_queued_or_failed() -> None:
    rows = Rows([], [row(0, author=ME, pending=True, client_id="c1")], has_older=False)
    marked = window.mark_pending(rows, "c1", "failed")
    assert (marked.tail[0].status, marked.tail[0].failed) == ("failed", True)


def test_ticks_follow_the_other_members_receipts() -> None:
    mine = [row(1, author=ME), row(2, author=ME), row(3, author=ME), row(4)]
    dm = {ME: (3, 3), BOB: (2, 1)}
    assert window.statuses(mine, dm, ME, group=False) == {
        "m1": "read",
        "m2": "delivered",
        "m3": "sent",
    }
    group = {ME: (3, 3), BOB: (3, 2), CAROL: (3, 0)}
    assert window.statuses(mine, group, ME, group=True) == {
        "m1": "read by 1 of 2",
        "m2": "read by 1 of 2",
        "m3": "delivered",
    }
    alone = window.statuses(mine, {ME: (3, 3)}, ME, group=True)
    assert set(alone.values()) == {"sent"}
