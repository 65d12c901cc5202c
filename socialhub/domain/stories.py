"""Stories: a text or an image that the author's followers see for 24 hours.

Who sees a story: its author, and the author's followers (a block ends the follow), while the
author is not suspended and the story has not expired. Anyone else gets NotFound, as for a
story that does not exist. Expired stories are deleted, with their images, by the periodic job
`do_expire_stories`; until it runs they are already hidden.

Events: a new story is stored for its author and followers (type "story", op "add", data
{"story_id", "author_id", "author": UserBrief}), so their tray gains a ring; a deleted one
likewise (op "delete").
A first view is stored for the author (op "view", data {"story_id", "viewer": UserBrief}).
Expiry sends nothing: every reader already hides expired stories.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

import sqlalchemy as sa
from sqlmodel import Session, and_, col, func, or_, select

from socialhub.config import get_settings
from socialhub.db import insert_once, on_commit, on_rollback
from socialhub.domain import graph, media, ratelimit
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.pagination import newest_people
from socialhub.domain.post_access import author_reachable
from socialhub.domain.posts import FEED_IMAGE, FULL_IMAGE, picture_view
from socialhub.domain.users import access_user
from socialhub.domain.validation import clean_text
from socialhub.models import Follow, Story, StoryKind, StoryView, User
from socialhub.models.base import utcnow
from socialhub.models.story_views import (
    StoryItem,
    StoryList,
    StoryRing,
    StoryTray,
    StoryViewer,
    StoryViewerPage,
)
from socialhub.realtime.events import publish_on_commit

LIFETIME = timedelta(hours=24)
BODY_MAX = 500
# Live stories one author may have at a time.
LIVE_MAX = 50
# A text story's colour (Radix colour names, so the web app can draw them as they are).
BACKGROUNDS = ("indigo", "crimson", "jade", "amber", "violet", "gray")
TRAY_MAX = 100
PAGE_MAX = 100


def _live(now: datetime) -> sa.ColumnElement[bool]:
    return col(Story.expires_at) > now


def may_see_stories_of(session: Session, viewer: User, author_id: int) -> bool:
    """The author themself, or a follower of an active author with no block between them."""
    assert viewer.id is not None
    if author_id == viewer.id:
        return True
    return author_reachable(session, viewer.id, author_id) and graph.is_following(
        session, viewer.id, author_id
    )


def may_see_story(session: Session, viewer: User, story: Story, *, now: datetime) -> bool:
    return story.expires_at > now and may_see_stories_of(session, viewer, story.author_id)


def access_story(session: Session, viewer: User, story_id: str) -> Story:
    """The story if `viewer` may see it now; NotFound otherwise (hidden looks like missing)."""
    story = session.get(Story, story_id) if story_id else None
    if story is None or not may_see_story(session, viewer, story, now=utcnow()):
        raise NotFound("no such story", code="story_not_found")
    return story


# Views -------------------------------------------------------------------------------------------


def _items(
    session: Session, viewer: User, author: User, stories: Sequence[Story]
) -> list[StoryItem]:
    assert viewer.id is not None
    ids = [s.id for s in stories]
    mine = author.id == viewer.id
    seen: set[str] = set()
    counts: dict[str, int] = {}
    if ids and mine:
        counts = dict(
            session.exec(
                select(StoryView.story_id, func.count())
                .where(col(StoryView.story_id).in_(ids))
                .group_by(col(StoryView.story_id))
            ).all()
        )
    elif ids:
        seen = set(
            session.exec(
                select(StoryView.story_id).where(
                    col(StoryView.story_id).in_(ids), col(StoryView.viewer_id) == viewer.id
                )
            ).all()
        )
    brief = user_brief(author)
    return [
        StoryItem(
            id=story.id,
            author=brief,
            kind=story.kind,
            body=story.body,
            background=story.background,
            image=picture_view(story.image) if story.image else None,
            created_at=story.created_at,
            expires_at=story.expires_at,
            seen=mine or story.id in seen,
            view_count=counts.get(story.id, 0) if mine else None,
        )
        for story in stories
    ]


def story_item(session: Session, viewer: User, story: Story) -> StoryItem:
    author = session.get(User, story.author_id)
    assert author is not None
    return _items(session, viewer, author, [story])[0]


def list_stories(session: Session, viewer: User, username: str) -> StoryList:
    """A person's live stories, oldest first: empty for whoever does not follow them."""
    author = access_user(session, username)
    assert author.id is not None
    visible: list[Story] = []
    if may_see_stories_of(session, viewer, author.id):
        visible = list(
            session.exec(
                select(Story)
                .where(col(Story.author_id) == author.id, _live(utcnow()))
                .order_by(col(Story.created_at), col(Story.id))
            ).all()
        )
    return StoryList(author=user_brief(author), stories=_items(session, viewer, author, visible))


def story_tray(session: Session, viewer: User) -> StoryTray:
    """Everyone whose stories the viewer may see now, with whether any is still unseen."""
    assert viewer.id is not None
    now = utcnow()
    followed = select(Follow.followee_id).where(col(Follow.follower_id) == viewer.id)
    rows = session.exec(
        select(
            User,
            func.count(col(Story.id)),
            func.count(col(StoryView.story_id)),
            func.max(col(Story.created_at)),
        )
        .join(Story, col(Story.author_id) == col(User.id))
        .outerjoin(
            StoryView,
            and_(col(StoryView.story_id) == col(Story.id), col(StoryView.viewer_id) == viewer.id),
        )
        .where(
            _live(now),
            or_(col(Story.author_id) == viewer.id, col(Story.author_id).in_(followed)),
            col(User.suspended_at).is_(None),
        )
        .group_by(col(User.id))
    ).all()
    rings = [
        StoryRing(
            author=user_brief(user),
            count=count,
            unseen=user.id != viewer.id and viewed < count,
            latest_at=latest,
        )
        for user, count, viewed, latest in rows
    ]
    rings.sort(key=lambda r: r.latest_at, reverse=True)
    rings.sort(key=lambda r: (r.author.id != viewer.id, not r.unseen))
    return StoryTray(rings=rings[:TRAY_MAX])


def list_viewers(
    session: Session, actor: User, story_id: str, *, cursor: str | None = None, limit: int = 50
) -> StoryViewerPage:
    """Who has opened your story, most recent first (cursor: `next_cursor` of the last page)."""
    story = _own_story(session, actor, story_id)
    limit = max(1, min(limit, PAGE_MAX))
    query = (
        select(User, StoryView.viewed_at)
        .join(StoryView, col(StoryView.viewer_id) == col(User.id))
        .where(col(StoryView.story_id) == story.id, col(User.suspended_at).is_(None))
    )
    page, next_cursor = newest_people(
        session, query, col(StoryView.viewed_at), cursor=cursor, limit=limit
    )
    return StoryViewerPage(
        viewers=[StoryViewer(user=user_brief(user), viewed_at=at) for user, at in page],
        next_cursor=next_cursor,
    )


# Changes -----------------------------------------------------------------------------------------


def _own_story(session: Session, actor: User, story_id: str) -> Story:
    story = access_story(session, actor, story_id)
    if story.author_id != actor.id:
        raise PermissionDenied("only the author can do this", code="not_author")
    return story


def _publish(session: Session, author: User, story: Story, op: str) -> None:
    """Tell the author and their followers; the author's brief lets a tray add the ring
    without reading anything."""
    publish_on_commit(
        session,
        type="story",
        op=op,
        data={
            "story_id": story.id,
            "author_id": story.author_id,
            "author": user_brief(author).model_dump(mode="json"),
        },
        users=[story.author_id, *graph.follower_ids(session, story.author_id)],
    )


def check_create_story(
    session: Session,
    author: User,
    *,
    body: str = "",
    background: str = BACKGROUNDS[0],
    image: bytes | None = None,
) -> Story:
    """A new story for 24 hours: an image (with an optional caption) or a text on a colour."""
    assert author.id is not None
    text = clean_text(body, field="body", max_length=BODY_MAX, multiline=True)
    if image is None and not text:
        raise InvalidInput("a story needs a text or an image", field="body", code="empty")
    if background not in BACKGROUNDS:
        raise InvalidInput(
            f"background must be one of {', '.join(BACKGROUNDS)}",
            field="background",
            code="bad_background",
        )
    now = utcnow()
    live = session.exec(
        select(func.count()).where(col(Story.author_id) == author.id, _live(now))
    ).one()
    if live >= LIVE_MAX:
        raise InvalidInput(
            f"you can have at most {LIVE_MAX} live stories", field="body", code="too_many_stories"
        )
    ratelimit.hit("story", f"user:{author.id}")
    record = None
    if image is not None:
        picture = media.process_picture(
            image,
            max_bytes=get_settings().avatar_max_bytes,
            sizes=(FULL_IMAGE, FEED_IMAGE),
            field="image",
        )
        record = media.store_picture(f"stories/{author.id}", picture)
        on_rollback(session, partial(media.delete_picture, record))
    story = Story(
        author_id=author.id,
        kind=StoryKind.image.value if record else StoryKind.text.value,
        body=text,
        background=background,
        image=record,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    session.add(story)
    session.flush()
    _publish(session, author, story, "add")
    return story


def check_view_story(session: Session, viewer: User, story_id: str) -> Story:
    """Mark a story seen (again: no change); the author's own views are not counted."""
    story = access_story(session, viewer, story_id)
    if story.author_id != viewer.id and insert_once(
        session, StoryView, story_id=story.id, viewer_id=viewer.id, viewed_at=utcnow()
    ):
        publish_on_commit(
            session,
            type="story",
            op="view",
            data={"story_id": story.id, "viewer": user_brief(viewer).model_dump(mode="json")},
            users=[story.author_id],
        )
    return story


def _remove(session: Session, stories: Sequence[Story]) -> None:
    """Delete the rows now and their images once the deletion has committed."""
    for story in stories:
        if story.image:
            on_commit(session, partial(media.delete_picture, story.image))
    session.execute(sa.delete(Story).where(col(Story.id).in_([s.id for s in stories])))


def check_delete_story(session: Session, actor: User, story_id: str) -> None:
    story = _own_story(session, actor, story_id)
    _publish(session, actor, story, "delete")
    _remove(session, [story])


def do_expire_stories(session: Session, *, now: datetime | None = None, batch: int = 500) -> int:
    """Delete up to `batch` expired stories with their views and images; returns how many."""
    expired = session.exec(
        select(Story)
        .where(col(Story.expires_at) <= (now or utcnow()))
        .order_by(col(Story.expires_at))
        .limit(batch)
    ).all()
    if expired:
        _remove(session, expired)
    return len(expired)
