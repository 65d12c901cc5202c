"""What the Discord layout reads, as the rows it shows: the rail of my servers, one server's
sidebar (channels by category, with unread dots and mention counts, and the `can_*` flags of
the header) and a page of its member list.

The domain's reads (`servers.get_server`, `servers.list_members`, `channel_unreads`) decide
what the member may see; this module only shapes their views into the small rows a tab keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import channel_messages, permissions
from socialhub.domain import servers as servers_domain
from socialhub.domain.permissions import Permission, ServerAccess
from socialhub.models import User
from socialhub.models.server_views import ChannelView

MEMBER_PAGE = 50


class RailItem(BaseModel):
    id: str
    name: str
    initials: str
    unread: bool = False
    mentions: int = 0


class ChannelItem(BaseModel):
    id: str
    name: str
    topic: str
    kind: str
    category_id: str
    # The category's name on the first channel of each category ("" for the others).
    header: str
    unread: bool = False
    mentions: int = 0


class MemberItem(BaseModel):
    user_id: int
    username: str
    display_name: str
    avatar_url: str
    colour: str
    role_name: str
    status: str


@dataclass
class ServerView:
    """One server as the member sees it: the header's flags and the sidebar."""

    id: str
    name: str
    description: str
    is_owner: bool
    can_invite: bool
    can_settings: bool
    can_manage_messages: bool
    member_count: int
    role_ids: list[str]
    channels: list[ChannelItem] = field(default_factory=list)


def initials(name: str) -> str:
    words = name.split()
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _visible(access: ServerAccess) -> list[str]:
    return [
        cid for cid in access.snapshot.channels if access.in_channel(cid) & Permission.VIEW_CHANNEL
    ]


@dataclass
class Rail:
    items: list[RailItem]
    # Each channel I may view -> its server (for the dots of messages arriving off screen).
    channel_servers: dict[str, str]


def my_servers(session: Session, user: User) -> Rail:
    """The rail: my servers in the order I joined them, each with its unread dot and mention
    count over the channels I may view."""
    items: list[RailItem] = []
    channel_servers: dict[str, str] = {}
    for mine in servers_domain.list_my_servers(session, user):
        server = mine.server
        access = permissions.access_server(session, user, server.id)
        visible = _visible(access)
        channel_servers |= dict.fromkeys(visible, server.id)
        unreads = channel_messages.channel_unreads(
            session, user, server.id, visible, sorted(access.facts.role_ids)
        )
        items.append(
            RailItem(
                id=server.id,
                name=server.name,
                initials=initials(server.name),
                unread=any(u.unread for u in unreads.values()),
                mentions=sum(u.mentions for u in unreads.values()),
            )
        )
    return Rail(items, channel_servers)


def server_view(session: Session, user: User, server_id: str) -> ServerView:
    """The server's header and sidebar; NotFound (server_not_found) for a non-member."""
    detail = servers_domain.get_server(session, user, server_id)
    role_ids = sorted(permissions.member_roles(session, server_id, user.id or 0))
    sections: list[tuple[str, str, list[ChannelView]]] = [("", "", detail.channels)]
    sections += [(c.id, c.name, c.channels) for c in detail.categories]
    unreads = channel_messages.channel_unreads(
        session, user, server_id, [v.id for _, _, views in sections for v in views], role_ids
    )
    items: list[ChannelItem] = []
    for category_id, name, views in sections:
        for n, view in enumerate(views):
            unread = unreads.get(view.id)
            items.append(
                ChannelItem(
                    id=view.id,
                    name=view.name,
                    topic=view.topic,
                    kind=view.channel_type,
                    category_id=category_id,
                    header=name if n == 0 else "",
                    unread=bool(unread and unread.unread),
                    mentions=unread.mentions if unread else 0,
                )
            )
    flags = detail.flags
    return ServerView(
        id=detail.server.id,
        name=detail.server.name,
        description=detail.server.description,
        is_owner=detail.is_owner,
        can_invite=flags.can_create_invite,
        can_settings=any(
            (
                flags.can_manage_server,
                flags.can_manage_channels,
                flags.can_manage_roles,
                flags.can_kick,
                flags.can_ban,
                flags.can_moderate,
                flags.can_view_audit_log,
            )
        ),
        can_manage_messages=flags.can_manage_messages,
        member_count=detail.server.member_count,
        role_ids=role_ids,
        channels=items,
    )


@dataclass
class MemberPage:
    members: list[MemberItem]
    # Where the next page starts ("" at the end).
    cursor: str


def member_page(session: Session, user: User, server_id: str, *, cursor: str = "") -> MemberPage:
    """A page of the member list (by name, `MEMBER_PAGE` at a time), each member with the
    presence the viewer may see and the colour and name of their highest coloured role."""
    page = servers_domain.list_members(
        session, user, server_id, cursor=cursor or None, limit=MEMBER_PAGE
    )
    roles = permissions.access_server(session, user, server_id).snapshot.roles
    items = []
    for member in page.members:
        mine = [roles[r] for r in member.role_ids if r in roles]
        coloured = next((r for r in mine if r.colour), None)
        items.append(
            MemberItem(
                user_id=member.user.id,
                username=member.user.username,
                display_name=member.shown_name,
                avatar_url=member.user.avatar_small_url or "",
                colour=coloured.colour if coloured else "",
                role_name="Owner" if member.is_owner else (mine[0].name if mine else ""),
                status=member.status,
            )
        )
    return MemberPage(items, page.next_cursor or "")
