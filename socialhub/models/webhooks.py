"""Webhooks of server channels: incoming (a secret URL that posts into a channel) and outgoing
(a channel's new messages POSTed, signed, to a receiver's URL), with the queue of deliveries.

An incoming webhook's secret is not stored: its URL token is an HMAC of the webhook's id and
`token_salt` (regenerating the URL draws a new salt, so the old URL stops working at once).
An outgoing webhook's `secret` is stored: it signs every delivery, and the receiver holds it too.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class IncomingWebhook(SQLModel, table=True):
    __tablename__ = "incoming_webhooks"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", index=True, max_length=32)
    channel_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=80)
    token_salt: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class OutgoingWebhook(SQLModel, table=True):
    """One per channel: where its new messages go, and how the deliveries fare."""

    __tablename__ = "outgoing_webhooks"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", index=True, max_length=32)
    channel_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", unique=True, max_length=32
    )
    url: str = Field(max_length=2048)
    secret: str = Field(max_length=64)
    enabled: bool = Field(default=True)
    consecutive_failures: int = Field(default=0)
    disabled_reason: str = Field(default="", max_length=500)
    last_error: str = Field(default="", max_length=500)
    last_failure_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class DeliveryStatus(StrEnum):
    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDelivery(SQLModel, table=True):
    """One message to POST to one outgoing webhook: the body as it will be signed and sent,
    and its attempts (the row is the job's durable queue entry)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    webhook_id: str = Field(
        foreign_key="outgoing_webhooks.id", ondelete="CASCADE", index=True, max_length=32
    )
    message_id: str = Field(max_length=32)
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    status: str = Field(default=DeliveryStatus.pending.value, max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class IncomingWebhookView(SQLModel):
    id: str
    server_id: str
    channel_id: str
    channel_name: str
    name: str
    # The secret URL: whoever holds it may post into the channel.
    url: str
    created_by: int | None
    created_at: datetime
    last_used_at: datetime | None


class OutgoingWebhookView(SQLModel):
    id: str
    server_id: str
    channel_id: str
    channel_name: str
    url: str
    # Signs every delivery (HMAC-SHA256); the receiver checks with it.
    secret: str
    enabled: bool
    consecutive_failures: int
    disabled_reason: str
    last_error: str
    last_failure_at: datetime | None
    last_success_at: datetime | None
    created_at: datetime
