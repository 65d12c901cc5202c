"""Feeds: home (people you follow, and you), a profile's timeline, explore and hashtag pages,
and a server's posts channel.

Newest first, paged by post id (UUIDv7, so id order is time order): `before` gives older posts
(pass the page's `next_cursor`), `after` newer ones (what arrived above the top: the "N new
posts" pill). Posts by suspended authors and by anyone blocked either way are left out, and so
are reposts of posts the viewer may not see. Posts of posts channels show in their channel's
feed only.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from socialhub.domain import blocks
from socialhub.domain.pagination import id_cursor
from socialhub.domain.posts import access_posts_channel, post_views
from socialhub.domain.users import access_user
from socialhub.models import Block, Follow, Post, PostHashtag, PostVisibility, User
from socialhub.models.post_views import FeedPage

PAGE_MAX = 50
NEW_COUNT_MAX = PAGE_MAX + 1
# From this many people followed (and shown), the home feed walks all posts (see _home_query).
WALK_FROM_FOLLOWS = 100


def _not_hidden(author: Mapped[int], viewer: User) -> list[sa.ColumnElement[bool]]:
    """`author` is not suspended and neither blocks the viewer: a primary-key probe each, per
    candidate row (blocks has no index by blocked user, users none by suspension).

    `OFFSET 0` keeps PostgreSQL from turning a probe into an anti-join, which could scan every
    suspended user or every block of the viewer instead (it did: 4 ms of a 6 ms count).
    """

    def absent(table: type[Any], *where: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        return ~sa.exists(select(table).where(*where).offset(sa.literal_column("0")))

    return [
        absent(Block, col(Block.blocker_id) == viewer.id, col(Block.blocked_id) == author),
        absent(Block, col(Block.blocker_id) == author, col(Block.blocked_id) == viewer.id),
        absent(User, col(User.id) == author, col(User.suspended_at).is_not(None)),
    ]


def _social() -> sa.ColumnElement[bool]:
    """Not in a posts channel. Written so that no index serves it: the channel index would
    otherwise hand over every social post unsorted (see _in_id_order)."""
    return _in_id_order(col(Post.channel_id)).is_(None)  # type: ignore[no-any-return]


def _in_id_order(column: Any) -> Any:
    """`column` as an expression no index can serve, so that the planner walks posts in id order
    (newest first, stopping after a page) instead of collecting every row its index finds and
    sorting them: SQLite, which keeps no statistics, otherwise prefers any index on a filter."""
    if isinstance(column.type, sa.Integer):
        return column + sa.literal_column("0")
    return column.concat(sa.literal_column("''"))


def _limit(count: int) -> Any:
    """A LIMIT written into the statement: a prepared statement's generic plan on PostgreSQL
    assumes a parameter LIMIT wants a tenth of the table, and went parallel (a "new posts" count
    took 10 ms instead of 2)."""
    return sa.literal_column(str(int(count)))


def _page(
    session: Session,
    viewer: User,
    query: SelectOfScalar[Post],
    *,
    before: str | None,
    after: str | None,
    limit: int,
    key: Any = None,
) -> FeedPage:
    """A page of `query` newest first by `key` (the post id, or a column equal to it)."""
    key = col(Post.id) if key is None else key
    limit = max(1, min(limit, PAGE_MAX))
    if (before := id_cursor(before, "before")) is not None:
        query = query.where(key < before)
    if (after := id_cursor(after, "after")) is not None:
        query = query.where(key > after)
    rows = session.exec(query.order_by(key.desc()).limit(_limit(limit + 1))).all()
    page = list(rows[:limit])
    views = post_views(session, viewer, page)
    return FeedPage(
        # A repost whose original the viewer may not see has nothing to show.
        posts=[v for p, v in zip(page, views, strict=True) if not p.repost_of_id or v.repost_of],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


def _home_query(session: Session, viewer: User) -> SelectOfScalar[Post]:
    """The viewer's posts and those of the people they follow (followers-only ones included).

    Two ways to find a page, chosen by how many people the viewer follows. Few: their posts
    through the author index, by a list of the followed people who may be shown, which the
    planners can estimate (walking everyone's posts for a handful of authors could read the
    whole table). Many: walk all posts newest first, keeping the followed authors' (following
    1,000 of 20,000 authors, a page reads a few hundred rows; bench/feed.py), and probe only
    the rows kept for blocks and suspension.
    """
    followee = col(Follow.followee_id)
    few = session.exec(
        select(followee)
        .where(col(Follow.follower_id) == viewer.id, *_not_hidden(followee, viewer))
        .limit(_limit(WALK_FROM_FOLLOWS))
    ).all()
    if len(few) < WALK_FROM_FOLLOWS:
        return select(Post).where(col(Post.author_id).in_([*few, viewer.id]), _social())
    followed = select(followee).where(col(Follow.follower_id) == viewer.id)
    author = _in_id_order(col(Post.author_id))
    return select(Post).where(
        author.in_(followed) | (author == viewer.id),
        _social(),
        *_not_hidden(col(Post.author_id), viewer),
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
    query = _home_query(session, viewer)
    return _page(session, viewer, query, before=before, after=after, limit=limit)


def count_new_home_posts(session: Session, viewer: User, since_id: str) -> int:
    """How many posts by others arrived on the home feed above `since_id` (the newest one
    shown; empty: an empty feed, so all of them): the "N new posts" pill. Counts up to
    NEW_COUNT_MAX ("50+")."""
    query = _home_query(session, viewer).with_only_columns(col(Post.id))
    if (after := id_cursor(since_id, "since")) is not None:
        query = query.where(col(Post.id) > after)
    newer = (
        query.where(col(Post.author_id) != viewer.id)
        .order_by(col(Post.id).desc())
        .limit(_limit(NEW_COUNT_MAX))
        .subquery()
    )
    return int(session.exec(select(sa.func.count()).select_from(newer)).one())


def explore_feed(
    session: Session,
    viewer: User,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """Public posts from everyone (reposts left out: the originals are here already)."""
    query = select(Post).where(
        col(Post.visibility) == PostVisibility.public.value,
        col(Post.repost_of_id).is_(None),
        _social(),
        *_not_hidden(col(Post.author_id), viewer),
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
    query = select(Post).where(col(Post.author_id) == author.id, _social())
    following = session.get(Follow, (viewer.id, author.id)) is not None
    if viewer.id != author.id and not following:
        # Through the author's index: the one on visibility would walk everyone's posts.
        query = query.where(_in_id_order(col(Post.visibility)) == PostVisibility.public.value)
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
    # Walked along the tag's rows (primary key (tag, post id)), newest first.
    query = (
        select(Post)
        .join(PostHashtag, col(PostHashtag.post_id) == col(Post.id))
        .where(
            col(PostHashtag.tag) == tag.lower().lstrip("#"),
            (col(Post.visibility) == PostVisibility.public.value)
            | col(Post.author_id).in_(followed)
            | (col(Post.author_id) == viewer.id),
            _social(),
            *_not_hidden(col(Post.author_id), viewer),
        )
    )
    return _page(
        session,
        viewer,
        query,
        before=before,
        after=after,
        limit=limit,
        key=col(PostHashtag.post_id),
    )


def channel_feed(
    session: Session,
    viewer: User,
    channel_id: str,
    *,
    before: str | None = None,
    after: str | None = None,
    limit: int = 20,
) -> FeedPage:
    """The posts of a posts channel the viewer may view (VIEW_CHANNEL), by everyone not
    suspended nor blocked either way. NotFound `channel_not_found` for a channel that is
    missing or hidden, InvalidInput `not_a_posts_channel` for one that takes messages."""
    access_posts_channel(session, viewer, channel_id)
    query = select(Post).where(
        col(Post.channel_id) == channel_id, *_not_hidden(col(Post.author_id), viewer)
    )
    return _page(session, viewer, query, before=before, after=after, limit=limit)
