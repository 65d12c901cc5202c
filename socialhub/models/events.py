"""The durable event log behind realtime delivery: one global stream ordering, two kinds of row.

Conversation events (messages, reactions, receipts, membership changes of a DM or group) are
stored ONCE, whatever the number of members; user events (your settings, sessions, follows,
chat-list changes) are stored per user. Both take their positions from the one counter row
`event_streams`, so "everything since my token" is one ordered read over both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import utc_column, utcnow

MAIN_STREAM = "main"


class EventStream(SQLModel, table=True):
    """The last position handed out. Positions are taken just before COMMIT under this row's
    lock, so they commit in order: once position N is visible, so is every position below it."""

    __tablename__ = "event_streams"

    name: str = Field(primary_key=True, max_length=16)
    position: int = Field(default=0)


class ConversationEvent(SQLModel, table=True):
    __tablename__ = "conversation_events"
    __table_args__ = (
        sa.Index("ix_conversation_events_conversation", "conversation_id", "position"),
        sa.Index("ix_conversation_events_message", "message_id"),
    )

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    # The process that published it: a client's token records how far it has heard each one.
    writer: int
    conversation_id: str = Field(max_length=32)
    # The message the event is about, so an edit or delete can redact what came before.
    message_id: str | None = Field(default=None, max_length=32)
    type: str = Field(max_length=32)
    op: str = Field(max_length=32)
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))


class UserEvent(SQLModel, table=True):
    __tablename__ = "user_events"
    __table_args__ = (sa.Index("ix_user_events_user", "user_id", "position"),)

    position: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    writer: int
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    type: str = Field(max_length=32)
    op: str = Field(max_length=32)
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
