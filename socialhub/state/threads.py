"""Threads on the server page: start one from a message or empty, archive and reopen the one on
screen, and the starter message's summary kept live.

A thread on screen is an ordinary conversation: `ServerState` opens it in `ConversationState`
like a channel (window, tail, composer, live messages), its channel's latest messages stay
beside it (`thread_parent.ThreadParentState`), and its row in the sidebar comes with the
server's (`server_reads.server_view`). What a thread event changes in the sidebar is read again
by `ServerLive` (a ("channel", "thread") event is a channel event); `ThreadsLive` below only
puts the new summary on the starter message if it is on screen (in either).
"""

from __future__ import annotations

from typing import Any, Protocol

import reflex as rx
from sqlmodel import Session

from socialhub.domain import threads as threads_domain
from socialhub.models import Conversation, User
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, run_as_user
from socialhub.state.conversation import ConversationState
from socialhub.state.live_features import FromEventsAlone
from socialhub.state.message_window import Rows, changed
from socialhub.state.realtime import RealtimeState, register_feature
from socialhub.state.servers import ServerState, server_path
from socialhub.state.thread_parent import ThreadParentState

# The archive delays offered, by their names in the menus (the values are the domain's).
ARCHIVE_CHOICES = {"1 hour": 60, "24 hours": 1440, "3 days": 4320, "1 week": 10080}


class ThreadsState(rx.State):
    """The "New thread" form of the open channel's thread list."""

    creating: bool = False

    async def _create(self, channel_id: str, **kw: Any) -> Any:
        if self.creating or not channel_id:
            return None
        self.creating = True
        servers = await self.get_state(ServerState)
        server_id = servers.server_id

        def work(session: Session, user: User) -> Conversation:
            return threads_domain.check_create_thread(session, user, channel_id, **kw)

        try:
            made = await run_as_user(self, work)
        finally:
            self.creating = False
        if isinstance(made, Failed):
            return made.toast
        return rx.redirect(server_path(server_id, made.id))

    @rx.event
    async def start_from_message(self, message_id: str) -> Any:
        """The message action "Start thread": a thread named after the message, opened."""
        servers = await self.get_state(ServerState)
        return await self._create(servers.thread_parent_id, message_id=message_id)

    @rx.event
    async def start_empty(self, form: dict[str, Any]) -> Any:
        """The thread list's form: a new empty thread with the name typed."""
        servers = await self.get_state(ServerState)
        # An unknown choice goes to the domain as it is, which refuses it.
        delay = ARCHIVE_CHOICES.get(str(form.get("archive", "24 hours")), -1)
        return await self._create(
            servers.thread_parent_id,
            name=str(form.get("name", "")),
            auto_archive_minutes=delay,
        )

    @rx.event
    async def set_archive_delay(self, choice: str) -> Any:
        """The thread on screen archives after this long without a message."""
        servers = await self.get_state(ServerState)
        thread_id, minutes = servers.channel_id, ARCHIVE_CHOICES.get(choice, -1)

        def work(session: Session, user: User) -> None:
            threads_domain.check_update_thread(
                session, user, thread_id, auto_archive_minutes=minutes
            )

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        return rx.toast.success(f"The thread archives after {choice} without a message")

    async def _change(self, action: str) -> Any:
        servers = await self.get_state(ServerState)
        thread_id = servers.channel_id
        calls = {
            "archive": threads_domain.check_archive_thread,
            "unarchive": threads_domain.check_unarchive_thread,
        }

        def work(session: Session, user: User) -> None:
            calls[action](session, user, thread_id)

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        done = "Thread archived" if action == "archive" else "Thread reopened"
        return rx.toast.success(done, id="thread_archive")

    @rx.event
    async def archive(self) -> Any:
        """Archive the thread on screen."""
        return await self._change("archive")

    @rx.event
    async def unarchive(self) -> Any:
        """Reopen the thread on screen."""
        return await self._change("unarchive")


def _thread_event(event: Event) -> bool:
    return (event.get("type"), event.get("op")) == ("channel", "thread")


def _thread_message(event: Event) -> bool:
    """A new message in some server conversation (a thread's among them)."""
    data = event.get("data") or {}
    return (event.get("type"), event.get("op")) == ("message", "add") and bool(
        data.get("server_id")
    )


class _Rows(Protocol):
    """Rows of messages on screen: the open chat's, or the channel's beside a thread."""

    async def _rows(self) -> Rows: ...

    async def _show(self, rows: Rows, me: int) -> None: ...


class ThreadsLive(FromEventsAlone):
    """The summary on a starter message on screen (in the open chat, or in the channel shown
    beside a thread), from the events alone: a thread started, renamed, archived or reopened
    (the event carries the summary), and each new message in it (its sequence number is the
    thread's message count)."""

    def wants(self, events: list[Event]) -> bool:
        return any(_thread_event(e) or _thread_message(e) for e in events)

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        chat = await listener.get_state(ConversationState)
        shown: list[tuple[str, _Rows]] = [(chat.open_id, chat)]
        if chat._beside:
            shown.append((chat._beside, await listener.get_state(ThreadParentState)))
        messages = [e for e in events if _thread_message(e)]
        for channel_id, rows in shown:
            await self._count(rows, messages, me)
            await self._summaries(rows, channel_id, events, me)

    async def _summaries(
        self, holder: _Rows, channel_id: str, events: list[Event], me: int
    ) -> None:
        for event in events:
            data = event.get("data") or {}
            if not _thread_event(event):
                continue
            starter = str(data.get("starter_message_id") or "")
            if not starter or data.get("channel_id") != channel_id:
                continue
            summary = data.get("thread") or {}
            updated = changed(
                await holder._rows(),
                starter,
                thread_id=str(summary.get("id", "")),
                thread_name=str(summary.get("name", "")),
                thread_count=int(summary.get("message_count", 0)),
            )
            if updated is not None:
                await holder._show(updated, me)

    async def _count(self, holder: _Rows, events: list[Event], me: int) -> None:
        if not events:
            return
        rows = await holder._rows()
        starters = {r.thread_id: r for r in rows.all() if r.thread_id}
        counts: dict[str, int] = {}
        for event in events:
            data = event.get("data") or {}
            thread_id = str(data.get("conversation_id", ""))
            if thread_id in starters:
                counts[thread_id] = max(counts.get(thread_id, 0), int(data.get("seq", 0)))
        moved = False
        for thread_id, count in counts.items():
            starter = starters[thread_id]
            updated = (
                changed(rows, starter.id, thread_count=count)
                if count > starter.thread_count
                else None
            )
            if updated is not None:
                rows, moved = updated, True
        if moved:
            await holder._show(rows, me)


register_feature(ThreadsLive())
