"""The follow graph: who follows whom, follow lists and counts, and what a block cuts.

Events: a follow or unfollow is stored for the followee (type "follow", op "add"/"remove",
data {"follower": brief}) and pushed on topic "profile:<followee id>" (op "counts") so an open
profile page updates its counts.
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from socialhub.domain import blocks
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, PermissionDenied
from socialhub.domain.pagination import parse_time_cursor, time_cursor
from socialhub.domain.users import access_user
from socialhub.models import Follow, User
from socialhub.models.graph_views import PersonPage, ProfileRelation
from socialhub.realtime.events import publish_on_commit

PAGE_MAX = 100


def is_following(session: Session, follower_id: int, followee_id: int) -> bool:
    return session.get(Follow, (follower_id, followee_id)) is not None


def follower_ids(session: Session, user_id: int) -> list[int]:
    """Everyone who follows `user_id` (for fan-out of their new posts and stories)."""
    return list(
        session.exec(select(Follow.follower_id).where(col(Follow.followee_id) == user_id)).all()
    )


def followee_ids(session: Session, user_id: int) -> list[int]:
    return list(
        session.exec(select(Follow.followee_id).where(col(Follow.follower_id) == user_id)).all()
    )


def follow_counts(session: Session, user_id: int) -> tuple[int, int]:
    """(followers, following)."""
    followers = session.exec(
        select(func.count()).select_from(Follow).where(col(Follow.followee_id) == user_id)
    ).one()
    following = session.exec(
        select(func.count()).select_from(Follow).where(col(Follow.follower_id) == user_id)
    ).one()
    return int(followers), int(following)


def _publish_follow(session: Session, op: str, follower: User, followee: User) -> None:
    assert followee.id is not None
    followers, following = follow_counts(session, followee.id)
    publish_on_commit(
        session,
        type="follow",
        op=op,
        data={"follower": user_brief(follower).model_dump(mode="json")},
        users=[followee.id],
    )
    publish_on_commit(
        session,
        type="profile",
        op="counts",
        data={"user_id": followee.id, "followers_count": followers, "following_count": following},
        topics=[f"profile:{followee.id}"],
    )


def check_follow(session: Session, actor: User, username: str) -> User:
    """Follow a user (again: no change). Not yourself, and not across a block."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if target.id == actor.id:
        raise InvalidInput("you cannot follow yourself", field="username", code="follow_self")
    if blocks.is_blocked_between(session, actor.id, target.id):
        raise PermissionDenied("you cannot follow this user", code="blocked")
    if not is_following(session, actor.id, target.id):
        session.add(Follow(follower_id=actor.id, followee_id=target.id))
        session.flush()
        _publish_follow(session, "add", actor, target)
    return target


def check_unfollow(session: Session, actor: User, username: str) -> User:
    """Stop following (when not following: no change)."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    row = session.get(Follow, (actor.id, target.id))
    if row is not None:
        session.delete(row)
        session.flush()
        _publish_follow(session, "remove", actor, target)
    return target


def _people(
    session: Session,
    viewer: User,
    username: str,
    *,
    followers: bool,
    cursor: str | None,
    limit: int,
) -> PersonPage:
    target = access_user(session, username)
    assert viewer.id is not None
    assert target.id is not None
    if blocks.is_blocked_between(session, viewer.id, target.id):
        return PersonPage(people=[], next_cursor=None)
    limit = max(1, min(limit, PAGE_MAX))
    mine, theirs = (
        (col(Follow.followee_id), col(Follow.follower_id))
        if followers
        else (col(Follow.follower_id), col(Follow.followee_id))
    )
    query = (
        select(User, Follow.created_at)
        .join(Follow, theirs == col(User.id))
        .where(mine == target.id, col(User.suspended_at).is_(None))
        .order_by(col(Follow.created_at).desc(), theirs.desc())
        .limit(limit + 1)
    )
    if cursor:
        moment, user_id = parse_time_cursor(cursor)
        query = query.where(
            (col(Follow.created_at) < moment)
            | ((col(Follow.created_at) == moment) & (theirs < user_id))
        )
    rows = session.exec(query).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        user, moment = page[-1]
        next_cursor = time_cursor(moment, user.id or 0)
    return PersonPage(people=[user_brief(user) for user, _ in page], next_cursor=next_cursor)


def list_followers(
    session: Session, viewer: User, username: str, *, cursor: str | None = None, limit: int = 50
) -> PersonPage:
    return _people(session, viewer, username, followers=True, cursor=cursor, limit=limit)


def list_following(
    session: Session, viewer: User, username: str, *, cursor: str | None = None, limit: int = 50
) -> PersonPage:
    return _people(session, viewer, username, followers=False, cursor=cursor, limit=limit)


def profile_relation(session: Session, viewer: User, username: str) -> ProfileRelation:
    target = access_user(session, username)
    assert viewer.id is not None
    assert target.id is not None
    followers, following = follow_counts(session, target.id)
    return ProfileRelation(
        followers_count=followers,
        following_count=following,
        is_self=viewer.id == target.id,
        is_following=is_following(session, viewer.id, target.id),
        follows_you=is_following(session, target.id, viewer.id),
        blocked=blocks.is_blocked_between(session, viewer.id, target.id),
    )
