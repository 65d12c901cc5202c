"""The durable per-user event stream behind realtime delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import utc_column, utcnow


class UserStream(SQLModel, table=True):
    """The last position handed out in a user's stream; the row lock serialises writers."""

    __tablename__ = "user_streams"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(default=0)


class UserEvent(SQLModel, table=True):
    __tablename__ = "user_events"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(primary_key=True)
    type: str = Field(max_length=32)
    op: str = Field(max_length=32)
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))
