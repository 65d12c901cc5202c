"""The pinned messages of the open channel: a panel read when it opens, and again live when
someone pins or unpins while it is shown."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import pins as pins_domain
from socialhub.models import User
from socialhub.state.base import Failed, run_as_user
from socialhub.state.conversation import ConversationState


class PinItem(BaseModel):
    id: str
    seq: int
    author_name: str
    body: str


class ServerPinsState(rx.State):
    open: bool = False
    pins: list[PinItem] = []
    _channel_id: str = ""

    @staticmethod
    def _load_pins(session: Session, user: User, channel_id: str) -> list[PinItem]:
        """The channel's pins, newest first (the domain decides what the reader may see)."""
        return [
            PinItem(
                id=pin.message.id,
                seq=pin.message.seq,
                author_name=pin.message.author.display_name if pin.message.author else "",
                body=pin.message.body,
            )
            for pin in pins_domain.list_pins(session, user, channel_id)
        ]

    @rx.event
    async def set_open(self, value: bool) -> Any:
        return await self._show(value)

    async def _show(self, value: bool) -> Any:
        self.open = value
        if not value:
            return None
        channel_id = (await self.get_state(ConversationState)).open_id
        self._channel_id = channel_id
        pins = await run_as_user(self, lambda s, u: self._load_pins(s, u, channel_id))
        if isinstance(pins, Failed):
            return pins.toast
        self.pins = pins
        return None

    @rx.event
    async def unpin(self, message_id: str) -> Any:
        channel_id = self._channel_id
        result = await run_as_user(self, lambda s, u: pins_domain.check_unpin(s, u, message_id))
        if isinstance(result, Failed):
            return result.toast
        pins = await run_as_user(self, lambda s, u: self._load_pins(s, u, channel_id))
        if isinstance(pins, Failed):
            return pins.toast
        self.pins = pins
        return None

    def _set_pins(self, pins: list[PinItem]) -> None:
        self.pins = pins
