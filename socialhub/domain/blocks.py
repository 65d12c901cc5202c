"""Blocking: a blocked user cannot DM you, see your presence, follow you or see your posts."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from socialhub.domain import graph
from socialhub.domain.errors import InvalidInput
from socialhub.domain.users import access_user
from socialhub.models import Block, User
from socialhub.realtime.events import publish_on_commit


def is_blocked_between(session: Session, a: int, b: int) -> bool:
    """True when either user blocks the other."""
    row = session.exec(
        select(Block).where(
            or_(
                (col(Block.blocker_id) == a) & (col(Block.blocked_id) == b),
                (col(Block.blocker_id) == b) & (col(Block.blocked_id) == a),
            )
        )
    ).first()
    return row is not None


def blocks(session: Session, blocker: int, blocked: int) -> bool:
    return session.get(Block, (blocker, blocked)) is not None


def list_blocked(session: Session, actor: User) -> list[User]:
    return list(
        session.exec(
            select(User)
            .join(Block, col(Block.blocked_id) == col(User.id))
            .where(Block.blocker_id == actor.id)
            .order_by(col(User.username_lower))
        ).all()
    )


def check_block(session: Session, actor: User, username: str) -> User:
    target = access_user(session, username)
    if target.id == actor.id:
        raise InvalidInput("you cannot block yourself", field="username", code="block_self")
    assert actor.id is not None
    assert target.id is not None
    if not blocks(session, actor.id, target.id):
        session.add(Block(blocker_id=actor.id, blocked_id=target.id))
        # A block ends every tie between the two; none can be made again while it lasts.
        graph.do_cut_ties(session, actor, target)
        session.flush()
        publish_on_commit(
            session,
            type="block",
            op="add",
            data={"user_id": target.id, "username": target.username},
            users=[actor.id],
        )
    return target


def check_unblock(session: Session, actor: User, username: str) -> User:
    target = access_user(session, username)
    assert actor.id is not None
    assert target.id is not None
    row = session.get(Block, (actor.id, target.id))
    if row is not None:
        session.delete(row)
        session.flush()
        publish_on_commit(
            session,
            type="block",
            op="remove",
            data={"user_id": target.id, "username": target.username},
            users=[actor.id],
        )
    return target
