"""Unread signals on every signed-in page: the Messages badge, the tab title and icon (through
`assets/unread.js`) and, outside /messages (where the chat list shows it), a toast for a message
the person is told about (`notify.should_notify`).

Each page's on_load reads the counts (`UnreadState.load`); the tab's listener keeps them live
from the conversation streams it already follows (`Unread`): messages and receipts are applied
from the events alone, and only a chat new to the tab, or one whose settings changed, is read
again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.domain import messages as messages_domain
from socialhub.domain import notify
from socialhub.models import User
from socialhub.models.chat import MessageView
from socialhub.models.unread_views import ChatUnread
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, run_as_user
from socialhub.state.chat_rows import live_view
from socialhub.state.conversation import ConversationState, read_in_chat
from socialhub.state.realtime import RealtimeState, register_feature

BADGE_MAX = 99
TOAST_SECONDS = 8
PREVIEW_MAX = 100


class UnreadState(rx.State):
    # Unread messages of the chats not muted (the chat being read counts none).
    total: int = 0
    _chats: dict[str, ChatUnread] = {}
    _person: notify.Recipient | None = None
    # On /messages the chat list itself shows what arrives: no toasts there.
    _on_messages: bool = False

    @rx.var
    def badge(self) -> str:
        return f"{BADGE_MAX}+" if self.total > BADGE_MAX else str(self.total)

    @rx.var
    def messages_label(self) -> str:
        """The Messages link's accessible name: "Messages, 3 unread"."""
        return f"Messages, {self.total} unread" if self.total else "Messages"

    @rx.event
    async def load(self) -> Any:
        """Part of every signed-in page's on_load, after the page's own data."""
        conversation = await self.get_state(ConversationState)
        path = self.router.url.path
        self._on_messages = path.startswith("/messages")
        if conversation.open_id and not self._on_messages and not path.startswith("/servers/"):
            # The chat left on /messages (or a server's channel) is not read any more: its
            # arrivals count as unread.
            conversation.open_id = ""

        def work(session: Session, user: User) -> tuple[notify.Recipient, list[ChatUnread]]:
            return notify.recipient(session, user), notify.unread_facts(session, user).chats

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return None  # signed out: the page's own on_load redirects
        self._person, chats = result
        self._chats = {chat.id: chat for chat in chats}
        self._count(read_in_chat(conversation))
        return None

    def _count(self, reading: str) -> None:
        total = notify.unread_total(self._chats.values(), reading=reading)
        if total != self.total:
            self.total = total


@dataclass
class _Seen:
    """What the listener read under the lock: the chats to read again, and how far each chat
    was known before this batch (a message at or below it is not new to the tab)."""

    reload: set[str] = field(default_factory=set)
    known: dict[str, int] = field(default_factory=dict)


RELOAD_TYPES = frozenset({"chat", "member"})


class Unread:
    """The listener's adapter for `UnreadState`."""

    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") in ("message", "receipt", "block", *RELOAD_TYPES) for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Any:
        state = await listener.get_state(UnreadState)
        if state._person is None:
            return None  # not read yet: the page's load reads it whole
        chats = state._chats
        seen = _Seen()
        for event in events:
            data = event.get("data", {})
            chat = str(data.get("conversation_id") or "")
            if not chat or data.get("server_id"):
                continue  # server channels have badges of their own
            seen.known.setdefault(chat, chats[chat].last_seq if chat in chats else 0)
            new_chat = chat not in chats and (event.get("type"), event.get("op")) == (
                "message",
                "add",
            )
            if event.get("type") in RELOAD_TYPES or new_chat:
                seen.reload.add(chat)
        if not seen.known and not any(e.get("type") == "block" for e in events):
            return None  # only server channels' events: nothing here changes
        return seen

    def needs_database(self, observed: Any) -> bool:
        return observed is not None and bool(observed.reload)

    def load(self, session: Session, user: User, observed: Any) -> Any:
        return notify.unread_facts(session, user, only=observed.reload).chats

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> Any:
        if observed is None:
            return None
        state = await listener.get_state(UnreadState)
        person = state._person
        assert person is not None
        chats = dict(state._chats)
        for chat_id in observed.reload:
            chats.pop(chat_id, None)
        chats.update({chat.id: chat for chat in loaded or []})
        reading = read_in_chat(await listener.get_state(ConversationState))
        told: tuple[MessageView, ChatUnread] | None = None
        for event in events:
            kind, data = (event.get("type"), event.get("op")), event.get("data", {})
            if kind[0] == "block":
                person = _blocking(person, int(data.get("user_id") or 0), kind[1] == "add")
                continue
            chat = chats.get(str(data.get("conversation_id") or ""))
            if chat is None:
                continue
            if kind[0] == "receipt":
                mine = [
                    seen for user, _, seen in messages_domain.receipt_marks(event) if user == me
                ]
                chats[chat.id] = _seqs(chat, read_seq=max([chat.read_seq, *mine]))
            elif kind == ("message", "add") and not data.get("redacted"):
                view = live_view(data)
                own = view.author is not None and view.author.id == me
                chats[chat.id] = chat = _seqs(
                    chat,
                    last_seq=max(chat.last_seq, view.seq),
                    read_seq=max(chat.read_seq, view.seq) if own else chat.read_seq,
                )
                new = view.seq > observed.known.get(chat.id, 0) and not state._on_messages
                if new and notify.should_notify(person, chat, view, viewing=reading):
                    told = (view, chat)
        state._chats, state._person = chats, person
        state._count(reading)
        return _toast(*told) if told else None


def _seqs(chat: ChatUnread, **seqs: int) -> ChatUnread:
    """The chat's facts with new positions, and the unread count they give."""
    last, read = seqs.get("last_seq", chat.last_seq), seqs.get("read_seq", chat.read_seq)
    return chat.model_copy(
        update={"last_seq": last, "read_seq": read, "unread": chats_domain.unread_count(last, read)}
    )


def _blocking(person: notify.Recipient, user_id: int, blocks: bool) -> notify.Recipient:
    changed = person.blocks | {user_id} if blocks else person.blocks - {user_id}
    return replace(person, blocks=frozenset(changed))


def _toast(view: MessageView, chat: ChatUnread) -> Any:
    """The toast of a message the person is told about, with the way to its chat."""
    name = view.author.display_name if view.author else ""
    title = name if chat.kind.value == "dm" else f"{name} mentioned you"
    preview = " ".join(view.body.split())
    if len(preview) > PREVIEW_MAX:
        preview = preview[: PREVIEW_MAX - 1] + "…"
    return rx.toast.info(
        title,
        description=preview,
        id=f"unread-{chat.id}",  # one per chat: the newest replaces its chat's last
        duration=TOAST_SECONDS * 1000,
        close_button=True,
        action={"label": "Open chat", "on_click": rx.redirect(f"/messages/{chat.id}")},
    )


register_feature(Unread())
