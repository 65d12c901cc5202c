"""The member list beside the open server's channel: collapsible, read only when shown, a page
at a time (a server of 10,000 members never sends them all), grouped under the hoisted roles."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.state.base import Failed, run_as_user
from socialhub.state.server_reads import MemberItem, MemberPage, arrange_members, member_page
from socialhub.state.servers import ServerState


class ServerMembersState(rx.State):
    open: bool = False
    members: list[MemberItem] = []
    has_more: bool = False
    # The server whose members are listed (another server's page reads its own).
    _server_id: str = ""
    _cursor: str = ""

    @rx.event
    async def toggle(self) -> Any:
        self.open = not self.open
        if self.open:
            return await self._reload()
        return None

    @rx.event
    async def sync(self) -> Any:
        """After a server page's load: the list, if shown, is the new server's."""
        if self.open and self._server_id != (await self.get_state(ServerState)).server_id:
            return await self._reload()
        return None

    @rx.event
    def close(self) -> None:
        self.open = False

    async def _reload(self) -> Any:
        """The first page again (on opening, and when the members change while it is shown)."""
        server_id = (await self.get_state(ServerState)).server_id
        self._server_id = server_id
        if not server_id:
            self._set_page(MemberPage([], ""))
            return None
        page = await run_as_user(self, lambda s, u: member_page(s, u, server_id))
        if isinstance(page, Failed):
            return page.toast
        self._set_page(page)
        return None

    @rx.event
    async def load_more(self) -> Any:
        server_id, cursor = self._server_id, self._cursor
        if not server_id or not cursor:
            return None
        page = await run_as_user(self, lambda s, u: member_page(s, u, server_id, cursor=cursor))
        if isinstance(page, Failed):
            return page.toast
        known = {m.user_id for m in self.members}
        self.members = arrange_members(
            self.members + [m for m in page.members if m.user_id not in known]
        )
        self._cursor, self.has_more = page.cursor, bool(page.cursor)
        return None

    def _shown_for(self, server_id: str) -> bool:
        return self.open and self._server_id == server_id

    def _set_page(self, page: MemberPage) -> None:
        """The first page (read again when the members change while it is shown)."""
        self.members = arrange_members(page.members)
        self._cursor, self.has_more = page.cursor, bool(page.cursor)
