"""Servers (Discord-style communities): members, roles, channels' permission overwrites, invites,
join requests, bans, automod, the audit log, notification levels, pins and mentions.

A server's channels are `Conversation` rows (kind `channel`, `server_id` set): they share the
message code, history, reactions and streams of DMs and groups. Who may read a channel follows
from server membership and the permission function (`domain/permissions.py`), never from rows
copied per member: `ChannelState` only holds a member's own read marker and slow-mode clock.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class ChannelType(StrEnum):
    text = "text"
    announcement = "announcement"
    posts = "posts"


class JoinMode(StrEnum):
    """How someone gets into a server: anyone (public, listed in discovery), by invite only, or
    by asking (a moderator accepts or declines)."""

    open = "open"
    invite = "invite"
    request = "request"


class OverwriteTarget(StrEnum):
    role = "role"
    member = "member"


class NotifyLevel(StrEnum):
    all = "all"
    mentions = "mentions"
    nothing = "nothing"


class JoinRequestStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    declined = "declined"


class AutomodAction(StrEnum):
    block = "block"
    flag = "flag"


class AutomodKind(StrEnum):
    word = "word"
    pattern = "pattern"


class MentionKind(StrEnum):
    user = "user"
    role = "role"
    everyone = "everyone"
    here = "here"


def _bits() -> Any:
    return sa.Column(sa.BigInteger, nullable=False, default=0)


class Server(SQLModel, table=True):
    __tablename__ = "servers"
    __table_args__ = (sa.Index("ix_servers_public_name", "is_public", "name_lower"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    name_lower: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    icon_version: str | None = Field(default=None, max_length=32)
    owner_id: int = Field(foreign_key="users.id", ondelete="RESTRICT", index=True)
    # Listed in discovery and open to anyone; a private server takes invites, or requests.
    is_public: bool = Field(default=False)
    join_mode: str = Field(default=JoinMode.invite.value, max_length=16)
    member_count: int = Field(default=0)
    # Bumped by every change the permission function reads (roles, overwrites, channels'
    # categories): the cache key of a server's permission snapshot.
    perm_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    # Set when the owner deletes it: invisible at once, its rows removed by a job.
    deleted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


SORT_NAME_MAX = 64
# Compared code point by code point on both databases, as Python compares the cursor's name:
# PostgreSQL's default collation (a locale's) would order otherwise than SQLite.
SORT_NAME_TYPE = sa.String(SORT_NAME_MAX).with_variant(
    sa.String(SORT_NAME_MAX, collation="C"), "postgresql"
)


def member_sort_name(shown: str) -> str:
    """Where a shown name sorts in the member list: compatibility forms unified (a full-width
    A, U+FF21, is an A), accents dropped and case folded (Émile sorts with emma), cut to
    SORT_NAME_MAX. Done in Python, so both databases store and order the same text."""
    decomposed = unicodedata.normalize("NFKD", shown)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold())[:SORT_NAME_MAX]


class ServerMember(SQLModel, table=True):
    __tablename__ = "server_members"
    __table_args__ = (
        sa.Index("ix_server_members_user", "user_id"),
        # The member list pages by keyset on (sort_name, user_id) within a server.
        sa.Index("ix_server_members_sort", "server_id", "sort_name", "user_id"),
    )

    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    nickname: str = Field(default="", max_length=32)
    # `member_sort_name` of the shown name (nickname, else display name, else username), kept
    # in step by every write that changes one of them (`servers.do_set_nickname`,
    # `users.do_update_profile`).
    sort_name: str = Field(
        default="", sa_type=SORT_NAME_TYPE, sa_column_kwargs={"server_default": ""}
    )
    joined_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    # A timed-out member keeps only VIEW_CHANNEL and READ_HISTORY until then.
    timeout_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # The membership's start in the event stream: the server's and its channels' events after
    # it are this member's to replay (as far as the permission function lets them see).
    joined_position: int = Field(default=0)


class Role(SQLModel, table=True):
    __tablename__ = "roles"
    __table_args__ = (sa.Index("ix_roles_server", "server_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=100)
    colour: str = Field(default="", max_length=7)
    # Higher is more senior; @everyone is always 0.
    position: int = Field(default=0)
    permissions: int = Field(default=0, sa_column=_bits())
    mentionable: bool = Field(default=False)
    # Members with this role are listed under it in the member list.
    hoist: bool = Field(default=False)
    is_everyone: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class MemberRoleLink(SQLModel, table=True):
    __tablename__ = "member_roles"
    __table_args__ = (sa.Index("ix_member_roles_role", "role_id"),)

    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    role_id: str = Field(
        foreign_key="roles.id", ondelete="CASCADE", primary_key=True, max_length=32
    )


class ChannelCategory(SQLModel, table=True):
    __tablename__ = "channel_categories"
    __table_args__ = (sa.Index("ix_channel_categories_server", "server_id", "position"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=100)
    position: int = Field(default=0)


class PermissionOverwrite(SQLModel, table=True):
    """Allow/deny bits for a role or a member, on a channel or a category (`scope_id`)."""

    __tablename__ = "permission_overwrites"
    __table_args__ = (
        sa.UniqueConstraint("scope_id", "target_type", "target_id", name="uq_overwrite_target"),
        sa.Index("ix_permission_overwrites_server", "server_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    # A channel (conversation) id or a category id.
    scope_id: str = Field(max_length=32)
    target_type: str = Field(max_length=8)
    # A role id, or a member's user id as text.
    target_id: str = Field(max_length=32)
    allow: int = Field(default=0, sa_column=_bits())
    deny: int = Field(default=0, sa_column=_bits())


class ServerBan(SQLModel, table=True):
    __tablename__ = "server_bans"

    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    reason: str = Field(default="", max_length=500)
    banned_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ServerInvite(SQLModel, table=True):
    __tablename__ = "server_invites"
    __table_args__ = (sa.Index("ix_server_invites_server", "server_id"),)

    code: str = Field(primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    # The channel the invite lands on (optional).
    channel_id: str | None = Field(default=None, max_length=32)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    max_uses: int | None = Field(default=None)
    uses: int = Field(default=0)
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class JoinRequest(SQLModel, table=True):
    __tablename__ = "server_join_requests"
    __table_args__ = (sa.Index("ix_join_requests_server", "server_id", "status", "created_at"),)

    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    message: str = Field(default="", max_length=500)
    status: str = Field(default=JoinRequestStatus.pending.value, max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    decided_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class AuditLogEntry(SQLModel, table=True):
    __tablename__ = "server_audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_server", "server_id", "id"),
        sa.Index("ix_audit_log_server_action", "server_id", "action", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    action: str = Field(max_length=40)
    target_type: str = Field(default="", max_length=16)
    target_id: str = Field(default="", max_length=32)
    reason: str = Field(default="", max_length=500)
    changes: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class AutomodRule(SQLModel, table=True):
    __tablename__ = "automod_rules"
    __table_args__ = (sa.Index("ix_automod_rules_server", "server_id"),)

    id: int | None = Field(default=None, primary_key=True)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    kind: str = Field(max_length=16)
    value: str = Field(max_length=200)
    action: str = Field(max_length=16)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class AutomodFlag(SQLModel, table=True):
    """A channel message, or a post of a posts channel, that a `flag` rule let through, for
    moderators to look at: exactly one of `message_id` and `post_id` is set."""

    __tablename__ = "automod_flags"
    __table_args__ = (
        sa.Index("ix_automod_flags_server", "server_id", "id"),
        # A deleted post takes its flags along: the cascade finds them by this index.
        sa.Index("ix_automod_flags_post", "post_id"),
        sa.CheckConstraint(
            "(message_id IS NULL) <> (post_id IS NULL)", name="ck_automod_flags_one_target"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    message_id: str | None = Field(
        default=None, foreign_key="messages.id", ondelete="CASCADE", max_length=32
    )
    post_id: str | None = Field(
        default=None, foreign_key="posts.id", ondelete="CASCADE", max_length=32
    )
    rule_id: int | None = Field(default=None, foreign_key="automod_rules.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class NotificationSetting(SQLModel, table=True):
    """A member's notification level for a server (`channel_id` "") or one of its channels."""

    __tablename__ = "notification_settings"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    channel_id: str = Field(default="", primary_key=True, max_length=32)
    # None: as the server (for a channel) or "all" (for a server).
    level: str | None = Field(default=None, max_length=16)
    muted: bool = Field(default=False)
    # A timed mute ends then; None with `muted`: until turned back on.
    muted_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ChannelState(SQLModel, table=True):
    """One member's own state in a channel, created when first needed: read marker, slow mode."""

    __tablename__ = "channel_states"

    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    read_seq: int = Field(default=0)
    last_sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class MessageMention(SQLModel, table=True):
    """Who a message mentions (a user, a role, @everyone or @here), for mention badges and the
    notifications to come. A role or everyone is one row, never one per member."""

    __tablename__ = "message_mentions"
    __table_args__ = (sa.Index("ix_message_mentions_target", "conversation_id", "kind", "target"),)

    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    kind: str = Field(primary_key=True, max_length=16)
    target: str = Field(default="", primary_key=True, max_length=32)
    conversation_id: str = Field(max_length=32)
    seq: int


class PinnedMessage(SQLModel, table=True):
    __tablename__ = "pinned_messages"
    __table_args__ = (sa.Index("ix_pinned_messages_conversation", "conversation_id", "pinned_at"),)

    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    conversation_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE", max_length=32)
    pinned_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    pinned_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
