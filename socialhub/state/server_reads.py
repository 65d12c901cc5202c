"""What the Discord layout reads, as the rows it shows: the rail of my servers, one server's
sidebar (channels by category, with unread dots and mention counts, and the `can_*` flags of
the header), my notification levels there, and a page of its member list.

The domain's reads (`servers.get_server`, `servers.list_members`, `notify_levels`' badges and
settings) decide what the member may see and what lights a dot; this module only shapes their
views into the small rows a tab keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import notify_levels, permissions
from socialhub.domain import servers as servers_domain
from socialhub.domain import threads as threads_domain
from socialhub.models import User
from socialhub.models.channel_views import NotificationLevelView
from socialhub.models.server_views import ChannelView
from socialhub.models.thread_views import ThreadView

MEMBER_PAGE = 50


class RailItem(BaseModel):
    id: str
    name: str
    initials: str
    # The icon through the image pipeline ("" for none: the initials stand in).
    icon_url: str = ""
    unread: bool = False
    mentions: int = 0
    muted: bool = False


class ChannelItem(BaseModel):
    id: str
    name: str
    topic: str
    kind: str
    category_id: str
    # The category's name on the first channel of each category ("" for the others).
    header: str
    # (Its dot and mention badge are the state's `unread_ids` and `mention_counts`, apart
    # from the rows: lighting one pushes a few bytes, not the whole sidebar.)
    # My notification setting here: the channel's own level ("" for as the server) and whether
    # it is muted now (a muted channel shows dimmed and lights no dot).
    level: str = ""
    muted: bool = False
    # When a timed mute ends (ISO, UTC), "" when not muted or muted until turned back on.
    muted_until: str = ""
    # A thread (kind "thread"): its channel, and whether it is archived (the sidebar shows the
    # active ones); on a channel, whether I may start threads there (CREATE_THREADS).
    parent_id: str = ""
    archived: bool = False
    can_threads: bool = False
    # On a thread: I may rename and archive it (its creator, or MANAGE_CHANNELS there).
    can_manage: bool = False


class MemberItem(BaseModel):
    user_id: int
    username: str
    display_name: str
    avatar_url: str
    colour: str
    role_name: str
    status: str
    is_bot: bool = False
    # The hoisted role the member is listed under ("" for the others), its rank among the
    # server's hoisted roles (most senior first; the others after them) and, on the first
    # member of each group, the group's heading.
    group: str = ""
    group_rank: int = 0
    header: str = ""


@dataclass
class Notifications:
    """My own notification setting for a server: its level and mute."""

    level: str = "all"
    muted: bool = False
    muted_until: str = ""


def _until(view: NotificationLevelView) -> str:
    return view.muted_until.isoformat() if view.muted_until else ""


@dataclass
class ServerView:
    """One server as the member sees it: the header's flags, the sidebar and my levels."""

    id: str
    name: str
    description: str
    icon_url: str
    is_owner: bool
    can_invite: bool
    can_settings: bool
    can_manage_messages: bool
    member_count: int
    role_ids: list[str]
    channels: list[ChannelItem] = field(default_factory=list)
    notifications: Notifications = field(default_factory=Notifications)
    # The channels with unread messages (a muted one never is), and their mentions of me.
    unread_ids: list[str] = field(default_factory=list)
    mention_counts: dict[str, int] = field(default_factory=dict)


def _thread_item(thread: ThreadView, category_id: str) -> ChannelItem:
    return ChannelItem(
        id=thread.id,
        name=thread.name,
        topic="",
        kind="thread",
        category_id=category_id,
        header="",
        parent_id=thread.parent_id,
        archived=thread.archived,
        can_manage=thread.can_manage,
    )


def initials(name: str) -> str:
    words = name.split()
    return "".join(w[0] for w in words[:2]).upper() or "?"


@dataclass
class Rail:
    items: list[RailItem]
    # Each channel I may view -> its server (for the dots of messages arriving off screen).
    channel_servers: dict[str, str]


def my_servers(session: Session, user: User) -> Rail:
    """The rail: my servers in the order I joined them, each with its icon, and its unread dot
    and mention count over the channels I may view as my notification levels have them."""
    badges = {b.server_id: b for b in notify_levels.all_server_badges(session, user)}
    items: list[RailItem] = []
    channel_servers: dict[str, str] = {}
    for mine in servers_domain.list_my_servers(session, user):
        server = mine.server
        badge = badges.get(server.id)
        if badge is None:
            continue
        channel_servers |= dict.fromkeys((c.channel_id for c in badge.channels), server.id)
        items.append(
            RailItem(
                id=server.id,
                name=server.name,
                initials=initials(server.name),
                icon_url=server.icon_small_url or "",
                unread=badge.unread,
                mentions=badge.mentions,
                muted=badge.muted,
            )
        )
    return Rail(items, channel_servers)


def server_view(session: Session, user: User, server_id: str) -> ServerView:
    """The server's header and sidebar, with my notification levels; NotFound
    (server_not_found) for a non-member."""
    detail = servers_domain.get_server(session, user, server_id)
    role_ids = sorted(permissions.member_roles(session, server_id, user.id or 0))
    sections: list[tuple[str, str, list[ChannelView]]] = [("", "", detail.channels)]
    sections += [(c.id, c.name, c.channels) for c in detail.categories]
    badge = notify_levels.server_badges(session, user, server_id)
    badges = {c.channel_id: c for c in badge.channels}
    settings = notify_levels.get_notifications(session, user, server_id)
    own = {v.channel_id: v for v in settings.channels}
    items: list[ChannelItem] = []
    # Every thread, archived ones too: the sidebar shows the active ones and the one on
    # screen, the thread panel lists them all.
    under = threads_domain.threads_by_parent(
        session, user, server_id, [v.id for _, _, views in sections for v in views], archived=True
    )
    for category_id, name, views in sections:
        for n, view in enumerate(views):
            setting = own.get(view.id)
            items.append(
                ChannelItem(
                    id=view.id,
                    name=view.name,
                    topic=view.topic,
                    kind=view.channel_type,
                    category_id=category_id,
                    header=name if n == 0 else "",
                    level=(setting.level or "") if setting else "",
                    muted=bool(setting and setting.muted),
                    muted_until=_until(setting) if setting else "",
                    can_threads=bool(int(view.permissions) & permissions.Permission.CREATE_THREADS),
                )
            )
            items += [_thread_item(t, category_id) for t in under.get(view.id, [])]
    flags = detail.flags
    return ServerView(
        id=detail.server.id,
        name=detail.server.name,
        description=detail.server.description,
        icon_url=detail.server.icon_small_url or "",
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
        unread_ids=[c.id for c in items if (b := badges.get(c.id)) is not None and b.unread],
        mention_counts={c.channel_id: c.mentions for c in badge.channels if c.mentions},
        notifications=Notifications(
            level=settings.server.level or "all",
            muted=settings.server.muted,
            muted_until=_until(settings.server),
        ),
    )


@dataclass
class MemberPage:
    members: list[MemberItem]
    # Where the next page starts ("" at the end).
    cursor: str


def member_page(session: Session, user: User, server_id: str, *, cursor: str = "") -> MemberPage:
    """A page of the member list (by name, `MEMBER_PAGE` at a time), each member with the
    presence the viewer may see, the colour and name of their highest coloured role, and the
    hoisted role the domain lists them under."""
    page = servers_domain.list_members(
        session, user, server_id, cursor=cursor or None, limit=MEMBER_PAGE
    )
    roles = permissions.access_server(session, user, server_id).snapshot.roles
    rank = {role.id: n for n, role in enumerate(page.hoisted_roles)}
    group_names = {role.id: role.name for role in page.hoisted_roles}
    items = []
    for member in page.members:
        mine = [roles[r] for r in member.role_ids if r in roles]
        coloured = next((r for r in mine if r.colour), None)
        hoisted = member.hoisted_role_id or ""
        items.append(
            MemberItem(
                user_id=member.user.id,
                username=member.user.username,
                display_name=member.shown_name,
                avatar_url=member.user.avatar_small_url or "",
                colour=coloured.colour if coloured else "",
                role_name="Owner" if member.is_owner else (mine[0].name if mine else ""),
                status=member.status,
                is_bot=member.user.is_bot,
                group=group_names.get(hoisted, ""),
                group_rank=rank.get(hoisted, len(rank)),
            )
        )
    return MemberPage(items, page.next_cursor or "")


def arrange_members(members: list[MemberItem]) -> list[MemberItem]:
    """The loaded members by group (the hoisted roles, most senior first, then everyone else),
    in name order within each, the first of each group carrying its heading. Only when some
    role is hoisted: otherwise one plain list, as before."""
    ordered = sorted(members, key=lambda m: m.group_rank)  # stable: name order stays
    if not any(m.group for m in ordered):
        return [m.model_copy(update={"header": ""}) if m.header else m for m in ordered]
    shown: list[MemberItem] = []
    previous: str | None = None
    for member in ordered:
        heading = (member.group or "Members") if member.group != previous else ""
        previous = member.group
        shown.append(member.model_copy(update={"header": heading}))
    return shown
