"""Conversations: DMs and groups (server channels reuse the same tables later).

Permissions are checked here: `access_conversation` fetches a conversation only for its active
members (anyone else gets the same NotFound), and every `check_*` validates input and rights
before calling the `do_*` that writes and publishes.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.config import get_settings
from socialhub.domain import blocks, channel_messages, media, ratelimit
from socialhub.domain.errors import Conflict, FieldCheck, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.users import access_user, avatar_urls
from socialhub.domain.validation import clean_text
from socialhub.models import (
    Conversation,
    ConversationKind,
    ConversationMember,
    HiddenMessage,
    InviteLink,
    MemberRole,
    Message,
    MessageKind,
    SendPolicy,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.chat import ChatSummary, InviteView, MemberView, UserBrief
from socialhub.realtime.events import mark_membership, publish_on_commit

TITLE_MAX = 100
DESCRIPTION_MAX = 500
INVITE_USES_MAX = 10_000
INVITE_EXPIRY_MIN = timedelta(minutes=1)
INVITE_EXPIRY_MAX = timedelta(days=365)


def user_brief(user: User) -> UserBrief:
    assert user.id is not None
    return UserBrief(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        avatar_small_url=avatar_urls(user)[1],
        is_bot=user.is_bot,
    )


# Access ------------------------------------------------------------------------------------------


def membership(session: Session, conversation_id: str, user_id: int) -> ConversationMember | None:
    member = session.get(ConversationMember, (conversation_id, user_id))
    return member if member is not None and member.left_at is None else None


def _membership_row(
    session: Session, actor: User, conversation_id: str
) -> tuple[Conversation, ConversationMember] | None:
    """The conversation with the actor's membership row, current or past."""
    if not conversation_id:
        return None
    found = session.exec(
        select(Conversation, ConversationMember)
        .join(
            ConversationMember,
            col(ConversationMember.conversation_id) == col(Conversation.id),
        )
        .where(
            col(Conversation.id) == conversation_id,
            col(ConversationMember.user_id) == (actor.id or 0),
        )
    ).first()
    return None if found is None else (found[0], found[1])


def _chat_not_found() -> NotFound:
    return NotFound("no such chat", code="chat_not_found")


def _as_channel(
    session: Session, actor: User, conversation_id: str
) -> tuple[Conversation, ConversationMember] | None:
    """A server channel the actor may view, with their (unstored) membership; None when the
    id is not a channel. Channels have no member rows: the permission function decides."""
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None or not channel_messages.is_channel(conversation):
        return None
    try:
        return conversation, channel_messages.channel_membership(session, actor, conversation)
    except NotFound as exc:
        raise _chat_not_found() from exc


def access_conversation(
    session: Session, actor: User, conversation_id: str
) -> tuple[Conversation, ConversationMember]:
    """The conversation and the actor's membership; NotFound for strangers and unknown ids
    (and for former members: only `access_history` lets a removed member read). A server
    channel: for those who may view it."""
    found = _membership_row(session, actor, conversation_id)
    if found is None:
        found = _as_channel(session, actor, conversation_id)
    if found is None or found[1].left_at is not None:
        raise _chat_not_found()
    return found


def was_removed(member: ConversationMember) -> bool:
    return member.left_at is not None and member.removed_at is not None


def access_history(
    session: Session, actor: User, conversation_id: str
) -> tuple[Conversation, ConversationMember]:
    """For reading only: the active members, and the members an admin removed, who keep the
    chat read-only up to their removal (`visible_last_seq`). Who left by themselves let go."""
    found = _membership_row(session, actor, conversation_id)
    if found is None:
        found = _as_channel(session, actor, conversation_id)
        if found is not None:
            channel_messages.require_history(session, actor, found[0])
    if found is None or (found[1].left_at is not None and not was_removed(found[1])):
        raise _chat_not_found()
    return found


def access_for_sending(
    session: Session, actor: User, conversation_id: str
) -> tuple[Conversation, ConversationMember]:
    """`access_conversation`, telling a removed member why they can no longer write."""
    found = _membership_row(session, actor, conversation_id)
    if found is not None and was_removed(found[1]):
        raise PermissionDenied("you were removed from this group", code="removed_from_group")
    return access_conversation(session, actor, conversation_id)


def visible_last_seq(conversation: Conversation, member: ConversationMember) -> int:
    """The newest message this member may read: all of them, or up to their removal."""
    if was_removed(member) and member.left_seq is not None:
        return min(conversation.last_seq, member.left_seq)
    return conversation.last_seq


def unread_count(last_seq: int, read_seq: int) -> int:
    """Messages after the read marker: the one count of the chat list, the badge and the API."""
    return max(0, last_seq - read_seq)


def listed_membership() -> sa.ColumnElement[bool]:
    """The memberships whose chats a member lists: theirs now, and the groups an admin removed
    them from (read-only, up to the removal)."""
    cm = ConversationMember
    return sa.or_(col(cm.left_at).is_(None), col(cm.removed_at).is_not(None))


def require_admin(conversation: Conversation, member: ConversationMember) -> None:
    if conversation.kind != ConversationKind.group.value:
        raise PermissionDenied("only groups have admins", code="not_a_group")
    if member.role != MemberRole.admin.value:
        raise PermissionDenied("only group admins can do this", code="not_admin")


def dm_partner_id(conversation: Conversation, me: int) -> int:
    """The other person of a DM (from its key, without a query); 0 for other chats."""
    if conversation.kind != ConversationKind.dm.value or not conversation.dm_key:
        return 0
    a, b = (int(x) for x in conversation.dm_key.split(":"))
    return b if a == me else a


# Events ------------------------------------------------------------------------------------------


def publish_chat_update(session: Session, conversation: Conversation) -> None:
    """The chat changed for every member (name, picture, roles, policy): stored once in the
    conversation; each member's client reloads its own summary."""
    publish_on_commit(
        session,
        type="chat",
        op="update",
        data={"conversation_id": conversation.id},
        conversation=conversation.id,
    )


def publish_my_chat(session: Session, conversation: Conversation, user_id: int) -> None:
    """One member's own view of the chat changed (mute, pin, archive): their stream only."""
    publish_on_commit(
        session,
        type="chat",
        op="update",
        data={"conversation_id": conversation.id},
        users=[user_id],
    )


def publish_membership(
    session: Session,
    conversation: Conversation,
    op: str,
    users: Sequence[int],
    *,
    removed_by: str | None = None,
) -> None:
    """Users joined (`add`) or left (`remove`): each hears it in their own stream (their chat
    list; their clients subscribe or drop the chat), the members in the conversation's.
    `removed_by`: an admin removed them (their client keeps the chat, read-only)."""
    data = {"conversation_id": conversation.id}
    publish_on_commit(
        session,
        type="member",
        op=op,
        data={**data, "user_ids": sorted(users), "member_count": conversation.member_count},
        conversation=conversation.id,
    )
    mine = {**data, "removed_by": removed_by} if removed_by is not None else data
    publish_on_commit(session, type="chat", op=op, data=mine, users=users)


def do_system_message(
    session: Session, conversation: Conversation, text: str, *, seen_by: Sequence[int] = ()
) -> Message:
    """Joins, leaves and renames, in the history like any message. `seen_by`: members for whom
    it is not news (whoever just joined starts with everything read)."""
    from socialhub.domain.messages import do_append_message

    message = do_append_message(
        session, conversation, author=None, body=text, kind=MessageKind.system
    )
    if seen_by:
        session.execute(
            sa.update(ConversationMember)
            .where(
                col(ConversationMember.conversation_id) == conversation.id,
                col(ConversationMember.user_id).in_(list(seen_by)),
            )
            .values(read_seq=message.seq, delivered_seq=message.seq)
        )
    return message


# DMs ---------------------------------------------------------------------------------------------


def check_open_dm(session: Session, actor: User, username: str) -> Conversation:
    """The DM between the actor and `username`, created on first use."""
    other = access_user(session, username)
    assert actor.id is not None
    assert other.id is not None
    if other.id == actor.id:
        raise InvalidInput("you cannot message yourself", field="username", code="dm_self")
    key = f"{min(actor.id, other.id)}:{max(actor.id, other.id)}"
    existing = session.exec(select(Conversation).where(Conversation.dm_key == key)).first()
    if existing is not None:
        return existing
    if blocks.is_blocked_between(session, actor.id, other.id):
        raise PermissionDenied("you cannot message this user", code="blocked")
    return do_create_conversation(
        session,
        kind=ConversationKind.dm,
        creator=actor,
        members=[other],
        title="",
        description="",
        dm_key=key,
    )


def do_create_conversation(
    session: Session,
    *,
    kind: ConversationKind,
    creator: User,
    members: Sequence[User],
    title: str,
    description: str,
    dm_key: str | None = None,
) -> Conversation:
    conversation = Conversation(
        kind=kind.value,
        dm_key=dm_key,
        title=title,
        description=description,
        created_by=creator.id,
        member_count=1 + len(members),
    )
    session.add(conversation)
    session.flush()
    creator_role = MemberRole.admin if kind is ConversationKind.group else MemberRole.member
    session.add(
        ConversationMember(
            conversation_id=conversation.id, user_id=creator.id or 0, role=creator_role.value
        )
    )
    for user in members:
        session.add(ConversationMember(conversation_id=conversation.id, user_id=user.id or 0))
    session.flush()
    if kind is ConversationKind.group:
        do_system_message(
            session,
            conversation,
            f"{creator.username} created the group",
            seen_by=[creator.id or 0, *(u.id or 0 for u in members)],
        )
    publish_membership(
        session, conversation, "add", [creator.id or 0, *(u.id or 0 for u in members)]
    )
    return conversation


# Groups ------------------------------------------------------------------------------------------


def _resolve_users(session: Session, actor: User, usernames: Iterable[str]) -> list[User]:
    users: dict[int, User] = {}
    for name in usernames:
        user = access_user(session, name)
        assert user.id is not None
        assert actor.id is not None
        if user.id == actor.id:
            continue
        if blocks.is_blocked_between(session, actor.id, user.id):
            raise PermissionDenied(
                f"you cannot add {user.username}", code="blocked", details={"username": name}
            )
        users[user.id] = user
    return list(users.values())


def check_create_group(
    session: Session,
    actor: User,
    *,
    title: str,
    usernames: Sequence[str],
    description: str = "",
) -> Conversation:
    check = FieldCheck()
    name = check(lambda: clean_text(title, field="title", max_length=TITLE_MAX))
    if name == "":
        check.add(InvalidInput("give the group a name", field="title", code="empty"))
    about = check(
        lambda: clean_text(
            description, field="description", max_length=DESCRIPTION_MAX, multiline=True
        )
    )
    members = _resolve_users(session, actor, usernames)
    limit = get_settings().group_max_members
    if 1 + len(members) > limit:
        check.add(
            InvalidInput(
                f"a group has at most {limit} members", field="usernames", code="group_full"
            )
        )
    check.raise_any()
    assert name is not None
    assert about is not None
    ratelimit.hit("group", f"user:{actor.id}")
    return do_create_conversation(
        session,
        kind=ConversationKind.group,
        creator=actor,
        members=members,
        title=name,
        description=about,
    )


def check_update_group(
    session: Session,
    actor: User,
    conversation_id: str,
    *,
    title: str | None = None,
    description: str | None = None,
    send_policy: SendPolicy | None = None,
) -> Conversation:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    if title is not None:
        name = clean_text(title, field="title", max_length=TITLE_MAX)
        if not name:
            raise InvalidInput("give the group a name", field="title", code="empty")
        if name != conversation.title:
            conversation.title = name
            do_system_message(
                session,
                conversation,
                f"{actor.username} renamed the group to {name}",
                seen_by=[actor.id or 0],
            )
    if description is not None:
        conversation.description = clean_text(
            description, field="description", max_length=DESCRIPTION_MAX, multiline=True
        )
    if send_policy is not None:
        try:
            conversation.send_policy = SendPolicy(send_policy).value
        except ValueError as exc:
            raise InvalidInput(
                "send_policy must be everyone or admins", field="send_policy"
            ) from exc
    session.add(conversation)
    session.flush()
    publish_chat_update(session, conversation)
    return conversation


def _join(session: Session, conversation: Conversation, user: User) -> None:
    existing = session.get(ConversationMember, (conversation.id, user.id))
    if existing is not None:
        existing.left_at = None
        existing.removed_at = None
        existing.removed_by = None
        existing.left_seq = None
        existing.role = MemberRole.member.value
        existing.joined_at = utcnow()
        # A returning member starts reading from now, not from before they left.
        existing.read_seq = existing.delivered_seq = conversation.last_seq
        session.add(existing)
    else:
        session.add(
            ConversationMember(
                conversation_id=conversation.id,
                user_id=user.id or 0,
                read_seq=conversation.last_seq,
                delivered_seq=conversation.last_seq,
            )
        )
    conversation.member_count += 1
    session.add(conversation)
    session.flush()
    mark_membership(session, conversation.id, user.id or 0, joined=True)


def check_add_members(
    session: Session, actor: User, conversation_id: str, usernames: Sequence[str]
) -> list[User]:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    users = [
        u
        for u in _resolve_users(session, actor, usernames)
        if membership(session, conversation.id, u.id or 0) is None
    ]
    limit = get_settings().group_max_members
    if conversation.member_count + len(users) > limit:
        raise InvalidInput(
            f"a group has at most {limit} members", field="usernames", code="group_full"
        )
    ratelimit.hit("member_add", f"user:{actor.id}")
    for user in users:
        _join(session, conversation, user)
        do_system_message(
            session,
            conversation,
            f"{actor.username} added {user.username}",
            seen_by=[actor.id or 0, user.id or 0],
        )
    if users:
        publish_membership(session, conversation, "add", [u.id or 0 for u in users])
    return users


def _admin_count(session: Session, conversation: Conversation) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                ConversationMember.conversation_id == conversation.id,
                col(ConversationMember.left_at).is_(None),
                ConversationMember.role == MemberRole.admin.value,
            )
        ).one()
    )


def _leave(
    session: Session,
    conversation: Conversation,
    member: ConversationMember,
    *,
    removed_by: User | None = None,
) -> None:
    member.left_at = utcnow()
    member.removed_at = member.left_at if removed_by is not None else None
    member.removed_by = removed_by.id if removed_by is not None else None
    was_admin = member.role == MemberRole.admin.value
    member.role = MemberRole.member.value
    session.add(member)
    conversation.member_count -= 1
    session.add(conversation)
    session.flush()
    mark_membership(session, conversation.id, member.user_id, joined=False)
    if was_admin:
        admins = _admin_count(session, conversation)
        if admins == 0:
            # A group never loses its last admin: the longest-standing member takes over.
            heir = session.exec(
                select(ConversationMember)
                .where(
                    ConversationMember.conversation_id == conversation.id,
                    col(ConversationMember.left_at).is_(None),
                )
                .order_by(col(ConversationMember.joined_at))
            ).first()
            if heir is not None:
                heir.role = MemberRole.admin.value
                session.add(heir)
                session.flush()


def check_remove_member(session: Session, actor: User, conversation_id: str, username: str) -> None:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    target = access_user(session, username)
    target_member = membership(session, conversation.id, target.id or 0)
    if target_member is None:
        raise NotFound("that user is not in this group", code="member_not_found")
    if target.id == actor.id:
        raise InvalidInput("use leave to leave the group", code="remove_self")
    _leave(session, conversation, target_member, removed_by=actor)
    notice = do_system_message(
        session,
        conversation,
        f"{actor.username} removed {target.username}",
        seen_by=[actor.id or 0],
    )
    # They keep the history up to this notice, which tells them who removed them.
    target_member.left_seq = notice.seq
    session.add(target_member)
    session.flush()
    publish_membership(session, conversation, "remove", [target.id or 0], removed_by=actor.username)


def check_leave(session: Session, actor: User, conversation_id: str) -> None:
    conversation, member = access_conversation(session, actor, conversation_id)
    if conversation.kind != ConversationKind.group.value:
        raise InvalidInput("you can only leave groups", code="not_a_group")
    _leave(session, conversation, member)
    left = do_system_message(session, conversation, f"{actor.username} left")
    member.left_seq = left.seq
    session.add(member)
    session.flush()
    publish_membership(session, conversation, "remove", [actor.id or 0])


def check_set_role(
    session: Session, actor: User, conversation_id: str, username: str, role: MemberRole
) -> None:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    target = access_user(session, username)
    target_member = membership(session, conversation.id, target.id or 0)
    if target_member is None:
        raise NotFound("that user is not in this group", code="member_not_found")
    role = MemberRole(role)
    if target_member.role == role.value:
        return
    if role is MemberRole.member:
        admins = _admin_count(session, conversation)
        if admins <= 1:
            raise Conflict("a group needs at least one admin", code="last_admin")
    target_member.role = role.value
    session.add(target_member)
    session.flush()
    publish_chat_update(session, conversation)


def group_picture_key(conversation: Conversation, size: int) -> str:
    return media.square_image_key(
        f"groups/{conversation.id}", conversation.avatar_version or "", size
    )


def group_picture_url(conversation: Conversation, size: int = media.AVATAR_SIZES[1]) -> str | None:
    return media.square_image_url(f"groups/{conversation.id}", conversation.avatar_version, size)


def check_set_group_picture(
    session: Session, actor: User, conversation_id: str, data: bytes
) -> Conversation:
    """Group admins set the group's picture (the avatar pipeline: sniffed, re-encoded, no EXIF)."""
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    # Before the image is decoded: the limit also spares the CPU.
    ratelimit.hit("group_picture", f"user:{actor.id}")
    processed = media.process_square_image(data, max_bytes=get_settings().avatar_max_bytes)
    conversation.avatar_version = media.store_square_image(f"groups/{conversation.id}", processed)
    session.add(conversation)
    session.flush()
    publish_chat_update(session, conversation)
    return conversation


# Invite links ------------------------------------------------------------------------------------


def check_create_invite(
    session: Session,
    actor: User,
    conversation_id: str,
    *,
    expires_in: timedelta | None = None,
    max_uses: int | None = None,
) -> InviteLink:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    if max_uses is not None and not 1 <= max_uses <= INVITE_USES_MAX:
        raise InvalidInput(f"max_uses must be 1-{INVITE_USES_MAX}", field="max_uses")
    if expires_in is not None and not INVITE_EXPIRY_MIN <= expires_in <= INVITE_EXPIRY_MAX:
        raise InvalidInput("expiry must be between a minute and a year", field="expires_in")
    invite = InviteLink(
        code=secrets.token_urlsafe(12),
        conversation_id=conversation.id,
        created_by=actor.id,
        expires_at=utcnow() + expires_in if expires_in else None,
        max_uses=max_uses,
    )
    session.add(invite)
    session.flush()
    return invite


def list_invites(session: Session, actor: User, conversation_id: str) -> list[InviteLink]:
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    return list(
        session.exec(
            select(InviteLink)
            .where(
                InviteLink.conversation_id == conversation.id,
                col(InviteLink.revoked_at).is_(None),
            )
            .order_by(col(InviteLink.created_at))
        ).all()
    )


def check_revoke_invite(session: Session, actor: User, code: str) -> None:
    invite = session.get(InviteLink, code)
    if invite is None:
        raise NotFound("no such invite", code="invite_not_found")
    conversation, member = access_conversation(session, actor, invite.conversation_id)
    require_admin(conversation, member)
    invite.revoked_at = utcnow()
    session.add(invite)
    session.flush()


def check_revoke_all_invites(session: Session, actor: User, conversation_id: str) -> int:
    """Group admins end every invite link of the group at once; returns how many were live."""
    conversation, member = access_conversation(session, actor, conversation_id)
    require_admin(conversation, member)
    return do_revoke_all_invites(session, conversation)


def do_revoke_all_invites(session: Session, conversation: Conversation) -> int:
    revoked = session.execute(
        sa.update(InviteLink)
        .where(
            col(InviteLink.conversation_id) == conversation.id,
            col(InviteLink.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return int(revoked.rowcount)  # type: ignore[attr-defined]


def _removed_since_invite(
    session: Session, conversation: Conversation, actor: User, invite: InviteLink
) -> bool:
    """Someone an admin removed needs a link made after the removal (or to be added back).

    Who left by themselves may come back with any valid link, as in WhatsApp.
    """
    former = session.get(ConversationMember, (conversation.id, actor.id or 0))
    return (
        former is not None
        and former.removed_at is not None
        and invite.created_at <= former.removed_at
    )


def check_join_by_invite(session: Session, actor: User, code: str) -> Conversation:
    invite = session.get(InviteLink, code) if code else None
    now = utcnow()
    if invite is None or invite.revoked_at is not None:
        raise NotFound("this invite link is not valid", code="invite_not_found")
    if invite.expires_at is not None and invite.expires_at < now:
        raise PermissionDenied("this invite link has expired", code="invite_expired")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise PermissionDenied("this invite link has been used up", code="invite_used_up")
    conversation = session.get(Conversation, invite.conversation_id)
    if conversation is None:
        raise NotFound("this invite link is not valid", code="invite_not_found")
    if membership(session, conversation.id, actor.id or 0) is not None:
        return conversation
    if _removed_since_invite(session, conversation, actor, invite):
        raise PermissionDenied(
            "an admin removed you from this group: ask for a new invite link",
            code="removed_from_group",
        )
    if conversation.member_count >= get_settings().group_max_members:
        raise PermissionDenied("this group is full", code="group_full")
    # Count the use under the row lock so concurrent joins cannot exceed max_uses.
    used = session.execute(
        sa.update(InviteLink)
        .where(col(InviteLink.code) == code)
        .where(
            sa.or_(
                col(InviteLink.max_uses).is_(None), col(InviteLink.uses) < col(InviteLink.max_uses)
            )
        )
        .values(uses=col(InviteLink.uses) + 1)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise PermissionDenied("this invite link has been used up", code="invite_used_up")
    _join(session, conversation, actor)
    do_system_message(
        session,
        conversation,
        f"{actor.username} joined via an invite link",
        seen_by=[actor.id or 0],
    )
    publish_membership(session, conversation, "add", [actor.id or 0])
    return conversation


def invite_view(invite: InviteLink) -> InviteView:
    return InviteView(
        code=invite.code,
        conversation_id=invite.conversation_id,
        expires_at=invite.expires_at,
        max_uses=invite.max_uses,
        uses=invite.uses,
    )


# Per-member settings -----------------------------------------------------------------------------


def check_set_flags(
    session: Session,
    actor: User,
    conversation_id: str,
    *,
    muted: bool | None = None,
    pinned: bool | None = None,
    archived: bool | None = None,
) -> ConversationMember:
    conversation, member = access_conversation(session, actor, conversation_id)
    for name, value in (("muted", muted), ("pinned", pinned), ("archived", archived)):
        if value is not None:
            setattr(member, name, bool(value))
    session.add(member)
    session.flush()
    publish_my_chat(session, conversation, actor.id or 0)
    return member


# Read models -------------------------------------------------------------------------------------


def list_members(session: Session, actor: User, conversation_id: str) -> list[MemberView]:
    conversation, _ = access_conversation(session, actor, conversation_id)
    rows = session.exec(
        select(ConversationMember, User)
        .join(User, col(User.id) == col(ConversationMember.user_id))
        .where(
            ConversationMember.conversation_id == conversation.id,
            col(ConversationMember.left_at).is_(None),
        )
        .order_by(col(ConversationMember.joined_at))
    ).all()
    return [
        MemberView(
            user=user_brief(user),
            role=MemberRole(m.role),
            joined_at=m.joined_at,
            delivered_seq=m.delivered_seq,
            read_seq=m.read_seq,
        )
        for m, user in rows
    ]


def chat_summaries(
    session: Session, actor: User, rows: Sequence[tuple[Conversation, ConversationMember]]
) -> list[ChatSummary]:
    """Summaries of the actor's chats in a fixed number of queries, whatever their number."""
    from socialhub.domain.messages import last_visible_message, message_views

    me = actor.id or 0
    partner_ids = {c.id: dm_partner_id(c, me) for c, _ in rows if dm_partner_id(c, me)}
    partners = (
        {
            u.id: u
            for u in session.exec(
                select(User).where(col(User.id).in_(set(partner_ids.values())))
            ).all()
        }
        if partner_ids
        else {}
    )
    last_seqs = {c.id: visible_last_seq(c, m) for c, m in rows}
    removers = _removers(session, [m for _, m in rows])
    latest = {(c.id, last_seqs[c.id]) for c, _ in rows if last_seqs[c.id]}
    lasts: dict[str, Message] = {}
    if latest:
        found = session.exec(
            select(Message).where(
                sa.tuple_(col(Message.conversation_id), col(Message.seq)).in_(latest)
            )
        ).all()
        hidden = set(
            session.exec(
                select(HiddenMessage.message_id).where(
                    HiddenMessage.user_id == me,
                    col(HiddenMessage.message_id).in_([m.id for m in found]),
                )
            ).all()
        )
        lasts = {m.conversation_id: m for m in found if m.id not in hidden}
        for conversation, _ in rows:  # the latest was deleted for me: look further back
            if last_seqs[conversation.id] and conversation.id not in lasts:
                earlier = last_visible_message(
                    session, actor, conversation, upto=last_seqs[conversation.id]
                )
                if earlier is not None:
                    lasts[conversation.id] = earlier
    views = {v.conversation_id: v for v in message_views(session, list(lasts.values()))}
    summaries = []
    for conversation, member in rows:
        title, dm_username = conversation.title, None
        avatar_url = group_picture_url(conversation)
        partner = partners.get(partner_ids.get(conversation.id, 0))
        if partner is not None:
            title, dm_username = partner.display_name, partner.username
            avatar_url = avatar_urls(partner)[1]
        summaries.append(
            ChatSummary(
                id=conversation.id,
                kind=ConversationKind(conversation.kind),
                title=title,
                description=conversation.description,
                avatar_url=avatar_url,
                dm_username=dm_username,
                member_count=conversation.member_count,
                my_role=MemberRole(member.role),
                send_policy=SendPolicy(conversation.send_policy),
                last_message=views.get(conversation.id),
                last_seq=last_seqs[conversation.id],
                read_seq=member.read_seq,
                unread_count=unread_count(last_seqs[conversation.id], member.read_seq),
                muted=member.muted,
                pinned=member.pinned,
                archived=member.archived,
                last_activity_at=_activity(conversation, member),
                removed=was_removed(member),
                removed_by=removers.get(member.removed_by or 0) if was_removed(member) else None,
                can_pin=may_pin(conversation, member),
                dm_is_bot=partner is not None and partner.is_bot,
            )
        )
    return summaries


def may_pin(conversation: Conversation, member: ConversationMember) -> bool:
    """Whether the member may pin in this DM or group: anyone, but only admins in a group
    where only admins send, and nobody an admin removed (a server channel asks for
    MANAGE_MESSAGES instead: `pins`)."""
    if was_removed(member):
        return False
    return not (
        conversation.kind == ConversationKind.group.value
        and conversation.send_policy == SendPolicy.admins.value
        and member.role != MemberRole.admin.value
    )


def _removers(session: Session, members: Sequence[ConversationMember]) -> dict[int, str]:
    """The usernames of the admins who removed these members (one query)."""
    ids = {m.removed_by for m in members if m.removed_by is not None and was_removed(m)}
    if not ids:
        return {}
    found = session.exec(select(User.id, User.username).where(col(User.id).in_(ids))).all()
    return {user_id: name for user_id, name in found if user_id is not None}


def _activity(conversation: Conversation, member: ConversationMember) -> datetime:
    """What a removed member sees of the group ends with their removal, its activity too."""
    if was_removed(member) and member.removed_at is not None:
        return min(member.removed_at, conversation.last_activity_at)
    return conversation.last_activity_at


def chat_summary(
    session: Session, actor: User, conversation: Conversation, member: ConversationMember
) -> ChatSummary:
    return chat_summaries(session, actor, [(conversation, member)])[0]


def get_chat(session: Session, actor: User, conversation_id: str) -> ChatSummary:
    """The chat's summary, for its members and for the members an admin removed."""
    conversation, member = access_history(session, actor, conversation_id)
    return chat_summary(session, actor, conversation, member)


def list_chats(
    session: Session, actor: User, *, limit: int = 100, only: Iterable[str] | None = None
) -> list[ChatSummary]:
    """The actor's chats: pinned first, then latest activity first (`only`: just these).
    Groups an admin removed them from stay, read-only, at the time of the removal."""
    cm = ConversationMember
    activity = sa.case(
        (col(cm.left_at).is_not(None), col(cm.removed_at)),
        else_=col(Conversation.last_activity_at),
    )
    query = (
        select(Conversation, ConversationMember)
        .join(cm, col(cm.conversation_id) == col(Conversation.id))
        .where(
            cm.user_id == actor.id,
            listed_membership(),
        )
        .order_by(col(cm.pinned).desc(), activity.desc())
        .limit(max(1, min(limit, 500)))
    )
    if only is not None:
        query = query.where(col(Conversation.id).in_(list(only)))
    return chat_summaries(session, actor, list(session.exec(query).all()))
