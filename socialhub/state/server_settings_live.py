"""How an open server settings page follows the stream (a `LiveFeature` of the tab's listener).

When someone else changes the server's roles, channels, categories, members, join requests or
automod rules, the page reads again, through the same domain reads as opening it: the server
and the `can_*` flags it gives the tab's user (a role taken away hides what it no longer
allows), and the open section if the change concerns it. A section that is refused now (its
permission lost) gives way to the overview, with a toast; a server no longer theirs (kicked,
banned, deleted) leaves only the notice that it is not available.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import reflex as rx
from sqlmodel import Session

from socialhub.domain.errors import DomainError, NotFound
from socialhub.models import Server, User
from socialhub.realtime.hub import Event
from socialhub.state.realtime import RealtimeState, register_feature
from socialhub.state.server_settings import Flags, ServerSettingsState, read_server
from socialhub.state.server_settings_sections import section_state

# Which events make each section read again (the server and the flags follow every one).
SECTION_TYPES: dict[str, frozenset[str]] = {
    "roles": frozenset({"role", "server_member"}),
    "channels": frozenset({"channel", "category", "role"}),
    "members": frozenset({"server_member", "role"}),
    "bans": frozenset({"bans"}),
    "invites": frozenset({"invites", "server_member"}),
    "join-requests": frozenset({"join_request"}),
    "automod": frozenset({"automod"}),
    "webhooks": frozenset({"webhooks"}),
    "bots": frozenset({"server_member", "role"}),
}
SETTINGS_TYPES = frozenset({"server"}).union(*SECTION_TYPES.values())
# Most of what these events say was done is in the audit log too.
SECTION_TYPES["audit-log"] = SETTINGS_TYPES


class LiveSection(Protocol):
    """A section's state, read again from the stream: `_live_args` under the lock (what the
    read needs of the state: filters, the open item, the tab's clock), `_live_read` in a worker
    thread (the database, no state), `_live_show` under the lock again. A section may define
    `_live_args_from(events)` instead of `_live_args`, given the batch's events about the
    server, to read again only what they name (the members section)."""

    def _live_args(self) -> Any: ...

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any: ...

    def _live_show(self, data: Any) -> None: ...


@dataclass(frozen=True)
class Plan:
    server_id: str
    # The open section to read again ("" for none) and what its read needs.
    section: str = ""
    args: Any = None


@dataclass(frozen=True)
class Loaded:
    # None: the server is no longer the user's.
    server: tuple[Server, Flags, str] | None
    section: Any = None
    # The section's read refused (its permission lost).
    refused: DomainError | None = None


def _server_id(event: Event) -> str:
    return str((event.get("data") or {}).get("server_id", ""))


class ServerSettingsLive:
    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") in SETTINGS_TYPES for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Plan | None:
        page = await listener.get_state(ServerSettingsState)
        if not page.loaded or page.missing or not page.server_id:
            return None
        types = {
            str(e.get("type"))
            for e in events
            if e.get("type") in SETTINGS_TYPES and _server_id(e) == page.server_id
        }
        if not types:
            return None
        section = page.section if types & SECTION_TYPES.get(page.section, frozenset()) else ""
        state = await page._section_state(section) if section else None
        if state is None:
            return Plan(page.server_id)
        # A section that reads only what the events name says so with `_live_args_from`.
        from_events = getattr(state, "_live_args_from", None)
        if from_events is not None:
            mine = [e for e in events if _server_id(e) == page.server_id]
            return Plan(page.server_id, section, from_events(mine))
        return Plan(page.server_id, section, state._live_args())  # type: ignore[attr-defined]

    def needs_database(self, observed: Plan | None) -> bool:
        return observed is not None

    def load(self, session: Session, user: User, observed: Plan) -> Loaded:
        try:
            server = read_server(session, user, observed.server_id)
        except NotFound:
            return Loaded(None)
        cls = section_state(observed.section) if observed.section else None
        if cls is None:
            return Loaded(server)
        try:
            read = cls._live_read(session, user, observed.server_id, observed.args)  # type: ignore[attr-defined]
        except DomainError as exc:
            return Loaded(server, refused=exc)
        return Loaded(server, section=read)

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: Plan | None,
        loaded: Loaded | None,
        me: int,
    ) -> Any:
        page = await listener.get_state(ServerSettingsState)
        if observed is None or loaded is None or page.server_id != observed.server_id:
            return None
        if loaded.server is None:
            page.missing = True
            return None
        page._show_server(loaded.server)
        gone = page.section not in page._shown_sections()
        if not gone and (not observed.section or page.section != observed.section):
            return None
        if gone or loaded.refused is not None:
            page.section = "overview"
            overview = await page._section_state("overview")
            if overview is not None:
                await overview._load_section(page.server_id)
            url = f"/servers/{page.server_id}/settings?section=overview"
            return [
                rx.call_script(f"window.history.replaceState(null, '', {url!r})"),
                rx.toast.info("You can no longer use that section of the settings"),
            ]
        state = await page._section_state(observed.section)
        if state is not None:
            state._live_show(loaded.section)  # type: ignore[attr-defined]
        return None


register_feature(ServerSettingsLive())
