"""The open chat follows the servers' emoji and stickers live: an `emoji` or `sticker` event (a
server's own stream, so only its members' tabs get it) reads again what the open chat's
pickers, `:` autocomplete and sticker button offer, and, when one was renamed or deleted, the
messages on screen that show it (in their text, as a reaction or as the sticker sent), so they
show its new name, or the text and the "deleted" note that stand for it once it is gone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from socialhub.domain import custom_emoji
from socialhub.domain import messages as messages_domain
from socialhub.domain.errors import DomainError
from socialhub.models import User
from socialhub.models.chat import MessageView
from socialhub.realtime.hub import Event
from socialhub.state import message_window as window
from socialhub.state.chat_rows import MessageRow, message_row
from socialhub.state.clock import tab_clock
from socialhub.state.conversation import ConversationState
from socialhub.state.emoji import CustomEmojiState
from socialhub.state.realtime import RealtimeState, register_feature

TYPES = frozenset({"emoji", "sticker"})
# What changes how a message that shows one looks (an added one is in no message yet).
RESHOWN = frozenset({"update", "remove"})


@dataclass(frozen=True)
class Observed:
    chat_id: str
    # The messages on screen that show a renamed or deleted emoji or sticker.
    message_ids: tuple[str, ...]


@dataclass(frozen=True)
class Loaded:
    picker: custom_emoji.Picker | None
    views: list[MessageView]


def changed_items(events: list[Event]) -> set[str]:
    """The ids of the emoji and stickers renamed or deleted in these events."""
    return {
        str((e.get("data") or {}).get("id", ""))
        for e in events
        if e.get("type") in TYPES and e.get("op") in RESHOWN
    } - {""}


def shows_any(row: MessageRow, items: set[str]) -> bool:
    """The row shows one of these emoji or stickers: its text names it (`<:name:id>`), its
    picture's address holds it, or a reaction is it (`custom:<id>`)."""
    keys = {custom_emoji.REACTION_PREFIX + item for item in items}
    return any(item in row.body or item in row.html for item in items) or any(
        r.get("emoji") in keys for r in row.reactions
    )


class CustomEmojiLive:
    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") in TYPES for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Observed:
        chat = await listener.get_state(ConversationState)
        items = changed_items(events)
        shown = (await chat._rows()).all() if items and chat.open_id else []
        return Observed(
            chat.open_id,
            tuple(row.id for row in shown if row.id and shows_any(row, items)),
        )

    def needs_database(self, observed: Observed) -> bool:
        return bool(observed.chat_id)

    def load(self, session: Session, user: User, observed: Observed) -> Loaded:
        try:
            picker = custom_emoji.get_picker(session, user, observed.chat_id)
        except DomainError:  # no longer mine to read: the conversation's own feature says so
            picker = None
        found = []
        for message_id in observed.message_ids:
            try:
                found.append(messages_domain.access_message(session, user, message_id)[0])
            except DomainError:  # gone from my view since: its own event says so
                continue
        return Loaded(picker, messages_domain.message_views(session, found) if found else [])

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: Observed,
        loaded: Loaded | None,
        me: int,
    ) -> Any:
        chat = await listener.get_state(ConversationState)
        if loaded is None or chat.open_id != observed.chat_id:
            return None
        if loaded.picker is not None:
            (await listener.get_state(CustomEmojiState))._show(loaded.picker)
        if loaded.views:
            rows, clock = await chat._rows(), tab_clock(chat)
            for view in loaded.views:
                if rows.find(view.id) is not None:  # still on screen
                    rows = window.upsert(rows, message_row(view, me, clock)) or rows
            await chat._show(rows, me)
        return None


register_feature(CustomEmojiLive())
