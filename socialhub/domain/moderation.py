"""Moderating a server's members: kick, ban (and delete their recent messages), unban, timeout;
and reading the audit log.

Every action asks the permission function for its permission (KICK_MEMBERS, BAN_MEMBERS,
MODERATE_MEMBERS) and the hierarchy (`permissions.outranks`): nobody acts on themselves, on the
owner, or on a member whose highest role is at or above their own (the owner excepted);
administrators cannot be timed out. Each action is audited in its own transaction.

Importing this module also arms automod on channel sends (`automod` registers its hook).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain import automod, messages, permissions, servers
from socialhub.domain.audit import do_audit
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.pagination import parse_time_cursor, time_cursor
from socialhub.domain.permissions import MemberFacts, Permission, ServerAccess, access_server
from socialhub.domain.validation import clean_text
from socialhub.models import (
    AuditLogEntry,
    ChannelCategory,
    Conversation,
    Message,
    MessageKind,
    Role,
    Server,
    ServerBan,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.moderation_views import (
    AuditEntryView,
    AuditPage,
    BanPage,
    BanView,
    TimeoutView,
)

__all__ = ["automod"]  # imported for its registration on channel sends

REASON_MAX = 500
PAGE_MAX = 100
ACTION_MAX = 40
TARGET_ID_MAX = 32
# The timeouts one may choose, in seconds: 60 s, 5 min, 10 min, 1 h, 1 day, 1 week.
TIMEOUT_SECONDS = (60, 300, 600, 3600, 86400, 604800)


class DeleteWindow(StrEnum):
    """How much of a banned member's recent messages go with them."""

    none = "none"
    hour = "hour"
    day = "day"
    week = "week"


WINDOWS = {
    DeleteWindow.hour: timedelta(hours=1),
    DeleteWindow.day: timedelta(days=1),
    DeleteWindow.week: timedelta(weeks=1),
}


# Checks ---------------------------------------------------------------------------------------


def _reason(reason: str) -> str:
    return clean_text(reason or "", field="reason", max_length=REASON_MAX)


def _target_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


def _target_member(session: Session, server_id: str, user_id: int) -> ServerMember:
    member = session.get(ServerMember, (server_id, user_id)) if 0 < user_id < 2**31 else None
    if member is None:
        raise NotFound("this user is not a member of the server", code="member_not_found")
    return member


def require_outranks(access: ServerAccess, target: MemberFacts, verb: str) -> None:
    """The hierarchy of every moderation action (`verb`: "kick", "ban", "time out")."""
    if target.user_id == access.facts.user_id:
        raise PermissionDenied(f"you cannot {verb} yourself", code="cannot_moderate_self")
    if target.user_id == access.snapshot.owner_id:
        raise PermissionDenied(
            f"nobody can {verb} the server's owner", code="cannot_moderate_owner"
        )
    if not permissions.outranks(access.snapshot, access.facts, target):
        raise PermissionDenied(
            f"you can only {verb} members whose highest role is below yours",
            code="role_hierarchy",
        )


# Kick and ban -----------------------------------------------------------------------------------


def check_kick_member(
    session: Session, actor: User, server_id: str, user_id: int, *, reason: str = ""
) -> None:
    """KICK_MEMBERS: the member leaves; a new invite brings them back."""
    access = access_server(session, actor, server_id)
    access.require(Permission.KICK_MEMBERS)
    text = _reason(reason)
    target = _target_member(session, server_id, user_id)
    require_outranks(access, permissions.member_facts(session, target), "kick")
    do_kick_member(session, access.server, actor.id, user_id, reason=text)


def do_kick_member(
    session: Session, server: Server, actor_id: int | None, user_id: int, *, reason: str
) -> None:
    do_audit(
        session,
        server.id,
        actor_id,
        "member_kick",
        target_type="user",
        target_id=user_id,
        reason=reason,
    )
    servers.do_remove_member(session, server, user_id, reason="kicked")


def check_ban_member(
    session: Session,
    actor: User,
    server_id: str,
    user_id: int,
    *,
    reason: str = "",
    delete_messages: str = DeleteWindow.none.value,
) -> ServerBan:
    """BAN_MEMBERS: the user leaves (if a member: anyone may be banned ahead) and cannot come
    back through any invite; optionally their messages of the last hour, day or week, in every
    channel, are deleted. Banning again updates the reason."""
    access = access_server(session, actor, server_id)
    access.require(Permission.BAN_MEMBERS)
    text = _reason(reason)
    try:
        window = DeleteWindow(delete_messages)
    except ValueError as exc:
        raise InvalidInput(
            "delete_messages must be none, hour, day or week",
            field="delete_messages",
            code="bad_window",
        ) from exc
    user = _target_user(session, user_id)
    member = session.get(ServerMember, (server_id, user_id))
    facts = (
        permissions.member_facts(session, member)
        if member is not None
        else MemberFacts(user_id, frozenset())
    )
    require_outranks(access, facts, "ban")
    return do_ban_member(session, access.server, actor.id, user, reason=text, window=window)


def do_ban_member(
    session: Session,
    server: Server,
    actor_id: int | None,
    user: User,
    *,
    reason: str,
    window: DeleteWindow = DeleteWindow.none,
) -> ServerBan:
    assert user.id is not None
    ban = session.get(ServerBan, (server.id, user.id))
    if ban is None:
        ban = ServerBan(server_id=server.id, user_id=user.id)
    ban.reason = reason
    ban.banned_by = actor_id
    session.add(ban)
    was_member = session.get(ServerMember, (server.id, user.id)) is not None
    deleted = do_delete_recent_messages(session, server, user.id, window)
    do_audit(
        session,
        server.id,
        actor_id,
        "member_ban",
        target_type="user",
        target_id=user.id,
        reason=reason,
        changes={"delete_messages": window.value, "deleted": deleted, "was_member": was_member},
    )
    if was_member:
        servers.do_remove_member(session, server, user.id, reason="banned")
    session.flush()
    _bans_changed(session, server.id)
    return ban


def _bans_changed(session: Session, server_id: str) -> None:
    """The server's list of bans changed. Every member hears it (a settings page showing the
    list reads it again), so it names nobody: the list itself is for BAN_MEMBERS."""
    permissions.publish_server_event(session, server_id, type="bans", op="update", data={})


def do_delete_recent_messages(
    session: Session, server: Server, user_id: int, window: DeleteWindow
) -> int:
    """Delete (tombstone, as a delete for everyone does) the user's messages of the window in
    every channel of the server; how many."""
    span = WINDOWS.get(window)
    if span is None:
        return 0
    rows = session.exec(
        select(Message, Conversation)
        .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
        .where(
            col(Conversation.server_id) == server.id,
            col(Message.author_id) == user_id,
            col(Message.created_at) >= utcnow() - span,
            col(Message.deleted_at).is_(None),
            col(Message.kind) == MessageKind.text.value,
        )
        .order_by(col(Message.conversation_id), col(Message.seq))
    ).all()
    for message, conversation in rows:
        messages.do_delete_message(session, conversation, message)
    return len(rows)


def check_unban(session: Session, actor: User, server_id: str, user_id: int) -> None:
    access = access_server(session, actor, server_id)
    access.require(Permission.BAN_MEMBERS)
    ban = session.get(ServerBan, (server_id, user_id)) if 0 < user_id < 2**31 else None
    if ban is None:
        raise NotFound("this user is not banned", code="ban_not_found")
    session.delete(ban)
    do_audit(session, server_id, actor.id, "member_unban", target_type="user", target_id=user_id)
    session.flush()
    _bans_changed(session, server_id)


def list_bans(
    session: Session, actor: User, server_id: str, *, cursor: str | None = None, limit: int = 50
) -> BanPage:
    """BAN_MEMBERS: the bans, newest first."""
    access = access_server(session, actor, server_id)
    access.require(Permission.BAN_MEMBERS)
    limit = max(1, min(limit, PAGE_MAX))
    query = select(ServerBan).where(ServerBan.server_id == server_id)
    if cursor:
        moment, last_id = parse_time_cursor(cursor)
        query = query.where(
            (col(ServerBan.created_at) < moment)
            | ((col(ServerBan.created_at) == moment) & (col(ServerBan.user_id) < last_id))
        )
    bans = list(
        session.exec(
            query.order_by(col(ServerBan.created_at).desc(), col(ServerBan.user_id).desc()).limit(
                limit + 1
            )
        ).all()
    )
    more = len(bans) > limit
    bans = bans[:limit]
    views = ban_views(session, bans)
    last = bans[-1] if bans else None
    return BanPage(
        bans=views,
        next_cursor=time_cursor(last.created_at, last.user_id) if more and last else None,
    )


def ban_views(session: Session, bans: Sequence[ServerBan]) -> list[BanView]:
    wanted: set[int | None] = {b.banned_by for b in bans}
    wanted |= {b.user_id for b in bans}
    users = _users(session, wanted)
    return [
        BanView(
            user=user_brief(users[b.user_id]),
            reason=b.reason,
            banned_by=user_brief(users[b.banned_by]) if b.banned_by in users else None,
            created_at=b.created_at,
        )
        for b in bans
        if b.user_id in users
    ]


def _users(session: Session, ids: set[int | None]) -> dict[int, User]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_(wanted))).all()
        if u.id is not None
    }


# Timeouts ---------------------------------------------------------------------------------------


def check_timeout_member(
    session: Session,
    actor: User,
    server_id: str,
    user_id: int,
    *,
    seconds: int,
    reason: str = "",
) -> ServerMember:
    """MODERATE_MEMBERS: for `seconds` (one of TIMEOUT_SECONDS) the member keeps only viewing
    channels and reading history. Administrators cannot be timed out."""
    access = access_server(session, actor, server_id)
    access.require(Permission.MODERATE_MEMBERS)
    if seconds not in TIMEOUT_SECONDS:
        raise InvalidInput(
            "a timeout lasts 60 s, 5 min, 10 min, 1 hour, 1 day or 1 week",
            field="duration_seconds",
            code="bad_duration",
            details={"allowed": list(TIMEOUT_SECONDS)},
        )
    text = _reason(reason)
    member = _target_member(session, server_id, user_id)
    facts = permissions.member_facts(session, member)
    require_outranks(access, facts, "time out")
    if permissions.base_permissions(access.snapshot, facts) & Permission.ADMINISTRATOR:
        raise PermissionDenied("administrators cannot be timed out", code="cannot_timeout_admin")
    return do_timeout_member(
        session,
        access.server,
        actor.id,
        member,
        until=utcnow() + timedelta(seconds=seconds),
        reason=text,
    )


def do_timeout_member(
    session: Session,
    server: Server,
    actor_id: int | None,
    member: ServerMember,
    *,
    until: datetime | None,
    reason: str = "",
) -> ServerMember:
    """Set (or with `until` None, end) a member's timeout; the members' lists hear it."""
    before = member.timeout_until
    member.timeout_until = until
    session.add(member)
    session.flush()
    if until is not None:
        do_audit(
            session,
            server.id,
            actor_id,
            "member_timeout",
            target_type="user",
            target_id=member.user_id,
            reason=reason,
            changes={
                "timeout_until": until.isoformat(),
                "duration_seconds": round((until - utcnow()).total_seconds()),
            },
        )
    else:
        do_audit(
            session,
            server.id,
            actor_id,
            "member_timeout_remove",
            target_type="user",
            target_id=member.user_id,
            reason=reason,
            changes={"timeout_until": before.isoformat() if before else None},
        )
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="update",
        data={"user_id": member.user_id, "timeout_until": until.isoformat() if until else None},
    )
    return member


def check_remove_timeout(
    session: Session, actor: User, server_id: str, user_id: int, *, reason: str = ""
) -> ServerMember:
    """MODERATE_MEMBERS: end a member's timeout now (nothing to do if they have none)."""
    access = access_server(session, actor, server_id)
    access.require(Permission.MODERATE_MEMBERS)
    text = _reason(reason)
    member = _target_member(session, server_id, user_id)
    require_outranks(access, permissions.member_facts(session, member), "time out")
    if member.timeout_until is None or member.timeout_until <= utcnow():
        if member.timeout_until is not None:
            member.timeout_until = None
            session.add(member)
            session.flush()
        return member
    return do_timeout_member(session, access.server, actor.id, member, until=None, reason=text)


def timeout_view(member: ServerMember) -> TimeoutView:
    until = member.timeout_until
    return TimeoutView(
        user_id=member.user_id, timeout_until=until if until and until > utcnow() else None
    )


# The audit log ----------------------------------------------------------------------------------


def list_audit_log(
    session: Session,
    actor: User,
    server_id: str,
    *,
    before: int | None = None,
    action: str | None = None,
    actor_id: int | None = None,
    target_id: str | None = None,
    limit: int = 50,
) -> AuditPage:
    """VIEW_AUDIT_LOG: entries newest first, by keyset on their id, optionally only one action,
    one actor, or one target."""
    access = access_server(session, actor, server_id)
    access.require(Permission.VIEW_AUDIT_LOG)
    limit = max(1, min(limit, PAGE_MAX))
    query = select(AuditLogEntry).where(AuditLogEntry.server_id == server_id)
    if before is not None:
        query = query.where(col(AuditLogEntry.id) < before)
    if action:
        query = query.where(AuditLogEntry.action == action[:ACTION_MAX])
    if actor_id is not None:
        query = query.where(AuditLogEntry.actor_id == actor_id)
    if target_id:
        query = query.where(AuditLogEntry.target_id == target_id[:TARGET_ID_MAX])
    rows = list(session.exec(query.order_by(col(AuditLogEntry.id).desc()).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(
        entries=audit_views(session, rows), next_before=rows[-1].id if more and rows else None
    )


def audit_views(session: Session, rows: Sequence[AuditLogEntry]) -> list[AuditEntryView]:
    member_ids = {
        int(r.target_id)
        for r in rows
        if r.target_type in ("user", "member") and r.target_id.isdigit()
    }
    wanted: set[int | None] = {r.actor_id for r in rows} | member_ids
    users = _users(session, wanted)
    views = []
    for r in rows:
        assert r.id is not None
        target = (
            users.get(int(r.target_id))
            if r.target_type in ("user", "member") and r.target_id.isdigit()
            else None
        )
        views.append(
            AuditEntryView(
                id=r.id,
                action=r.action,
                actor=user_brief(users[r.actor_id]) if r.actor_id in users else None,
                target_type=r.target_type,
                target_id=r.target_id,
                target_user=user_brief(target) if target else None,
                reason=r.reason,
                changes=r.changes,
                created_at=r.created_at,
            )
        )
    return views


def audit_targets(
    session: Session, server_id: str, entries: Sequence[AuditEntryView]
) -> dict[int, str]:
    """Each entry's target in words, by entry id: the server, a role or a category by its name,
    a channel as #name, a member by the name the server shows (and @username); an overwrite as
    its channel or category and whom it is for. What is gone keeps the name the entry recorded,
    if it recorded one. Entries about anything else are left out. Five queries at most."""

    def wanted(kind: str) -> set[str]:
        ids = {e.target_id for e in entries if e.target_type == kind}
        ids |= {_overwrite_for(e)[1] for e in entries if _overwrite_for(e)[0] == kind}
        return {i for i in ids if i}

    roles = _names(session, Role, wanted("role"))
    categories = _names(session, ChannelCategory, wanted("category"))
    channel_ids = wanted("channel")
    channels = (
        {
            c.id: "#" + c.title
            for c in session.exec(
                select(Conversation).where(
                    Conversation.server_id == server_id, col(Conversation.id).in_(channel_ids)
                )
            ).all()
        }
        if channel_ids
        else {}
    )
    member_ids = {e.target_user.id for e in entries if e.target_user}
    member_ids |= {int(i) for i in wanted("member") if i.isdigit() and len(i) < 10}
    members = servers.member_names(session, server_id, sorted(member_ids))
    server = session.get(Server, server_id)
    found: dict[str, dict[str, str]] = {
        "role": roles,
        "category": categories,
        "channel": channels,
        "server": {server_id: server.name} if server is not None else {},
    }
    out: dict[int, str] = {}
    for e in entries:
        if e.target_user is not None:
            handle = "@" + e.target_user.username
            shown = members.get(e.target_user.id, e.target_user.username)
            out[e.id] = handle if shown == e.target_user.username else f"{shown} ({handle})"
            continue
        names = found.get(e.target_type)
        if names is None:
            continue
        name = names.get(e.target_id) or _recorded_name(e)
        if not name:
            continue
        kind, whom_id = _overwrite_for(e)
        if kind == "role":
            name += " · " + roles.get(whom_id, "a deleted role")
        elif kind == "member":
            whom = members.get(int(whom_id)) if whom_id.isdigit() and len(whom_id) < 10 else None
            name += " · " + (whom or "a former member")
        out[e.id] = name
    return out


def _overwrite_for(entry: AuditEntryView) -> tuple[str, str]:
    """Whom an overwrite entry's overwrite is for: ("role" or "member", its id); ("", "") for
    entries of other actions."""
    if not entry.action.startswith("overwrite_"):
        return "", ""
    return str(entry.changes.get("target_type", "")), str(entry.changes.get("target_id", ""))


def _names(session: Session, table: type[Role | ChannelCategory], ids: set[str]) -> dict[str, str]:
    """The names of these roles or categories (the ids are the server's own: its entries')."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(col(table.id), col(table.name)).where(col(table.id).in_(sorted(ids)))
    ).all()
    return {str(row[0]): str(row[1]) for row in rows}


def _recorded_name(entry: AuditEntryView) -> str:
    """The name an entry recorded for its target: as it was made or renamed to, else as it was
    (a deletion records the old one). Changes are {"old", "new"}, [old, new] or the value."""
    name = entry.changes.get("name")
    if isinstance(name, dict):
        name = name.get("new") or name.get("old")
    elif isinstance(name, list):
        name = next((n for n in reversed(name) if n), None)
    if not name:
        return ""
    return ("#" if entry.target_type == "channel" else "") + str(name)
