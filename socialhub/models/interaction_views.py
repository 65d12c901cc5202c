"""Comments and likers as shown to one viewer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from socialhub.models.chat import UserBrief


class CommentView(BaseModel):
    id: str
    post_id: str
    parent_id: str | None
    author: UserBrief
    body: str
    html: str
    created_at: datetime
    edited: bool
    can_edit: bool
    can_delete: bool
    reply_count: int = 0
    replies: list[CommentView] = []  # the first few, oldest first (top-level comments only)


class CommentPage(BaseModel):
    """Oldest first; pass `next_cursor` as `after` for the next page."""

    comments: list[CommentView]
    next_cursor: str | None
