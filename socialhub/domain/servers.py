"""Servers: create, join, leave (the core every other server module builds on).

A new server has its @everyone role (the defaults of `permissions.DEFAULT_EVERYONE`), a "Text
channels" category holding #general, and its owner as the first member.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.config import get_settings
from socialhub.domain import media, permissions, posts, presence, ratelimit
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import Conflict, FieldCheck, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.pagination import parse_time_cursor, time_cursor
from socialhub.domain.permissions import Permission
from socialhub.domain.users import avatar_urls
from socialhub.domain.validation import clean_text
from socialhub.models import (
    ChannelCategory,
    ChannelState,
    ChannelType,
    Conversation,
    ConversationEvent,
    ConversationKind,
    JoinMode,
    JoinRequest,
    JoinRequestStatus,
    MemberRoleLink,
    Message,
    NotificationSetting,
    Presence,
    PresenceVisibility,
    Role,
    Server,
    ServerBan,
    ServerInvite,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.chat import UserBrief
from socialhub.models.server_views import (
    CategoryView,
    ChannelView,
    DiscoveryItem,
    DiscoveryPage,
    InvitePreview,
    JoinRequestPage,
    JoinRequestView,
    MemberPage,
    MyServer,
    RoleBrief,
    ServerDetail,
    ServerFlags,
    ServerInviteView,
    ServerMemberView,
    ServerView,
)
from socialhub.models.servers import member_sort_name
from socialhub.models.threads import THREAD_TYPE
from socialhub.realtime.events import head, publish_on_commit

NAME_MAX = 100
DESCRIPTION_MAX = 1000


def do_create_channel(
    session: Session,
    server: Server,
    *,
    name: str,
    channel_type: ChannelType = ChannelType.text,
    category_id: str | None = None,
    position: int = 0,
    topic: str = "",
    created_by: int | None = None,
) -> Conversation:
    """A channel: a conversation of kind `channel` in the server (no member rows: the
    permission function decides who sees it)."""
    channel = Conversation(
        kind=ConversationKind.channel.value,
        server_id=server.id,
        channel_type=channel_type.value,
        category_id=category_id,
        position=position,
        title=name,
        topic=topic,
        created_by=created_by,
    )
    session.add(channel)
    session.flush()
    permissions.bump_version(session, server)
    return channel


def do_create_server(
    session: Session,
    owner: User,
    *,
    name: str,
    description: str = "",
    is_public: bool = False,
    join_mode: JoinMode | None = None,
) -> Server:
    assert owner.id is not None
    server = Server(
        name=name,
        name_lower=name.lower(),
        description=description,
        owner_id=owner.id,
        is_public=is_public,
        join_mode=(join_mode or (JoinMode.open if is_public else JoinMode.invite)).value,
    )
    session.add(server)
    session.flush()
    session.add(
        Role(
            server_id=server.id,
            name="@everyone",
            position=0,
            permissions=permissions.DEFAULT_EVERYONE,
            is_everyone=True,
        )
    )
    category = ChannelCategory(server_id=server.id, name="Text channels", position=0)
    session.add(category)
    session.flush()
    do_create_channel(session, server, name="general", category_id=category.id, created_by=owner.id)
    do_add_member(session, server, owner)
    do_audit(
        session, server.id, owner.id, "server_create", target_type="server", target_id=server.id
    )
    return server


def check_create_server(
    session: Session,
    actor: User,
    *,
    name: str,
    description: str = "",
    is_public: bool = False,
    join_mode: str | None = None,
) -> Server:
    clean_name = clean_text(name, field="name", max_length=NAME_MAX)
    if not clean_name:
        raise InvalidInput("give the server a name", field="name", code="empty")
    clean_description = clean_text(
        description, field="description", max_length=DESCRIPTION_MAX, multiline=True
    )
    mode = _parse_join_mode(join_mode) if join_mode is not None else None
    return do_create_server(
        session,
        actor,
        name=clean_name,
        description=clean_description,
        is_public=is_public,
        join_mode=mode,
    )


def _count_members(session: Session, server: Server, change: int) -> None:
    """In SQL, not from the loaded row: concurrent joins and leaves all count."""
    session.execute(
        sa.update(Server)
        .where(col(Server.id) == server.id)
        .values(member_count=col(Server.member_count) + change)
    )
    session.refresh(server, ["member_count"])


def do_add_member(session: Session, server: Server, user: User) -> ServerMember:
    """`user` joins: their membership starts at the stream's head (what came before is not
    theirs to replay); they hear it in their own stream, the members in the server's."""
    assert user.id is not None
    member = ServerMember(
        server_id=server.id,
        user_id=user.id,
        joined_position=head(session),
        sort_name=member_sort_name(shown_name("", user)),
    )
    session.add(member)
    session.flush()
    _count_members(session, server, 1)
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="add",
        # A bot joining changes the channels' `/` menus (state/commands.py).
        data={"user_id": user.id, "member_count": server.member_count, "is_bot": user.is_bot},
    )
    publish_on_commit(
        session, type="server", op="add", data={"server_id": server.id}, users=[user.id]
    )
    return member


def shown_name(nickname: str, user: User) -> str:
    """The name a member goes by in a server: the nickname, else the display name, else the
    username."""
    return nickname or user.display_name or user.username


def do_set_nickname(session: Session, member: ServerMember, nickname: str) -> ServerMember:
    """The member's name in this server ("" for none), and where it sorts in the list."""
    user = session.get(User, member.user_id)
    assert user is not None
    member.nickname = nickname
    member.sort_name = member_sort_name(shown_name(nickname, user))
    session.add(member)
    session.flush()
    return member


# Nicknames ---------------------------------------------------------------------------------------

NICKNAME_MAX = 32
# Bidi overrides and isolates: they would reorder the text around a name.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What `clean_nickname` accepts, as a JSON schema pattern: no control characters (Cc) and no
# direction marks.
NICKNAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$"


def clean_nickname(raw: object) -> str:
    """A nickname as stored: trimmed, inner blanks as one space, at most NICKNAME_MAX
    characters, no control characters ("" clears it)."""
    if not isinstance(raw, str):
        raise InvalidInput("nickname must be text", field="nickname", code="bad_nickname")
    if any(unicodedata.category(c) == "Cc" or c in _BIDI_CONTROLS for c in raw):
        raise InvalidInput(
            "a nickname cannot hold control characters (tabs, line breaks, direction marks)",
            field="nickname",
            code="control_characters",
        )
    return clean_text(raw, field="nickname", max_length=NICKNAME_MAX)


def nickname_refusal(
    access: permissions.ServerAccess, target: permissions.MemberFacts
) -> PermissionDenied | None:
    """Why the actor may not set `target`'s nickname, or None when they may: their own takes
    CHANGE_NICKNAME; someone else's MANAGE_NICKNAMES and a highest role above the target's
    (the owner outranks everyone; the owner's nickname is the owner's alone)."""
    if target.user_id == access.facts.user_id:
        if access.can(Permission.CHANGE_NICKNAME):
            return None
        return PermissionDenied(
            "you need the Change nickname permission",
            code="missing_permission",
            details={"permission": Permission.CHANGE_NICKNAME.name},
        )
    if not access.can(Permission.MANAGE_NICKNAMES):
        return PermissionDenied(
            "you need the Manage nicknames permission to change someone else's nickname",
            code="missing_permission",
            details={"permission": Permission.MANAGE_NICKNAMES.name},
        )
    if target.user_id == access.snapshot.owner_id:
        return PermissionDenied(
            "only the owner changes the owner's nickname", code="cannot_rename_owner"
        )
    if not permissions.outranks(access.snapshot, access.facts, target):
        return PermissionDenied(
            "you can only change the nickname of members whose highest role is below yours",
            code="role_hierarchy",
        )
    return None


def check_set_nickname(
    session: Session, actor: User, server_id: str, user_id: int | None, nickname: object
) -> ServerMember:
    """Set a member's nickname (`user_id` None: the actor's own); "" clears it."""
    access = permissions.access_server(session, actor, server_id)
    if user_id is None or user_id == access.member.user_id:
        member = access.member
    else:
        found = session.get(ServerMember, (server_id, user_id)) if 0 < user_id < 2**31 else None
        if found is None:
            raise NotFound("this user is not a member of the server", code="member_not_found")
        member = found
    refusal = nickname_refusal(access, permissions.member_facts(session, member))
    if refusal is not None:
        raise refusal
    return do_change_nickname(session, access.server, actor.id, member, clean_nickname(nickname))


def do_change_nickname(
    session: Session, server: Server, actor_id: int | None, member: ServerMember, nickname: str
) -> ServerMember:
    """Set the nickname, in the audit log (actor, member, old and new) and live for the
    members' lists and the names on messages. The same nickname again changes nothing."""
    before = member.nickname
    if nickname == before:
        return member
    do_set_nickname(session, member, nickname)
    user = session.get(User, member.user_id)
    assert user is not None
    do_audit(
        session,
        server.id,
        actor_id,
        "member_nickname",
        target_type="user",
        target_id=member.user_id,
        changes={"nickname": {"old": before, "new": nickname}},
    )
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="update",
        data={
            "user_id": member.user_id,
            "nickname": nickname,
            "shown_name": shown_name(nickname, user),
        },
    )
    return member


# Reading helpers -------------------------------------------------------------------------------


def _parse_join_mode(raw: str) -> JoinMode:
    try:
        return JoinMode(raw)
    except ValueError as exc:
        raise InvalidInput(
            "join_mode must be open, invite or request", field="join_mode", code="bad_join_mode"
        ) from exc


def live_server(session: Session, server_id: str) -> Server | None:
    """A server that has not been deleted (whoever asks: callers decide what they may see)."""
    server = session.get(Server, server_id) if server_id else None
    return server if server is not None and server.deleted_at is None else None


def membership(session: Session, server_id: str, user_id: int) -> ServerMember | None:
    return session.get(ServerMember, (server_id, user_id))


def is_banned(session: Session, server_id: str, user_id: int) -> bool:
    return session.get(ServerBan, (server_id, user_id)) is not None


def _refuse_banned(session: Session, server_id: str, user_id: int) -> None:
    if is_banned(session, server_id, user_id):
        raise PermissionDenied("you are banned from this server", code="banned")


def icon_url(server: Server, size: int = media.AVATAR_SIZES[0]) -> str | None:
    return media.square_image_url(f"servers/{server.id}", server.icon_version, size)


def server_view(server: Server) -> ServerView:
    return ServerView(
        id=server.id,
        name=server.name,
        description=server.description,
        icon_url=icon_url(server),
        icon_small_url=icon_url(server, media.AVATAR_SIZES[1]),
        owner_id=server.owner_id,
        is_public=server.is_public,
        join_mode=server.join_mode,
        member_count=server.member_count,
        created_at=server.created_at,
    )


def server_flags(bits: int) -> ServerFlags:
    def has(flag: Permission) -> bool:
        return bool(bits & flag)

    return ServerFlags(
        can_manage_server=has(Permission.MANAGE_SERVER),
        can_manage_channels=has(Permission.MANAGE_CHANNELS),
        can_manage_roles=has(Permission.MANAGE_ROLES),
        can_kick=has(Permission.KICK_MEMBERS),
        can_ban=has(Permission.BAN_MEMBERS),
        can_moderate=has(Permission.MODERATE_MEMBERS),
        can_view_audit_log=has(Permission.VIEW_AUDIT_LOG),
        can_create_invite=has(Permission.CREATE_INVITE),
        can_manage_messages=has(Permission.MANAGE_MESSAGES),
        can_change_nickname=has(Permission.CHANGE_NICKNAME),
        can_manage_nicknames=has(Permission.MANAGE_NICKNAMES),
    )


def _user_brief(user: User) -> UserBrief:
    assert user.id is not None
    return UserBrief(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        avatar_small_url=avatar_urls(user)[1],
        is_bot=user.is_bot,
    )


def online_counts(session: Session, server_ids: Sequence[str]) -> dict[str, int]:
    """How many members of each server are online, in one query. Only those who show their
    presence to everyone count: a count must not reveal who hides it."""
    if not server_ids:
        return {}
    rows = session.execute(
        sa.select(col(ServerMember.server_id), sa.func.count())
        .join(User, col(User.id) == col(ServerMember.user_id))
        .where(
            col(ServerMember.server_id).in_(list(server_ids)),
            col(User.online).is_(True),
            col(User.last_seen_at) > utcnow() - presence.STALE,
            col(User.presence) != Presence.invisible.value,
            col(User.presence_visibility) == PresenceVisibility.everyone.value,
        )
        .group_by(col(ServerMember.server_id))
    ).all()
    counts = dict.fromkeys(server_ids, 0)
    counts.update({server_id: int(n) for server_id, n in rows})
    return counts


def _publish_server_update(session: Session, server: Server) -> None:
    permissions.publish_server_event(
        session,
        server.id,
        type="server",
        op="update",
        data={"server": server_view(server).model_dump(mode="json")},
    )


# Settings, icon, ownership ---------------------------------------------------------------------


def check_update_server(
    session: Session,
    actor: User,
    server_id: str,
    *,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
    join_mode: str | None = None,
) -> Server:
    """MANAGE_SERVER: rename, describe, list in discovery or not, and choose how people join."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    check = FieldCheck()
    clean_name = (
        check(lambda: clean_text(name, field="name", max_length=NAME_MAX))
        if name is not None
        else None
    )
    if name is not None and clean_name == "":
        check.add(InvalidInput("give the server a name", field="name", code="empty"))
    clean_description = (
        check(
            lambda: clean_text(
                description, field="description", max_length=DESCRIPTION_MAX, multiline=True
            )
        )
        if description is not None
        else None
    )
    mode = check(lambda: _parse_join_mode(join_mode)) if join_mode is not None else None
    check.raise_any()
    return do_update_server(
        session,
        access.server,
        actor_id=actor.id,
        name=clean_name or None,
        description=clean_description,
        is_public=is_public,
        join_mode=mode,
    )


def do_update_server(
    session: Session,
    server: Server,
    *,
    actor_id: int | None,
    name: str | None = None,
    description: str | None = None,
    is_public: bool | None = None,
    join_mode: JoinMode | None = None,
) -> Server:
    wanted: dict[str, object] = {
        "name": name,
        "description": description,
        "is_public": is_public,
        "join_mode": join_mode.value if join_mode is not None else None,
    }
    changes: dict[str, Any] = {}
    for field, value in wanted.items():
        if value is not None and getattr(server, field) != value:
            changes[field] = {"old": getattr(server, field), "new": value}
            setattr(server, field, value)
    if not changes:
        return server
    if "name" in changes:
        server.name_lower = server.name.lower()
    session.add(server)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "server_update",
        target_type="server",
        target_id=server.id,
        changes=changes,
    )
    _publish_server_update(session, server)
    return server


def check_set_server_icon(session: Session, actor: User, server_id: str, data: bytes) -> Server:
    """MANAGE_SERVER sets the icon (the avatar pipeline: sniffed, re-encoded, no EXIF)."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    # Before the image is decoded: the limit also spares the CPU.
    ratelimit.hit("server_icon", f"user:{actor.id}", limit=get_settings().rate_limit_group_picture)
    processed = media.process_square_image(data, max_bytes=get_settings().avatar_max_bytes)
    return do_set_server_icon(
        session,
        access.server,
        actor_id=actor.id,
        version=media.store_square_image(f"servers/{server_id}", processed),
    )


def check_remove_server_icon(session: Session, actor: User, server_id: str) -> Server:
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    return do_set_server_icon(session, access.server, actor_id=actor.id, version=None)


def do_set_server_icon(
    session: Session, server: Server, *, actor_id: int | None, version: str | None
) -> Server:
    if server.icon_version == version:
        return server
    server.icon_version = version
    session.add(server)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "server_update",
        target_type="server",
        target_id=server.id,
        changes={"icon": {"old": None, "new": version}},
    )
    _publish_server_update(session, server)
    return server


def _require_owner(access: permissions.ServerAccess, what: str) -> None:
    if access.server.owner_id != access.member.user_id:
        raise PermissionDenied(f"only the owner can {what}", code="not_owner")


def check_transfer_ownership(
    session: Session, actor: User, server_id: str, new_owner_id: int
) -> Server:
    """The owner hands the server to another current member."""
    access = permissions.access_server(session, actor, server_id)
    _require_owner(access, "transfer the server")
    if new_owner_id == actor.id:
        raise InvalidInput("you already own this server", field="user_id", code="already_owner")
    target = membership(session, server_id, new_owner_id)
    if target is None:
        raise NotFound("that user is not a member of this server", code="member_not_found")
    return do_transfer_ownership(session, access.server, new_owner_id, actor_id=actor.id)


def do_transfer_ownership(
    session: Session, server: Server, new_owner_id: int, *, actor_id: int | None
) -> Server:
    previous = server.owner_id
    server.owner_id = new_owner_id
    session.add(server)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "server_transfer",
        target_type="member",
        target_id=new_owner_id,
        changes={"owner_id": {"old": previous, "new": new_owner_id}},
    )
    _publish_server_update(session, server)
    return server


# Deletion ----------------------------------------------------------------------------------------


def check_delete_server(
    session: Session, actor: User, server_id: str, *, confirm_name: str
) -> None:
    """The owner deletes the server, confirming with its exact name."""
    access = permissions.access_server(session, actor, server_id)
    _require_owner(access, "delete the server")
    if confirm_name != access.server.name:
        raise InvalidInput(
            "type the server's exact name to delete it", field="confirm_name", code="name_mismatch"
        )
    do_delete_server(session, access.server)


def do_delete_server(session: Session, server: Server) -> None:
    """Gone at once for everyone (every read skips a deleted server); its rows are removed by
    the `purge_deleted_servers` job. The members hear it in their own streams: the server's
    stream is no longer theirs to read."""
    if server.deleted_at is not None:
        return
    server.deleted_at = utcnow()
    session.add(server)
    session.flush()
    member_ids = session.exec(
        select(ServerMember.user_id).where(ServerMember.server_id == server.id)
    ).all()
    publish_on_commit(
        session, type="server", op="delete", data={"server_id": server.id}, users=member_ids
    )


def deleted_servers(session: Session, *, limit: int = 100) -> list[str]:
    return list(
        session.exec(
            select(Server.id)
            .where(col(Server.deleted_at).is_not(None))
            .order_by(col(Server.deleted_at))
            .limit(limit)
        ).all()
    )


def do_purge_server(session: Session, server_id: str, *, batch: int = 2000) -> bool:
    """One step of removing a deleted server's rows: a batch of its channels' messages, else
    everything left (channels, members, roles, invites... by cascade) and its stored events
    and icon (and its posts channels' images, once committed). True when nothing is left.
    Idempotent: a server already gone is done."""
    server = session.get(Server, server_id)
    if server is None:
        return True
    if server.deleted_at is None:
        return True  # never purge a live server, whatever the caller thinks
    channel_ids = select(Conversation.id).where(col(Conversation.server_id) == server_id)
    message_ids = list(
        session.exec(
            select(Message.id).where(col(Message.conversation_id).in_(channel_ids)).limit(batch)
        ).all()
    )
    if message_ids:
        session.execute(sa.delete(Message).where(col(Message.id).in_(message_ids)))
        return False
    channels = list(session.exec(channel_ids).all())
    streams = [server_id, *channels]
    posts.do_drop_channel_images(session, channels)
    session.execute(
        sa.delete(ConversationEvent).where(col(ConversationEvent.conversation_id).in_(streams))
    )
    session.execute(sa.delete(Server).where(col(Server.id) == server_id))
    media.get_storage().delete_prefix(f"servers/{server_id}", keep=set())
    return True


# Leaving -----------------------------------------------------------------------------------------


def do_remove_member(
    session: Session, server: Server, user_id: int, *, reason: str = "leave"
) -> bool:
    """`user_id` is no longer a member (left, kicked or banned): their roles and own channel
    state go with the membership. They hear it in their own stream ("server","remove"), the
    members in the server's. False when they were not a member."""
    member = membership(session, server.id, user_id)
    if member is None:
        return False
    session.execute(
        sa.delete(MemberRoleLink).where(
            col(MemberRoleLink.server_id) == server.id, col(MemberRoleLink.user_id) == user_id
        )
    )
    session.execute(
        sa.delete(ChannelState).where(
            col(ChannelState.user_id) == user_id,
            col(ChannelState.conversation_id).in_(
                select(Conversation.id).where(col(Conversation.server_id) == server.id)
            ),
        )
    )
    session.execute(
        sa.delete(NotificationSetting).where(
            col(NotificationSetting.server_id) == server.id,
            col(NotificationSetting.user_id) == user_id,
        )
    )
    session.delete(member)
    session.flush()
    _count_members(session, server, -1)
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="remove",
        data={"user_id": user_id, "member_count": server.member_count, "reason": reason},
    )
    publish_on_commit(
        session,
        type="server",
        op="remove",
        data={"server_id": server.id, "reason": reason},
        users=[user_id],
    )
    return True


def check_leave_server(session: Session, actor: User, server_id: str) -> None:
    access = permissions.access_server(session, actor, server_id)
    if access.server.owner_id == actor.id:
        raise Conflict(
            "the owner cannot leave: transfer the server first", code="owner_cannot_leave"
        )
    do_remove_member(session, access.server, access.member.user_id, reason="leave")


# Joining -----------------------------------------------------------------------------------------


def check_join_server(session: Session, actor: User, server_id: str) -> Server:
    """Join a public server that is open to anyone (others take an invite or a request)."""
    assert actor.id is not None
    server = live_server(session, server_id)
    member = membership(session, server_id, actor.id) if server is not None else None
    if server is None or not (server.is_public or member is not None):
        raise permissions.server_not_found()
    if member is not None:
        return server
    _refuse_banned(session, server.id, actor.id)
    if server.join_mode != JoinMode.open.value:
        code = "request_required" if server.join_mode == JoinMode.request.value else "invite_only"
        raise PermissionDenied(
            "this server takes join requests"
            if code == "request_required"
            else "this server is by invite only",
            code=code,
        )
    do_add_member(session, server, actor)
    return server


# Invites -----------------------------------------------------------------------------------------

# The expiries an invite may have (seconds); None: never.
INVITE_EXPIRIES = (1800, 3600, 21600, 43200, 86400, 604800)
INVITE_MAX_USES = 100
INVITE_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


def check_create_server_invite(
    session: Session,
    actor: User,
    server_id: str,
    *,
    expires_in_seconds: int | None = 86400,
    max_uses: int | None = None,
    channel_id: str | None = None,
) -> ServerInvite:
    """CREATE_INVITE: an invite link, expiring after one of INVITE_EXPIRIES (or never), for
    1-100 uses (or unlimited), landing on a channel the creator can see (optional)."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.CREATE_INVITE)
    check = FieldCheck()
    if expires_in_seconds is not None and expires_in_seconds not in INVITE_EXPIRIES:
        check.add(
            InvalidInput(
                "expiry must be 30 min, 1 h, 6 h, 12 h, 1 day, 7 days or never",
                field="expires_in_seconds",
                code="bad_expiry",
            )
        )
    if max_uses is not None and not 1 <= max_uses <= INVITE_MAX_USES:
        check.add(
            InvalidInput(
                f"max_uses must be 1-{INVITE_MAX_USES}, or none for unlimited",
                field="max_uses",
                code="bad_max_uses",
            )
        )
    check.raise_any()
    if channel_id is not None and not (
        channel_id in access.snapshot.channels
        and access.in_channel(channel_id) & Permission.VIEW_CHANNEL
    ):
        raise permissions.channel_not_found()
    # Per creator (RATE_LIMIT_SERVER_INVITE), counted once the invite is known to be valid.
    ratelimit.hit(
        "server_invite", f"user:{actor.id}", limit=get_settings().rate_limit_server_invite
    )
    invite = ServerInvite(
        code=secrets.token_urlsafe(8),
        server_id=server_id,
        channel_id=channel_id,
        created_by=actor.id,
        expires_at=(
            utcnow() + timedelta(seconds=expires_in_seconds)
            if expires_in_seconds is not None
            else None
        ),
        max_uses=max_uses,
    )
    session.add(invite)
    session.flush()
    _invites_changed(session, server_id)
    do_audit(
        session,
        server_id,
        actor.id,
        "invite_create",
        target_type="invite",
        target_id=invite.code,
        changes={"expires_in_seconds": expires_in_seconds, "max_uses": max_uses},
    )
    return invite


def _invite_views(session: Session, invites: Sequence[ServerInvite]) -> list[ServerInviteView]:
    creator_ids = {i.created_by for i in invites if i.created_by is not None}
    creators = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_(creator_ids))).all()}
        if creator_ids
        else {}
    )
    return [
        ServerInviteView(
            code=i.code,
            server_id=i.server_id,
            channel_id=i.channel_id,
            created_by=(_user_brief(creators[i.created_by]) if i.created_by in creators else None),
            created_at=i.created_at,
            expires_at=i.expires_at,
            max_uses=i.max_uses,
            uses=i.uses,
            revoked=i.revoked_at is not None,
        )
        for i in invites
    ]


def invite_view(session: Session, invite: ServerInvite) -> ServerInviteView:
    return _invite_views(session, [invite])[0]


def list_server_invites(session: Session, actor: User, server_id: str) -> list[ServerInviteView]:
    """The live invites (not revoked, not expired, not used up), newest first: all of them for
    MANAGE_SERVER, one's own for CREATE_INVITE."""
    access = permissions.access_server(session, actor, server_id)
    query = select(ServerInvite).where(
        ServerInvite.server_id == server_id,
        col(ServerInvite.revoked_at).is_(None),
        col(ServerInvite.expires_at).is_(None) | (col(ServerInvite.expires_at) > utcnow()),
        col(ServerInvite.max_uses).is_(None)
        | (col(ServerInvite.uses) < col(ServerInvite.max_uses)),
    )
    if not access.can(Permission.MANAGE_SERVER):
        access.require(Permission.CREATE_INVITE)
        query = query.where(ServerInvite.created_by == actor.id)
    invites = session.exec(
        query.order_by(col(ServerInvite.created_at).desc(), col(ServerInvite.code))
    ).all()
    return _invite_views(session, invites)


def _invite_not_found() -> NotFound:
    return NotFound("this invite is not valid", code="invite_not_found")


def _invites_changed(session: Session, server_id: str) -> None:
    """An invite was made or revoked. Every member hears it (a settings page showing the list
    reads it again), so it names no invite: the list itself is for those who may see it."""
    permissions.publish_server_event(session, server_id, type="invites", op="update", data={})


def check_revoke_server_invite(session: Session, actor: User, code: str) -> ServerInvite:
    """The invite's creator, or MANAGE_SERVER, revokes it (again: nothing changes)."""
    invite = session.get(ServerInvite, code) if code else None
    if invite is None:
        raise _invite_not_found()
    try:
        access = permissions.access_server(session, actor, invite.server_id)
    except NotFound as exc:
        raise _invite_not_found() from exc
    if invite.created_by != actor.id:
        access.require(Permission.MANAGE_SERVER, "only its creator or a server manager can")
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        session.add(invite)
        session.flush()
        _invites_changed(session, invite.server_id)
        do_audit(
            session,
            invite.server_id,
            actor.id,
            "invite_revoke",
            target_type="invite",
            target_id=invite.code,
        )
    return invite


def _usable_invite(session: Session, code: str) -> tuple[ServerInvite, Server]:
    """The invite and its server, or why it cannot be used (an unknown code is 404)."""
    invite = session.get(ServerInvite, code) if code else None
    server = live_server(session, invite.server_id) if invite is not None else None
    if invite is None or server is None:
        raise _invite_not_found()
    if invite.revoked_at is not None:
        raise PermissionDenied("this invite has been revoked", code="invite_revoked")
    if invite.expires_at is not None and invite.expires_at <= utcnow():
        raise PermissionDenied("this invite has expired", code="invite_expired")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise PermissionDenied("this invite has been used up", code="invite_used_up")
    return invite, server


def preview_invite(session: Session, viewer_id: int | None, code: str) -> InvitePreview:
    """What the invite leads to, for anyone holding the code (signed in or not)."""
    invite, server = _usable_invite(session, code)
    return InvitePreview(
        code=invite.code,
        server_id=server.id,
        channel_id=invite.channel_id,
        name=server.name,
        description=server.description,
        icon_url=icon_url(server),
        member_count=server.member_count,
        online_count=online_counts(session, [server.id])[server.id],
        expires_at=invite.expires_at,
        is_member=viewer_id is not None and membership(session, server.id, viewer_id) is not None,
    )


def check_join_by_server_invite(session: Session, actor: User, code: str) -> Server:
    """Join any server through a live invite; a member already in gets the server back. The
    use is counted by one UPDATE guarded by `uses < max_uses`: two joins racing for the last
    use cannot both get it."""
    assert actor.id is not None
    invite = session.get(ServerInvite, code) if code else None
    server = live_server(session, invite.server_id) if invite is not None else None
    if invite is None or server is None:
        raise _invite_not_found()
    if membership(session, server.id, actor.id) is not None:
        return server
    _refuse_banned(session, server.id, actor.id)
    invite, server = _usable_invite(session, code)
    used = session.execute(
        sa.update(ServerInvite)
        .where(
            col(ServerInvite.code) == invite.code,
            col(ServerInvite.revoked_at).is_(None),
            col(ServerInvite.max_uses).is_(None)
            | (col(ServerInvite.uses) < col(ServerInvite.max_uses)),
        )
        .values(uses=col(ServerInvite.uses) + 1)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise PermissionDenied("this invite has been used up", code="invite_used_up")
    do_add_member(session, server, actor)
    return server


# Join requests -----------------------------------------------------------------------------------

JOIN_MESSAGE_MAX = 500


def check_request_join(
    session: Session, actor: User, server_id: str, *, message: str = ""
) -> JoinRequest:
    """Ask to join a server that takes requests (asking again updates the pending one)."""
    assert actor.id is not None
    server = live_server(session, server_id)
    takes_requests = server is not None and server.join_mode == JoinMode.request.value
    if server is None or not (takes_requests or server.is_public):
        raise permissions.server_not_found()
    if membership(session, server.id, actor.id) is not None:
        raise Conflict("you are already a member", code="already_member")
    _refuse_banned(session, server.id, actor.id)
    if not takes_requests:
        raise PermissionDenied("this server does not take join requests", code="requests_closed")
    text = clean_text(message, field="message", max_length=JOIN_MESSAGE_MAX, multiline=True)
    # Per requester over all servers (RATE_LIMIT_JOIN_REQUEST).
    ratelimit.hit("join_request", f"user:{actor.id}", limit=get_settings().rate_limit_join_request)
    return do_request_join(session, server, actor, message=text)


def _join_request_not_found() -> NotFound:
    return NotFound("no such pending join request", code="join_request_not_found")


def check_cancel_join_request(session: Session, actor: User, server_id: str) -> None:
    """The requester withdraws their pending request (someone else's, a decided one and an
    unknown server look alike: there is nothing of theirs to cancel)."""
    assert actor.id is not None
    request = session.get(JoinRequest, (server_id, actor.id)) if server_id else None
    server = live_server(session, server_id) if request is not None else None
    if server is None or request is None or request.status != JoinRequestStatus.pending.value:
        raise _join_request_not_found()
    do_cancel_join_request(session, server, request)


def do_cancel_join_request(session: Session, server: Server, request: JoinRequest) -> None:
    """The request goes (asking again starts a new one); reviewers drop it from their list."""
    user_id = request.user_id
    session.delete(request)
    session.flush()
    _publish_join_request(session, server, user_id, "cancelled", "remove")


def do_request_join(session: Session, server: Server, user: User, *, message: str) -> JoinRequest:
    assert user.id is not None
    request = session.get(JoinRequest, (server.id, user.id))
    if request is None:
        request = JoinRequest(server_id=server.id, user_id=user.id)
    elif request.status == JoinRequestStatus.pending.value and request.message == message:
        return request
    request.message = message
    request.status = JoinRequestStatus.pending.value
    request.created_at = utcnow()
    request.decided_at = None
    request.decided_by = None
    session.add(request)
    session.flush()
    _publish_join_request(session, server, request.user_id, request.status, "add")
    return request


def _publish_join_request(
    session: Session, server: Server, user_id: int, status: str, op: str
) -> None:
    """Who asked to join is for those who may review requests (MANAGE_SERVER), in their own
    streams, not for every member; the requester hears of their own request too."""
    data = {"server_id": server.id, "user_id": user_id, "status": status}
    reviewers = permissions.members_who_can(session, server, Permission.MANAGE_SERVER)
    publish_on_commit(
        session,
        type="join_request",
        op=op,
        data=data,
        users=[r for r in reviewers if r != user_id],
    )
    publish_on_commit(
        session,
        type="join_request",
        op=op,
        data={**data, "server_name": server.name},
        users=[user_id],
    )


def _join_request_views(session: Session, requests: Sequence[JoinRequest]) -> list[JoinRequestView]:
    ids = [r.user_id for r in requests]
    users_by_id = (
        {u.id: u for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}
        if ids
        else {}
    )
    return [
        JoinRequestView(
            server_id=r.server_id,
            user=_user_brief(users_by_id[r.user_id]),
            message=r.message,
            status=r.status,
            created_at=r.created_at,
            decided_at=r.decided_at,
        )
        for r in requests
    ]


def join_request_view(session: Session, request: JoinRequest) -> JoinRequestView:
    return _join_request_views(session, [request])[0]


def list_join_requests(
    session: Session,
    actor: User,
    server_id: str,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> JoinRequestPage:
    """MANAGE_SERVER: the pending requests, oldest first (keyset on time and user id)."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    query = select(JoinRequest).where(
        JoinRequest.server_id == server_id,
        JoinRequest.status == JoinRequestStatus.pending.value,
    )
    if cursor:
        after, last_id = parse_time_cursor(cursor)
        query = query.where(
            (col(JoinRequest.created_at) > after)
            | ((col(JoinRequest.created_at) == after) & (col(JoinRequest.user_id) > last_id))
        )
    rows = list(
        session.exec(
            query.order_by(col(JoinRequest.created_at), col(JoinRequest.user_id)).limit(limit + 1)
        ).all()
    )
    page = rows[:limit]
    next_cursor = time_cursor(page[-1].created_at, page[-1].user_id) if len(rows) > limit else None
    return JoinRequestPage(requests=_join_request_views(session, page), next_cursor=next_cursor)


def check_decide_join_request(
    session: Session, actor: User, server_id: str, user_id: int, *, accept: bool
) -> JoinRequest:
    """MANAGE_SERVER accepts (the requester becomes a member) or declines a pending request."""
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_SERVER)
    request = session.get(JoinRequest, (server_id, user_id))
    if request is None or request.status != JoinRequestStatus.pending.value:
        raise _join_request_not_found()
    if accept:
        _refuse_banned(session, server_id, user_id)
    return do_decide_join_request(session, access.server, request, accept=accept, actor_id=actor.id)


def do_decide_join_request(
    session: Session,
    server: Server,
    request: JoinRequest,
    *,
    accept: bool,
    actor_id: int | None,
) -> JoinRequest:
    status = JoinRequestStatus.accepted if accept else JoinRequestStatus.declined
    request.status = status.value
    request.decided_by = actor_id
    request.decided_at = utcnow()
    session.add(request)
    session.flush()
    requester = session.get(User, request.user_id)
    if accept and requester is not None and membership(session, server.id, request.user_id) is None:
        do_add_member(session, server, requester)
    do_audit(
        session,
        server.id,
        actor_id,
        "join_request_accept" if accept else "join_request_decline",
        target_type="member",
        target_id=request.user_id,
    )
    _publish_join_request(session, server, request.user_id, request.status, "update")
    return request


# Discovery ---------------------------------------------------------------------------------------

DISCOVERY_CURSOR_PATTERN = r"^[0-9]{1,9}-[0-9a-f]{32}$"
_DISCOVERY_CURSOR = re.compile(DISCOVERY_CURSOR_PATTERN)
SEARCH_MAX = 100


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def discover_servers(
    session: Session,
    viewer: User,
    *,
    query: str = "",
    cursor: str | None = None,
    limit: int = 20,
) -> DiscoveryPage:
    """Public servers whose name contains `query`, the biggest first (keyset on member count
    and id), with member and online counts."""
    text = clean_text(query, field="query", max_length=SEARCH_MAX).lower()
    statement = select(Server).where(
        col(Server.is_public).is_(True), col(Server.deleted_at).is_(None)
    )
    if text:
        statement = statement.where(
            col(Server.name_lower).like(f"%{_like_escape(text)}%", escape="\\")
        )
    if cursor:
        if not _DISCOVERY_CURSOR.match(cursor):
            raise InvalidInput("bad cursor", field="cursor", code="bad_cursor")
        count_text, last_id = cursor.split("-", 1)
        count = int(count_text)
        statement = statement.where(
            (col(Server.member_count) < count)
            | ((col(Server.member_count) == count) & (col(Server.id) > last_id))
        )
    rows = list(
        session.exec(
            statement.order_by(col(Server.member_count).desc(), col(Server.id)).limit(limit + 1)
        ).all()
    )
    page = rows[:limit]
    ids = [s.id for s in page]
    online = online_counts(session, ids)
    mine = (
        set(
            session.exec(
                select(ServerMember.server_id).where(
                    ServerMember.user_id == (viewer.id or 0), col(ServerMember.server_id).in_(ids)
                )
            ).all()
        )
        if ids
        else set()
    )
    pending = (
        set(
            session.exec(
                select(JoinRequest.server_id).where(
                    JoinRequest.user_id == (viewer.id or 0),
                    JoinRequest.status == JoinRequestStatus.pending.value,
                    col(JoinRequest.server_id).in_(ids),
                )
            ).all()
        )
        if ids
        else set()
    )
    return DiscoveryPage(
        servers=[
            DiscoveryItem(
                server=server_view(s),
                online_count=online[s.id],
                is_member=s.id in mine,
                request_pending=s.id in pending,
            )
            for s in page
        ],
        next_cursor=f"{page[-1].member_count}-{page[-1].id}" if len(rows) > limit else None,
    )


# The rail and a server's channels ----------------------------------------------------------------


def list_my_servers(session: Session, actor: User) -> list[MyServer]:
    """My servers in the order I joined them, each with my permissions there (the snapshot is
    cached per server; my roles everywhere are one query)."""
    rows = session.exec(
        select(Server, ServerMember)
        .join(ServerMember, col(ServerMember.server_id) == col(Server.id))
        .where(ServerMember.user_id == (actor.id or 0), col(Server.deleted_at).is_(None))
        .order_by(col(ServerMember.joined_at), col(Server.id))
    ).all()
    roles: dict[str, set[str]] = {}
    for server_id, role_id in session.execute(
        sa.select(col(MemberRoleLink.server_id), col(MemberRoleLink.role_id)).where(
            col(MemberRoleLink.user_id) == (actor.id or 0)
        )
    ).all():
        roles.setdefault(server_id, set()).add(role_id)
    out = []
    for server, member in rows:
        facts = permissions.MemberFacts(
            member.user_id, frozenset(roles.get(server.id, ())), member.timeout_until
        )
        bits = permissions.channel_permissions(permissions.snapshot(session, server), facts)
        out.append(
            MyServer(
                server=server_view(server),
                is_owner=server.owner_id == actor.id,
                permissions=str(bits),
                flags=server_flags(bits),
                joined_at=member.joined_at,
            )
        )
    return out


def _channel_view(channel: Conversation, bits: int) -> ChannelView:
    return ChannelView(
        id=channel.id,
        name=channel.title,
        channel_type=channel.channel_type or ChannelType.text.value,
        category_id=channel.category_id,
        position=channel.position,
        topic=channel.topic,
        slow_mode_seconds=channel.slow_mode_seconds,
        synced=channel.synced,
        permissions=str(bits),
        can_send=bool(bits & Permission.SEND_MESSAGES),
        can_manage=bool(bits & Permission.MANAGE_CHANNELS),
        can_manage_messages=bool(bits & Permission.MANAGE_MESSAGES),
    )


def get_server(session: Session, actor: User, server_id: str) -> ServerDetail:
    """The server with the channels the member may view (the permission function, channel by
    channel), grouped by category in their order. Empty categories show to channel managers."""
    access = permissions.access_server(session, actor, server_id)
    channels = session.exec(
        select(Conversation)
        .where(
            Conversation.server_id == server_id,
            col(Conversation.channel_type).is_distinct_from(THREAD_TYPE),
        )
        .order_by(col(Conversation.position), col(Conversation.created_at), col(Conversation.id))
    ).all()
    categories = session.exec(
        select(ChannelCategory)
        .where(ChannelCategory.server_id == server_id)
        .order_by(col(ChannelCategory.position), col(ChannelCategory.id))
    ).all()
    grouped: dict[str | None, list[ChannelView]] = {}
    for channel in channels:
        bits = access.in_channel(channel.id)
        if bits & Permission.VIEW_CHANNEL:
            grouped.setdefault(channel.category_id, []).append(_channel_view(channel, bits))
    known = {c.id for c in categories}
    loose = [v for key, views in grouped.items() if key not in known for v in views]
    shows_empty = access.can(Permission.MANAGE_CHANNELS)
    return ServerDetail(
        server=server_view(access.server),
        is_owner=access.server.owner_id == actor.id,
        permissions=str(access.bits),
        flags=server_flags(access.bits),
        online_count=online_counts(session, [server_id])[server_id],
        channels=sorted(loose, key=lambda v: v.position),
        categories=[
            CategoryView(id=c.id, name=c.name, position=c.position, channels=grouped.get(c.id, []))
            for c in categories
            if grouped.get(c.id) or shows_empty
        ],
    )


# The member list ---------------------------------------------------------------------------------

# The sort name (UTF-8, hex) and the user id of the previous page's last member: any cursor
# of this shape positions a page (the schema says exactly what the code takes).
MEMBER_CURSOR_PATTERN = r"^(?:[0-9a-f]{2}){0,256}-[0-9]{1,9}$"
_MEMBER_CURSOR = re.compile(MEMBER_CURSOR_PATTERN)


def _member_cursor(name: str, user_id: int) -> str:
    return f"{name.encode().hex()}-{user_id}"


def _parse_member_cursor(cursor: str) -> tuple[str, int]:
    if not _MEMBER_CURSOR.match(cursor):
        raise InvalidInput("bad cursor", field="cursor", code="bad_cursor")
    name, user_id = cursor.split("-", 1)
    return bytes.fromhex(name).decode(errors="replace"), int(user_id)


def list_members(
    session: Session,
    actor: User,
    server_id: str,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> MemberPage:
    """A page of members in name order, each with presence as their settings allow the
    viewer, roles and the hoisted role they are listed under. The order is the stored sort
    name's index (server, sort name, user id), read by keyset from the cursor on: a page costs
    the same at the start and the end of a 10,000-member list, and nothing is sorted. Three
    queries a page, however big the server."""
    access = permissions.access_server(session, actor, server_id)
    statement = (
        select(ServerMember, User)
        .join(User, col(User.id) == col(ServerMember.user_id))
        .where(col(ServerMember.server_id) == server_id)
    )
    if cursor:
        after, last_id = _parse_member_cursor(cursor)
        statement = statement.where(
            sa.tuple_(col(ServerMember.sort_name), col(ServerMember.user_id))
            > sa.tuple_(sa.literal(after), sa.literal(last_id))
        )
    rows = list(
        session.exec(
            statement.order_by(col(ServerMember.sort_name), col(ServerMember.user_id)).limit(
                limit + 1
            )
        ).all()
    )
    page = rows[:limit]
    members, hoisted = _member_views(session, actor, access, page)
    return MemberPage(
        members=members,
        hoisted_roles=[
            RoleBrief(id=r.id, name=r.name, colour=r.colour, position=r.position) for r in hoisted
        ],
        next_cursor=(
            _member_cursor(page[-1][0].sort_name, page[-1][0].user_id)
            if len(rows) > limit
            else None
        ),
    )


def _member_views(
    session: Session,
    actor: User,
    access: permissions.ServerAccess,
    rows: Sequence[tuple[ServerMember, User]],
) -> tuple[list[ServerMemberView], Sequence[Role]]:
    """The views of these members (in their order) and the server's hoisted roles, highest
    first: three queries, however many members."""
    server_id = access.server.id
    user_ids = [member.user_id for member, _ in rows]
    role_ids: dict[int, list[str]] = {}
    if user_ids:
        for user_id, role_id in session.execute(
            sa.select(col(MemberRoleLink.user_id), col(MemberRoleLink.role_id)).where(
                col(MemberRoleLink.server_id) == server_id,
                col(MemberRoleLink.user_id).in_(user_ids),
            )
        ).all():
            role_ids.setdefault(user_id, []).append(role_id)
    hoisted = session.exec(
        select(Role)
        .where(
            Role.server_id == server_id, col(Role.hoist).is_(True), col(Role.is_everyone).is_(False)
        )
        .order_by(col(Role.position).desc(), col(Role.id))
    ).all()
    rank = {role.id: n for n, role in enumerate(hoisted)}
    statuses = presence.presence_views(session, actor.id or 0, [user for _, user in rows])
    members = []
    for member, user in rows:
        mine = sorted(
            role_ids.get(member.user_id, []),
            key=lambda r: access.snapshot.roles[r].position if r in access.snapshot.roles else 0,
            reverse=True,
        )
        groups = [r for r in mine if r in rank]
        facts = permissions.MemberFacts(member.user_id, frozenset(mine), member.timeout_until)
        members.append(
            ServerMemberView(
                user=_user_brief(user),
                nickname=member.nickname,
                shown_name=shown_name(member.nickname, user),
                status=statuses[member.user_id].status,
                is_owner=member.user_id == access.server.owner_id,
                role_ids=mine,
                hoisted_role_id=min(groups, key=rank.__getitem__) if groups else None,
                joined_at=member.joined_at,
                timeout_until=member.timeout_until,
                can_edit_nickname=nickname_refusal(access, facts) is None,
            )
        )
    return members, hoisted


def get_member(session: Session, actor: User, server_id: str, user_id: int) -> ServerMemberView:
    """One member as the member list shows them to the actor."""
    access = permissions.access_server(session, actor, server_id)
    found = (
        session.exec(
            select(ServerMember, User)
            .join(User, col(User.id) == col(ServerMember.user_id))
            .where(col(ServerMember.server_id) == server_id, col(ServerMember.user_id) == user_id)
        ).first()
        if 0 < user_id < 2**31
        else None
    )
    if found is None:
        raise NotFound("this user is not a member of the server", code="member_not_found")
    return _member_views(session, actor, access, [found])[0][0]


def member_index(
    session: Session, actor: User, server_id: str, user_id: int, *, within: str | None = None
) -> int | None:
    """Where a member stands in the member list's order: how many members come before them
    (one count on the sort index). With `within`, a page's `next_cursor`: None when they sort
    after the pages that cursor ends (load_more will bring them). NotFound for non-members."""
    permissions.access_server(session, actor, server_id)
    member = membership(session, server_id, user_id) if 0 < user_id < 2**31 else None
    if member is None:
        raise NotFound("this user is not a member of the server", code="member_not_found")
    key = sa.tuple_(col(ServerMember.sort_name), col(ServerMember.user_id))
    if within:
        after, last_id = _parse_member_cursor(within)
        if (member.sort_name, member.user_id) > (after, last_id):
            return None
    return int(
        session.execute(
            sa.select(sa.func.count()).where(
                col(ServerMember.server_id) == server_id,
                key < sa.tuple_(sa.literal(member.sort_name), sa.literal(member.user_id)),
            )
        ).scalar_one()
    )


def member_names(session: Session, server_id: str, user_ids: Sequence[int]) -> dict[int, str]:
    """How each of these users is shown in the server: their nickname there, else their display
    name, else their username (for someone no longer a member, the latter two). One query."""
    wanted = sorted({i for i in user_ids if 0 < i < 2**31})
    if not wanted:
        return {}
    rows = session.exec(
        select(User, ServerMember)
        .join(
            ServerMember,
            (col(ServerMember.user_id) == col(User.id))
            & (col(ServerMember.server_id) == server_id),
            isouter=True,
        )
        .where(col(User.id).in_(wanted))
    ).all()
    return {
        user.id: (member.nickname if member else "") or user.display_name or user.username
        for user, member in rows
        if user.id is not None
    }
