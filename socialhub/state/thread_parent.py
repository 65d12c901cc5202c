"""The parent channel beside an open thread: its latest messages, live, on a wide screen.

Not a second `ConversationState`: the thread on screen is the open conversation (window, tail,
composer, ticks, typing), and its channel is only looked at. This state holds the channel's
latest `PARENT_PAGE` messages as the same `MessageRow`s (built by `chat_rows` from the page read
and from the live events, arranged by `message_window`), split like the open chat's into a
window and a short tail, so that a live message pushes a few rows, not the whole column. It is
read-only: writing there goes back to the channel and its own composer.

On a phone the thread panel is the whole screen and the channel is not shown, so this state
follows nothing there (the browser tells its width: `set_width`) and costs a phone tab no push.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import messages as messages_domain
from socialhub.models import User
from socialhub.models.chat import MessageView
from socialhub.realtime.hub import Event
from socialhub.state import message_window as window
from socialhub.state.base import Failed, run_as_user
from socialhub.state.chat_rows import MessageRow, live_row, message_row
from socialhub.state.clock import tab_clock
from socialhub.state.conversation import ConversationState
from socialhub.state.live_features import FromEventsAlone
from socialhub.state.message_window import Rows
from socialhub.state.realtime import RealtimeState, register_feature
from socialhub.state.servers import ServerState
from socialhub.state.session import SessionState

# The channel's latest messages shown beside the thread.
PARENT_PAGE = 20
# Live messages past this many fold into the window (which keeps the newest PARENT_PAGE).
PARENT_TAIL = 6
# Up to this width the thread panel is the whole screen (assets/servers.css' breakpoint).
NARROW_MAX = 600


class ThreadParentState(rx.State):
    # The channel shown beside the thread ("" while none is: no thread open, or a phone).
    parent_id: str = ""
    messages: list[MessageRow] = []
    tail: list[MessageRow] = []
    has_older: bool = False
    # The open thread's channel, shown or not.
    _wanted: str = ""
    # The browser's width as it last said (0: not said yet).
    _width: int = 0

    @rx.event
    async def follow(self) -> Any:
        """A step of the server page's load (after `ServerState.load`): an open thread shows
        its channel beside it on a wide screen; anything else shows none."""
        servers = await self.get_state(ServerState)
        self._wanted = servers.thread_parent_id if servers.channel_kind == "thread" else ""
        if not self._wanted:
            await self._clear()
            return None
        if self._width > NARROW_MAX:
            failed = await self._load()
            if failed is not None:
                return failed.toast
        return rx.call_script("window.innerWidth", callback=ThreadParentState.set_width)

    @rx.event
    async def set_width(self, width: int, _height: int = 0) -> Any:
        """The browser's width (at the load, then on each resize, debounced): the channel is
        read when the screen is wide enough to show it, and let go on a phone."""
        self._width = int(width) if isinstance(width, int | float) else 0
        if self._width <= NARROW_MAX or not self._wanted:
            await self._clear()
            return None
        if self.parent_id == self._wanted:
            return None
        failed = await self._load()
        return failed.toast if failed is not None else None

    @rx.event
    async def leave(self) -> None:
        """The thread panel left the screen (back to a channel, or another page): the channel
        beside it is let go, so a tab elsewhere neither holds nor follows it."""
        self._wanted = ""
        await self._clear()

    async def _mark_beside(self, channel_id: str) -> None:
        chat = await self.get_state(ConversationState)
        if chat._beside != channel_id:
            chat._beside = channel_id

    async def _clear(self) -> None:
        await self._mark_beside("")
        if self.parent_id:
            self.parent_id = ""
        if self.get_value("messages"):
            self.messages = []
        if self.get_value("tail"):
            self.tail = []

    async def _load(self) -> Failed | None:
        parent = self._wanted
        me = (await self.get_state(SessionState))._user_id

        def work(session: Session, user: User) -> list[MessageView]:
            return messages_domain.list_messages(session, user, parent, limit=PARENT_PAGE)

        page = await run_as_user(self, work)
        if isinstance(page, Failed):
            await self._clear()
            return page
        clock = tab_clock(self)
        self.parent_id = parent
        await self._mark_beside(parent)
        rows = Rows([message_row(v, me, clock) for v in page], [], len(page) == PARENT_PAGE)
        await self._show(rows, me)
        return None

    # The rows, as `ThreadsLive` reads and replaces them on the open chat too ----------------

    async def _rows(self) -> Rows:
        return Rows(self.get_value("messages"), self.get_value("tail"), self.has_older)

    async def _show(self, rows: Rows, me: int) -> None:
        """Put `rows` on screen, arranged, assigning (and pushing) only what changed."""
        if len(rows.tail) > PARENT_TAIL:
            merged = rows.all()
            rows = Rows(merged[-PARENT_PAGE:], [], rows.has_older or len(merged) > PARENT_PAGE)
        rows = window.arrange(rows, tab_clock(self), datetime.now(UTC), 0)
        if rows.window != self.get_value("messages"):
            self.messages = rows.window
        if rows.tail != self.get_value("tail"):
            self.tail = rows.tail
        if rows.has_older != self.has_older:
            self.has_older = rows.has_older

    def _shown_id(self) -> str:
        return self.parent_id

    async def _apply_events(self, events: list[Event], me: int) -> None:
        """The channel's own message events (added, edited, deleted, reacted to, hidden)."""
        before = rows = await self._rows()
        clock = tab_clock(self)
        for event in events:
            kind, data = (event.get("type"), event.get("op")), event.get("data") or {}
            if data.get("redacted"):
                continue  # a later edit or delete in the stream carries what it is now
            if kind in (("message", "add"), ("message", "edit"), ("message", "delete")):
                rows = window.upsert(rows, live_row(data, me, clock)) or rows
            elif kind == ("message", "react"):
                reactions = list(data.get("reactions", []))
                rows = window.changed(rows, str(data.get("id")), reactions=reactions) or rows
            elif kind == ("message", "hide"):
                rows = window.without(rows, str(data.get("id")))
        if rows is not before:
            await self._show(rows, me)


class ParentChannelLive(FromEventsAlone):
    """The messages of the channel shown beside a thread, from the events alone (one locked
    step, no database)."""

    def wants(self, events: list[Event]) -> bool:
        return any(
            e.get("type") == "message" and (e.get("data") or {}).get("server_id") for e in events
        )

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        shown = (await listener.get_state(ConversationState))._beside
        if not shown:
            return  # (most tabs: this state is not even loaded)
        mine = [
            e
            for e in events
            if e.get("type") == "message" and (e.get("data") or {}).get("conversation_id") == shown
        ]
        if mine:
            parent = await listener.get_state(ThreadParentState)
            await parent._apply_events(mine, me)


register_feature(ParentChannelLive())
