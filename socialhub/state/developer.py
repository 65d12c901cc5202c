"""/settings/developer: my bot accounts (create, with the token shown once; set or remove the
avatar; regenerate the token; delete; the last two confirmed), through the domain
(socialhub/domain/bots.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import bots, media
from socialhub.models import User
from socialhub.models.bots import BotView, BotWithToken
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import tab_clock

NAME_MAX, DESCRIPTION_MAX = bots.NAME_MAX, bots.DESCRIPTION_MAX
MAX_BOTS_PER_OWNER = bots.MAX_BOTS_PER_OWNER
BOT_AVATAR_UPLOAD_ID = "bot-avatar-upload"

# What the confirmation dialog asks, by kind: title, body, button.
CONFIRM_TEXT: dict[str, tuple[str, str, str]] = {
    "delete": (
        "Delete this bot?",
        "It leaves every server and its token stops working. This cannot be undone.",
        "Delete bot",
    ),
    "regenerate": (
        "Regenerate the token?",
        "The current token stops working at once; the bot needs the new one.",
        "Regenerate",
    ),
}


class BotRow(BaseModel):
    id: int
    name: str
    username: str
    description: str
    created: str
    avatar_url: str = ""


class DeveloperState(rx.State):
    bots: list[BotRow] = []
    # The token just made, shown once ("" when none) and the bot it belongs to.
    new_token: str = ""
    new_token_bot: str = ""
    confirm_kind: str = ""
    confirm_target: int = 0
    confirm_label: str = ""
    # The bot whose avatar dialog is open (0: closed).
    avatar_bot: int = 0
    uploading: bool = False

    async def _reload(self) -> Failed | None:
        clock = tab_clock(self)

        def read(session: Session, user: User) -> list[BotView]:
            return bots.list_my_bots(session, user)

        result = await run_as_user(self, read)
        if isinstance(result, Failed):
            return result
        self.bots = [
            BotRow(
                id=v.id,
                name=v.name,
                username=v.username,
                description=v.description,
                created=clock.date_time(v.created_at),
                avatar_url=v.avatar_url or "",
            )
            for v in result
        ]
        return None

    def _show_token(self, made: BotWithToken) -> None:
        self.new_token, self.new_token_bot = made.token, made.name

    @rx.event
    async def load(self) -> Any:
        self.new_token = self.new_token_bot = ""
        self.confirm_kind = ""
        failed = await self._reload()
        return failed.toast if failed else None

    @rx.var
    def confirm_title(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[0]

    @rx.var
    def confirm_body(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[1]

    @rx.var
    def confirm_action(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[2]

    @rx.event
    async def create_bot(self, form: dict[str, Any]) -> Any:
        name, description = str(form.get("name", "")), str(form.get("description", ""))
        made = await run_as_user(
            self, lambda s, u: bots.check_create_bot(s, u, name=name, description=description)
        )
        if isinstance(made, Failed):
            return made.toast
        self._show_token(made)
        failed = await self._reload()
        return failed.toast if failed else rx.toast.success("Bot created: copy its token now")

    @rx.event
    def ask(self, kind: str, target: int, label: str) -> None:
        if kind in CONFIRM_TEXT:
            self.confirm_kind, self.confirm_target, self.confirm_label = kind, target, label

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        if not is_open:
            self.confirm_kind = ""

    @rx.var
    def avatar_name(self) -> str:
        """The bot of the open avatar dialog, by name."""
        return next((b.name for b in self.bots if b.id == self.avatar_bot), "")

    @rx.var
    def avatar_src(self) -> str:
        return next((b.avatar_url for b in self.bots if b.id == self.avatar_bot), "")

    @rx.event
    def open_avatar(self, bot_id: int) -> None:
        self.avatar_bot = bot_id

    @rx.event
    def set_avatar_open(self, is_open: bool) -> None:
        if not is_open:
            self.avatar_bot = 0

    async def _change_avatar(
        self, work: Callable[[Session, User, int], BotView], success: str
    ) -> Any:
        target = self.avatar_bot
        done = await run_as_user(self, lambda s, u: work(s, u, target))
        failed = await self._reload()
        if isinstance(done, Failed):
            return done.toast
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    async def upload_avatar(self, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        if not files or not self.avatar_bot:  # the picker refused it and said why
            return
        data = await files[0].read(media.image_read_limit())
        self.uploading = True
        yield None
        result = await self._change_avatar(
            lambda s, u, bot_id: bots.check_set_bot_avatar(s, u, bot_id, data), "Avatar updated"
        )
        self.uploading = False
        yield result
        yield rx.clear_selected_files(BOT_AVATAR_UPLOAD_ID)

    @rx.event
    async def remove_avatar(self) -> Any:
        return await self._change_avatar(bots.check_remove_bot_avatar, "Avatar removed")

    @rx.event
    def hide_token(self) -> None:
        self.new_token = self.new_token_bot = ""

    @rx.event
    async def confirm(self) -> Any:
        kind, target = self.confirm_kind, self.confirm_target
        self.confirm_kind = ""
        if kind == "regenerate":
            made = await run_as_user(self, lambda s, u: bots.check_regenerate_token(s, u, target))
            if isinstance(made, Failed):
                await self._reload()
                return made.toast
            self._show_token(made)
            return rx.toast.success("New token made: the old one no longer works")
        if kind == "delete":
            deleted = await run_as_user(self, lambda s, u: bots.check_delete_bot(s, u, target))
            if self.new_token_bot == self.confirm_label:
                self.new_token = self.new_token_bot = ""
            failed = await self._reload()
            if isinstance(deleted, Failed):
                return deleted.toast
            return failed.toast if failed else rx.toast.success("Bot deleted")
        return None
