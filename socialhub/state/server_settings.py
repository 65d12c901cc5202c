"""/servers/<id>/settings: the server's settings page, one section at a time.

This state holds what every section needs (the server's name and the `can_*` flags the domain's
permission function gives the tab's user) and the overview section. Each other section has its
own state (`server_settings_*.py`) that reads its data when the section opens. Every write goes
through a domain `check_*` call, which decides; the flags only hide what would be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import reflex as rx
from sqlmodel import Session

from socialhub.domain import permissions
from socialhub.domain import servers as servers_domain
from socialhub.domain.permissions import Permission
from socialhub.models import Server, User
from socialhub.state.base import Failed, login_redirect, run_as_user

T = TypeVar("T")

SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("overview", "Overview", "info"),
    ("roles", "Roles", "shield"),
    ("channels", "Channels", "hash"),
    ("members", "Members", "users"),
    ("bans", "Bans", "ban"),
    ("join-requests", "Join requests", "user-plus"),
    ("invites", "Invites", "link"),
    ("audit-log", "Audit log", "scroll-text"),
    ("automod", "Automod", "bot"),
    ("webhooks", "Webhooks", "webhook"),
    ("bots", "Bots", "bot"),
    ("emoji", "Emoji", "smile"),
)
SECTION_IDS = frozenset(s[0] for s in SECTIONS)


@dataclass(frozen=True)
class Flags:
    """What the domain lets the tab's user do server-wide (from ServerAccess.bits)."""

    manage_server: bool
    manage_roles: bool
    manage_channels: bool
    kick: bool
    ban: bool
    moderate: bool
    view_audit: bool
    create_invite: bool
    is_owner: bool
    manage_webhooks: bool = False


def flags_of(access: permissions.ServerAccess) -> Flags:
    return Flags(
        manage_server=access.can(Permission.MANAGE_SERVER),
        manage_roles=access.can(Permission.MANAGE_ROLES),
        manage_channels=access.can(Permission.MANAGE_CHANNELS),
        kick=access.can(Permission.KICK_MEMBERS),
        ban=access.can(Permission.BAN_MEMBERS),
        moderate=access.can(Permission.MODERATE_MEMBERS),
        view_audit=access.can(Permission.VIEW_AUDIT_LOG),
        create_invite=access.can(Permission.CREATE_INVITE),
        is_owner=access.server.owner_id == access.member.user_id,
        manage_webhooks=access.can(Permission.MANAGE_WEBHOOKS),
    )


class SectionState(Protocol):
    async def _load_section(self, server_id: str) -> Failed | None: ...


def server_id_from_path(path: str) -> str:
    """`/servers/<id>/settings` -> `<id>`."""
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) >= 2 and parts[0] == "servers" else ""


class ServerSettingsState(rx.State):
    server_id: str = ""
    section: str = "overview"
    # The server is unknown, deleted or not the user's: the page says so (and nothing else).
    missing: bool = False
    loaded: bool = False
    name: str = ""
    description: str = ""
    icon_url: str = ""
    is_public: bool = False
    join_mode: str = "invite"
    member_count: int = 0

    can_manage_server: bool = False
    can_manage_roles: bool = False
    can_manage_channels: bool = False
    can_kick: bool = False
    can_ban: bool = False
    can_moderate: bool = False
    can_view_audit: bool = False
    can_create_invite: bool = False
    is_owner: bool = False
    can_manage_webhooks: bool = False

    @rx.var
    def server_href(self) -> str:
        return f"/servers/{self.server_id}"

    @rx.var
    def moderates(self) -> bool:
        return self.can_kick or self.can_ban or self.can_moderate

    @rx.var
    def shown_sections(self) -> list[str]:
        return self._shown_sections()

    def _shown_sections(self) -> list[str]:
        """The sections the flags show (the overview always, read-only without MANAGE_SERVER;
        the domain refuses anything the flags would not have shown)."""
        shown = {
            "overview": True,
            "roles": self.can_manage_roles,
            "channels": self.can_manage_channels,
            "members": True,
            "bans": self.can_ban,
            # Only a server that takes requests has any (the domain refuses requests otherwise).
            "join-requests": self.can_manage_server and self.join_mode == "request",
            "invites": self.can_manage_server or self.can_create_invite,
            "audit-log": self.can_view_audit,
            # Every member sees the list; MANAGE_EMOJI's controls follow the section's own read.
            "emoji": True,
            "automod": self.can_manage_server,
            "webhooks": self.can_manage_webhooks,
            # Adding a bot needs MANAGE_SERVER (the domain's rule); removing one is a kick.
            "bots": self.can_manage_server,
        }
        return [section for section, _, _ in SECTIONS if shown.get(section)]

    def _apply_flags(self, flags: Flags) -> None:
        self.can_manage_server = flags.manage_server
        self.can_manage_roles = flags.manage_roles
        self.can_manage_channels = flags.manage_channels
        self.can_kick = flags.kick
        self.can_ban = flags.ban
        self.can_moderate = flags.moderate
        self.can_view_audit = flags.view_audit
        self.can_create_invite = flags.create_invite
        self.is_owner = flags.is_owner
        self.can_manage_webhooks = flags.manage_webhooks

    async def _run(self, work: Callable[[Session, User, str], T]) -> T | Failed:
        """Run `work(session, user, the page's server id)` as the tab's user."""
        server_id = self.server_id
        return await run_as_user(self, lambda s, u: work(s, u, server_id))

    async def _refresh_server(self) -> Failed | None:
        result = await self._run(read_server)
        if isinstance(result, Failed):
            if result.error.code == "server_not_found":
                self.missing = True
            return result
        self._show_server(result)
        return None

    def _show_server(self, read: tuple[Server, Flags, str]) -> None:
        server, flags, self.icon_url = read
        self.missing = False
        self.name = server.name
        self.description = server.description
        self.is_public = server.is_public
        self.join_mode = server.join_mode
        self.member_count = server.member_count
        self._apply_flags(flags)

    async def _section_state(self, section: str) -> SectionState | None:
        from socialhub.state.server_settings_sections import section_state

        cls = section_state(section)
        return None if cls is None else await self.get_state(cls)  # type: ignore[return-value]

    async def _load_current(self) -> Any:
        state = await self._section_state(self.section)
        if state is None:
            return None
        failed = await state._load_section(self.server_id)
        return failed.toast if failed else None

    @rx.event
    async def load(self) -> Any:
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        self.server_id = server_id_from_path(self.router.url.path)
        section = self.router.url.query_parameters.get("section", "overview")
        self.section = section if section in SECTION_IDS else "overview"
        self.loaded = False
        failed = await self._refresh_server()
        self.loaded = True
        if failed is not None:
            return None if self.missing else failed.toast
        return await self._load_current()

    @rx.event
    async def open_section(self, section: str) -> Any:
        if section not in SECTION_IDS:
            return None
        self.section = section
        url = f"/servers/{self.server_id}/settings?section={section}"
        return [
            rx.call_script(f"window.history.replaceState(null, '', {url!r})"),
            await self._load_current(),
        ]


def read_server(session: Session, user: User, server_id: str) -> tuple[Server, Flags, str]:
    """The server as the page shows it, with the user's flags (NotFound: not theirs)."""
    access = permissions.access_server(session, user, server_id)
    return access.server, flags_of(access), _icon_url(access.server)


def _icon_url(server: Server) -> str:
    """The server's icon (empty: its initials stand in)."""
    return servers_domain.icon_url(server) or ""
