"""Shapes of a server's moderation: bans, timeouts, the audit log and automod."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from socialhub.models.chat import MessageView, UserBrief


class BanView(BaseModel):
    user: UserBrief
    reason: str
    banned_by: UserBrief | None = Field(description="none when that account is gone")
    created_at: datetime


class BanPage(BaseModel):
    """Newest first; pass `next_cursor` as `cursor` for the next page."""

    bans: list[BanView]
    next_cursor: str | None


class TimeoutView(BaseModel):
    user_id: int
    timeout_until: datetime | None = Field(description="none: not timed out")


class AuditEntryView(BaseModel):
    id: int
    action: str = Field(description="e.g. member_kick, member_ban, role_update, channel_create")
    actor: UserBrief | None = Field(description="who did it; none when that account is gone")
    target_type: str = Field(description="user, role, channel, server, message, automod_rule...")
    target_id: str
    target_user: UserBrief | None = Field(description="the member acted on, for target_type user")
    reason: str
    changes: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    """Newest first; pass `next_before` as `before` for the next (older) page."""

    entries: list[AuditEntryView]
    next_before: int | None


class AutomodRuleView(BaseModel):
    id: int
    kind: str = Field(description="word (whole word, any case) or pattern (a regular expression)")
    value: str
    action: str = Field(description="block (the message is refused) or flag (let through)")
    created_by: UserBrief | None
    created_at: datetime


class FlaggedPostView(BaseModel):
    """A post of a posts channel as moderators read a flag on it (no viewer's counters; the
    whole post is at /p/<id> and GET /api/v1/posts/<id>)."""

    id: str
    author: UserBrief
    body: str = Field(description="the post's text as its author wrote it (plain, not HTML)")
    created_at: datetime
    edited_at: datetime | None


class AutomodFlagView(BaseModel):
    id: int
    kind: Literal["message", "post"] = Field(
        description="what the flag names: a channel message (`message`) or a post of a posts "
        "channel (`post`); the other field is null"
    )
    rule: AutomodRuleView | None = Field(description="none when the rule was deleted since")
    channel_id: str
    channel_name: str = Field(description="the channel's name, for showing #name")
    message: MessageView | None = Field(default=None, description="with kind `message`")
    post: FlaggedPostView | None = Field(default=None, description="with kind `post`")
    created_at: datetime
    resolved_at: datetime | None


class AutomodFlagPage(BaseModel):
    """Newest first; pass `next_before` as `before` for the next (older) page."""

    flags: list[AutomodFlagView]
    next_before: int | None
