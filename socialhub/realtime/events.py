"""Typed events, written durably inside the transaction and pushed after it commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.db import on_commit
from socialhub.models import UserEvent, UserStream
from socialhub.models.base import utcnow
from socialhub.realtime.hub import Event, get_hub


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def topic_key(topic: str) -> str:
    return f"topic:{topic}"


def _next_positions(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Take each user's next stream position, in three statements whatever the number of users.

    The UPDATE's row locks order concurrent writers. On PostgreSQL the rows are first locked in
    user order, so two writers with overlapping recipients cannot deadlock.
    """
    members = col(UserStream.user_id).in_(user_ids)
    if session.get_bind().dialect.name != "sqlite":
        session.execute(
            select(UserStream.user_id)
            .where(members)
            .order_by(col(UserStream.user_id))
            .with_for_update()
        )
    rows = session.execute(
        sa.update(UserStream)
        .where(members)
        .values(position=col(UserStream.position) + 1)
        .returning(col(UserStream.user_id), col(UserStream.position))
        .execution_options(synchronize_session=False)
    ).all()
    positions = {int(user_id): int(position) for user_id, position in rows}
    new = [user_id for user_id in user_ids if user_id not in positions]
    if new:
        session.execute(sa.insert(UserStream), [{"user_id": u, "position": 1} for u in new])
        positions.update(dict.fromkeys(new, 1))
    return positions


def publish_on_commit(
    session: Session,
    *,
    type: str,
    op: str,
    data: dict[str, Any],
    users: Iterable[int] = (),
    topics: Iterable[str] = (),
) -> None:
    """Record an event in each recipient user's stream and push it once the transaction commits.

    `users` get a durable copy at their next stream position (a reconnecting tab replays it);
    `topics` (e.g. `profile:42`, watched by whoever has that page open) are pushed but not stored.
    """
    pushes: list[tuple[str, Event]] = []
    recipients = sorted(set(users))
    if recipients:
        positions = _next_positions(session, recipients)
        now = utcnow()
        session.execute(
            sa.insert(UserEvent),
            [
                {
                    "user_id": user_id,
                    "position": positions[user_id],
                    "type": type,
                    "op": op,
                    "payload": data,
                    "created_at": now,
                }
                for user_id in recipients
            ],
        )
        pushes.extend(
            (user_key(u), {"type": type, "op": op, "data": data, "position": positions[u]})
            for u in recipients
        )
    for topic in sorted(set(topics)):
        pushes.append((topic_key(topic), {"type": type, "op": op, "data": data}))

    def push() -> None:
        hub = get_hub()
        for key, event in pushes:
            hub.publish(key, event)

    on_commit(session, push)


def publish_ephemeral(*, type: str, op: str, data: dict[str, Any], keys: Iterable[str]) -> None:
    """Typing, presence and call signalling: pushed now, never stored."""
    hub = get_hub()
    for key in sorted(set(keys)):
        hub.publish(key, {"type": type, "op": op, "data": data})


def in_stream_order(
    batch: Iterable[tuple[str, Event]], last: int
) -> tuple[list[tuple[str, Event]], int, bool]:
    """The events of a live batch to deliver after stream position `last`, in order, the new
    last position, and whether a gap was found.

    Two transactions can commit in one order and push their events in the other, so a stored
    event may arrive before one with a lower position. Stored events past a gap are held back
    (gap True): the caller then reads the stream after the returned position from the database,
    which holds them all (an event is pushed only once it has committed, and a user's later
    position cannot commit before an earlier one: both take the lock on the user's stream row).
    Events already delivered (position <= last) are dropped; unstored ones (typing, topics) pass.
    """
    ordered: list[tuple[str, Event]] = []
    gap = False
    for key, event in batch:
        position = event.get("position")
        if position is None:
            ordered.append((key, event))
        elif position <= last:
            continue
        elif gap or position != last + 1:
            gap = True
        else:
            ordered.append((key, event))
            last = position
    return ordered, last, gap


def current_position(session: Session, user_id: int) -> int:
    stream = session.get(UserStream, user_id)
    return stream.position if stream else 0


def events_since(session: Session, user_id: int, since: int, limit: int = 500) -> list[Event]:
    rows = session.exec(
        select(UserEvent)
        .where(col(UserEvent.user_id) == user_id, col(UserEvent.position) > since)
        .order_by(col(UserEvent.position))
        .limit(limit)
    ).all()
    return [{"type": r.type, "op": r.op, "data": r.payload, "position": r.position} for r in rows]


def delivered_positions(events: list[Event], user_id: int) -> dict[str, int]:
    """Per chat, the highest message sequence among new messages others sent to `user_id`."""
    positions: dict[str, int] = {}
    for event in events:
        if (event.get("type"), event.get("op")) != ("message", "add"):
            continue
        data = event.get("data", {})
        author = data.get("author") or {}
        if author.get("id") == user_id:
            continue
        chat = str(data.get("conversation_id"))
        positions[chat] = max(positions.get(chat, 0), int(data.get("seq", 0)))
    return positions


class DeliveryAcks:
    """Coalesces one client's delivery acknowledgements: at most one flush per `interval`.

    Acknowledging every message at once would cost a write per recipient per message (n writes
    per message in a group of n); merged per chat, a busy client costs one write a second.
    """

    def __init__(self, user_id: int, interval: float = 1.0) -> None:
        self.user_id = user_id
        self.interval = interval
        self.pending: dict[str, int] = {}
        self._last_flush = 0.0

    def add(self, events: list[Event]) -> None:
        for chat, seq in delivered_positions(events, self.user_id).items():
            self.pending[chat] = max(self.pending.get(chat, 0), seq)

    def due(self, now: float) -> bool:
        return bool(self.pending) and now - self._last_flush >= self.interval

    def take(self, now: float) -> dict[str, int]:
        taken, self.pending = self.pending, {}
        self._last_flush = now
        return taken
