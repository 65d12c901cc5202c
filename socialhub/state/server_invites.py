"""Getting into servers: the "Invite people" dialog (a link with a copy button), the invite
landing page /server-invite/<code> (a preview, then Join), discovery on /servers (search,
member and online counts, Join, or Request to join and Cancel the request for a server that
takes requests) and leaving."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import servers as servers_domain
from socialhub.models import JoinMode, User
from socialhub.models.server_views import InvitePreview
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.servers import ServerState, server_path

SEARCH_DEBOUNCE_MS = 300


def invite_path(code: str) -> str:
    return f"/server-invite/{code}"


class DiscoveryItem(BaseModel):
    id: str
    name: str
    description: str
    initials: str
    member_count: int
    online_count: int
    is_member: bool
    # The server takes join requests (join mode `request`): it shows "Request to join".
    takes_requests: bool = False
    # I asked and await the moderators' answer: it shows "Cancel request".
    request_pending: bool = False


class ServerInviteState(rx.State):
    """The open server's "Invite people" dialog."""

    dialog_open: bool = False
    invite_url: str = ""

    @rx.event
    async def open_dialog(self) -> Any:
        self.dialog_open, self.invite_url = True, ""
        server_id = (await self.get_state(ServerState)).server_id
        invite = await run_as_user(
            self, lambda s, u: servers_domain.check_create_server_invite(s, u, server_id)
        )
        if isinstance(invite, Failed):
            self.dialog_open = False
            return invite.toast
        self.invite_url = f"{self.router.url.origin}{invite_path(invite.code)}"
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value


class ServerJoinState(rx.State):
    """The invite landing page and discovery."""

    # The invite on /server-invite/<code>: what it leads to ("" while unknown or unusable).
    invite_code: str = ""
    invite_server: str = ""
    invite_description: str = ""
    invite_members: int = 0
    invite_online: int = 0
    invite_is_member: bool = False
    invite_problem: str = ""
    _invite_server_id: str = ""
    query: str = ""
    results: list[DiscoveryItem] = []

    def _code_in_url(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

    @rx.event
    async def load_invite(self) -> Any:
        """on_load of /server-invite/<code>: the preview (anyone signed in may look)."""
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        code = self._code_in_url()
        self.invite_code = code
        preview = await run_as_user(self, lambda s, u: servers_domain.preview_invite(s, u.id, code))
        if isinstance(preview, Failed):
            self.invite_server, self.invite_problem = "", preview.error.message
            return preview.toast
        self._show_preview(preview)
        return None

    def _show_preview(self, preview: InvitePreview) -> None:
        self.invite_problem = ""
        self.invite_server = preview.name
        self.invite_description = preview.description
        self.invite_members = preview.member_count
        self.invite_online = preview.online_count
        self.invite_is_member = preview.is_member
        self._invite_server_id = preview.server_id

    @rx.event
    async def join_by_invite(self) -> Any:
        code = self.invite_code
        server = await run_as_user(
            self, lambda s, u: servers_domain.check_join_by_server_invite(s, u, code)
        )
        if isinstance(server, Failed):
            return server.toast
        return rx.redirect(server_path(server.id))

    # Discovery -------------------------------------------------------------------------------

    @rx.event
    async def load_discovery(self) -> Any:
        """Part of /servers' on_load (after the rail): the biggest public servers."""
        return await self._search()

    @rx.event
    async def search(self, query: str) -> Any:
        self.query = query
        return await self._search()

    async def _search(self) -> Any:
        query = self.query

        def work(session: Session, user: User) -> list[DiscoveryItem]:
            page = servers_domain.discover_servers(session, user, query=query)
            return [
                DiscoveryItem(
                    id=item.server.id,
                    name=item.server.name,
                    description=item.server.description,
                    initials="".join(w[0] for w in item.server.name.split()[:2]).upper(),
                    member_count=item.server.member_count,
                    online_count=item.online_count,
                    is_member=item.is_member,
                    takes_requests=item.server.join_mode == JoinMode.request.value,
                    request_pending=item.request_pending,
                )
                for item in page.servers
            ]

        results = await run_as_user(self, work)
        if isinstance(results, Failed):
            return results.toast
        self.results = results
        return None

    @rx.event
    async def join(self, server_id: str) -> Any:
        server = await run_as_user(
            self, lambda s, u: servers_domain.check_join_server(s, u, server_id)
        )
        if isinstance(server, Failed):
            return server.toast
        return rx.redirect(server_path(server.id))

    def _mark_request(self, server_id: str, pending: bool) -> None:
        self.results = [
            r.model_copy(update={"request_pending": pending}) if r.id == server_id else r
            for r in self.results
        ]

    @rx.event
    async def request_join(self, server_id: str) -> Any:
        """Ask to join a server that takes requests; its moderators decide."""
        asked = await run_as_user(
            self, lambda s, u: servers_domain.check_request_join(s, u, server_id)
        )
        if isinstance(asked, Failed):
            return asked.toast
        self._mark_request(server_id, True)
        return rx.toast.success("Request sent: the moderators will answer")

    @rx.event
    async def cancel_join_request(self, server_id: str) -> Any:
        """Withdraw my pending request."""
        cancelled = await run_as_user(
            self, lambda s, u: servers_domain.check_cancel_join_request(s, u, server_id)
        )
        if isinstance(cancelled, Failed):
            if cancelled.error.code == "join_request_not_found":
                self._mark_request(server_id, False)  # decided or withdrawn meanwhile
            return cancelled.toast
        self._mark_request(server_id, False)
        return rx.toast.info("Request cancelled")


class ServerLeaveState(rx.State):
    """Leaving the open server (asked first by the confirmation dialog)."""

    @rx.event
    async def leave(self) -> Any:
        servers = await self.get_state(ServerState)
        server_id, name = servers.server_id, servers.server_name
        left = await run_as_user(
            self, lambda s, u: servers_domain.check_leave_server(s, u, server_id)
        )
        if isinstance(left, Failed):
            return left.toast
        return servers._left(server_id, f"You left {name}")
