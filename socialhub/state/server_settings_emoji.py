"""The emoji section of the server settings: the server's custom emoji and stickers (upload,
rename, delete; MANAGE_EMOJI, the domain decides) and whether members may use its emoji
elsewhere. Every member sees the list."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import custom_emoji
from socialhub.models import User
from socialhub.models.custom_emoji import EmojiCatalogue
from socialhub.state.base import Failed, run_as_user
from socialhub.state.server_settings import ServerSettingsState

EMOJI_UPLOAD_ID = "emoji-upload"
STICKER_UPLOAD_ID = "sticker-upload"


class EmojiItem(BaseModel):
    id: str
    name: str
    url: str
    animated: bool


def _items(catalogue: EmojiCatalogue) -> tuple[list[EmojiItem], list[EmojiItem]]:
    return (
        [EmojiItem(id=e.id, name=e.name, url=e.url, animated=e.animated) for e in catalogue.emoji],
        [
            EmojiItem(id=s.id, name=s.name, url=s.url, animated=s.animated)
            for s in catalogue.stickers
        ],
    )


def name_from_file(filename: str) -> str:
    """A name to start from when none was typed: the file's, in the allowed letters."""
    stem = (filename or "").rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9_]+", "_", stem).strip("_")[:32]


class EmojiSettingsState(rx.State):
    emoji: list[EmojiItem] = []
    stickers: list[EmojiItem] = []
    share_emoji: bool = True
    can_manage: bool = False
    limits: str = ""
    uploading: bool = False

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _load_section(self, server_id: str) -> Failed | None:
        result = await run_as_user(self, lambda s, u: self._live_read(s, u, server_id, None))
        if isinstance(result, Failed):
            return result
        self._live_show(result)
        return None

    # The live protocol (server_settings_live.LiveSection): the same read as opening it.
    def _live_args(self) -> Any:
        return None

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        return custom_emoji.get_catalogue(session, user, server_id)

    def _live_show(self, data: Any) -> None:
        catalogue: EmojiCatalogue = data
        self.emoji, self.stickers = _items(catalogue)
        self.share_emoji, self.can_manage = catalogue.share_emoji, catalogue.can_manage
        still = sum(1 for e in catalogue.emoji if not e.animated)
        self.limits = (
            f"{still} of {catalogue.static_limit} still, "
            f"{len(catalogue.emoji) - still} of {catalogue.animated_limit} animated emoji; "
            f"{len(catalogue.stickers)} of {catalogue.sticker_limit} stickers"
        )

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        try:
            result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        finally:
            self.uploading = False
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(server_id)
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    async def upload_emoji(self, files: list[rx.UploadFile], typed: str = "") -> AsyncIterator[Any]:
        """`typed`: the name field as it is when the file is dropped (the upload carries it,
        so nothing races the typing); empty, the file's name."""
        if not files:  # the picker refused the file and said why (state/uploads.py)
            return
        data = await files[0].read(custom_emoji.EMOJI_MAX_BYTES + 1)
        name = typed.strip() or name_from_file(files[0].filename or "")
        self.uploading = True
        yield None
        result = await self._change(
            lambda s, u, server_id: custom_emoji.check_create_emoji(
                s, u, server_id, name=name, data=data
            ),
            f"Emoji :{name}: added",
        )
        yield result
        yield rx.clear_selected_files(EMOJI_UPLOAD_ID)
        if any(e.name == name for e in self.emoji):
            yield rx.set_value("new-emoji-name", "")

    @rx.event
    async def upload_sticker(
        self, files: list[rx.UploadFile], typed: str = ""
    ) -> AsyncIterator[Any]:
        if not files:
            return
        data = await files[0].read(custom_emoji.STICKER_MAX_BYTES + 1)
        name = typed.strip() or name_from_file(files[0].filename or "")
        self.uploading = True
        yield None
        result = await self._change(
            lambda s, u, server_id: custom_emoji.check_create_sticker(
                s, u, server_id, name=name, data=data
            ),
            f"Sticker {name} added",
        )
        yield result
        yield rx.clear_selected_files(STICKER_UPLOAD_ID)
        if any(e.name == name for e in self.stickers):
            yield rx.set_value("new-sticker-name", "")

    @rx.event
    async def rename_emoji(self, form: dict[str, Any]) -> Any:
        emoji_id, name = str(form.get("id", "")), str(form.get("name", ""))
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_rename_emoji(
                s, u, server_id, emoji_id, name=name
            ),
            "Emoji renamed",
        )

    @rx.event
    async def delete_emoji(self, emoji_id: str) -> Any:
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_delete_emoji(s, u, server_id, emoji_id),
            "Emoji deleted",
        )

    @rx.event
    async def rename_sticker(self, form: dict[str, Any]) -> Any:
        sticker_id, name = str(form.get("id", "")), str(form.get("name", ""))
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_rename_sticker(
                s, u, server_id, sticker_id, name=name
            ),
            "Sticker renamed",
        )

    @rx.event
    async def delete_sticker(self, sticker_id: str) -> Any:
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_delete_sticker(s, u, server_id, sticker_id),
            "Sticker deleted",
        )

    @rx.event
    async def set_share(self, value: bool) -> Any:
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_set_share_emoji(
                s, u, server_id, share=value
            ),
            "Saved",
        )
