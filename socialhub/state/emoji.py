"""Which message the reaction picker is open for (one picker per open chat, not one per
message), and the custom emoji and stickers the pickers offer in the open chat."""

from __future__ import annotations

import json
import uuid
from typing import Any

import reflex as rx
from pydantic import BaseModel

from socialhub.domain import custom_emoji, messages
from socialhub.state.base import Failed, run_as_user


class ReactionPickerState(rx.State):
    message_id: str = ""

    @rx.var
    def is_open(self) -> bool:
        return self.message_id != ""

    @rx.event
    def open_for(self, message_id: str) -> None:
        self.message_id = message_id

    @rx.event
    def set_open(self, value: bool) -> None:
        """The dialog's own open/close (Escape, a click outside); it opens only through open_for."""
        if not value:
            self.message_id = ""


def picker_categories(picker: custom_emoji.Picker) -> list[dict[str, Any]]:
    """The servers' emoji as emoji-mart's `custom` categories. An emoji's picker id is
    `<name>~<id>`: assets/emoji.js writes `:name:` into a text box and reacts with
    `custom:<id>`."""
    return [
        {
            "id": f"server-{group.server_id}",
            "name": group.server_name,
            "emojis": [
                {
                    "id": f"{row.name}~{row.id}",
                    "name": row.name,
                    "keywords": [row.name, *row.name.split("_")],
                    "skins": [{"src": custom_emoji.emoji_image(row).url}],
                }
                for row in group.emoji
            ],
        }
        for group in picker.groups
    ]


class StickerItem(BaseModel):
    id: str
    name: str
    url: str


class CustomEmojiState(rx.State):
    """The open conversation's custom emoji (for the pickers) and stickers (the sticker button),
    read when a chat opens (the composer's loader, keyed by the chat) and again when a server's
    emoji change (state/custom_emoji_live.py)."""

    categories: list[dict[str, Any]] = []
    stickers: list[StickerItem] = []
    # Changes with each read, so the pickers (which take their categories once) mount again.
    version: int = 0

    @rx.var
    def autocomplete(self) -> str:
        """`[[name, image url], ...]` for the composer's `:` autocomplete (assets/emoji.js), a
        name once (the first server's: the channel's own)."""
        seen: dict[str, str] = {}
        for category in self.categories:
            for emoji in category["emojis"]:
                seen.setdefault(emoji["name"], emoji["skins"][0]["src"])
        return json.dumps(sorted(seen.items()))

    @rx.event
    async def load_for_chat(self, chat_id: str) -> Any:
        result = await run_as_user(self, lambda s, u: custom_emoji.get_picker(s, u, chat_id))
        if isinstance(result, Failed):
            self.categories, self.stickers = [], []
            return None
        self._show(result)
        return None

    def _show(self, picker: custom_emoji.Picker) -> None:
        categories = picker_categories(picker)
        if categories != self.categories:
            self.categories = categories
            self.version += 1
        self.stickers = [
            StickerItem(id=s.id, name=s.name, url=custom_emoji.sticker_view(s).url)
            for s in picker.stickers
        ]

    @rx.event
    async def send_sticker(self, chat_id: str, sticker_id: str) -> Any:
        client_id = uuid.uuid4().hex
        result = await run_as_user(
            self,
            lambda s, u: messages.check_send_message(
                s, u, chat_id, body="", client_id=client_id, sticker_id=sticker_id
            ),
        )
        return result.toast if isinstance(result, Failed) else None
