"""What the thread reads return (not tables)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class ThreadView(SQLModel):
    id: str = Field(description="the thread's conversation id: send and read its messages there")
    server_id: str
    parent_id: str = Field(description="the channel it hangs under")
    name: str
    starter_message_id: str | None = Field(description="the parent's message it was started from")
    created_by: int | None
    message_count: int
    auto_archive_minutes: int = Field(description="60, 1440, 4320 or 10080")
    archived: bool
    archived_at: datetime | None = Field(
        description="when it was archived, by hand or by its inactivity delay"
    )
    last_activity_at: datetime
    created_at: datetime
    can_send: bool = Field(description="SEND_IN_THREADS here (sending reopens an archived one)")
    can_manage: bool = Field(
        description="its creator, or MANAGE_CHANNELS in the parent: rename, delay, archive"
    )


class ThreadList(SQLModel):
    """A channel's threads: the active ones first, then the archived ones."""

    channel_id: str
    threads: list[ThreadView]
    can_create: bool = Field(description="CREATE_THREADS in the channel")
