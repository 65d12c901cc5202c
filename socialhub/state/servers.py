"""The Discord layout on /servers/<server>/<channel>: the rail of my servers, the open server's
channel sidebar and header, and the drawers of a phone.

The channel on screen is an ordinary conversation: `ConversationState` opens it (window,
composer, replies, edits, reactions, live messages), so nothing of the message pane is here.
This state holds the small things around it: the rail's unread dots and mention badges, the
sidebar's rows, the `can_*` flags the domain computed, and which channel is open. The live
changes to them arrive through `server_live.ServerLive`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import servers as servers_domain
from socialhub.models import User
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.conversation import ConversationState
from socialhub.state.forms import FormErrors
from socialhub.state.server_reads import (
    ChannelItem,
    Rail,
    RailItem,
    ServerView,
    my_servers,
    server_view,
)

# What a tab reads when it opens a server page: the rail, and the server (None on /servers).
Opened = tuple[Rail, ServerView | None]


def server_path(server_id: str, channel_id: str = "") -> str:
    return f"/servers/{server_id}" + (f"/{channel_id}" if channel_id else "")


class ServerState(rx.State):
    servers: list[RailItem] = []
    server_id: str = ""
    server_name: str = ""
    server_description: str = ""
    member_count: int = 0
    is_owner: bool = False
    can_invite: bool = False
    can_settings: bool = False
    can_manage_messages: bool = False
    channels: list[ChannelItem] = []
    channel_id: str = ""
    # A phone's drawers (the rail with the sidebar; the member list is ServerMembersState's).
    drawer_open: bool = False
    _role_ids: list[str] = []
    # Each channel of my servers that I may view -> its server.
    _channel_servers: dict[str, str] = {}

    @rx.var
    def channel_name(self) -> str:
        return next((c.name for c in self.channels if c.id == self.channel_id), "")

    @rx.var
    def channel_topic(self) -> str:
        return next((c.topic for c in self.channels if c.id == self.channel_id), "")

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
        return await self._open_channel(channel_id or self._first_channel())

    def _show_rail(self, rail: Rail) -> None:
        self.servers = rail.items
        self._channel_servers = rail.channel_servers

    def _close_server(self) -> None:
        self.server_id = ""
        self.channel_id = ""
        self.channels = []

    def _show_server(self, view: ServerView) -> None:
        self.server_id = view.id
        self.server_name = view.name
        self.server_description = view.description
        self.member_count = view.member_count
        self.is_owner = view.is_owner
        self.can_invite = view.can_invite
        self.can_settings = view.can_settings
        self.can_manage_messages = view.can_manage_messages
        self._role_ids = view.role_ids
        self.channels = view.channels

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
        failed = await conversation._open(channel_id)
        if failed is not None:
            conversation.open_id = ""
            return failed.toast
        conversation.open_can_moderate = self.can_manage_messages
        self._mark_seen(channel_id)
        return conversation._sync_with_browser()

    def _mark_seen(self, channel_id: str) -> None:
        """The channel on screen is read: its dot and badge go, and the rail's with them."""
        rows = self.get_value("channels")
        if any(c.id == channel_id and (c.unread or c.mentions) for c in rows):
            self.channels = [
                c.model_copy(update={"unread": False, "mentions": 0}) if c.id == channel_id else c
                for c in rows
            ]
        self._refresh_rail_badge()

    def _refresh_rail_badge(self) -> None:
        """The open server's rail icon shows what its sidebar shows."""
        rows = self.get_value("channels")
        unread = any(c.unread for c in rows)
        mentions = sum(c.mentions for c in rows)
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

    @rx.event
    def choose_channel(self, channel_id: str) -> Any:
        """A tap on a channel: its page (which opens it), and on a phone the drawer closes."""
        self.drawer_open = False
        return rx.redirect(server_path(self.server_id, channel_id))

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
    """The "Create a server" dialog on the rail."""

    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset({"name"})
    open: bool = False

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = value
        if value:
            self._clear_errors()

    @rx.event
    async def create(self, form: dict[str, Any]) -> Any:
        name = str(form.get("name", ""))
        is_public = str(form.get("visibility", "private")) == "public"
        self._clear_errors()
        server = await run_as_user(
            self,
            lambda s, u: servers_domain.check_create_server(s, u, name=name, is_public=is_public),
        )
        if isinstance(server, Failed):
            return self._report(server)
        self.open = False
        return rx.redirect(server_path(server.id))
