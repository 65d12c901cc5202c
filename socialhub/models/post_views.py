"""How posts are shown: everything a post card needs, for one viewer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from socialhub.models.chat import UserBrief
from socialhub.models.poll_views import PollView


class PictureView(BaseModel):
    url: str  # fitted in 640 px: the feed
    full_url: str  # fitted in 1600 px: opened
    width: int
    height: int


class PostView(BaseModel):
    id: str
    author: UserBrief
    body: str
    html: str  # sanitised: markdown subset, @mention and #hashtag links
    visibility: str
    images: list[PictureView]
    created_at: datetime
    edited: bool
    like_count: int
    comment_count: int
    repost_count: int
    liked_by_me: bool
    reposted_by_me: bool
    is_mine: bool
    poll: PollView | None = None
    # A repost shows the original; a quote post embeds it. None when the viewer may not see it.
    repost_of: PostView | None = None
    quote_of: PostView | None = None
    quote_unavailable: bool = False


class FeedPage(BaseModel):
    """Newest first; pass `next_cursor` as `before` for the next page."""

    posts: list[PostView]
    next_cursor: str | None
