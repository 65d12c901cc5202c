"""Typed events, written durably inside the transaction and pushed after it commits.

Conversation events are stored once per conversation, user events once per user; both take
positions in ONE global ordering (`event_streams`). Positions are taken in the transaction's last
step, just before COMMIT, under the counter row's lock, so positions commit in order. Each
process pushes its own events in position order (`_Sequencer`), and a client's `StreamToken`
records how far it has heard each publishing process: that makes "everything after my token"
exact even while several processes publish at once.
"""

from __future__ import annotations

import heapq
import itertools
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from socialhub.db import before_commit, on_commit, on_rollback, upsert
from socialhub.models import ConversationEvent, ConversationMember, EventStream, UserEvent
from socialhub.models.base import utcnow
from socialhub.models.events import MAIN_STREAM
from socialhub.realtime.hub import TOPIC_PREFIX, Event, get_hub

_PENDING = "socialhub_pending_events"
_MARKS = "socialhub_membership_marks"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def conversation_key(conversation_id: str) -> str:
    return f"conv:{conversation_id}"


def topic_key(topic: str) -> str:
    return TOPIC_PREFIX + topic


# Writers ------------------------------------------------------------------------------------------

_writer: tuple[int, int] | None = None


def writer_id() -> int:
    """This process's id among the publishers (new after a fork: workers are forked)."""
    global _writer
    pid = os.getpid()
    if _writer is None or _writer[0] != pid:
        _writer = (pid, secrets.randbelow(2**31 - 2) + 1)
    return _writer[1]


class _Sequencer:
    """Pushes this process's stored events in position order.

    Transactions commit in position order, but their after-commit callbacks run in their own
    threads and may be scheduled in any order; a batch waits until every batch with a lower
    first position allocated here has committed or rolled back.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[int] = set()
        self._ready: list[tuple[int, int, list[tuple[str, Event]]]] = []
        self._tie = itertools.count()

    def allocated(self, first: int) -> None:
        with self._lock:
            self._pending.add(first)

    def committed(self, first: int, pushes: list[tuple[str, Event]]) -> None:
        with self._lock:
            self._pending.discard(first)
            heapq.heappush(self._ready, (first, next(self._tie), pushes))
            self._drain()

    def abandoned(self, first: int) -> None:
        with self._lock:
            self._pending.discard(first)
            self._drain()

    def _drain(self) -> None:
        lowest = min(self._pending, default=None)
        batch: list[tuple[str, Event]] = []
        while self._ready and (lowest is None or self._ready[0][0] < lowest):
            batch.extend(heapq.heappop(self._ready)[2])
        if batch:
            get_hub().publish_many(batch)


_sequencer = _Sequencer()


# Publishing ---------------------------------------------------------------------------------------


@dataclass
class _Pending:
    type: str
    op: str
    data: dict[str, Any]
    conversation_id: str | None = None
    user_id: int | None = None
    message_id: str | None = None


@dataclass
class _Mark:
    conversation_id: str
    user_id: int
    joined: bool


def publish_on_commit(
    session: Session,
    *,
    type: str,
    op: str,
    data: dict[str, Any],
    users: Iterable[int] = (),
    conversation: str | None = None,
    message_id: str | None = None,
    topics: Iterable[str] = (),
) -> None:
    """Record an event and push it once the transaction commits.

    `conversation`: stored once, for the conversation's members (who they are is decided when
    the stream is read, from membership); `users`: a copy in each user's own stream (things
    about that user: their chat list, sessions, follows); `topics` (e.g. `profile:42`, watched by
    whoever has that page open) are pushed but not stored.
    """
    pending: list[_Pending] = session.info.setdefault(_PENDING, [])
    if not pending and not session.info.get(_MARKS):
        before_commit(session, _allocate)
    if conversation is not None:
        pending.append(
            _Pending(type, op, data, conversation_id=conversation, message_id=message_id)
        )
    pending.extend(_Pending(type, op, data, user_id=u) for u in sorted(set(users)))
    unstored = [(topic_key(t), {"type": type, "op": op, "data": data}) for t in sorted(set(topics))]
    if unstored:
        on_commit(session, lambda: get_hub().publish_many(unstored))


def mark_membership(session: Session, conversation_id: str, user_id: int, *, joined: bool) -> None:
    """Record where a membership starts or ends in the stream (set when positions are taken).

    A member replays the conversation's events after the join and up to the removal (the
    removal's own events included, so they hear that they were removed)."""
    if not session.info.get(_PENDING) and not session.info.get(_MARKS):
        before_commit(session, _allocate)
    session.info.setdefault(_MARKS, []).append(_Mark(conversation_id, user_id, joined))


def redact_message_events(session: Session, message_id: str, stub: dict[str, Any]) -> None:
    """Replace what the log holds about a message (its text, earlier versions) by `stub`: after
    an edit or a delete nothing a client can replay shows the old text."""
    session.execute(
        sa.update(ConversationEvent)
        .where(col(ConversationEvent.message_id) == message_id)
        .values(payload={**stub, "redacted": True})
    )


def _take_positions(session: Session, count: int) -> int:
    """Reserve `count` positions; the last one. The row lock is held until COMMIT.

    An upsert, so a database whose counter row is missing (emptied by hand) still counts from
    one without two first writers colliding."""
    table = EventStream.__table__  # type: ignore[attr-defined]
    statement = upsert(session, table).values(name=MAIN_STREAM, position=count)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.name], set_={"position": table.c.position + count}
    ).returning(table.c.position)
    return int(session.execute(statement).scalar_one())


def _allocate(session: Session) -> None:
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    marks: list[_Mark] = session.info.pop(_MARKS, [])
    if not pending and not marks:
        return
    last = _take_positions(session, len(pending))
    first = last - len(pending) + 1
    writer, now = writer_id(), utcnow()
    conversation_rows: list[dict[str, Any]] = []
    user_rows: list[dict[str, Any]] = []
    pushes: list[tuple[str, Event]] = []
    for position, item in zip(range(first, last + 1), pending, strict=True):
        event: Event = {
            "type": item.type,
            "op": item.op,
            "data": item.data,
            "position": position,
            "writer": writer,
        }
        row = {
            "position": position,
            "writer": writer,
            "type": item.type,
            "op": item.op,
            "payload": item.data,
            "created_at": now,
        }
        if item.conversation_id is not None:
            conversation_rows.append(
                {**row, "conversation_id": item.conversation_id, "message_id": item.message_id}
            )
            pushes.append((conversation_key(item.conversation_id), event))
        else:
            assert item.user_id is not None
            user_rows.append({**row, "user_id": item.user_id})
            pushes.append((user_key(item.user_id), event))
    if conversation_rows:
        session.execute(sa.insert(ConversationEvent), conversation_rows)
    if user_rows:
        session.execute(sa.insert(UserEvent), user_rows)
    for mark in marks:
        member = (
            col(ConversationMember.conversation_id) == mark.conversation_id,
            col(ConversationMember.user_id) == mark.user_id,
        )
        values = (
            {"joined_position": first - 1, "left_position": None}
            if mark.joined
            else {"left_position": last}
        )
        session.execute(sa.update(ConversationMember).where(*member).values(**values))
    if not pushes:
        return
    _sequencer.allocated(first)
    on_commit(session, lambda: _sequencer.committed(first, pushes))
    on_rollback(session, lambda: _sequencer.abandoned(first))


def publish_ephemeral(*, type: str, op: str, data: dict[str, Any], keys: Iterable[str]) -> None:
    """Typing, presence and call signalling: pushed now, never stored."""
    event: Event = {"type": type, "op": op, "data": data}
    get_hub().publish_many([(key, event) for key in sorted(set(keys))])


# Tokens and reading -------------------------------------------------------------------------------

_TOKEN = re.compile(r"^s(\d{1,18})((?:~\d{1,10}\.\d{1,18})*)$")


@dataclass(frozen=True)
class StreamToken:
    """Where a client is: every event of its streams up to `floor` was delivered, and for each
    publishing process (writer) the ones up to its entry. Opaque to clients: `s120~77.131`."""

    floor: int = 0
    writers: tuple[tuple[int, int], ...] = field(default=())

    def __str__(self) -> str:
        return f"s{self.floor}" + "".join(f"~{w}.{p}" for w, p in self.writers)

    @classmethod
    def parse(cls, raw: str) -> StreamToken | None:
        """The token, `StreamToken()` for an empty one or "0" (from the start), None if invalid."""
        raw = (raw or "").strip()
        if raw in ("", "0"):
            return cls()
        match = _TOKEN.match(raw)
        if match is None:
            return None
        floor = int(match.group(1))
        writers = tuple(
            (int(w), int(p))
            for w, p in (part.split(".") for part in match.group(2).split("~")[1:])
            if int(p) > floor
        )
        return cls(floor, tuple(sorted(writers)))

    def covers(self, event: Event) -> bool:
        """Whether `event` (stored: it has a position) was already delivered."""
        position = int(event["position"])
        if position <= self.floor:
            return True
        return position <= dict(self.writers).get(int(event.get("writer", 0)), 0)

    def after(self, event: Event) -> StreamToken:
        """The token once `event`, live from its writer, has been delivered."""
        position, writer = int(event["position"]), int(event.get("writer", 0))
        entries = dict(self.writers)
        if position > entries.get(writer, 0):
            entries[writer] = position
        return StreamToken(self.floor, tuple(sorted(entries.items())))

    def at_least(self, floor: int) -> StreamToken:
        """Everything up to `floor` is now delivered (a read up to there has been replayed)."""
        if floor <= self.floor:
            return self
        return StreamToken(floor, tuple((w, p) for w, p in self.writers if p > floor))


def head(session: Session) -> int:
    """The highest committed position: every position up to it has committed too."""
    value = session.execute(
        sa.select(col(EventStream.position)).where(col(EventStream.name) == MAIN_STREAM)
    ).scalar_one_or_none()
    return int(value or 0)


def _unseen(position: Any, writer: Any, token: StreamToken) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [position > token.floor]
    conditions += [sa.not_(sa.and_(writer == w, position <= p)) for w, p in token.writers]
    return conditions


def _as_event(row: Any) -> Event:
    return {
        "type": row.type,
        "op": row.op,
        "data": row.payload,
        "position": int(row.position),
        "writer": int(row.writer),
    }


# Streams a user follows beyond their memberships (a server's own stream and the channels they
# may view): registered by the domain, which owns the permission rules. Each maps a stream
# (conversation id) to the position the user's access to it starts after.
StreamSource = Callable[[Session, int], dict[str, int]]
_sources: list[StreamSource] = []


def register_stream_source(source: StreamSource) -> None:
    if source not in _sources:
        _sources.append(source)


def extra_streams(session: Session, user_id: int) -> dict[str, int]:
    spans: dict[str, int] = {}
    for source in _sources:
        spans.update(source(session, user_id))
    return spans


def _extra_rows(
    session: Session, spans: dict[str, int], token: StreamToken, *, upto: int, limit: int
) -> list[Any]:
    """The stored events of the streams in `spans`, each after its own start."""
    if not spans:
        return []
    ce = ConversationEvent
    rows = session.execute(
        sa.select(
            col(ce.position),
            col(ce.writer),
            col(ce.type),
            col(ce.op),
            col(ce.payload),
            col(ce.conversation_id),
        )
        .where(
            col(ce.conversation_id).in_(list(spans)),
            col(ce.position) > min(spans.values()),
            col(ce.position) <= upto,
            *_unseen(col(ce.position), col(ce.writer), token),
        )
        .order_by(col(ce.position))
        .limit(limit + 1)
    ).all()
    return [r for r in rows if int(r.position) > spans[str(r.conversation_id)]]


def read_stream(
    session: Session,
    user_id: int,
    token: StreamToken,
    *,
    upto: int,
    limit: int,
    conversations: Sequence[str] | None = None,
) -> list[Event]:
    """The events of `user_id`'s streams after `token`, up to position `upto`, in order: their
    own user events and the events of the conversations they belong to, within each
    membership's span (nothing of a conversation from after they left it). At most `limit`+1,
    so the caller knows whether there is more. `conversations`: only these, no user events."""
    ce, cm, ue = ConversationEvent, ConversationMember, UserEvent
    columns = (col(ce.position), col(ce.writer), col(ce.type), col(ce.op), col(ce.payload))
    member_span = sa.and_(
        col(cm.conversation_id) == col(ce.conversation_id),
        col(cm.user_id) == user_id,
        col(ce.position) > col(cm.joined_position),
        sa.or_(col(cm.left_position).is_(None), col(ce.position) <= col(cm.left_position)),
    )
    query = (
        sa.select(*columns)
        .join(cm, member_span)
        .where(col(ce.position) <= upto, *_unseen(col(ce.position), col(ce.writer), token))
        .order_by(col(ce.position))
        .limit(limit + 1)
    )
    spans = extra_streams(session, user_id)
    if conversations is not None:
        query = query.where(col(ce.conversation_id).in_(conversations))
        spans = {c: p for c, p in spans.items() if c in conversations}
    rows = list(session.execute(query).all())
    rows += _extra_rows(session, spans, token, upto=upto, limit=limit)
    if conversations is None:
        rows += session.execute(
            sa.select(col(ue.position), col(ue.writer), col(ue.type), col(ue.op), col(ue.payload))
            .where(
                col(ue.user_id) == user_id,
                col(ue.position) <= upto,
                *_unseen(col(ue.position), col(ue.writer), token),
            )
            .order_by(col(ue.position))
            .limit(limit + 1)
        ).all()
    rows.sort(key=lambda r: int(r.position))
    return [_as_event(row) for row in rows[: limit + 1]]


def member_conversations(session: Session, user_id: int) -> list[str]:
    """The conversations whose events a user's live streams subscribe to (their chats, and
    their servers' streams and the channels they may view)."""
    chats = [
        str(c)
        for c in session.execute(
            sa.select(col(ConversationMember.conversation_id)).where(
                col(ConversationMember.user_id) == user_id,
                col(ConversationMember.left_at).is_(None),
            )
        ).scalars()
    ]
    return chats + [c for c in extra_streams(session, user_id) if c not in chats]


def delivered_positions(events: list[Event], user_id: int) -> dict[str, int]:
    """Per chat, the highest message sequence among new messages others sent to `user_id`."""
    positions: dict[str, int] = {}
    for event in events:
        if (event.get("type"), event.get("op")) != ("message", "add"):
            continue
        data = event.get("data", {})
        if data.get("redacted"):
            continue
        author = data.get("author") or {}
        if author.get("id") == user_id:
            continue
        chat = str(data.get("conversation_id"))
        positions[chat] = max(positions.get(chat, 0), int(data.get("seq", 0)))
    return positions
