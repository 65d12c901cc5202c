"""The social graph: follows (one-way), friend requests and friendships (mutual), the lists and
counts a profile shows, and what a block cuts.

Rules: nobody follows or befriends themselves (codes "follow_self", "friend_self"), nor anyone
across a block, in either direction (PermissionDenied, code "blocked"). Following, unfollowing,
cancelling a request and unfriending are idempotent. Sending a request to someone who already
asked you accepts theirs. Accepting or declining needs a pending request from that user (NotFound,
code "friend_request_not_found"); accepting again once friends changes nothing. A block cuts every
tie between the two (`do_cut_ties`): both follows, the friendship and pending requests.

Events (stored events go to the other party only, never to the actor):
- follow or unfollow: stored for the followee, type "follow", op "add"/"remove", data
  {"follower": brief}.
- friend requests, type "friend", data {"user": the actor's brief}: op "request" for the user asked,
  "accept" and "decline" for the requester, "cancel" for the user who had been asked, "remove"
  (unfriend) for the former friend.
- whenever follower, following or friend counts change: type "profile", op "counts", data
  {"user_id", "followers_count", "following_count", "friends_count"}, pushed on topic
  "profile:<user id>" for each of the two profiles.
- a block's cut reads, for the blocked user, as if the blocker had unfollowed ("follow"/"remove",
  for whoever was followed), unfriended ("remove"), cancelled their request ("cancel") and declined
  the blocked user's request ("decline"); nothing tells them of the block itself.
"""

from __future__ import annotations

from typing import Any, get_args

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, and_, col, func, or_, select

from socialhub.db import insert_once
from socialhub.domain import blocks, chats, ratelimit
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.pagination import newest_people
from socialhub.domain.users import access_user
from socialhub.models import Block, Follow, FriendRequest, Friendship, User
from socialhub.models.base import utcnow
from socialhub.models.graph_views import (
    FriendStatus,
    PeoplePage,
    PersonRow,
    ProfileRelation,
    RequestDirection,
)
from socialhub.realtime.events import publish_on_commit

PAGE_MAX = 100


# Queries -----------------------------------------------------------------------------------------


def is_following(session: Session, follower_id: int, followee_id: int) -> bool:
    return session.get(Follow, (follower_id, followee_id)) is not None


def are_friends(session: Session, a: int, b: int) -> bool:
    return session.get(Friendship, (a, b)) is not None


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


def friends_count(session: Session, user_id: int) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(Friendship).where(col(Friendship.user_id) == user_id)
        ).one()
    )


def incoming_request_count(session: Session, viewer: User) -> int:
    """Pending friend requests waiting for the viewer's answer (a badge)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(FriendRequest)
            .join(User, col(User.id) == col(FriendRequest.from_id))
            .where(col(FriendRequest.to_id) == viewer.id, col(User.suspended_at).is_(None))
        ).one()
    )


class _Flags:
    """How a viewer relates to a set of people, read in one query per relation."""

    def __init__(self, session: Session, viewer_id: int, ids: list[int]) -> None:
        def ids_where(column: Any, *conditions: Any) -> set[int]:
            return set(session.exec(select(column).where(*conditions)).all())

        self.viewer_id = viewer_id
        self.following = ids_where(
            col(Follow.followee_id),
            col(Follow.follower_id) == viewer_id,
            col(Follow.followee_id).in_(ids),
        )
        self.followers = ids_where(
            col(Follow.follower_id),
            col(Follow.followee_id) == viewer_id,
            col(Follow.follower_id).in_(ids),
        )
        self.friends = ids_where(
            col(Friendship.friend_id),
            col(Friendship.user_id) == viewer_id,
            col(Friendship.friend_id).in_(ids),
        )
        self.sent = ids_where(
            col(FriendRequest.to_id),
            col(FriendRequest.from_id) == viewer_id,
            col(FriendRequest.to_id).in_(ids),
        )
        self.received = ids_where(
            col(FriendRequest.from_id),
            col(FriendRequest.to_id) == viewer_id,
            col(FriendRequest.from_id).in_(ids),
        )

    def friend_status(self, user_id: int) -> FriendStatus:
        if user_id == self.viewer_id:
            return "self"
        if user_id in self.friends:
            return "friends"
        if user_id in self.sent:
            return "request_sent"
        if user_id in self.received:
            return "request_received"
        return "none"


def friend_status(session: Session, viewer_id: int, other_id: int) -> FriendStatus:
    return _Flags(session, viewer_id, [other_id]).friend_status(other_id)


def profile_relation(session: Session, viewer: User, target: User | str) -> ProfileRelation:
    """A profile's counts and the viewer's standing with its owner (`target`: user or username)."""
    if isinstance(target, str):
        target = access_user(session, target)
    assert viewer.id is not None
    assert target.id is not None
    followers, following = follow_counts(session, target.id)
    flags = _Flags(session, viewer.id, [target.id])
    you_block = blocks.blocks(session, viewer.id, target.id)
    blocks_you = blocks.blocks(session, target.id, viewer.id)
    return ProfileRelation(
        user_id=target.id,
        followers_count=followers,
        following_count=following,
        friends_count=friends_count(session, target.id),
        is_self=viewer.id == target.id,
        is_following=target.id in flags.following,
        follows_you=target.id in flags.followers,
        friend_status=flags.friend_status(target.id),
        blocked=you_block or blocks_you,
        you_block=you_block,
        blocks_you=blocks_you,
    )


# Lists -------------------------------------------------------------------------------------------


def _people(
    session: Session,
    viewer: User,
    *,
    table: type[SQLModel],
    owner: Any,
    owner_id: int,
    other: Any,
    moment: Any,
    cursor: str | None,
    limit: int,
) -> PeoplePage:
    """The people `other` in rows of `table` where `owner` is `owner_id`, newest `moment` first,
    without suspended users and anyone the viewer blocks or is blocked by."""
    assert viewer.id is not None
    limit = max(1, min(limit, PAGE_MAX))
    blocked = sa.exists().where(
        or_(
            and_(col(Block.blocker_id) == viewer.id, col(Block.blocked_id) == col(User.id)),
            and_(col(Block.blocker_id) == col(User.id), col(Block.blocked_id) == viewer.id),
        )
    )
    query = (
        select(User, moment)
        .join(table, other == col(User.id))
        .where(owner == owner_id, col(User.suspended_at).is_(None), ~blocked)
    )
    page, next_cursor = newest_people(session, query, moment, cursor=cursor, limit=limit)
    flags = _Flags(session, viewer.id, [user.id or 0 for user, _ in page])
    people = [
        PersonRow(
            **chats.user_brief(user).model_dump(),
            since=since,
            is_self=user.id == viewer.id,
            is_following=user.id in flags.following,
            follows_you=user.id in flags.followers,
            friend_status=flags.friend_status(user.id or 0),
        )
        for user, since in page
    ]
    return PeoplePage(people=people, next_cursor=next_cursor)


def _follow_list(
    session: Session,
    viewer: User,
    username: str,
    *,
    followers: bool,
    cursor: str | None,
    limit: int,
) -> PeoplePage:
    target = access_user(session, username)
    assert viewer.id is not None
    assert target.id is not None
    if blocks.is_blocked_between(session, viewer.id, target.id):
        return PeoplePage(people=[], next_cursor=None)
    owner, other = (
        (col(Follow.followee_id), col(Follow.follower_id))
        if followers
        else (col(Follow.follower_id), col(Follow.followee_id))
    )
    return _people(
        session,
        viewer,
        table=Follow,
        owner=owner,
        owner_id=target.id,
        other=other,
        moment=col(Follow.created_at),
        cursor=cursor,
        limit=limit,
    )


def list_followers(
    session: Session, viewer: User, username: str, *, cursor: str | None = None, limit: int = 50
) -> PeoplePage:
    """Who follows `username`, most recent first (empty across a block)."""
    return _follow_list(session, viewer, username, followers=True, cursor=cursor, limit=limit)


def list_following(
    session: Session, viewer: User, username: str, *, cursor: str | None = None, limit: int = 50
) -> PeoplePage:
    """Whom `username` follows, most recent first (empty across a block)."""
    return _follow_list(session, viewer, username, followers=False, cursor=cursor, limit=limit)


def list_friends(
    session: Session, viewer: User, *, cursor: str | None = None, limit: int = 50
) -> PeoplePage:
    """The viewer's friends, newest friendship first."""
    assert viewer.id is not None
    return _people(
        session,
        viewer,
        table=Friendship,
        owner=col(Friendship.user_id),
        owner_id=viewer.id,
        other=col(Friendship.friend_id),
        moment=col(Friendship.created_at),
        cursor=cursor,
        limit=limit,
    )


def list_friend_requests(
    session: Session,
    viewer: User,
    *,
    direction: RequestDirection = "incoming",
    cursor: str | None = None,
    limit: int = 50,
) -> PeoplePage:
    """Pending friend requests to the viewer ("incoming") or from them ("outgoing"), newest
    first."""
    assert viewer.id is not None
    if direction not in get_args(RequestDirection):
        raise InvalidInput(
            "direction is incoming or outgoing", field="direction", code="bad_direction"
        )
    owner, other = (
        (col(FriendRequest.to_id), col(FriendRequest.from_id))
        if direction == "incoming"
        else (col(FriendRequest.from_id), col(FriendRequest.to_id))
    )
    return _people(
        session,
        viewer,
        table=FriendRequest,
        owner=owner,
        owner_id=viewer.id,
        other=other,
        moment=col(FriendRequest.created_at),
        cursor=cursor,
        limit=limit,
    )


# Writing -----------------------------------------------------------------------------------------


def _lock_pair(session: Session, a: int, b: int) -> None:
    """Serialise graph changes between two people, so a follow or a request cannot slip past a
    block being written, nor two requests cross unseen (PostgreSQL: both user rows, in id order;
    SQLite writes one transaction at a time anyway)."""
    session.exec(
        select(User.id)
        .where(col(User.id).in_((a, b)))
        .order_by(col(User.id))
        .with_for_update(key_share=True)
    ).all()


def _delete(session: Session, table: type[SQLModel], *conditions: Any) -> bool:
    """Delete the matching rows; True when there were any."""
    result = session.execute(sa.delete(table).where(*conditions))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _delete_follow(session: Session, follower_id: int, followee_id: int) -> bool:
    return _delete(
        session,
        Follow,
        col(Follow.follower_id) == follower_id,
        col(Follow.followee_id) == followee_id,
    )


def _delete_request(session: Session, from_id: int, to_id: int) -> bool:
    return _delete(
        session,
        FriendRequest,
        col(FriendRequest.from_id) == from_id,
        col(FriendRequest.to_id) == to_id,
    )


def _delete_friendship(session: Session, a: int, b: int) -> bool:
    return _delete(
        session,
        Friendship,
        or_(
            and_(col(Friendship.user_id) == a, col(Friendship.friend_id) == b),
            and_(col(Friendship.user_id) == b, col(Friendship.friend_id) == a),
        ),
    )


def _publish_counts(session: Session, *users: User) -> None:
    for user in users:
        assert user.id is not None
        followers, following = follow_counts(session, user.id)
        publish_on_commit(
            session,
            type="profile",
            op="counts",
            data={
                "user_id": user.id,
                "followers_count": followers,
                "following_count": following,
                "friends_count": friends_count(session, user.id),
            },
            topics=[f"profile:{user.id}"],
        )


def _tell_follow(session: Session, op: str, follower: User, followee: User) -> None:
    assert followee.id is not None
    publish_on_commit(
        session,
        type="follow",
        op=op,
        data={"follower": chats.user_brief(follower).model_dump(mode="json")},
        users=[followee.id],
    )


def _tell_friend(session: Session, op: str, actor: User, other: User) -> None:
    assert other.id is not None
    publish_on_commit(
        session,
        type="friend",
        op=op,
        data={"user": chats.user_brief(actor).model_dump(mode="json")},
        users=[other.id],
    )


def _other(session: Session, actor: User, username: str, *, self_code: str) -> User:
    """The other user of a graph change, with both user rows locked."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if target.id == actor.id:
        what = "follow" if self_code == "follow_self" else "befriend"
        raise InvalidInput(f"you cannot {what} yourself", field="username", code=self_code)
    _lock_pair(session, actor.id, target.id)
    return target


def _refuse_blocked(session: Session, actor: User, target: User, what: str) -> None:
    assert actor.id is not None
    assert target.id is not None
    if blocks.is_blocked_between(session, actor.id, target.id):
        raise PermissionDenied(f"you cannot {what} this user", code="blocked")


def check_follow(session: Session, actor: User, username: str) -> User:
    """Follow a user (again: no change). Not yourself, and not across a block."""
    target = _other(session, actor, username, self_code="follow_self")
    _refuse_blocked(session, actor, target, "follow")
    ratelimit.hit("follow", f"user:{actor.id}")
    if insert_once(
        session, Follow, follower_id=actor.id, followee_id=target.id, created_at=utcnow()
    ):
        _tell_follow(session, "add", actor, target)
        _publish_counts(session, target, actor)
    return target


def check_unfollow(session: Session, actor: User, username: str) -> User:
    """Stop following (when not following: no change)."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if _delete_follow(session, actor.id, target.id):
        _tell_follow(session, "remove", actor, target)
        _publish_counts(session, target, actor)
    return target


def _befriend(session: Session, actor: User, requester: User) -> None:
    """`actor` accepts `requester`'s request: the requests either way give way to a friendship."""
    assert actor.id is not None
    assert requester.id is not None
    _delete_request(session, requester.id, actor.id)
    _delete_request(session, actor.id, requester.id)
    now = utcnow()
    insert_once(session, Friendship, user_id=actor.id, friend_id=requester.id, created_at=now)
    insert_once(session, Friendship, user_id=requester.id, friend_id=actor.id, created_at=now)
    _tell_friend(session, "accept", actor, requester)
    _publish_counts(session, requester, actor)


def check_send_friend_request(session: Session, actor: User, username: str) -> User:
    """Ask a user to be friends (again, or already friends: no change); when they have already
    asked you, this accepts their request."""
    target = _other(session, actor, username, self_code="friend_self")
    assert actor.id is not None
    assert target.id is not None
    _refuse_blocked(session, actor, target, "befriend")
    ratelimit.hit("friend_request", f"user:{actor.id}")
    status = friend_status(session, actor.id, target.id)
    if status == "request_received":
        _befriend(session, actor, target)
    elif status == "none" and insert_once(
        session, FriendRequest, from_id=actor.id, to_id=target.id, created_at=utcnow()
    ):
        _tell_friend(session, "request", actor, target)
    return target


def check_accept_friend_request(session: Session, actor: User, username: str) -> User:
    """Accept `username`'s pending request (already friends: no change)."""
    target = _other(session, actor, username, self_code="friend_self")
    assert actor.id is not None
    assert target.id is not None
    if are_friends(session, actor.id, target.id):
        return target
    if session.get(FriendRequest, (target.id, actor.id)) is None:
        raise NotFound("no friend request from this user", code="friend_request_not_found")
    _befriend(session, actor, target)
    return target


def check_decline_friend_request(session: Session, actor: User, username: str) -> User:
    """Decline `username`'s pending request."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if not _delete_request(session, target.id, actor.id):
        raise NotFound("no friend request from this user", code="friend_request_not_found")
    _tell_friend(session, "decline", actor, target)
    return target


def check_cancel_friend_request(session: Session, actor: User, username: str) -> User:
    """Take back your request to `username` (none pending: no change)."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if _delete_request(session, actor.id, target.id):
        _tell_friend(session, "cancel", actor, target)
    return target


def check_unfriend(session: Session, actor: User, username: str) -> User:
    """End a friendship (not friends: no change); follows stay as they are."""
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    if _delete_friendship(session, actor.id, target.id):
        _tell_friend(session, "remove", actor, target)
        _publish_counts(session, target, actor)
    return target


def do_cut_ties(session: Session, actor: User, other: User) -> None:
    """`actor` blocks `other`: remove the follows both ways, the friendship and pending requests.
    `blocks.check_block` calls this in the transaction that writes the block."""
    assert actor.id is not None
    assert other.id is not None
    _lock_pair(session, actor.id, other.id)
    counts_changed = False
    for follower, followee in ((actor, other), (other, actor)):
        assert follower.id is not None
        assert followee.id is not None
        if _delete_follow(session, follower.id, followee.id):
            _tell_follow(session, "remove", follower, followee)
            counts_changed = True
    if _delete_friendship(session, actor.id, other.id):
        _tell_friend(session, "remove", actor, other)
        counts_changed = True
    if _delete_request(session, actor.id, other.id):
        _tell_friend(session, "cancel", actor, other)
    if _delete_request(session, other.id, actor.id):
        _tell_friend(session, "decline", actor, other)
    if counts_changed:
        _publish_counts(session, actor, other)
