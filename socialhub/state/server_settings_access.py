"""Who may come into the server, in the server settings: the bans (who, why, by whom, when;
BAN_MEMBERS) with Unban, confirmed first; and the pending join requests of a server that takes
them, accepted or declined (the permission the domain asks for, MANAGE_SERVER)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import moderation
from socialhub.domain import servers as servers_domain
from socialhub.models import User
from socialhub.models.chat import UserBrief
from socialhub.models.moderation_views import BanPage
from socialhub.models.server_views import JoinRequestPage
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.server_settings import ServerSettingsState

PAGE_SIZE = 50


class BanRow(BaseModel):
    user_id: int
    username: str
    shown_name: str
    avatar_url: str
    reason: str
    banned_by: str
    when: str


class RequestRow(BaseModel):
    user_id: int
    username: str
    shown_name: str
    avatar_url: str
    message: str
    when: str


def _shown(user: UserBrief) -> str:
    return user.display_name or user.username


def ban_rows(page: BanPage, clock: Clock) -> list[BanRow]:
    return [
        BanRow(
            user_id=b.user.id,
            username=b.user.username,
            shown_name=_shown(b.user),
            avatar_url=b.user.avatar_small_url or "",
            reason=b.reason,
            banned_by="@" + b.banned_by.username if b.banned_by else "someone gone",
            when=clock.date_time(b.created_at),
        )
        for b in page.bans
    ]


def request_rows(page: JoinRequestPage, clock: Clock) -> list[RequestRow]:
    return [
        RequestRow(
            user_id=r.user.id,
            username=r.user.username,
            shown_name=_shown(r.user),
            avatar_url=r.user.avatar_small_url or "",
            message=r.message,
            when=clock.date_time(r.created_at),
        )
        for r in page.requests
    ]


class PagedList(rx.State, mixin=True):
    """A list of the page's server read page by page; after each change, and when the stream
    says it changed (`server_settings_live`), its first page is read again."""

    next_cursor: str = ""
    loading: bool = False

    @staticmethod
    def _fetch(
        session: Session, user: User, server_id: str, cursor: str | None, clock: Clock
    ) -> tuple[list[Any], str]:
        """A page of rows and the cursor of the next ("" at the end)."""
        raise NotImplementedError

    def _set_rows(self, rows: list[Any], *, more: bool) -> None:
        raise NotImplementedError

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _read(self, server_id: str, cursor: str | None) -> Failed | None:
        clock, fetch = tab_clock(self), self._fetch
        result = await run_as_user(self, lambda s, u: fetch(s, u, server_id, cursor, clock))
        if isinstance(result, Failed):
            return result
        rows, self.next_cursor = result
        self._set_rows(rows, more=bool(cursor))
        return None

    async def _load_section(self, server_id: str) -> Failed | None:
        return await self._read(server_id, None)

    # The live protocol (server_settings_live.LiveSection).
    def _live_args(self) -> Any:
        return tab_clock(self)

    @classmethod
    def _live_read(cls, session: Session, user: User, server_id: str, args: Any) -> Any:
        return cls._fetch(session, user, server_id, None, args)

    def _live_show(self, data: Any) -> None:
        rows, self.next_cursor = data
        self._set_rows(rows, more=False)

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        # Read again even when refused: the list may be out of date (someone else acted first).
        failed = await self._load_section(server_id)
        if isinstance(result, Failed):
            return result.toast
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


class BanSettingsState(PagedList, rx.State):
    bans: list[BanRow] = []
    # The ban the confirmation dialog asks about (0: none).
    unban_user_id: int = 0
    unban_name: str = ""

    @staticmethod
    def _fetch(
        session: Session, user: User, server_id: str, cursor: str | None, clock: Clock
    ) -> tuple[list[Any], str]:
        page = moderation.list_bans(session, user, server_id, cursor=cursor, limit=PAGE_SIZE)
        return ban_rows(page, clock), page.next_cursor or ""

    def _set_rows(self, rows: list[Any], *, more: bool) -> None:
        self.bans = [*self.bans, *rows] if more else rows

    @rx.event
    def ask_unban(self, user_id: int, name: str) -> None:
        self.unban_user_id, self.unban_name = user_id, name

    @rx.event
    def set_unban_open(self, is_open: bool) -> None:
        if not is_open:
            self.unban_user_id = 0

    @rx.event
    async def confirm_unban(self) -> Any:
        user_id, name = self.unban_user_id, self.unban_name
        self.unban_user_id = 0
        if not user_id:
            return None
        return await self._change(
            lambda s, u, server_id: moderation.check_unban(s, u, server_id, user_id),
            f"{name} is no longer banned",
        )


class JoinRequestSettingsState(PagedList, rx.State):
    requests: list[RequestRow] = []

    @staticmethod
    def _fetch(
        session: Session, user: User, server_id: str, cursor: str | None, clock: Clock
    ) -> tuple[list[Any], str]:
        page = servers_domain.list_join_requests(
            session, user, server_id, cursor=cursor, limit=PAGE_SIZE
        )
        return request_rows(page, clock), page.next_cursor or ""

    def _set_rows(self, rows: list[Any], *, more: bool) -> None:
        self.requests = [*self.requests, *rows] if more else rows

    async def _decide(self, user_id: int, *, accept: bool) -> Any:
        row = next((r for r in self.requests if r.user_id == user_id), None)
        name = row.shown_name if row else "The request"
        result = await self._change(
            lambda s, u, server_id: servers_domain.check_decide_join_request(
                s, u, server_id, user_id, accept=accept
            ),
            f"{name} joined the server" if accept else f"{name}'s request was declined",
        )
        if accept:
            # The member count on the page moved.
            page = await self.get_state(ServerSettingsState)
            await page._refresh_server()
        return result

    @rx.event
    async def accept(self, user_id: int) -> Any:
        return await self._decide(user_id, accept=True)

    @rx.event
    async def decline(self, user_id: int) -> Any:
        return await self._decide(user_id, accept=False)
