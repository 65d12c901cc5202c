"""What the channel, category, pin, notification-level and badge reads return (not tables)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from socialhub.models.chat import MessageView, UserBrief


class CategoryView(SQLModel):
    id: str
    server_id: str
    name: str
    position: int
    can_manage: bool = Field(description="you may rename, reorder or delete it")


class ChannelView(SQLModel):
    id: str
    server_id: str
    name: str
    channel_type: str = Field(description="text, announcement or posts")
    category_id: str | None
    position: int = Field(description="its place within its category (or among the uncategorised)")
    topic: str
    slow_mode_seconds: int
    synced: bool = Field(description="its permissions follow its category's")
    can_send: bool
    can_manage: bool = Field(description="MANAGE_CHANNELS here: rename, topic, slow mode, delete")
    can_manage_messages: bool = Field(description="MANAGE_MESSAGES here: pin, delete any message")


class ChannelList(SQLModel):
    """The sidebar: the uncategorised channels first, then each category with its channels, in
    order; only what the caller may view (and empty categories to those who manage channels)."""

    categories: list[CategoryView]
    channels: list[ChannelView]
    can_manage_channels: bool = Field(description="MANAGE_CHANNELS server-wide")


class PinView(SQLModel):
    message: MessageView
    pinned_by: UserBrief | None
    pinned_at: datetime


class NotificationLevelView(SQLModel):
    server_id: str
    channel_id: str | None = Field(description="None: the server's own setting")
    level: str | None = Field(
        description="all, mentions or nothing; None on a channel: as the server"
    )
    muted: bool = Field(description="muted now (a timed mute that ended is not)")
    muted_until: datetime | None = Field(description="when a timed mute ends; None: until unmuted")


class ServerNotifications(SQLModel):
    server: NotificationLevelView
    channels: list[NotificationLevelView] = Field(
        description="the channels with a setting of their own"
    )


class ChannelBadge(SQLModel):
    channel_id: str
    unread: bool = Field(description="new messages (the bold name); never for a muted channel")
    mentions: int = Field(description="unread messages mentioning you (0 at level nothing)")
    muted: bool
    level: str = Field(description="the level in effect: all, mentions or nothing")


class ServerBadge(SQLModel):
    server_id: str
    unread: bool = Field(
        description="the rail's dot: a channel at level all with news, or any unread mention; "
        "never while the server is muted"
    )
    mentions: int
    muted: bool
    channels: list[ChannelBadge]
