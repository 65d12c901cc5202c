"""The chat list on /messages: its rows, the archived toggle, starting DMs and groups.
The page's on_load (`load`) reads the list, then opens the chat in the URL.

Rows of chats not on screen change through the listener's coalesced refresh
(`_apply_chat_list`), at most one push per `realtime.LIST_INTERVAL`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import reflex as rx
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.domain import messages as messages_domain
from socialhub.models import User
from socialhub.models.chat import ChatSummary
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.chat_rows import ChatRow, chat_row, live_view, preview_of
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.conversation import ConversationState, read_in_chat
from socialhub.state.forms import FormErrors

LIST_TYPES = frozenset({"chat", "member"})


def form_usernames(field: object) -> list[str]:
    """A form's "alice, @bob" as usernames."""
    return [n.strip().lstrip("@") for n in str(field or "").split(",") if n.strip()]


class ChatListState(FormErrors, rx.State):
    # The new-group form's fields (its errors show under them).
    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset({"title", "members"})
    FIELD_ALIASES: ClassVar[Mapping[str, str]] = {"usernames": "members"}
    chats: list[ChatRow] = []
    show_archived: bool = False
    # The tab has shown the list: the listener keeps its rows current from then on.
    loaded: bool = False

    @rx.var
    def visible_chats(self) -> list[ChatRow]:
        return [c for c in self.chats if c.archived == self.show_archived]

    @rx.var
    def bot_chat_ids(self) -> list[str]:
        """The DMs with a bot account: the open chat's header tags its title BOT."""
        return [c.id for c in self.chats if c.bot]

    @rx.var
    def archived_count(self) -> int:
        return sum(1 for c in self.chats if c.archived)

    @rx.event
    def toggle_archived(self) -> None:
        self.show_archived = not self.show_archived

    @rx.event
    async def load(self) -> Any:
        """on_load of /messages and /messages/<chat id>."""
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        failed = await self._refresh()
        conversation = await self.get_state(ConversationState)
        if failed is None:
            failed = await conversation._open_chat_in_url()
        if failed is not None:
            return failed.toast
        for row in self.chats:
            if row.id == conversation.open_id:
                row.unread = 0
        return conversation._sync_with_browser()

    async def _refresh(self) -> Failed | None:
        """Read the whole list again."""
        summaries = await run_as_user(self, chats_domain.list_chats)
        if isinstance(summaries, Failed):
            return summaries
        clock = tab_clock(self)
        self.chats = [chat_row(s, clock) for s in summaries]
        self.loaded = True
        return None

    @rx.event
    async def start_dm(self, username: str) -> Any:
        chat = await run_as_user(self, lambda s, u: chats_domain.check_open_dm(s, u, username))
        if isinstance(chat, Failed):
            return chat.toast
        return rx.redirect(f"/messages/{chat.id}")

    @rx.event
    async def create_group(self, form: dict[str, Any]) -> Any:
        title, names = str(form.get("title", "")), form_usernames(form.get("members"))
        self._clear_errors()
        chat = await run_as_user(
            self,
            lambda s, u: chats_domain.check_create_group(s, u, title=title, usernames=names),
        )
        if isinstance(chat, Failed):
            return self._report(chat)
        return rx.redirect(f"/messages/{chat.id}")

    # Live events (called by the realtime listener, inside its state lock) ---------------------

    async def _apply_live(self, events: list[dict[str, Any]], me: int) -> set[str]:
        """Apply list events from the events themselves; the chats to read again."""
        reading = read_in_chat(await self.get_state(ConversationState))
        rows, reload = apply_to_rows(self.get_value("chats"), events, me, reading, tab_clock(self))
        if rows is not self.get_value("chats"):
            self.chats = rows
        return reload

    async def _apply_chat_list(self, summaries: list[ChatSummary], gone: set[str]) -> None:
        """Replace the changed chats' rows (dropping those gone), then keep the list's order."""
        clock = tab_clock(self)
        rows = [chat_row(summary, clock) for summary in summaries]
        changed = {row.id for row in rows} | gone
        rows += [row for row in self.chats if row.id not in changed]
        rows.sort(key=lambda row: (row.pinned, row.activity), reverse=True)
        reading = read_in_chat(await self.get_state(ConversationState))
        for row in rows:
            if row.id == reading:
                row.unread = 0
        self.chats = rows


def list_changes(events: list[dict[str, Any]], me: int) -> list[dict[str, Any]]:
    """The events that change a row of the list: a message (preview, order, unread count), my
    own receipt (unread count), membership and settings (the row itself). A server channel's
    events (`server_id` set) are not the chat list's."""
    return [
        event
        for event in events
        if event.get("data", {}).get("conversation_id")
        and not event.get("data", {}).get("server_id")
        and (
            event.get("type") in LIST_TYPES
            or (
                event.get("type") == "message"
                and event.get("op") in ("add", "edit", "delete", "hide")
            )
            or any(user == me for user, _, _ in messages_domain.receipt_marks(event))
        )
    ]


def apply_to_rows(
    rows: list[ChatRow], events: list[dict[str, Any]], me: int, reading: str, clock: Clock
) -> tuple[list[ChatRow], set[str]]:
    """The list's rows after these events, worked out from the events alone, and the chats whose
    rows must be read again (a chat new to the list, membership or settings changes, a hidden
    or unreadable last message). The chat being read shows no unread count."""
    by_id = {row.id: row for row in rows}
    reload: set[str] = set()
    changed: dict[str, ChatRow] = {}
    for event in events:
        kind, data = (event.get("type"), event.get("op")), event.get("data", {})
        chat = str(data.get("conversation_id"))
        row = changed.get(chat) or by_id.get(chat)
        if row is None or kind[0] in LIST_TYPES or kind == ("message", "hide"):
            reload.add(chat)
            continue
        update: dict[str, Any] = {}
        if kind[0] == "receipt":
            mine = [seen for user, _, seen in messages_domain.receipt_marks(event) if user == me]
            update["read_seq"] = max([row.read_seq, *mine])
        elif data.get("redacted"):
            if int(data.get("seq", 0)) > row.last_seq:
                reload.add(chat)  # a replayed message whose text is gone: read the row
            continue
        else:
            view = live_view(data)
            if view.seq < row.last_seq or (view.seq == row.last_seq and view.id != row.last_id):
                continue  # not the chat's latest message
            update |= {
                "preview": preview_of(view, row.kind),
                "last_id": view.id,
                "last_seq": view.seq,
            }
            if kind == ("message", "add"):
                update["when"] = clock.time(view.created_at)
                update["activity"] = view.created_at.isoformat()
                if view.author and view.author.id == me:
                    update["read_seq"] = max(row.read_seq, view.seq)
        row = row.model_copy(update=update)
        row.unread = 0 if chat == reading else chats_domain.unread_count(row.last_seq, row.read_seq)
        changed[chat] = row
    if not changed:
        return rows, reload
    result = [changed.get(row.id, row) for row in rows]
    result.sort(key=lambda row: (row.pinned, row.activity), reverse=True)
    return result, reload


def load_chat_rows(
    session: Session, user_id: int, chats: set[str]
) -> tuple[list[ChatSummary], set[str]]:
    """The current summaries of these chats, and the ones the user is no longer in."""
    user = session.get(User, user_id)
    summaries = chats_domain.list_chats(session, user, only=chats) if user else []
    return summaries, chats - {s.id for s in summaries}
