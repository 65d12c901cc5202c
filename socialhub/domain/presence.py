"""Online status and last seen, shown only to whom the user allows (and never across a block)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain import blocks
from socialhub.domain.users import access_user
from socialhub.models import (
    Block,
    Conversation,
    ConversationKind,
    Presence,
    PresenceConnection,
    PresenceVisibility,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.users import PresenceView
from socialhub.realtime.events import publish_ephemeral, user_key

# Each worker refreshes its users' `last_seen_at` at least this often (one write for all its
# clients); past STALE a user counts as gone (a crashed worker cannot mark its users offline).
HEARTBEAT = timedelta(seconds=30)
STALE = timedelta(seconds=90)


def _dm_key(a: int, b: int) -> str:
    return f"{min(a, b)}:{max(a, b)}"


def dm_contacts(session: Session, user_id: int) -> list[int]:
    """Everyone the user has a DM with: their "contacts"."""
    keys = session.exec(
        select(Conversation.dm_key).where(
            Conversation.kind == ConversationKind.dm.value,
            col(Conversation.dm_key).like(f"{user_id}:%")
            | col(Conversation.dm_key).like(f"%:{user_id}"),
        )
    ).all()
    others = set()
    for key in keys:
        if key:
            a, b = (int(x) for x in key.split(":"))
            others.add(b if a == user_id else a)
    others.discard(user_id)
    return sorted(others)


def may_see(session: Session, viewer_id: int, target: User) -> bool:
    assert target.id is not None
    if viewer_id == target.id:
        return True
    if blocks.is_blocked_between(session, viewer_id, target.id):
        return False
    visibility = PresenceVisibility(target.presence_visibility)
    if visibility is PresenceVisibility.nobody:
        return False
    if visibility is PresenceVisibility.contacts:
        return (
            session.exec(
                select(Conversation.id).where(Conversation.dm_key == _dm_key(viewer_id, target.id))
            ).first()
            is not None
        )
    return True


def presence_view(session: Session, viewer_id: int, target: User) -> PresenceView:
    return _view(target, visible=may_see(session, viewer_id, target))


def presence_views(
    session: Session, viewer_id: int, targets: Sequence[User]
) -> dict[int, PresenceView]:
    """`presence_view` for many users at once (a member list page): the same rule, with the
    blocks and DM contacts read in two queries instead of two per user."""
    ids = [t.id for t in targets if t.id is not None and t.id != viewer_id]
    blocked: set[int] = set()
    if ids:
        for blocker, blocked_id in session.execute(
            sa.select(col(Block.blocker_id), col(Block.blocked_id)).where(
                ((col(Block.blocker_id) == viewer_id) & col(Block.blocked_id).in_(ids))
                | ((col(Block.blocked_id) == viewer_id) & col(Block.blocker_id).in_(ids))
            )
        ).all():
            blocked.add(blocked_id if blocker == viewer_id else blocker)
    needs_contacts = any(
        t.presence_visibility == PresenceVisibility.contacts.value for t in targets
    )
    contacts = set(dm_contacts(session, viewer_id)) if needs_contacts else set()
    views: dict[int, PresenceView] = {}
    for target in targets:
        assert target.id is not None
        visibility = PresenceVisibility(target.presence_visibility)
        visible = target.id == viewer_id or (
            target.id not in blocked
            and visibility is not PresenceVisibility.nobody
            and (visibility is not PresenceVisibility.contacts or target.id in contacts)
        )
        views[target.id] = _view(target, visible=visible)
    return views


def _view(target: User, *, visible: bool) -> PresenceView:
    if not visible or target.presence == Presence.invisible.value:
        return PresenceView(status="hidden", last_seen_at=None)
    fresh = target.last_seen_at is not None and utcnow() - target.last_seen_at < STALE
    if target.online and fresh:
        status = target.presence if target.presence in ("idle", "dnd") else "online"
        return PresenceView(status=status, last_seen_at=target.last_seen_at)
    return PresenceView(status="offline", last_seen_at=target.last_seen_at)


def get_presence(session: Session, viewer: User, username: str) -> PresenceView:
    return presence_view(session, viewer.id or 0, access_user(session, username))


def _announce(session: Session, user: User) -> None:
    """Tell the user's contacts who may see it, right away (not stored)."""
    assert user.id is not None
    watchers = [uid for uid in dm_contacts(session, user.id) if may_see(session, uid, user)]
    view = presence_view(session, watchers[0], user) if watchers else None
    if view is None:
        return
    publish_ephemeral(
        type="presence",
        op="update",
        data={"user_id": user.id, **view.model_dump(mode="json")},
        keys=[user_key(uid) for uid in watchers],
    )


def do_connected(session: Session, user_id: int, *, worker: str) -> None:
    """A client of the user connected to `worker`, or is still connected (heartbeat)."""
    user = session.get(User, user_id)
    if user is None:
        return
    now = utcnow()
    row = session.get(PresenceConnection, (worker, user_id))
    if row is None:
        session.add(PresenceConnection(worker=worker, user_id=user_id, seen_at=now))
    else:
        row.seen_at = now
        session.add(row)
    was_online = user.online and user.last_seen_at is not None and now - user.last_seen_at < STALE
    user.online = True
    user.last_seen_at = now
    session.add(user)
    session.flush()
    if not was_online:
        _announce(session, user)


def do_worker_heartbeat(session: Session, *, worker: str) -> None:
    """`worker` still holds its clients: refresh its rows and its users' last seen time."""
    now = utcnow()
    held = select(PresenceConnection.user_id).where(col(PresenceConnection.worker) == worker)
    session.execute(
        sa.update(User).where(col(User.id).in_(held)).values(last_seen_at=now, online=True)
    )
    session.execute(
        sa.update(PresenceConnection)
        .where(col(PresenceConnection.worker) == worker)
        .values(seen_at=now)
    )


def do_disconnected(session: Session, user_id: int, *, worker: str) -> None:
    """The user's last client on `worker` went away: offline unless another worker still has
    one (a live row there, refreshed within STALE)."""
    now = utcnow()
    session.execute(
        sa.delete(PresenceConnection).where(
            col(PresenceConnection.worker) == worker, col(PresenceConnection.user_id) == user_id
        )
    )
    elsewhere = session.exec(
        select(PresenceConnection.worker).where(
            col(PresenceConnection.user_id) == user_id,
            col(PresenceConnection.seen_at) > now - STALE,
        )
    ).first()
    user = session.get(User, user_id)
    if elsewhere is not None or user is None or not user.online:
        return
    user.online = False
    user.last_seen_at = now
    session.add(user)
    session.flush()
    _announce(session, user)
