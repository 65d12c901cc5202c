"""Feeds: home (people you follow, and you), a profile's timeline, explore and hashtag pages.

Newest first, paged by post id (UUIDv7, so id order is time order): `before` gives older posts
(pass the page's `next_cursor`), `after` newer ones (what arrived above the top: the "N new
posts" pill). Posts by suspended authors and by anyone blocked either way are left out, and so
are reposts of posts the viewer may not see.
"""

from __future__ import annotations

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from socialhub.domain import blocks
from socialhub.domain.pagination import id_cursor
from socialhub.domain.posts import post_views
from socialhub.domain.users import access_user
from socialhub.models import Block, Follow, Post, PostHashtag, PostVisibility, User
from socialhub.models.post_views import FeedPage

PAGE_MAX = 50
NEW_COUNT_MAX = PAGE_MAX + 1


def _visible_authors(query: SelectOfScalar[Post], viewer: User) -> SelectOfScalar[Post]:
    """Leave out suspended authors and anyone the viewer blocks or is blocked by."""
    blocked = select(Block.blocked_id).where(col(Block.blocker_id) == viewer.id)
    blockers = select(Block.blocker_id).where(col(Block.blocked_id) == viewer.id)
    suspended = select(User.id).where(col(User.suspended_at).is_not(None))
    return query.where(
        col(Post.author_id).not_in(blocked),
        col(Post.author_id).not_in(blockers),
        col(Post.author_id).not_in(suspended),
    )


def _page(
    session: Session,
    viewer: User,
    query: SelectOfScalar[Post],
    *,
    before: str | None,
    after: str | None,
    limit: int,
) -> FeedPage:
    limit = max(1, min(limit, PAGE_MAX))
    if (before := id_cursor(before, "before")) is not None:
        query = query.where(col(Post.id) < before)
    if (after := id_cursor(after, "after")) is not None:
        query = query.where(col(Post.id) > after)
    rows = session.exec(query.order_by(col(Post.id).desc()).limit(limit + 1)).all()
    page = list(rows[:limit])
    views = post_views(session, viewer, page)
    return FeedPage(
        # A repost whose original the viewer may not see has nothing to show.
        posts=[v for p, v in zip(page, views, strict=True) if not p.repost_of_id or v.repost_of],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


def _home_query(viewer: User) -> SelectOfScalar[Post]:
    followed = select(Follow.followee_id).where(col(Follow.follower_id) == viewer.id)
    # Following someone shows their followers-only posts too.
    return _visible_authors(
        select(Post).where(col(Post.author_id).in_(followed) | (col(Post.author_id) == viewer.id)),
        viewer,
    )


def home_feed(
    session: Session,
    viewer: User,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """Posts and reposts of the people the viewer follows, and the viewer's own."""
    return _page(session, viewer, _home_query(viewer), before=before, after=after, limit=limit)


def count_new_home_posts(session: Session, viewer: User, since_id: str) -> int:
    """How many posts by others arrived on the home feed above `since_id` (the newest one
    shown): the "N new posts" pill. Counts up to NEW_COUNT_MAX ("50+")."""
    after = id_cursor(since_id, "since")
    rows = session.exec(
        _home_query(viewer)
        .where(col(Post.id) > after, col(Post.author_id) != viewer.id)
        .order_by(col(Post.id).desc())
        .limit(NEW_COUNT_MAX)
    ).all()
    return len(rows)


def explore_feed(
    session: Session,
    viewer: User,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """Public posts from everyone (reposts left out: the originals are here already)."""
    query = _visible_authors(
        select(Post).where(
            col(Post.visibility) == PostVisibility.public.value, col(Post.repost_of_id).is_(None)
        ),
        viewer,
    )
    return _page(session, viewer, query, before=before, after=after, limit=limit)


def profile_feed(
    session: Session,
    viewer: User,
    username: str,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """A user's posts and reposts as the viewer may see them: all of them for followers and
    the user, public ones for everyone else, none across a block. NotFound for an unknown or
    suspended user."""
    author = access_user(session, username)
    assert viewer.id is not None
    assert author.id is not None
    if blocks.is_blocked_between(session, viewer.id, author.id):
        return FeedPage(posts=[], next_cursor=None)
    query = select(Post).where(col(Post.author_id) == author.id)
    following = session.get(Follow, (viewer.id, author.id)) is not None
    if viewer.id != author.id and not following:
        query = query.where(col(Post.visibility) == PostVisibility.public.value)
    return _page(session, viewer, query, before=before, after=after, limit=limit)


def hashtag_feed(
    session: Session,
    viewer: User,
    tag: str,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """Posts with #tag (any case, with or without the #) that the viewer may see."""
    followed = select(Follow.followee_id).where(col(Follow.follower_id) == viewer.id)
    # Driven by the tag's rows (its primary key is (tag, post id)), not by a scan of all posts.
    query = _visible_authors(
        select(Post)
        .join(PostHashtag, col(PostHashtag.post_id) == col(Post.id))
        .where(
            col(PostHashtag.tag) == tag.lower().lstrip("#"),
            (col(Post.visibility) == PostVisibility.public.value)
            | col(Post.author_id).in_(followed)
            | (col(Post.author_id) == viewer.id),
        ),
        viewer,
    )
    return _page(session, viewer, query, before=before, after=after, limit=limit)
