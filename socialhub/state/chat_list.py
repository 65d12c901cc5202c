"""The chat list on /messages: its rows, the archived toggle, starting DMs and groups, joining
by an invite link. The page's on_load (`load`) reads the list, then opens the chat in the URL.

Rows of chats not on screen change through the listener's coalesced refresh
(`_apply_chat_list`), at most one push per `realtime.LIST_INTERVAL`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.models import User
from socialhub.models.chat import ChatSummary
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.chat_rows import ChatRow, chat_row
from socialhub.state.conversation import ConversationState, read_in_chat

LIST_TYPES = frozenset({"chat", "member"})


def form_usernames(field: object) -> list[str]:
    """A form's "alice, @bob" as usernames."""
    return [n.strip().lstrip("@") for n in str(field or "").split(",") if n.strip()]


class ChatListState(rx.State):
    chats: list[ChatRow] = []
    show_archived: bool = False
    # The tab has shown the list: the listener keeps its rows current from then on.
    loaded: bool = False

    @rx.var
    def visible_chats(self) -> list[ChatRow]:
        return [c for c in self.chats if c.archived == self.show_archived]

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
        self.chats = [chat_row(s) for s in summaries]
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
        chat = await run_as_user(
            self,
            lambda s, u: chats_domain.check_create_group(s, u, title=title, usernames=names),
        )
        if isinstance(chat, Failed):
            return chat.toast
        return rx.redirect(f"/messages/{chat.id}")

    @rx.event
    async def join(self) -> Any:
        """on_load of /join/<code>."""
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        code = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        chat = await run_as_user(self, lambda s, u: chats_domain.check_join_by_invite(s, u, code))
        if isinstance(chat, Failed):
            return [rx.redirect("/messages"), chat.toast]
        return rx.redirect(f"/messages/{chat.id}")

    # Live events (called by the realtime listener, inside its state lock) ---------------------

    async def _apply_chat_list(self, summaries: list[ChatSummary], gone: set[str]) -> None:
        """Replace the changed chats' rows (dropping those gone), then keep the list's order."""
        rows = [chat_row(summary) for summary in summaries]
        changed = {row.id for row in rows} | gone
        rows += [row for row in self.chats if row.id not in changed]
        rows.sort(key=lambda row: (row.pinned, row.activity), reverse=True)
        reading = read_in_chat(await self.get_state(ConversationState))
        for row in rows:
            if row.id == reading:
                row.unread = 0
        self.chats = rows


def list_changes(events: list[dict[str, Any]], me: int) -> set[str]:
    """The chats whose row in the list these events change: a message (preview, order, unread
    count), my own receipt (unread count), membership and settings (the row itself)."""
    touched: set[str] = set()
    for event in events:
        kind = (event.get("type"), event.get("op"))
        data = event.get("data", {})
        if (
            kind[0] in LIST_TYPES
            or (kind[0] == "message" and kind[1] in ("add", "delete", "hide"))
            or (kind[0] == "receipt" and data.get("user_id") == me)
        ):
            touched.add(str(data.get("conversation_id")))
    touched.discard("None")
    return touched


def load_chat_rows(
    session: Session, user_id: int, chats: set[str]
) -> tuple[list[ChatSummary], set[str]]:
    """The current summaries of these chats, and the ones the user is no longer in."""
    user = session.get(User, user_id)
    summaries = chats_domain.list_chats(session, user, only=chats) if user else []
    return summaries, chats - {s.id for s in summaries}
