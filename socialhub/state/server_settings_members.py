"""The members and invites sections of the server settings: members page by page with their
roles (add, remove), kick, ban (a reason, and optionally their last hour/day/week of messages)
and timeout; the live invites with their creator, uses and expiry, and revoking them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import moderation
from socialhub.domain import roles as roles_domain
from socialhub.domain import servers as servers_domain
from socialhub.models import User
from socialhub.models.server_views import MemberPage, ServerInviteView
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.server_invites import invite_path
from socialhub.state.server_settings import ServerSettingsState

PAGE_SIZE = 50
# A live update reads at most this many members again (the loaded pages beyond are let go).
LIVE_MAX = 200
TIMEOUT_LABELS: dict[int, str] = {
    60: "1 minute",
    300: "5 minutes",
    600: "10 minutes",
    3600: "1 hour",
    86400: "1 day",
    604800: "1 week",
}
TIMEOUTS: list[tuple[str, str]] = [
    (str(s), TIMEOUT_LABELS.get(s, f"{s} seconds")) for s in moderation.TIMEOUT_SECONDS
]
INVITE_EXPIRY_LABELS: dict[int, str] = {
    1800: "30 minutes",
    3600: "1 hour",
    21600: "6 hours",
    43200: "12 hours",
    86400: "1 day",
    604800: "7 days",
}
NEVER = "never"
# The expiries the domain allows, then "never".
INVITE_EXPIRIES: list[tuple[str, str]] = [
    *(
        (str(s), INVITE_EXPIRY_LABELS.get(s, f"{s} seconds"))
        for s in servers_domain.INVITE_EXPIRIES
    ),
    (NEVER, "Never"),
]
NO_LIMIT = "none"
INVITE_USE_LIMITS: list[tuple[str, str]] = [
    (NO_LIMIT, "No limit"),
    *(
        (str(n), "1 use" if n == 1 else f"{n} uses")
        for n in (1, 5, 10, 25, 50, 100)
        if n <= servers_domain.INVITE_MAX_USES
    ),
]
DELETE_WINDOWS: list[tuple[str, str]] = [
    (moderation.DeleteWindow.none.value, "Don't delete any"),
    (moderation.DeleteWindow.hour.value, "The last hour"),
    (moderation.DeleteWindow.day.value, "The last 24 hours"),
    (moderation.DeleteWindow.week.value, "The last 7 days"),
]


class RoleChip(BaseModel):
    id: str
    name: str
    colour: str


class MemberRow(BaseModel):
    user_id: int
    username: str
    shown_name: str
    avatar_url: str
    is_owner: bool
    role_ids: list[str]
    roles: list[RoleChip]
    timeout: str


class InviteRow(BaseModel):
    code: str
    creator: str
    uses: str
    expires: str
    created: str


def member_rows(page: MemberPage, roles: dict[str, RoleChip], clock: Clock) -> list[MemberRow]:
    return [
        MemberRow(
            user_id=m.user.id,
            username=m.user.username,
            shown_name=m.shown_name,
            avatar_url=m.user.avatar_small_url or "",
            is_owner=m.is_owner,
            role_ids=m.role_ids,
            roles=[roles[r] for r in m.role_ids if r in roles],
            timeout=clock.date_time(m.timeout_until) if m.timeout_until else "",
        )
        for m in page.members
    ]


def invite_rows(invites: list[ServerInviteView], clock: Clock) -> list[InviteRow]:
    return [
        InviteRow(
            code=i.code,
            creator="@" + i.created_by.username if i.created_by else "a former member",
            uses=f"{i.uses} / {i.max_uses}" if i.max_uses else f"{i.uses} / no limit",
            expires=clock.date_time(i.expires_at) if i.expires_at else "Never",
            created=clock.date_time(i.created_at),
        )
        for i in invites
    ]


def read_members(
    session: Session,
    user: User,
    server_id: str,
    cursor: str | None,
    clock: Clock,
    limit: int = PAGE_SIZE,
) -> tuple[list[MemberRow], list[RoleChip], str]:
    """A page of members, the roles one may give, and the next page's cursor ("" at the end)."""
    chips = {
        r.id: RoleChip(id=r.id, name=r.name, colour=r.colour)
        for r in roles_domain.list_roles(session, user, server_id)
        if not r.is_everyone
    }
    page = servers_domain.list_members(session, user, server_id, cursor=cursor, limit=limit)
    return member_rows(page, chips, clock), list(chips.values()), page.next_cursor or ""


class MemberSettingsState(rx.State):
    members: list[MemberRow] = []
    # The roles one may give (all but @everyone), most senior first.
    roles: list[RoleChip] = []
    next_cursor: str = ""
    loading: bool = False
    # The moderation dialog: kick, ban or timeout of one member.
    action: str = ""
    action_user_id: int = 0
    action_name: str = ""
    reason: str = ""
    delete_window: str = moderation.DeleteWindow.none.value
    timeout_seconds: str = "3600"

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _read(self, server_id: str, cursor: str | None) -> Failed | None:
        clock = tab_clock(self)
        result = await run_as_user(self, lambda s, u: read_members(s, u, server_id, cursor, clock))
        if isinstance(result, Failed):
            return result
        rows, self.roles, self.next_cursor = result
        self.members = [*self.members, *rows] if cursor else rows
        return None

    # The live protocol (server_settings_live.LiveSection): as many members read again as
    # the pages loaded so far hold (at most LIVE_MAX).
    def _live_args(self) -> Any:
        pages = max(1, -(-len(self.members) // PAGE_SIZE))
        return tab_clock(self), min(pages * PAGE_SIZE, LIVE_MAX)

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        clock, limit = args
        return read_members(session, user, server_id, None, clock, limit)

    def _live_show(self, data: Any) -> None:
        self.members, self.roles, self.next_cursor = data

    async def _load_section(self, server_id: str) -> Failed | None:
        return await self._read(server_id, None)

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(server_id)
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    async def load_more(self) -> Any:
        if not self.next_cursor or self.loading:
            return None
        self.loading = True
        try:
            failed = await self._read(await self._server_id(), self.next_cursor)
        finally:
            self.loading = False
        return failed.toast if failed else None

    @rx.event
    async def toggle_role(self, user_id: int, role_id: str) -> Any:
        member = next((m for m in self.members if m.user_id == user_id), None)
        if member is None:
            return None
        if role_id in member.role_ids:
            return await self._change(
                lambda s, u, server_id: roles_domain.check_remove_member_role(
                    s, u, server_id, user_id, role_id
                ),
                "Role removed",
            )
        return await self._change(
            lambda s, u, server_id: roles_domain.check_add_member_role(
                s, u, server_id, user_id, role_id
            ),
            "Role given",
        )

    @rx.event
    def ask(self, action: str, user_id: int, name: str) -> None:
        """Open the moderation dialog for `action` (kick, ban, timeout) on a member."""
        if action not in ("kick", "ban", "timeout"):
            return
        self.action, self.action_user_id, self.action_name = action, user_id, name
        self.reason = ""
        self.delete_window = moderation.DeleteWindow.none.value

    @rx.event
    def set_open(self, is_open: bool) -> None:
        if not is_open:
            self.action = ""

    @rx.event
    def set_reason(self, value: str) -> None:
        self.reason = value

    @rx.event
    def set_delete_window(self, value: str) -> None:
        self.delete_window = value

    @rx.event
    def set_timeout_seconds(self, value: str) -> None:
        self.timeout_seconds = value

    @rx.event
    async def confirm_action(self) -> Any:
        action, user_id, name, reason = (
            self.action,
            self.action_user_id,
            self.action_name,
            self.reason,
        )
        window, seconds = self.delete_window, self.timeout_seconds
        self.action = ""
        if action == "kick":
            return await self._change(
                lambda s, u, server_id: moderation.check_kick_member(
                    s, u, server_id, user_id, reason=reason
                ),
                f"{name} was kicked",
            )
        if action == "ban":
            return await self._change(
                lambda s, u, server_id: moderation.check_ban_member(
                    s, u, server_id, user_id, reason=reason, delete_messages=window
                ),
                f"{name} was banned",
            )
        if action == "timeout" and seconds.isdigit():
            return await self._change(
                lambda s, u, server_id: moderation.check_timeout_member(
                    s, u, server_id, user_id, seconds=int(seconds), reason=reason
                ),
                f"{name} is timed out",
            )
        return None

    @rx.event
    async def end_timeout(self, user_id: int) -> Any:
        return await self._change(
            lambda s, u, server_id: moderation.check_remove_timeout(s, u, server_id, user_id),
            "Timeout ended",
        )


class InviteSettingsState(rx.State):
    invites: list[InviteRow] = []
    expiry: str = "86400"
    max_uses: str = NO_LIMIT
    # The link of the invite just created ("" until one is).
    new_url: str = ""

    @rx.event
    def set_expiry(self, value: str) -> None:
        self.expiry = value

    @rx.event
    def set_max_uses(self, value: str) -> None:
        self.max_uses = value

    @rx.event
    async def create_invite(self) -> Any:
        """An invite with the chosen expiry and use limit (the domain checks both)."""
        expiry, uses = self.expiry, self.max_uses
        expires_in = None if expiry == NEVER else int(expiry) if expiry.isdigit() else -1
        max_uses = None if uses == NO_LIMIT else int(uses) if uses.isdigit() else -1
        server_id = (await self.get_state(ServerSettingsState)).server_id
        invite = await run_as_user(
            self,
            lambda s, u: servers_domain.check_create_server_invite(
                s, u, server_id, expires_in_seconds=expires_in, max_uses=max_uses
            ),
        )
        if isinstance(invite, Failed):
            return invite.toast
        failed = await self._read(server_id)
        self.new_url = f"{self.router.url.origin}{invite_path(invite.code)}"
        return failed.toast if failed else rx.toast.success("Invite created")

    async def _load_section(self, server_id: str) -> Failed | None:
        self.new_url = ""
        return await self._read(server_id)

    async def _read(self, server_id: str) -> Failed | None:
        clock = tab_clock(self)
        rows = await run_as_user(self, lambda s, u: self._live_read(s, u, server_id, clock))
        if isinstance(rows, Failed):
            return rows
        self.invites = rows
        return None

    # The live protocol (server_settings_live.LiveSection): the list read again when an
    # invite is made, revoked or used (a join).
    def _live_args(self) -> Any:
        return tab_clock(self)

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        return invite_rows(servers_domain.list_server_invites(session, user, server_id), args)

    def _live_show(self, data: Any) -> None:
        self.invites = data

    @rx.event
    async def revoke(self, code: str) -> Any:
        result = await run_as_user(
            self, lambda s, u: servers_domain.check_revoke_server_invite(s, u, code)
        )
        if isinstance(result, Failed):
            return result.toast
        if self.new_url.endswith("/" + code):
            self.new_url = ""
        failed = await self._read((await self.get_state(ServerSettingsState)).server_id)
        return failed.toast if failed else rx.toast.success("Invite revoked")
