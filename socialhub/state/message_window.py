"""The open chat's rows as plain lists: what the chat states do to them, without Reflex.

A chat on screen keeps two lists: the **window** (the page read when the chat opened, older
pages loaded on demand) and the **tail** (messages that arrived or were sent since). A live
message changes the tail only, so its push carries (and the browser re-renders) a few rows,
not the whole window; every `TAIL_MAX` messages the tail folds into the window. Ticks live in a
third place, a map from message id to status, so a receipt never re-sends a message row.

Everything here works on plain lists (never Reflex's proxies, whose every attribute read wraps
the row again) and returns new lists for the state to assign once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from socialhub.state.chat_rows import MessageRow
from socialhub.state.clock import Clock

WINDOW = 100
TAIL_MAX = 30
# The tail goes to the browser in chunks of this many rows, one var each (ChatTailState): a
# live message pushes its chunk, a few rows, not the whole tail.
TAIL_CHUNK = 6
TAIL_CHUNKS = -(-TAIL_MAX // TAIL_CHUNK)
# Consecutive messages of one author this close together read as one run.
GROUP_SECONDS = 5 * 60


@dataclass
class Rows:
    window: list[MessageRow]
    tail: list[MessageRow]
    # Older messages exist before the window (it was cut, or a full page was read).
    has_older: bool
    # The window is not the latest (a jump): live messages wait until the reader gets there.
    has_newer: bool = False

    def all(self) -> list[MessageRow]:
        return self.window + self.tail

    def find(self, message_id: str) -> MessageRow | None:
        return next((row for row in self.all() if message_id and row.id == message_id), None)

    def newest_seq(self) -> int:
        return max((row.seq for row in self.all()), default=0)


def _by_seq(row: MessageRow) -> tuple[bool, int]:
    return row.pending, row.seq


def upsert(rows: Rows, row: MessageRow) -> Rows | None:
    """The rows with `row` added or replaced by id (its pending twin, same client id, goes);
    None when nothing on screen changes (outside the window, or a jump away from the latest)."""
    window, tail = rows.window, rows.tail
    twin = row.mine and row.client_id and not row.pending
    if twin and any(r.pending and r.client_id == row.client_id for r in rows.all()):
        window = [r for r in window if not (r.pending and r.client_id == row.client_id)]
        tail = [r for r in tail if not (r.pending and r.client_id == row.client_id)]
    for part in (window, tail):
        for i, existing in enumerate(part):
            if existing.id and existing.id == row.id:
                replaced = [*part[:i], row, *part[i + 1 :]]
                if part is window:
                    return Rows(replaced, tail, rows.has_older, rows.has_newer)
                return Rows(window, replaced, rows.has_older, rows.has_newer)
    # Pending sends sort last, so the window's stored rows are a prefix of it.
    first = next((r.seq for r in window if not r.pending), None)
    last = next((r.seq for r in reversed(window) if not r.pending), None)
    if rows.has_newer or (first is not None and row.seq < first):
        if tail is rows.tail and window is rows.window:
            return None
        return Rows(window, tail, rows.has_older, rows.has_newer)
    if last is not None and row.seq < last:
        # Late into the window's range (a replay of something the page missed): in order.
        window = sorted([*window, row], key=_by_seq)
        return Rows(window, tail, rows.has_older, rows.has_newer)
    tail = sorted([*tail, row], key=_by_seq)
    if len(tail) > TAIL_MAX:
        return fold(Rows(window, tail, rows.has_older, rows.has_newer))
    return Rows(window, tail, rows.has_older, rows.has_newer)


def fold(rows: Rows) -> Rows:
    """The tail moved into the window, which keeps its newest WINDOW rows."""
    merged = sorted(rows.window + rows.tail, key=_by_seq)
    cut = len(merged) > WINDOW
    return Rows(merged[-WINDOW:], [], rows.has_older or cut, rows.has_newer)


def without(rows: Rows, message_id: str) -> Rows:
    return Rows(
        [r for r in rows.window if r.id != message_id],
        [r for r in rows.tail if r.id != message_id],
        rows.has_older,
        rows.has_newer,
    )


def changed(rows: Rows, message_id: str, **values: object) -> Rows | None:
    """The rows with one message's fields replaced; None if it is not on screen."""
    row = rows.find(message_id)
    if row is None:
        return None
    return upsert(rows, row.model_copy(update=values))


def mark_pending(rows: Rows, client_id: str, status: str) -> Rows:
    def mark(part: list[MessageRow]) -> list[MessageRow]:
        return [
            r.model_copy(update={"status": status, "failed": status == "failed"})
            if r.pending and r.client_id == client_id
            else r
            for r in part
        ]

    return Rows(mark(rows.window), mark(rows.tail), rows.has_older, rows.has_newer)


def arrange(rows: Rows, clock: Clock, now: datetime, unread_from: int) -> Rows:
    """The rows with their date separators ("Today", "Yesterday", a date in the viewer's zone),
    their grouping (a message continuing its author's run within GROUP_SECONDS, same day) and
    the "Unread messages" divider above the first message at or after `unread_from` (0: none).

    Only the rows whose marks change are copied; a part (window or tail) with no change is the
    same list, so the state assigns (and pushes) nothing for it."""
    first_unread = 0
    if unread_from:
        first_unread = next(
            (r.seq for r in rows.all() if not r.pending and r.seq >= unread_from), 0
        )
    labels: dict[str, str] = {}
    previous: MessageRow | None = None

    def marks(row: MessageRow) -> dict[str, object]:
        day = row.day if previous is None or previous.day != row.day else ""
        if day and day not in labels:
            labels[day] = clock.day_label(day, now)
        unread = bool(first_unread) and not row.pending and row.seq == first_unread
        grouped = (
            previous is not None
            and not day
            and not unread
            and row.kind != "system"
            and previous.kind != "system"
            and previous.author_id == row.author_id
            and previous.author_name == row.author_name  # webhooks have no author id
            and 0 <= row.at - previous.at <= GROUP_SECONDS
        )
        return {"separator": labels.get(day, ""), "grouped": grouped, "first_unread": unread}

    def arranged(part: list[MessageRow]) -> list[MessageRow]:
        nonlocal previous
        result, changed = [], False
        for row in part:
            update = marks(row)
            if any(getattr(row, name) != value for name, value in update.items()):
                row, changed = row.model_copy(update=update), True
            result.append(row)
            previous = row
        return result if changed else part

    return Rows(arranged(rows.window), arranged(rows.tail), rows.has_older, rows.has_newer)


def statuses(
    rows: Iterable[MessageRow], receipts: dict[int, tuple[int, int]], me: int, *, group: bool
) -> dict[str, str]:
    """Ticks of my stored messages: sent, delivered (to every other member), read, or, in a
    group, read by k of n. Receipts are each member's (delivered, read) positions."""
    others = [marks for user_id, marks in receipts.items() if user_id != me]
    delivered = sorted(got for got, _ in others)
    read = sorted(seen for _, seen in others)
    result: dict[str, str] = {}
    for row in rows:
        if not row.mine or row.pending or row.deleted or not row.id:
            continue
        readers = len(read) - bisect_left(read, row.seq)
        reached = len(delivered) - bisect_left(delivered, row.seq)
        if others and readers == len(others):
            result[row.id] = "read"
        elif group and readers:
            result[row.id] = f"read by {readers} of {len(others)}"
        elif others and reached == len(others):
            result[row.id] = "delivered"
        else:
            result[row.id] = "sent"
    return result
