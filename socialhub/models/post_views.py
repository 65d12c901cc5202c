"""How posts are shown: everything a post card needs, for one viewer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from socialhub.models.chat import UserBrief
from socialhub.models.link_previews import LinkPreviewView
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
    channel_id: str | None = Field(
        default=None, description="the server's posts channel it is in (None: the social feeds)"
    )
    images: list[PictureView]
    created_at: datetime
    edited: bool
    edited_at: datetime | None = None
    like_count: int
    comment_count: int
    repost_count: int
    liked_by_me: bool
    reposted_by_me: bool
    is_mine: bool
    has_poll: bool = False
    poll: PollView | None = Field(default=None, description="results, when the post has a poll")
    # A repost shows the original (a repost's own body is empty); a quote post embeds it.
    repost_of: PostView | None = None
    quote_of: PostView | None = None
    quote_unavailable: bool = Field(
        default=False, description="a quote of a post this viewer may not see: show a marker"
    )
    preview: LinkPreviewView | None = Field(
        default=None, description="the card of the post's first link, once fetched"
    )


class PostContent(BaseModel):
    """What an edit changes, the same for every viewer (no viewer flags): live "edit" events."""

    id: str
    body: str
    html: str
    visibility: str
    edited: bool
    edited_at: datetime | None


class PostUpdate(BaseModel):
    """An edit by the author: give either field or both."""

    body: str | None = Field(default=None, description="new text (max 5,000 characters)")
    visibility: str | None = Field(default=None, description="public or followers")


class NewPostsCount(BaseModel):
    count: int = Field(description="home posts by others above the given one (51 means 50+)")


class FeedPage(BaseModel):
    """Newest first; pass `next_cursor` as `before` for the next page. A page may hold fewer than
    `limit` posts (reposts of posts you may not see are left out) and still have a next page."""

    posts: list[PostView]
    next_cursor: str | None
