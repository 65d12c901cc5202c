"""The pinned messages of the open channel: a panel read when it opens, and again live when
someone pins or unpins while it is shown."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session, col, select

from socialhub.domain import chats as chats_domain
from socialhub.domain import messages as messages_domain
from socialhub.models import Message, PinnedMessage, User
from socialhub.state.base import Failed, run_as_user
from socialhub.state.conversation import ConversationState

PINS_MAX = 50


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
        """The channel's pins, newest first, for those who may read its history."""
        chats_domain.access_history(session, user, channel_id)
        found = session.exec(
            select(Message)
            .join(PinnedMessage, col(PinnedMessage.message_id) == col(Message.id))
            .where(
                PinnedMessage.conversation_id == channel_id,
                col(Message.deleted_at).is_(None),
            )
            .order_by(col(PinnedMessage.pinned_at).desc())
            .limit(PINS_MAX)
        ).all()
        return [
            PinItem(
                id=view.id,
                seq=view.seq,
                author_name=view.author.display_name if view.author else "",
                body=view.body,
            )
            for view in messages_domain.message_views(session, list(found))
        ]

    @rx.event
    async def set_open(self, value: bool) -> Any:
        return await self._show(value)

    @rx.event
    async def toggle(self) -> Any:
        return await self._show(not self.open)

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

    def _set_pins(self, pins: list[PinItem]) -> None:
        self.pins = pins
