"""The pinned messages of the open conversation, a server channel, a DM or a group alike: a
panel read when it opens and again live when someone pins or unpins while it is shown; pin and
unpin from a message's menu.

The panel lives with the servers since channels had it first; the messenger shows the same
panel (`components.servers.pins_popover`). Who may pin is the domain's (`domain.pins`): the
menus only offer it where it may succeed, and a refusal comes back as a toast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import pins as pins_domain
from socialhub.domain.errors import DomainError
from socialhub.models import User
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, run_as_user
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import RealtimeState, register_feature


class PinItem(BaseModel):
    id: str
    seq: int
    author_name: str
    body: str


class ServerPinsState(rx.State):
    open: bool = False
    pins: list[PinItem] = []
    # The messages pinned in the open conversation, read when a message's menu opens (so the
    # menu offers Pin or Unpin as it is now, whoever pinned since).
    pinned_ids: list[str] = []
    _channel_id: str = ""

    @staticmethod
    def _load_pins(session: Session, user: User, channel_id: str) -> list[PinItem]:
        """The conversation's pins, newest first (the domain decides what the reader may see)."""
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
        self._set_pins(pins)
        return None

    @rx.event
    async def menu_opened(self, message_id: str, is_open: bool) -> Any:
        """A message's menu opened: whether it is pinned now decides Pin or Unpin."""
        if not is_open:
            return None
        channel_id = (await self.get_state(ConversationState)).open_id
        pins = await run_as_user(self, lambda s, u: self._load_pins(s, u, channel_id))
        if isinstance(pins, Failed):
            return pins.toast
        self.pinned_ids = [p.id for p in pins]
        return None

    @rx.event
    async def pin(self, message_id: str) -> Any:
        return await self._change(message_id, pin=True)

    @rx.event
    async def unpin(self, message_id: str) -> Any:
        return await self._change(message_id, pin=False)

    async def _change(self, message_id: str, *, pin: bool) -> Any:
        channel_id = (await self.get_state(ConversationState)).open_id

        def work(session: Session, user: User) -> list[PinItem]:
            if pin:
                pins_domain.check_pin(session, user, message_id)
            else:
                pins_domain.check_unpin(session, user, message_id)
            return self._load_pins(session, user, channel_id)

        pins = await run_as_user(self, work)
        if isinstance(pins, Failed):
            return pins.toast
        self._channel_id = channel_id
        self._set_pins(pins)
        if pin:
            return rx.toast.success("Pinned", id="pinned")
        return rx.toast.success("Unpinned", id="pinned")

    def _set_pins(self, pins: list[PinItem]) -> None:
        self.pins = pins
        self.pinned_ids = [p.id for p in pins]


@dataclass
class _PinPlan:
    conversation_id: str


class ChatPinsLive:
    """The open panel of a DM or a group follows pins live (a server channel's is the server
    pages' feature, `server_live.ServerLive`, which reads the server with it)."""

    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") == "pin" for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> _PinPlan:
        conversation = await listener.get_state(ConversationState)
        pins = await listener.get_state(ServerPinsState)
        shown = conversation.open_id if conversation.open_kind != "channel" and pins.open else ""
        touched = any(
            e.get("type") == "pin" and (e.get("data") or {}).get("conversation_id") == shown
            for e in events
        )
        return _PinPlan(shown if touched else "")

    def needs_database(self, observed: _PinPlan) -> bool:
        return bool(observed.conversation_id)

    def load(self, session: Session, user: User, observed: _PinPlan) -> list[PinItem] | None:
        try:
            return ServerPinsState._load_pins(session, user, observed.conversation_id)
        except DomainError:  # no longer mine to read: the conversation's own feature says so
            return None

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: _PinPlan,
        loaded: list[PinItem] | None,
        me: int,
    ) -> None:
        if loaded is None:
            return
        conversation = await listener.get_state(ConversationState)
        if conversation.open_id == observed.conversation_id:
            (await listener.get_state(ServerPinsState))._set_pins(loaded)


register_feature(ChatPinsLive())
