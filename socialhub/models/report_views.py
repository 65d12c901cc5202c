"""Shapes of reports (the moderation queue) and of trending hashtags."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from socialhub.models.chat import UserBrief
from socialhub.models.social import ReportTarget


class ReportReason(StrEnum):
    spam = "spam"
    harassment = "harassment"
    hate = "hate"
    violence = "violence"
    nudity = "nudity"
    misinformation = "misinformation"
    other = "other"


class ReportView(BaseModel):
    """A report as the moderation queue shows it."""

    id: str
    reporter: UserBrief
    target_kind: ReportTarget
    target_id: str = Field(description="the post or comment id, or the user's id")
    target_user: UserBrief | None = Field(description="the reported user, or the content's author")
    target_excerpt: str = Field(description="the start of the post or comment, as it is now")
    target_gone: bool = Field(description="the reported content or account no longer exists")
    reason: ReportReason
    details: str
    status: str
    created_at: datetime


class ReportPage(BaseModel):
    """Oldest first; pass `next_cursor` as `after` for the next page."""

    reports: list[ReportView]
    next_cursor: str | None


class TrendingTag(BaseModel):
    tag: str = Field(description="lower-case, without the #")
    rank: int = Field(description="1 for the top tag")
    score: float = Field(description="distinct authors, each weighed by how recent their use is")
    authors: int = Field(description="distinct authors over the last 24 hours")
    refreshed_at: datetime
