"""Read models of servers: the rail, a server's channels, discovery, invites, join requests and
the member list. Permission bitmasks are decimal strings (JavaScript loses bits above 2^53);
what the UI may offer comes as `can_*` flags computed by the permission function."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import SQLModel

from socialhub.models.chat import UserBrief


class ServerFlags(SQLModel):
    """What the member may do server-wide (from `ServerAccess.bits`)."""

    can_manage_server: bool
    can_manage_channels: bool
    can_manage_roles: bool
    can_kick: bool
    can_ban: bool
    can_moderate: bool
    can_view_audit_log: bool
    can_create_invite: bool
    can_manage_messages: bool
    can_change_nickname: bool
    can_manage_nicknames: bool


class ServerView(SQLModel):
    id: str
    name: str
    description: str
    icon_url: str | None
    icon_small_url: str | None
    owner_id: int
    is_public: bool
    join_mode: str
    member_count: int
    created_at: datetime


class MyServer(SQLModel):
    """A server of mine on the rail, with my permissions there."""

    server: ServerView
    is_owner: bool
    permissions: str
    flags: ServerFlags
    joined_at: datetime


class ChannelView(SQLModel):
    id: str
    name: str
    channel_type: str
    category_id: str | None
    position: int
    topic: str
    slow_mode_seconds: int
    synced: bool
    permissions: str
    can_send: bool
    can_manage: bool
    can_manage_messages: bool


class CategoryView(SQLModel):
    id: str
    name: str
    position: int
    channels: list[ChannelView]


class ServerDetail(SQLModel):
    """A server as a member sees it: only the channels they may view, grouped by category."""

    server: ServerView
    is_owner: bool
    permissions: str
    flags: ServerFlags
    online_count: int
    # Channels outside any category, listed above the categories.
    channels: list[ChannelView]
    categories: list[CategoryView]


class DiscoveryItem(SQLModel):
    server: ServerView
    online_count: int
    is_member: bool
    # The viewer asked to join and awaits the moderators' answer.
    request_pending: bool


class DiscoveryPage(SQLModel):
    servers: list[DiscoveryItem]
    next_cursor: str | None


class ServerInviteView(SQLModel):
    code: str
    server_id: str
    channel_id: str | None
    created_by: UserBrief | None
    created_at: datetime
    expires_at: datetime | None
    max_uses: int | None
    uses: int
    revoked: bool


class InvitePreview(SQLModel):
    """What an invite shows before joining, to anyone holding the code."""

    code: str
    server_id: str
    # The channel the invite opens on, if any.
    channel_id: str | None
    name: str
    description: str
    icon_url: str | None
    member_count: int
    online_count: int
    expires_at: datetime | None
    is_member: bool


class JoinRequestView(SQLModel):
    server_id: str
    user: UserBrief
    message: str
    status: str
    created_at: datetime
    decided_at: datetime | None


class JoinRequestPage(SQLModel):
    requests: list[JoinRequestView]
    next_cursor: str | None


class RoleBrief(SQLModel):
    id: str
    name: str
    colour: str
    position: int


class ServerMemberView(SQLModel):
    user: UserBrief
    nickname: str
    # The name shown in the server: the nickname, else the display name, else the username.
    shown_name: str
    # online / idle / dnd / offline, or hidden where the member's settings say so.
    status: str
    is_owner: bool
    role_ids: list[str]
    # The highest hoisted role: the group the member is listed under (None: "Members").
    hoisted_role_id: str | None
    joined_at: datetime
    timeout_until: datetime | None
    # Whether the viewer may set this member's nickname (their own, or as a moderator).
    can_edit_nickname: bool


class MemberPage(SQLModel):
    members: list[ServerMemberView]
    # The server's hoisted roles, highest first: the member list's groups.
    hoisted_roles: list[RoleBrief]
    next_cursor: str | None
