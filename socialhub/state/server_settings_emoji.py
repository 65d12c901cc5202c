"""The emoji section of the server settings: the server's custom emoji and stickers (upload,
rename, delete; MANAGE_EMOJI, the domain decides) and whether members may use its emoji
elsewhere. Every member sees the list."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Section:
    """One kind's part of the section: its upload, its list and what the toasts say."""

    kind: custom_emoji.ItemKind[Any]
    upload_id: str
    name_input: str  # the id of the new name's field
    listed: str  # the state var listing them
    added: str  # with {name}
    renamed: str
    deleted: str


SECTIONS = {
    "emoji": _Section(
        custom_emoji.EMOJI,
        EMOJI_UPLOAD_ID,
        "new-emoji-name",
        "emoji",
        "Emoji :{name}: added",
        "Emoji renamed",
        "Emoji deleted",
    ),
    "sticker": _Section(
        custom_emoji.STICKER,
        STICKER_UPLOAD_ID,
        "new-sticker-name",
        "stickers",
        "Sticker {name} added",
        "Sticker renamed",
        "Sticker deleted",
    ),
}


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

    async def _upload(
        self, section: _Section, files: list[rx.UploadFile], typed: str
    ) -> AsyncIterator[Any]:
        """`typed`: the name field as it is when the file is dropped (the upload carries it,
        so nothing races the typing); empty, the file's name."""
        if not files:  # the picker refused the file and said why (state/uploads.py)
            return
        kind = section.kind
        data = await files[0].read(kind.max_bytes + 1)
        name = typed.strip() or name_from_file(files[0].filename or "")
        self.uploading = True
        yield None
        yield await self._change(
            lambda s, u, server_id: custom_emoji.check_create_item(
                s, u, kind, server_id, name=name, data=data
            ),
            section.added.format(name=name),
        )
        yield rx.clear_selected_files(section.upload_id)
        if any(e.name == name for e in getattr(self, section.listed)):
            yield rx.set_value(section.name_input, "")

    @rx.event
    async def upload_emoji(self, files: list[rx.UploadFile], typed: str = "") -> AsyncIterator[Any]:
        async for update in self._upload(SECTIONS["emoji"], files, typed):
            yield update

    @rx.event
    async def upload_sticker(
        self, files: list[rx.UploadFile], typed: str = ""
    ) -> AsyncIterator[Any]:
        async for update in self._upload(SECTIONS["sticker"], files, typed):
            yield update

    @rx.event
    async def rename_item(self, form: dict[str, Any]) -> Any:
        """The row's form: the kind (`emoji`, `sticker`), the id and the new name."""
        section = SECTIONS.get(str(form.get("kind", "")))
        if section is None:
            return None
        kind, item_id, name = section.kind, str(form.get("id", "")), str(form.get("name", ""))
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_rename_item(
                s, u, kind, server_id, item_id, name=name
            ),
            section.renamed,
        )

    @rx.event
    async def delete_item(self, kind_name: str, item_id: str) -> Any:
        section = SECTIONS.get(kind_name)
        if section is None:
            return None
        kind = section.kind
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_delete_item(s, u, kind, server_id, item_id),
            section.deleted,
        )

    @rx.event
    async def set_share(self, value: bool) -> Any:
        return await self._change(
            lambda s, u, server_id: custom_emoji.check_set_share_emoji(
                s, u, server_id, share=value
            ),
            "Saved",
        )
