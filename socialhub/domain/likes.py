"""Likes on posts, with live counts.

A like or unlike is pushed on topic "post:<id>" (type "post", op "counts"); a new like is stored
for the post's author (type "like", op "add", data {"post_id", "user": brief}), except on your
own post. In a posts channel, liking needs ADD_REACTIONS there, and the author is told only while
they may view the channel.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain.chats import user_brief
from socialhub.domain.pagination import newest_people
from socialhub.domain.permissions import Permission
from socialhub.domain.post_access import access_post, post_audience, require_in_channel
from socialhub.domain.posts import publish_counts
from socialhub.models import Post, PostLike, User
from socialhub.models.graph_views import PersonPage
from socialhub.realtime.events import publish_on_commit

PAGE_MAX = 100


def _count(session: Session, post_id: str, delta: int) -> None:
    session.execute(
        sa.update(Post)
        .where(col(Post.id) == post_id)
        .values(like_count=col(Post.like_count) + delta)
    )
    publish_counts(session, post_id)


def check_like(session: Session, actor: User, post_id: str) -> Post:
    """Like a post you may see (again: no change)."""
    assert actor.id is not None
    post = access_post(session, actor, post_id)
    require_in_channel(session, actor, post, Permission.ADD_REACTIONS)
    if session.get(PostLike, (post.id, actor.id)) is None:
        session.add(PostLike(post_id=post.id, user_id=actor.id))
        session.flush()
        _count(session, post.id, +1)
        if post.author_id != actor.id:
            publish_on_commit(
                session,
                type="like",
                op="add",
                data={"post_id": post.id, "user": user_brief(actor).model_dump(mode="json")},
                users=post_audience(session, post, [post.author_id]),
            )
    return post


def check_unlike(session: Session, actor: User, post_id: str) -> Post:
    """Take a like back (when there is none: no change)."""
    assert actor.id is not None
    post = access_post(session, actor, post_id)
    like = session.get(PostLike, (post.id, actor.id))
    if like is not None:
        session.delete(like)
        session.flush()
        _count(session, post.id, -1)
    return post


def list_likers(
    session: Session, viewer: User, post_id: str, *, cursor: str | None = None, limit: int = 50
) -> PersonPage:
    """Who liked the post, most recent first (cursor: the last user id of the previous page)."""
    post = access_post(session, viewer, post_id)
    limit = max(1, min(limit, PAGE_MAX))
    query = (
        select(User, PostLike.created_at)
        .join(PostLike, col(PostLike.user_id) == col(User.id))
        .where(col(PostLike.post_id) == post.id, col(User.suspended_at).is_(None))
    )
    page, next_cursor = newest_people(
        session, query, col(PostLike.created_at), cursor=cursor, limit=limit
    )
    return PersonPage(people=[user_brief(user) for user, _ in page], next_cursor=next_cursor)
