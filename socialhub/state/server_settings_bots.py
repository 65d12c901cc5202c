"""The bots section of the server settings: the server's bot members (avatar, name, roles),
adding one by username with an optional role (MANAGE_SERVER; the role by the role rules) and
removing one (a kick, confirmed), through the domain (socialhub/domain/bots.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import bots, roles
from socialhub.models import User
from socialhub.models.bots import ServerBotView
from socialhub.state.base import Failed, run_as_user
from socialhub.state.server_settings import ServerSettingsState

# The role select's value for "no role" (a select item cannot have an empty value).
NO_ROLE = "none"


class BotMemberRow(BaseModel):
    id: int
    name: str
    username: str
    avatar_url: str
    roles: str  # its role names, highest first, comma-separated ("" for none)


class RoleChoice(BaseModel):
    id: str
    name: str


def bot_rows(views: list[ServerBotView]) -> list[BotMemberRow]:
    return [
        BotMemberRow(
            id=v.user.id,
            name=v.shown_name,
            username=v.user.username,
            avatar_url=v.user.avatar_small_url or "",
            roles=", ".join(r.name for r in v.roles),
        )
        for v in views
    ]


class BotSettingsState(rx.State):
    bots: list[BotMemberRow] = []
    role_choices: list[RoleChoice] = []
    new_role: str = NO_ROLE
    # The bot the removal dialog asks about (0: closed).
    remove_target: int = 0
    remove_label: str = ""

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    @staticmethod
    def _read(
        session: Session, user: User, server_id: str
    ) -> tuple[list[BotMemberRow], list[RoleChoice]]:
        return (
            bot_rows(bots.list_server_bots(session, user, server_id)),
            [
                RoleChoice(id=r.id, name=r.name)
                for r in roles.list_roles(session, user, server_id)
                if not r.is_everyone
            ],
        )

    async def _load_section(self, server_id: str) -> Failed | None:
        read = self._read
        result = await run_as_user(self, lambda s, u: read(s, u, server_id))
        if isinstance(result, Failed):
            return result
        self._live_show(result)
        return None

    # The live protocol (server_settings_live.LiveSection): the same read as opening it.
    def _live_args(self) -> Any:
        return None

    @classmethod
    def _live_read(cls, session: Session, user: User, server_id: str, args: Any) -> Any:
        return cls._read(session, user, server_id)

    def _live_show(self, data: Any) -> None:
        self.bots, self.role_choices = data
        if self.new_role not in {r.id for r in self.role_choices}:
            self.new_role = NO_ROLE

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        # Read again even when refused: the list may be out of date.
        failed = await self._load_section(server_id)
        if isinstance(result, Failed):
            return result.toast
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    def set_new_role(self, value: str) -> None:
        self.new_role = value

    @rx.event
    async def add_bot(self, form: dict[str, Any]) -> Any:
        username = str(form.get("username", ""))[:64]
        role_id = None if self.new_role == NO_ROLE else self.new_role
        result = await self._change(
            lambda s, u, server_id: bots.check_add_bot_to_server(
                s, u, server_id, username=username, role_id=role_id
            ),
            "Bot added",
        )
        self.new_role = NO_ROLE
        return result

    @rx.event
    def ask_remove(self, bot_id: int, label: str) -> None:
        self.remove_target, self.remove_label = bot_id, label

    @rx.event
    def set_remove_open(self, is_open: bool) -> None:
        if not is_open:
            self.remove_target = 0

    @rx.event
    async def confirm_remove(self) -> Any:
        target, self.remove_target = self.remove_target, 0
        if not target:
            return None
        return await self._change(
            lambda s, u, server_id: bots.check_remove_bot_from_server(s, u, server_id, target),
            "Bot removed",
        )
