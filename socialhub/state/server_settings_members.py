"""The members and invites sections of the server settings: members page by page with their
roles (add, remove), kick, ban (a reason, and optionally their last hour/day/week of messages)
and timeout; the live invites with their creator, uses and expiry, and revoking them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import moderation
from socialhub.domain import roles as roles_domain
from socialhub.domain import servers as servers_domain
from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.models.server_views import MemberPage, ServerInviteView
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.server_invites import invite_path
from socialhub.state.server_settings import ServerSettingsState

PAGE_SIZE = 50
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
    nickname: str = ""
    # The domain lets the tab's user set this member's nickname (nickname_refusal).
    can_edit_nickname: bool = False
    avatar_url: str
    is_owner: bool
    role_ids: list[str]
    roles: list[RoleChip]
    timeout: str
    is_bot: bool = False


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
            nickname=m.nickname,
            can_edit_nickname=m.can_edit_nickname,
            avatar_url=m.user.avatar_small_url or "",
            is_owner=m.is_owner,
            role_ids=m.role_ids,
            roles=[roles[r] for r in m.role_ids if r in roles],
            timeout=clock.date_time(m.timeout_until) if m.timeout_until else "",
            is_bot=m.user.is_bot,
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


def _role_chips(session: Session, user: User, server_id: str) -> dict[str, RoleChip]:
    return {
        r.id: RoleChip(id=r.id, name=r.name, colour=r.colour)
        for r in roles_domain.list_roles(session, user, server_id)
        if not r.is_everyone
    }


def read_members(
    session: Session,
    user: User,
    server_id: str,
    cursor: str | None,
    clock: Clock,
    limit: int = PAGE_SIZE,
) -> tuple[list[MemberRow], list[RoleChip], str]:
    """A page of members, the roles one may give, and the next page's cursor ("" at the end)."""
    chips = _role_chips(session, user, server_id)
    page = servers_domain.list_members(session, user, server_id, cursor=cursor, limit=limit)
    return member_rows(page, chips, clock), list(chips.values()), page.next_cursor or ""


@dataclass(frozen=True)
class MemberChanges:
    """What a batch of the stream changed in the loaded list: the members it names (their
    last op: add, update or remove), those whose roles or timeout changed (what they may do to
    others), and whether roles changed (names, colours, ranks: any loaded row may show
    otherwise)."""

    clock: Clock
    users: dict[int, str]
    regraded: frozenset[int]
    roles: bool
    # How many rows are loaded and the cursor they end at ("" when the list is complete).
    loaded: int
    cursor: str


@dataclass
class MemberPatch:
    chips: list[RoleChip]
    # Each member named -> their row and its index in the list (None: not in the loaded
    # range any more: they left, or sort after the loaded pages).
    rows: dict[int, tuple[MemberRow, int] | None] = field(default_factory=dict)
    # Every loaded row read again instead (a role changed): rows, cursor.
    reread: tuple[list[MemberRow], str] | None = None


def member_changes(events: list[Event], state: MemberSettingsState) -> MemberChanges:
    users: dict[int, str] = {}
    regraded: set[int] = set()
    roles = False
    for event in events:
        data = event.get("data") or {}
        user_id = data.get("user_id")
        if event.get("type") == "role":
            roles = True
        elif event.get("type") == "server_member" and isinstance(user_id, int):
            users[user_id] = str(event.get("op", "update"))
            if "role_ids" in data or "timeout_until" in data:
                regraded.add(user_id)
    return MemberChanges(
        tab_clock(state),
        users,
        frozenset(regraded),
        roles,
        len(state.members),
        state.next_cursor,
    )


def read_changes(
    session: Session, user: User, server_id: str, changes: MemberChanges
) -> MemberPatch:
    """The rows of the members the batch names, each where it sorts (one read and one count
    each), or, when roles changed or the tab's user's own roles or timeout did (what they may
    do to others follows), every loaded row in one read."""
    chips = _role_chips(session, user, server_id)
    if changes.roles or (user.id or 0) in changes.regraded:
        rows, _, cursor = read_members(
            session, user, server_id, None, changes.clock, max(changes.loaded, PAGE_SIZE)
        )
        return MemberPatch(list(chips.values()), reread=(rows, cursor))
    patch = MemberPatch(list(chips.values()))
    for user_id, op in changes.users.items():
        if op == "remove":
            patch.rows[user_id] = None
            continue
        try:
            view = servers_domain.get_member(session, user, server_id, user_id)
            index = servers_domain.member_index(
                session, user, server_id, user_id, within=changes.cursor or None
            )
        except NotFound as exc:
            if exc.code != "member_not_found":
                raise
            patch.rows[user_id] = None
            continue
        page = MemberPage(members=[view], hoisted_roles=[], next_cursor=None)
        row = member_rows(page, chips, changes.clock)[0]
        patch.rows[user_id] = None if index is None else (row, index)
    return patch


def patched(members: list[MemberRow], patch: MemberPatch) -> list[MemberRow]:
    """The loaded rows with the patch's rows out of their old place and into their new one."""
    rows = [m for m in members if m.user_id not in patch.rows]
    # In the order of their places, each insert leaves the earlier ones where they belong.
    for row, index in sorted(filter(None, patch.rows.values()), key=lambda found: found[1]):
        rows.insert(min(index, len(rows)), row)
    return rows


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
    # The nickname dialog: whose (0: closed), as shown, and their nickname when it opened.
    nickname_user_id: int = 0
    nickname_of: str = ""
    nickname: str = ""

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

    # The live protocol (server_settings_live.LiveSection), from the events themselves: the
    # members they name read again and put where they sort, the other loaded pages kept.
    def _live_args_from(self, events: list[Event]) -> Any:
        return member_changes(events, self)

    def _live_args(self) -> Any:
        return member_changes([], self)

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        return read_changes(session, user, server_id, args)

    def _live_show(self, data: Any) -> None:
        patch: MemberPatch = data
        self.roles = patch.chips
        if patch.reread is not None:
            self.members, self.next_cursor = patch.reread
            return
        self.members = patched(self.members, patch)

    async def _load_section(self, server_id: str) -> Failed | None:
        return await self._read(server_id, None)

    async def _apply(
        self, work: Callable[[Session, User, str], object], user_id: int
    ) -> Failed | None:
        """Run a change to one member, then show just that member's row again (or drop it)."""
        server_id = await self._server_id()
        changes = MemberChanges(
            tab_clock(self),
            {user_id: "update"},
            frozenset({user_id}),
            False,
            len(self.members),
            self.next_cursor,
        )

        def run(session: Session, user: User) -> MemberPatch:
            work(session, user, server_id)
            return read_changes(session, user, server_id, changes)

        result = await run_as_user(self, run)
        if isinstance(result, Failed):
            return result
        self._live_show(result)
        return None

    async def _change(
        self, work: Callable[[Session, User, str], object], success: str, user_id: int
    ) -> Any:
        failed = await self._apply(work, user_id)
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
                user_id,
            )
        return await self._change(
            lambda s, u, server_id: roles_domain.check_add_member_role(
                s, u, server_id, user_id, role_id
            ),
            "Role given",
            user_id,
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
                user_id,
            )
        if action == "ban":
            return await self._change(
                lambda s, u, server_id: moderation.check_ban_member(
                    s, u, server_id, user_id, reason=reason, delete_messages=window
                ),
                f"{name} was banned",
                user_id,
            )
        if action == "timeout" and seconds.isdigit():
            return await self._change(
                lambda s, u, server_id: moderation.check_timeout_member(
                    s, u, server_id, user_id, seconds=int(seconds), reason=reason
                ),
                f"{name} is timed out",
                user_id,
            )
        return None

    @rx.event
    def edit_nickname(self, user_id: int) -> None:
        """Open the nickname dialog on a member's row (the row offers it when the domain lets
        the tab's user set that nickname; saving asks the domain again)."""
        member = next((m for m in self.members if m.user_id == user_id), None)
        if member is None:
            return
        self.nickname_user_id, self.nickname_of = user_id, member.shown_name
        self.nickname = member.nickname

    @rx.event
    def set_nickname_open(self, is_open: bool) -> None:
        if not is_open:
            self.nickname_user_id = 0

    @rx.event
    async def save_nickname(self, form: dict[str, Any]) -> Any:
        user_id, nickname = self.nickname_user_id, str(form.get("nickname", ""))
        if not user_id:
            return None
        failed = await self._apply(
            lambda s, u, server_id: servers_domain.check_set_nickname(
                s, u, server_id, user_id, nickname
            ),
            user_id,
        )
        if failed:
            return failed.toast
        self.nickname_user_id = 0
        return rx.toast.success("Nickname saved" if nickname.strip() else "Nickname cleared")

    @rx.event
    async def end_timeout(self, user_id: int) -> Any:
        return await self._change(
            lambda s, u, server_id: moderation.check_remove_timeout(s, u, server_id, user_id),
            "Timeout ended",
            user_id,
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
