"""The open chat's pickers, `:` autocomplete and sticker button follow the servers' emoji and
stickers live: an `emoji` or `sticker` event (a server's own stream, so only its members' tabs
get it) reads what the open chat offers again."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from socialhub.domain import custom_emoji
from socialhub.domain.errors import DomainError
from socialhub.models import User
from socialhub.realtime.hub import Event
from socialhub.state.conversation import ConversationState
from socialhub.state.emoji import CustomEmojiState
from socialhub.state.realtime import RealtimeState, register_feature

TYPES = frozenset({"emoji", "sticker"})


class CustomEmojiLive:
    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") in TYPES for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> str:
        return (await listener.get_state(ConversationState)).open_id

    def needs_database(self, observed: str) -> bool:
        return bool(observed)

    def load(self, session: Session, user: User, observed: str) -> custom_emoji.Picker | None:
        try:
            return custom_emoji.get_picker(session, user, observed)
        except DomainError:  # no longer mine to read: the conversation's own feature says so
            return None

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: str,
        loaded: custom_emoji.Picker | None,
        me: int,
    ) -> Any:
        if loaded is None:
            return None
        if (await listener.get_state(ConversationState)).open_id == observed:
            (await listener.get_state(CustomEmojiState))._show(loaded)
        return None


register_feature(CustomEmojiLive())
