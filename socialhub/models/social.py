"""The social side: the follow and friend graph, posts, likes, comments, polls, stories, trending
hashtags and reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class PostVisibility(StrEnum):
    public = "public"
    followers = "followers"


class StoryKind(StrEnum):
    text = "text"
    image = "image"


class ReportTarget(StrEnum):
    post = "post"
    comment = "comment"
    user = "user"


class ReportStatus(StrEnum):
    open = "open"
    resolved = "resolved"
    dismissed = "dismissed"


# The graph ---------------------------------------------------------------------------------------


class Follow(SQLModel, table=True):
    """`follower_id` follows `followee_id` (one-way, like X)."""

    __tablename__ = "follows"
    __table_args__ = (sa.Index("ix_follows_followee", "followee_id", "created_at"),)

    follower_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    followee_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class FriendRequest(SQLModel, table=True):
    """A pending friend request; accepting it makes a Friendship, every answer removes it."""

    __tablename__ = "friend_requests"
    __table_args__ = (sa.Index("ix_friend_requests_to", "to_id", "created_at"),)

    from_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    to_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Friendship(SQLModel, table=True):
    """Stored in both directions, so "my friends" is one indexed range."""

    __tablename__ = "friendships"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    friend_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


# Posts -------------------------------------------------------------------------------------------


class Post(SQLModel, table=True):
    """A post, a repost (`repost_of_id`, no body) or a quote post (`quote_of_id` and a body).

    Ids are UUIDv7: ordering by id is ordering by creation time, so feeds page by id alone.
    """

    __tablename__ = "posts"
    __table_args__ = (
        sa.Index("ix_posts_author_id", "author_id", "id"),
        sa.Index("ix_posts_visibility_id", "visibility", "id"),
        # A posts channel's feed, newest first by id.
        sa.Index("ix_posts_channel_id", "channel_id", "id"),
        # One repost of a post per user.
        sa.Index(
            "uq_posts_reposter",
            "author_id",
            "repost_of_id",
            unique=True,
            sqlite_where=sa.text("repost_of_id IS NOT NULL"),
            postgresql_where=sa.text("repost_of_id IS NOT NULL"),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    author_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    body: str = Field(default="", max_length=5000)
    visibility: str = Field(default=PostVisibility.public.value, max_length=16)
    # Up to 4 images: [{"key": media key, "width": .., "height": ..}], stored by the media pipeline.
    images: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    repost_of_id: str | None = Field(
        default=None, foreign_key="posts.id", ondelete="CASCADE", max_length=32
    )
    # No foreign key: a quote outlives the post it quotes, and then shows it as unavailable.
    quote_of_id: str | None = Field(default=None, max_length=32)
    has_poll: bool = Field(default=False)
    # A post in a server's posts channel: seen only by who may view that channel, never in
    # profiles, home, explore, hashtags or trending.
    channel_id: str | None = Field(
        default=None, foreign_key="conversations.id", ondelete="CASCADE", max_length=32
    )
    # Counters kept by the domain in the same transaction as the rows they count.
    like_count: int = Field(default=0)
    comment_count: int = Field(default=0)
    repost_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    edited_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PostHashtag(SQLModel, table=True):
    """A hashtag used by a post (lower-cased), for hashtag pages and trending."""

    __tablename__ = "post_hashtags"
    __table_args__ = (sa.Index("ix_post_hashtags_created", "created_at"),)

    tag: str = Field(primary_key=True, max_length=100)
    post_id: str = Field(
        foreign_key="posts.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    author_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class PostLike(SQLModel, table=True):
    __tablename__ = "post_likes"

    post_id: str = Field(
        foreign_key="posts.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Comment(SQLModel, table=True):
    """A comment on a post, or a reply to a top-level comment (`parent_id`; one level only)."""

    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_post", "post_id", "id"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    post_id: str = Field(foreign_key="posts.id", ondelete="CASCADE", max_length=32)
    author_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    parent_id: str | None = Field(
        default=None, foreign_key="comments.id", ondelete="CASCADE", max_length=32
    )
    body: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    edited_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


# Polls -------------------------------------------------------------------------------------------


class Poll(SQLModel, table=True):
    __tablename__ = "polls"

    post_id: str = Field(
        foreign_key="posts.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    multiple: bool = Field(default=False)
    closes_at: datetime = Field(sa_column=utc_column())


class PollOption(SQLModel, table=True):
    __tablename__ = "poll_options"
    __table_args__ = (sa.UniqueConstraint("post_id", "position", name="uq_poll_options_position"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: str = Field(foreign_key="polls.post_id", ondelete="CASCADE", max_length=32)
    position: int
    text: str = Field(max_length=100)
    votes: int = Field(default=0)


class PollVote(SQLModel, table=True):
    """A user's ballot is their rows for one poll: one row, or several for multiple choice."""

    __tablename__ = "poll_votes"
    __table_args__ = (sa.Index("ix_poll_votes_user", "post_id", "user_id"),)

    option_id: int = Field(foreign_key="poll_options.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    post_id: str = Field(foreign_key="polls.post_id", ondelete="CASCADE", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


# Stories -----------------------------------------------------------------------------------------


class Story(SQLModel, table=True):
    """Seen by followers until `expires_at`; the expiry job deletes it (and its image)."""

    __tablename__ = "stories"
    __table_args__ = (sa.Index("ix_stories_author", "author_id", "expires_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    author_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    body: str = Field(default="", max_length=500)
    background: str = Field(default="", max_length=16)
    image: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column(index=True))


class StoryView(SQLModel, table=True):
    __tablename__ = "story_views"

    story_id: str = Field(
        foreign_key="stories.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    viewer_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    viewed_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


# Trending and reports ----------------------------------------------------------------------------


class TrendingHashtag(SQLModel, table=True):
    """The latest ranking, rewritten by the periodic trending job."""

    __tablename__ = "trending_hashtags"

    tag: str = Field(primary_key=True, max_length=100)
    rank: int
    score: float
    authors: int
    refreshed_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Report(SQLModel, table=True):
    """A report of a post, comment or user, waiting in the moderation queue."""

    __tablename__ = "reports"
    __table_args__ = (sa.Index("ix_reports_status", "status", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    reporter_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    target_kind: str = Field(max_length=16)
    target_id: str = Field(max_length=32)
    reason: str = Field(max_length=32)
    details: str = Field(default="", max_length=1000)
    status: str = Field(default=ReportStatus.open.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
