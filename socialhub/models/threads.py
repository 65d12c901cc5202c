"""Threads: a server conversation of its own (`conversations`, channel_type "thread") under a
parent channel, optionally started from one of its messages, archived after a chosen
inactivity."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import utc_column, utcnow

# A thread's `Conversation.channel_type`.
THREAD_TYPE = "thread"
# Discord's auto-archive choices, in minutes: 1 hour, 24 hours, 3 days, 1 week.
ARCHIVE_MINUTES = (60, 1440, 4320, 10080)
DEFAULT_ARCHIVE_MINUTES = 1440


class Thread(SQLModel, table=True):
    __tablename__ = "threads"
    __table_args__ = (sa.Index("ix_threads_parent", "parent_id"),)

    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    parent_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE", max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", index=True, max_length=32)
    # The parent channel's message it was started from (one thread per message).
    starter_message_id: str | None = Field(
        default=None, foreign_key="messages.id", ondelete="SET NULL", unique=True, max_length=32
    )
    auto_archive_minutes: int = Field(default=DEFAULT_ARCHIVE_MINUTES)
    # Set by an explicit archive; inactivity archives without a write (see domain/threads.py).
    archived_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ThreadSummary(SQLModel):
    """What a starter message and the sidebar show of a thread."""

    id: str
    name: str
    message_count: int
    archived: bool
