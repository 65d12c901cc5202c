"""The ONE permission function of servers, and the access checks built on it.

`channel_permissions` follows Discord's documented order: the owner has everything; otherwise
the base is @everyone's bits OR every role's bits, and ADMINISTRATOR grants everything; then a
channel's overwrites apply (@everyone deny/allow, then the member's roles' deny/allow together,
then the member's own deny/allow); without VIEW_CHANNEL nothing else is left; a timed-out member
keeps only VIEW_CHANNEL and READ_HISTORY. A channel `synced` with its category uses the
category's overwrites. Every rule asks it; the UI receives `can_*` flags from it.

What it reads about a server (roles, channels, overwrites) is a `ServerSnapshot`, cached per
process and keyed by the server's `perm_version`, which every change to those rows bumps: a send
in a big server costs one row read for the membership and one for the member's roles.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntFlag
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.models import (
    Conversation,
    ConversationKind,
    MemberRoleLink,
    PermissionOverwrite,
    Role,
    Server,
    ServerMember,
    Thread,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.threads import THREAD_TYPE
from socialhub.realtime.events import publish_on_commit, register_stream_source


class Permission(IntFlag):
    VIEW_CHANNEL = 1 << 0
    SEND_MESSAGES = 1 << 1
    READ_HISTORY = 1 << 2
    ADD_REACTIONS = 1 << 3
    ATTACH_FILES = 1 << 4
    MENTION_EVERYONE = 1 << 5
    MANAGE_MESSAGES = 1 << 6
    MANAGE_CHANNELS = 1 << 7
    MANAGE_ROLES = 1 << 8
    MANAGE_SERVER = 1 << 9
    CREATE_INVITE = 1 << 10
    KICK_MEMBERS = 1 << 11
    BAN_MEMBERS = 1 << 12
    MODERATE_MEMBERS = 1 << 13
    MANAGE_EMOJI = 1 << 14
    MANAGE_WEBHOOKS = 1 << 15
    VIEW_AUDIT_LOG = 1 << 16
    ADMINISTRATOR = 1 << 17
    CHANGE_NICKNAME = 1 << 18
    MANAGE_NICKNAMES = 1 << 19
    CREATE_THREADS = 1 << 20
    SEND_IN_THREADS = 1 << 21


# Every bit we define; stored bitmasks never carry others (the top bit stays clear, so a
# signed 64-bit column holds any mask).
ALL = int(sum(Permission))
PERMISSION_BITS = 63

# What @everyone may do in a new server.
DEFAULT_EVERYONE = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.READ_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.ATTACH_FILES
    | Permission.CREATE_INVITE
    | Permission.CHANGE_NICKNAME
    | Permission.CREATE_THREADS
    | Permission.SEND_IN_THREADS
)
# What a timed-out member keeps.
TIMEOUT_KEEPS = int(Permission.VIEW_CHANNEL | Permission.READ_HISTORY)
# Permissions that make sense on a channel overwrite (the rest are server-wide).
CHANNEL_SCOPED = int(
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.READ_HISTORY
    | Permission.ADD_REACTIONS
    | Permission.ATTACH_FILES
    | Permission.MENTION_EVERYONE
    | Permission.MANAGE_MESSAGES
    | Permission.MANAGE_CHANNELS
    | Permission.MANAGE_ROLES
    | Permission.CREATE_INVITE
    | Permission.MANAGE_WEBHOOKS
    | Permission.CREATE_THREADS
    | Permission.SEND_IN_THREADS
)

DESCRIPTIONS: dict[Permission, tuple[str, str]] = {
    Permission.VIEW_CHANNEL: ("View channels", "See channels and read new messages in them."),
    Permission.SEND_MESSAGES: (
        "Send messages",
        "Write in text channels and post in posts channels.",
    ),
    Permission.READ_HISTORY: (
        "Read message history",
        "Scroll back through what was said before they opened the channel.",
    ),
    Permission.ADD_REACTIONS: ("Add reactions", "React to messages with emoji."),
    Permission.ATTACH_FILES: ("Attach files", "Send pictures and files."),
    Permission.MENTION_EVERYONE: (
        "Mention @everyone and @here",
        "Notify every member, or everyone online, at once.",
    ),
    Permission.MANAGE_MESSAGES: (
        "Manage messages",
        "Delete anyone's messages and pin or unpin messages.",
    ),
    Permission.MANAGE_CHANNELS: (
        "Manage channels",
        "Create, rename, reorder and delete channels and categories, and set slow mode.",
    ),
    Permission.MANAGE_ROLES: (
        "Manage roles",
        "Create and edit roles below their own, and give them to members.",
    ),
    Permission.MANAGE_SERVER: (
        "Manage server",
        "Change the server's name, icon and settings, and accept join requests.",
    ),
    Permission.CREATE_INVITE: ("Create invites", "Invite people with a link."),
    Permission.KICK_MEMBERS: ("Kick members", "Remove members; they may come back by invite."),
    Permission.BAN_MEMBERS: ("Ban members", "Remove members for good and keep them out."),
    Permission.MODERATE_MEMBERS: (
        "Time out members",
        "Stop a member from talking or reacting for a while.",
    ),
    Permission.MANAGE_EMOJI: ("Manage emoji", "Add and remove the server's custom emoji."),
    Permission.MANAGE_WEBHOOKS: ("Manage webhooks", "Create and delete webhooks."),
    Permission.VIEW_AUDIT_LOG: ("View audit log", "Read the record of moderators' actions."),
    Permission.ADMINISTRATOR: (
        "Administrator",
        "Every permission, in every channel, whatever the overwrites. Give it with care.",
    ),
    Permission.CHANGE_NICKNAME: (
        "Change nickname",
        "Choose the name they go by in this server.",
    ),
    Permission.MANAGE_NICKNAMES: (
        "Manage nicknames",
        "Change or clear the nicknames of members below their own highest role.",
    ),
    Permission.CREATE_THREADS: (
        "Create threads",
        "Start a thread from a message, or an empty one, in channels they can see.",
    ),
    Permission.SEND_IN_THREADS: (
        "Send messages in threads",
        "Write in threads, which reopens an archived one.",
    ),
}


def parse_bits(raw: object, *, field: str) -> int:
    """A permission bitmask from JSON: a decimal string (as Discord sends them, since
    JavaScript numbers lose bits above 2^53) or a plain integer; only known bits."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise InvalidInput(f"{field} must be a decimal string", field=field, code="bad_bitmask")
    text = str(raw).strip()
    if not text.isdigit() or len(text) > 20:
        raise InvalidInput(f"{field} must be a decimal string", field=field, code="bad_bitmask")
    value = int(text)
    if value >= 1 << PERMISSION_BITS or value & ~ALL:
        raise InvalidInput(f"{field} has unknown permission bits", field=field, code="bad_bitmask")
    return value


def names(bits: int) -> list[str]:
    return [p.name or "" for p in Permission if bits & p]


# The snapshot --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleFacts:
    id: str
    name: str
    position: int
    permissions: int
    mentionable: bool
    colour: str
    is_everyone: bool


@dataclass(frozen=True)
class OverwriteFacts:
    target_type: str
    target_id: str
    allow: int
    deny: int


@dataclass(frozen=True)
class ChannelFacts:
    id: str
    category_id: str | None
    synced: bool
    channel_type: str
    # A thread's parent channel: what a member may do in a thread follows from it.
    parent_id: str | None = None


@dataclass(frozen=True)
class ServerSnapshot:
    """What the permission function reads about a server, immutable and shared."""

    server_id: str
    owner_id: int
    version: int
    everyone_id: str
    roles: Mapping[str, RoleFacts]
    channels: Mapping[str, ChannelFacts]
    overwrites: Mapping[str, tuple[OverwriteFacts, ...]]


@dataclass(frozen=True)
class MemberFacts:
    user_id: int
    role_ids: frozenset[str]
    timeout_until: datetime | None = None

    def timed_out(self, now: datetime | None = None) -> bool:
        return self.timeout_until is not None and self.timeout_until > (now or utcnow())


def base_permissions(snapshot: ServerSnapshot, member: MemberFacts) -> int:
    """Server-wide: owner, then @everyone | roles, then ADMINISTRATOR."""
    if member.user_id == snapshot.owner_id:
        return ALL
    bits = snapshot.roles[snapshot.everyone_id].permissions
    for role_id in member.role_ids:
        role = snapshot.roles.get(role_id)
        if role is not None:
            bits |= role.permissions
    if bits & Permission.ADMINISTRATOR:
        return ALL
    return bits


def _overwrites_for(snapshot: ServerSnapshot, channel: ChannelFacts) -> tuple[OverwriteFacts, ...]:
    if channel.synced and channel.category_id is not None:
        return snapshot.overwrites.get(channel.category_id, ())
    return snapshot.overwrites.get(channel.id, ())


def apply_overwrites(
    bits: int, overwrites: Iterable[OverwriteFacts], everyone_id: str, member: MemberFacts
) -> int:
    """@everyone's overwrite, then the member's roles' together, then the member's own."""
    listed = list(overwrites)
    for o in listed:
        if o.target_type == "role" and o.target_id == everyone_id:
            bits = (bits & ~o.deny) | o.allow
    allow = deny = 0
    for o in listed:
        if o.target_type == "role" and o.target_id in member.role_ids:
            allow |= o.allow
            deny |= o.deny
    bits = (bits & ~deny) | allow
    for o in listed:
        if o.target_type == "member" and o.target_id == str(member.user_id):
            bits = (bits & ~o.deny) | o.allow
    return bits


def channel_permissions(
    snapshot: ServerSnapshot,
    member: MemberFacts,
    channel_id: str | None = None,
    *,
    now: datetime | None = None,
) -> int:
    """What `member` may do in `channel_id` (or server-wide when None)."""
    bits = base_permissions(snapshot, member)
    if bits == ALL:  # the owner and administrators: overwrites and timeouts do not apply
        return ALL
    if channel_id is not None:
        channel = snapshot.channels.get(channel_id)
        if channel is None:
            return 0
        if channel.channel_type == THREAD_TYPE and channel.parent_id is None:
            return 0  # a thread whose channel is gone is nobody's
        if channel.parent_id is not None:
            return thread_permissions(
                channel_permissions(snapshot, member, channel.parent_id, now=now)
            )
        bits = apply_overwrites(
            bits, _overwrites_for(snapshot, channel), snapshot.everyone_id, member
        )
        if not bits & Permission.VIEW_CHANNEL:
            return 0
    if member.timed_out(now):
        bits &= TIMEOUT_KEEPS
    return bits


def thread_permissions(parent_bits: int) -> int:
    """A thread's: its parent channel's, where SEND_IN_THREADS stands for SEND_MESSAGES (as in
    Discord, a channel may be read-only and its threads open, or the other way round)."""
    if parent_bits == ALL:
        return ALL
    bits = parent_bits & ~Permission.SEND_MESSAGES
    if parent_bits & Permission.SEND_IN_THREADS:
        bits |= Permission.SEND_MESSAGES
    return int(bits)


def highest_position(snapshot: ServerSnapshot, member: MemberFacts) -> int:
    """The member's rank: their highest role's position (the owner outranks everyone)."""
    if member.user_id == snapshot.owner_id:
        return 1 << 30
    return max(
        (snapshot.roles[r].position for r in member.role_ids if r in snapshot.roles), default=0
    )


def outranks(snapshot: ServerSnapshot, actor: MemberFacts, target: MemberFacts) -> bool:
    """The hierarchy: nobody acts on a member at or above their own highest role, except the
    owner (and nobody acts on the owner)."""
    if target.user_id == snapshot.owner_id:
        return False
    if actor.user_id == snapshot.owner_id:
        return True
    return highest_position(snapshot, actor) > highest_position(snapshot, target)


def above_role(snapshot: ServerSnapshot, actor: MemberFacts, role_position: int) -> bool:
    """Whether the actor may manage or assign a role at `role_position`."""
    return actor.user_id == snapshot.owner_id or highest_position(snapshot, actor) > role_position


# Loading and caching --------------------------------------------------------------------------


@dataclass
class _Cache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshots: dict[str, ServerSnapshot] = field(default_factory=dict)


_cache = _Cache()


def _load_snapshot(session: Session, server: Server) -> ServerSnapshot:
    roles = {
        r.id: RoleFacts(
            r.id, r.name, r.position, r.permissions, r.mentionable, r.colour, r.is_everyone
        )
        for r in session.exec(select(Role).where(Role.server_id == server.id)).all()
    }
    everyone = next(r.id for r in roles.values() if r.is_everyone)
    channels = {
        row.id: ChannelFacts(row.id, row.category_id, row.synced, row.channel_type or "text")
        for row in session.execute(
            sa.select(
                col(Conversation.id),
                col(Conversation.category_id),
                col(Conversation.synced),
                col(Conversation.channel_type),
            ).where(col(Conversation.server_id) == server.id)
        ).all()
    }
    parents = dict(
        session.execute(
            sa.select(col(Thread.conversation_id), col(Thread.parent_id)).where(
                col(Thread.server_id) == server.id
            )
        ).all()
    )
    for thread_id, parent_id in parents.items():
        if thread_id in channels:
            channels[thread_id] = ChannelFacts(
                thread_id, None, False, channels[thread_id].channel_type, parent_id
            )
    overwrites: dict[str, list[OverwriteFacts]] = {}
    for o in session.exec(
        select(PermissionOverwrite).where(PermissionOverwrite.server_id == server.id)
    ).all():
        overwrites.setdefault(o.scope_id, []).append(
            OverwriteFacts(o.target_type, o.target_id, o.allow, o.deny)
        )
    return ServerSnapshot(
        server_id=server.id,
        owner_id=server.owner_id,
        version=server.perm_version,
        everyone_id=everyone,
        roles=roles,
        channels=channels,
        overwrites={k: tuple(v) for k, v in overwrites.items()},
    )


def snapshot(session: Session, server: Server, *, cached: bool = True) -> ServerSnapshot:
    """The server's permission facts at its current `perm_version` (and owner)."""
    if cached:
        with _cache.lock:
            found = _cache.snapshots.get(server.id)
        if (
            found is not None
            and found.version == server.perm_version
            and found.owner_id == server.owner_id
        ):
            return found
    fresh = _load_snapshot(session, server)
    with _cache.lock:
        _cache.snapshots[server.id] = fresh
    return fresh


def bump_version(session: Session, server: Server) -> None:
    """Roles, overwrites or channels changed: every process reloads the snapshot."""
    session.execute(
        sa.update(Server)
        .where(col(Server.id) == server.id)
        .values(perm_version=col(Server.perm_version) + 1)
    )
    session.refresh(server, ["perm_version"])


def member_roles(session: Session, server_id: str, user_id: int) -> frozenset[str]:
    return frozenset(
        session.exec(
            select(MemberRoleLink.role_id).where(
                MemberRoleLink.server_id == server_id, MemberRoleLink.user_id == user_id
            )
        ).all()
    )


def member_facts(session: Session, member: ServerMember) -> MemberFacts:
    return MemberFacts(
        member.user_id,
        member_roles(session, member.server_id, member.user_id),
        member.timeout_until,
    )


@dataclass(frozen=True)
class ServerAccess:
    """A member in their server, with what they may do server-wide."""

    server: Server
    member: ServerMember
    facts: MemberFacts
    snapshot: ServerSnapshot
    bits: int

    def can(self, flag: Permission) -> bool:
        return bool(self.bits & flag)

    def require(self, flag: Permission, message: str | None = None) -> None:
        if not self.bits & flag:
            raise PermissionDenied(
                message or f"you need the {names(int(flag))[0]} permission",
                code="missing_permission",
                details={"permission": flag.name},
            )

    def in_channel(self, channel_id: str) -> int:
        return channel_permissions(self.snapshot, self.facts, channel_id)


@dataclass(frozen=True)
class ChannelAccess:
    """A member in one channel of their server, with what they may do there."""

    channel: Conversation
    server: ServerAccess
    bits: int

    def can(self, flag: Permission) -> bool:
        return bool(self.bits & flag)

    def require(self, flag: Permission, message: str | None = None) -> None:
        if not self.bits & flag:
            raise PermissionDenied(
                message or f"you need the {names(int(flag))[0]} permission here",
                code="missing_permission",
                details={"permission": flag.name},
            )


def server_not_found() -> NotFound:
    return NotFound("no such server", code="server_not_found")


def channel_not_found() -> NotFound:
    return NotFound("no such channel", code="channel_not_found")


def access_server(session: Session, actor: User, server_id: str) -> ServerAccess:
    """The server and the actor's membership; NotFound for non-members, unknown and deleted
    servers alike."""
    found = (
        session.exec(
            select(Server, ServerMember)
            .join(ServerMember, col(ServerMember.server_id) == col(Server.id))
            .where(
                col(Server.id) == server_id,
                col(ServerMember.user_id) == (actor.id or 0),
                col(Server.deleted_at).is_(None),
            )
        ).first()
        if server_id
        else None
    )
    if found is None:
        raise server_not_found()
    server, member = found
    facts = member_facts(session, member)
    snap = snapshot(session, server)
    return ServerAccess(server, member, facts, snap, channel_permissions(snap, facts))


def access_channel(
    session: Session, actor: User, channel_id: str, *, channel: Conversation | None = None
) -> ChannelAccess:
    """A channel the actor may view; NotFound for channels they cannot see (missing and
    forbidden look the same)."""
    channel = channel or (session.get(Conversation, channel_id) if channel_id else None)
    if channel is None or channel.kind != ConversationKind.channel.value or not channel.server_id:
        raise channel_not_found()
    try:
        server = access_server(session, actor, channel.server_id)
    except NotFound as exc:
        raise channel_not_found() from exc
    bits = server.in_channel(channel.id)
    if not bits & Permission.VIEW_CHANNEL:
        raise channel_not_found()
    return ChannelAccess(channel, server, bits)


def viewable_channels(session: Session, user_id: int) -> dict[str, int]:
    """Every stream a user's client follows for their servers: each server's own (its id) and
    each channel they may view, with the position their membership starts at."""
    spans: dict[str, int] = {}
    rows = session.exec(
        select(Server, ServerMember)
        .join(ServerMember, col(ServerMember.server_id) == col(Server.id))
        .where(col(ServerMember.user_id) == user_id, col(Server.deleted_at).is_(None))
    ).all()
    for server, member in rows:
        snap = snapshot(session, server)
        facts = member_facts(session, member)
        spans[server.id] = member.joined_position
        for channel_id in snap.channels:
            if channel_permissions(snap, facts, channel_id) & Permission.VIEW_CHANNEL:
                spans[channel_id] = member.joined_position
    return spans


def _members_facts(session: Session, server_id: str, user_ids: Sequence[int]) -> list[MemberFacts]:
    """What the permission function needs about these members of the server (the others
    are left out): two queries, whatever their number."""
    timeouts = dict(
        session.execute(
            sa.select(col(ServerMember.user_id), col(ServerMember.timeout_until)).where(
                col(ServerMember.server_id) == server_id,
                col(ServerMember.user_id).in_(list(user_ids)),
            )
        ).all()
    )
    roles: dict[int, set[str]] = {}
    for user_id, role_id in session.execute(
        sa.select(col(MemberRoleLink.user_id), col(MemberRoleLink.role_id)).where(
            col(MemberRoleLink.server_id) == server_id,
            col(MemberRoleLink.user_id).in_(list(timeouts)),
        )
    ).all():
        roles.setdefault(user_id, set()).add(role_id)
    return [
        MemberFacts(uid, frozenset(roles.get(uid, ())), until) for uid, until in timeouts.items()
    ]


def channel_viewers(
    session: Session, server: Server, channel_id: str, user_ids: Sequence[int]
) -> list[int]:
    """Which of `user_ids` (members of `server`) may view the channel."""
    snap = snapshot(session, server)
    return [
        facts.user_id
        for facts in _members_facts(session, server.id, user_ids)
        if channel_permissions(snap, facts, channel_id) & Permission.VIEW_CHANNEL
    ]


def members_who_can(session: Session, server: Server, flag: Permission) -> list[int]:
    """The members who hold `flag` server-wide (e.g. who may review join requests): the owner
    and the holders of the roles that grant it or ADMINISTRATOR, found through those roles,
    not by reading every member of a big server (unless @everyone grants it)."""
    snap = snapshot(session, server)
    granting = int(flag | Permission.ADMINISTRATOR)
    if snap.roles[snap.everyone_id].permissions & granting:
        candidates = list(
            session.exec(
                select(ServerMember.user_id).where(ServerMember.server_id == server.id)
            ).all()
        )
    else:
        roles = [r.id for r in snap.roles.values() if r.permissions & granting]
        candidates = [server.owner_id]
        if roles:
            candidates += session.exec(
                select(MemberRoleLink.user_id).where(
                    MemberRoleLink.server_id == server.id, col(MemberRoleLink.role_id).in_(roles)
                )
            ).all()
    return sorted(
        facts.user_id
        for facts in _members_facts(session, server.id, sorted(set(candidates)))
        if channel_permissions(snap, facts) & flag
    )


def publish_server_event(
    session: Session,
    server_id: str,
    *,
    type: str,
    op: str,
    data: dict[str, Any],
    users: Iterable[int] = (),
) -> None:
    """A change to the server itself (channels, roles, members), stored once in the server's
    own stream for every member; `users` also hear it in their own streams (those it is about,
    e.g. the member kicked, who is no longer a member)."""
    payload = {"server_id": server_id, **data}
    publish_on_commit(session, type=type, op=op, data=payload, conversation=server_id, users=users)


# Clients follow their servers' streams and the channels they may view (the realtime layer asks).
register_stream_source(viewable_channels)
