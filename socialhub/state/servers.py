"""The Discord layout on /servers/<server>/<channel>: the rail of my servers, the open server's
channel sidebar and header, and the drawers of a phone.

The channel on screen is an ordinary conversation: `ConversationState` opens it (window,
composer, replies, edits, reactions, live messages), so nothing of the message pane is here.
This state holds the small things around it: the rail's unread dots and mention badges, the
sidebar's rows, the `can_*` flags the domain computed, and which channel is open. The live
changes to them arrive through `server_live.ServerLive`, and my notification levels changed
elsewhere through `NotifyLevelsLive` below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.delivery.receipts import receipts
from socialhub.domain import channel_messages, media, notify_levels
from socialhub.domain import servers as servers_domain
from socialhub.domain.errors import DomainError
from socialhub.models import Server, User
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.conversation import ConversationState
from socialhub.state.feed import FeedState
from socialhub.state.forms import FormErrors
from socialhub.state.realtime import RealtimeState, register_feature
from socialhub.state.server_reads import (
    ChannelItem,
    Rail,
    RailItem,
    ServerView,
    initials,
    my_servers,
    server_view,
)

# What a tab reads when it opens a server page: the rail, and the server (None on /servers).
Opened = tuple[Rail, ServerView | None]

# The create dialog's icon picker.
SERVER_ICON_UPLOAD_ID = "new-server-icon"


# What the menus call each level and mute (the values are the domain's).
LEVEL_NAMES = {
    "": "as the server",
    "all": "all messages",
    "mentions": "mentions only",
    "nothing": "nothing",
}
MUTE_DONE = {
    "1h": "{name} muted for 1 hour",
    "8h": "{name} muted for 8 hours",
    "24h": "{name} muted for 24 hours",
    "forever": "{name} muted until you turn it back on",
    "off": "{name} unmuted",
}


def _when(clock: Clock, iso: str) -> str:
    """A mute's end in the tab's time zone ("" stays "": until turned back on)."""
    return clock.date_time(datetime.fromisoformat(iso)) if iso else ""


def server_path(server_id: str, channel_id: str = "") -> str:
    return f"/servers/{server_id}" + (f"/{channel_id}" if channel_id else "")


class ServerState(rx.State):
    servers: list[RailItem] = []
    server_id: str = ""
    server_name: str = ""
    server_description: str = ""
    server_icon_url: str = ""
    member_count: int = 0
    is_owner: bool = False
    can_invite: bool = False
    can_settings: bool = False
    can_manage_messages: bool = False
    channels: list[ChannelItem] = []
    channel_id: str = ""
    # My notification setting for the open server (the channels' own are on their rows).
    notify_level: str = "all"
    server_muted: bool = False
    server_muted_until: str = ""
    # A phone's drawers (the rail with the sidebar; the member list is ServerMembersState's).
    drawer_open: bool = False
    _role_ids: list[str] = []
    # Each channel of my servers that I may view -> its server.
    _channel_servers: dict[str, str] = {}
    # The sidebar's dots and mention badges, apart from its rows (see ChannelItem).
    unread_ids: list[str] = []
    mention_counts: dict[str, int] = {}

    @rx.var
    def channel_name(self) -> str:
        return next((c.name for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def channel_kind(self) -> str:
        """The open channel's type: text, announcement or posts (a feed, not messages)."""
        return next((c.kind for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def channel_topic(self) -> str:
        return next((c.topic for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def channel_level(self) -> str:
        """The open channel's own level ("" for as the server)."""
        return next((c.level for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def channel_muted(self) -> bool:
        return next((c.muted for c in self.channels if c.id == self.channel_id), False)

    @rx.var
    def channel_muted_until(self) -> str:
        return next((c.muted_until for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def thread_parent_id(self) -> str:
        """The channel whose threads are at hand: the open channel, or the open thread's."""
        row = next((c for c in self.channels if c.id == self.channel_id), None)
        if row is None:
            return ""
        return row.parent_id if row.kind == "thread" else row.id

    @rx.var
    def thread_parent_name(self) -> str:
        parent = self.thread_parent_id
        return next((c.name for c in self.channels if c.id == parent), "")

    @rx.var
    def parent_threads(self) -> list[ChannelItem]:
        """The threads of that channel: the active ones first, then the archived ones."""
        parent = self.thread_parent_id
        found = [c for c in self.channels if c.kind == "thread" and c.parent_id == parent]
        return [c for c in found if not c.archived] + [c for c in found if c.archived]

    @rx.var
    def can_start_thread(self) -> bool:
        """CREATE_THREADS in the channel at hand (the domain's flag on its row)."""
        parent = self.thread_parent_id
        return any(c.id == parent and c.can_threads for c in self.channels)

    @rx.var
    def thread_archived(self) -> bool:
        return any(c.id == self.channel_id and c.archived for c in self.channels)

    @rx.var
    def can_manage_thread(self) -> bool:
        return any(c.id == self.channel_id and c.can_manage for c in self.channels)

    @rx.var
    def server_initials(self) -> str:
        return initials(self.server_name)

    @rx.var
    def server_open(self) -> bool:
        return self.server_id != ""

    def _ids_in_url(self) -> tuple[str, str]:
        parts = self.router.url.path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "servers":
            return "", ""
        return parts[1], parts[2] if len(parts) > 2 else ""

    # Opening ---------------------------------------------------------------------------------

    @rx.event
    async def load(self) -> Any:
        """on_load of /servers, /servers/<server> and /servers/<server>/<channel>."""
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        server_id, channel_id = self._ids_in_url()
        self.drawer_open = False

        def work(session: Session, user: User) -> Opened:
            # What this user read live and the buffer has not written yet, first.
            reads = receipts.take_channel_reads(user.id or 0)
            channel_messages.do_record_channel_reads(session, reads)
            rail = my_servers(session, user)
            return rail, server_view(session, user, server_id) if server_id else None

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            self._close_server()
            return [result.toast, rx.redirect("/servers")] if server_id else result.toast
        rail, view = result
        self._show_rail(rail)
        conversation = await self.get_state(ConversationState)
        if view is None:
            self._close_server()
            conversation.open_id = ""
            return None
        self._show_server(view)
        if not channel_id and self._first_channel():
            # The channel belongs in the URL: the composer's drafts and the outbox go by it.
            return rx.redirect(server_path(view.id, self._first_channel()), replace=True)
        return await self._open_channel(channel_id)

    def _show_rail(self, rail: Rail) -> None:
        self.servers = rail.items
        self._channel_servers = rail.channel_servers

    def _close_server(self) -> None:
        self.server_id = ""
        self.channel_id = ""
        self.channels = []
        self.unread_ids = []
        self.mention_counts = {}

    def _show_server(self, view: ServerView) -> None:
        self.server_id = view.id
        self.server_name = view.name
        self.server_description = view.description
        self.server_icon_url = view.icon_url
        self.notify_level = view.notifications.level
        self.server_muted = view.notifications.muted
        clock = tab_clock(self)
        self.server_muted_until = _when(clock, view.notifications.muted_until)
        self.member_count = view.member_count
        self.is_owner = view.is_owner
        self.can_invite = view.can_invite
        self.can_settings = view.can_settings
        self.can_manage_messages = view.can_manage_messages
        self._role_ids = view.role_ids
        self.channels = [
            c.model_copy(update={"muted_until": _when(clock, c.muted_until)})
            if c.muted_until
            else c
            for c in view.channels
        ]
        self.unread_ids = view.unread_ids
        self.mention_counts = view.mention_counts

    def _first_channel(self) -> str:
        return next((c.id for c in self.channels if c.kind != "posts"), "")

    async def _open_channel(self, channel_id: str) -> Any:
        """Open a channel of the server on screen in the message pane (the one conversation
        code of DMs and groups); a channel that is not (or no longer) visible: the first."""
        conversation = await self.get_state(ConversationState)
        if channel_id not in {c.id for c in self.channels}:
            channel_id = self._first_channel()
        self.channel_id = channel_id
        if not channel_id:
            conversation.open_id = ""
            return None
        if any(c.id == channel_id and c.kind == "posts" for c in self.channels):
            # A posts channel is a feed of posts (the social code's), not a message pane.
            conversation.open_id = ""
            feed = await self.get_state(FeedState)
            return await feed._open_channel(channel_id)
        failed = await conversation._open(channel_id)
        if failed is not None:
            conversation.open_id = ""
            return failed.toast
        conversation.open_can_moderate = self.can_manage_messages
        self._mark_seen(channel_id)
        return conversation._sync_with_browser()

    def _mark_seen(self, channel_id: str) -> None:
        """The channel on screen is read: its dot and badge go, and the rail's with them."""
        if channel_id in self.get_value("unread_ids"):
            self.unread_ids = [c for c in self.get_value("unread_ids") if c != channel_id]
        if channel_id in self.get_value("mention_counts"):
            counts = dict(self.get_value("mention_counts"))
            del counts[channel_id]
            self.mention_counts = counts
        self._refresh_rail_badge()

    def _refresh_rail_badge(self) -> None:
        """The open server's rail icon shows what its sidebar shows."""
        unread = bool(self.get_value("unread_ids"))
        mentions = sum(self.get_value("mention_counts").values())
        rail = self.get_value("servers")
        if any(
            s.id == self.server_id and (s.unread, s.mentions) != (unread, mentions) for s in rail
        ):
            self.servers = [
                s.model_copy(update={"unread": unread, "mentions": mentions})
                if s.id == self.server_id
                else s
                for s in rail
            ]

    # Navigation ------------------------------------------------------------------------------

    @rx.event
    def toggle_drawer(self) -> None:
        self.drawer_open = not self.drawer_open

    @rx.event
    def close_drawer(self) -> None:
        self.drawer_open = False

    # Notification levels ---------------------------------------------------------------------

    async def _set_notifications(self, change: Callable[[Session, User], object], done: str) -> Any:
        """Store a level or mute through the domain, then read the rail and the sidebar again:
        the dots and dims follow from the domain's badges, never from a rule here."""
        server_id = self.server_id

        def work(session: Session, user: User) -> Opened:
            change(session, user)
            return my_servers(session, user), server_view(session, user, server_id)

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        rail, view = result
        self._show_rail(rail)
        if view is not None and view.id == self.server_id:
            self._show_server(view)
            self._mark_seen(self.channel_id)
        return rx.toast.success(done, id="notifications")

    @rx.event
    async def set_server_level(self, level: str) -> Any:
        """all, mentions or nothing for the whole server."""
        server_id = self.server_id
        return await self._set_notifications(
            lambda s, u: notify_levels.check_set_server_notifications(s, u, server_id, level=level),
            f"{self.server_name}: {LEVEL_NAMES.get(level, level)}",
        )

    @rx.event
    async def mute_server(self, mute: str) -> Any:
        """1h, 8h, 24h, forever (until turned back on), or off."""
        server_id = self.server_id
        return await self._set_notifications(
            lambda s, u: notify_levels.check_set_server_notifications(s, u, server_id, mute=mute),
            MUTE_DONE.get(mute, "Notifications updated").format(name=self.server_name),
        )

    @rx.event
    async def set_channel_level(self, level: str) -> Any:
        """The open channel's level; "" for as the server."""
        channel_id = self.channel_id
        return await self._set_notifications(
            lambda s, u: notify_levels.check_set_channel_notifications(
                s, u, channel_id, level=level or None
            ),
            f"#{self.channel_name}: {LEVEL_NAMES.get(level, level)}",
        )

    @rx.event
    async def mute_channel(self, mute: str) -> Any:
        channel_id = self.channel_id
        return await self._set_notifications(
            lambda s, u: notify_levels.check_set_channel_notifications(s, u, channel_id, mute=mute),
            MUTE_DONE.get(mute, "Notifications updated").format(name="#" + self.channel_name),
        )

    # Actions ---------------------------------------------------------------------------------

    def _left(self, server_id: str, message: str, *, error: bool = False) -> list[EventSpec]:
        """The server is no longer mine: off the rail, and off the screen if it is open."""
        self.servers = [s for s in self.get_value("servers") if s.id != server_id]
        shown: list[EventSpec] = [
            rx.toast.error(message, id="server_left")
            if error
            else rx.toast.info(message, id="server_left")
        ]
        if server_id == self.server_id:
            self._close_server()
            shown.append(rx.redirect("/servers"))
        return shown


class ServerCreateState(FormErrors, rx.State):
    """The "Create a server" dialog on the rail: a name, who may join, and an optional icon.

    The server and its icon are made in ONE transaction: an icon the image pipeline refuses
    (not an image, too large, too many pixels) leaves no server behind, and the dialog stays
    open with the name typed so the icon can be changed or dropped."""

    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset({"name"})
    open: bool = False
    creating: bool = False

    @rx.event
    def set_open(self, value: bool) -> Any:
        self.open = value
        if value:
            self._clear_errors()
        return rx.clear_selected_files(SERVER_ICON_UPLOAD_ID)

    @rx.event
    async def create(
        self, files: list[rx.UploadFile], name: str = "", visibility: str = "private"
    ) -> AsyncIterator[Any]:
        """`files`: the icon picked (none, or one); `name` and `visibility` read from the form
        when Create is pressed (the upload carries them, so nothing races the typing)."""
        if self.creating:
            return
        icon = await files[0].read(media.image_read_limit()) if files else None
        is_public = visibility == "public"
        self._clear_errors()
        self.creating = True
        yield None
        icon_step = False

        def work(session: Session, user: User) -> Server:
            nonlocal icon_step
            server = servers_domain.check_create_server(
                session, user, name=name, is_public=is_public
            )
            if icon is not None:
                icon_step = True
                servers_domain.check_set_server_icon(session, user, server.id, icon)
            return server

        try:
            server = await run_as_user(self, work)
        finally:
            self.creating = False
        if isinstance(server, Failed):
            if icon_step:
                yield rx.toast.error(
                    f"The server was not created: {server.error.message}."
                    " Choose another icon, or none.",
                    id="server_icon_refused",
                    close_button=True,
                )
                return
            yield self._report(server)
            return
        self.open = False
        yield [rx.clear_selected_files(SERVER_ICON_UPLOAD_ID), rx.redirect(server_path(server.id))]


@dataclass
class _LevelsPlan:
    """The server on screen when my levels changed in another tab ("" for the rail alone)."""

    rail: bool = False
    server: str = ""


class NotifyLevelsLive:
    """My notification levels changed (in another tab, or through the API): the rail and the
    open server are read again, so the dims and the dots are the domain's in every tab."""

    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") == "notification_level" for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> _LevelsPlan:
        servers = await listener.get_state(ServerState)
        changed = {
            str((e.get("data") or {}).get("server_id", ""))
            for e in events
            if e.get("type") == "notification_level"
        }
        mine = {s.id for s in servers.get_value("servers")}
        return _LevelsPlan(
            rail=bool(changed & mine),
            server=servers.server_id if servers.server_id in changed else "",
        )

    def needs_database(self, observed: _LevelsPlan) -> bool:
        return observed.rail or bool(observed.server)

    def load(self, session: Session, user: User, observed: _LevelsPlan) -> Opened | None:
        try:
            view = server_view(session, user, observed.server) if observed.server else None
        except DomainError:  # no longer mine: the servers' own feature says so
            view = None
        return my_servers(session, user), view

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: _LevelsPlan,
        loaded: Opened | None,
        me: int,
    ) -> None:
        if loaded is None:
            return
        servers = await listener.get_state(ServerState)
        rail, view = loaded
        servers._show_rail(rail)
        if view is not None and view.id == servers.server_id:
            servers._show_server(view)
            servers._mark_seen(servers.channel_id)


register_feature(NotifyLevelsLive())
