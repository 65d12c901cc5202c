"""The follow and friend graph: who follows whom, friends, and what blocks cut.

Queries only; follow, unfollow and friend-request writes live here too as `check_*`/`do_*`.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from socialhub.models import Follow, Friendship


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
