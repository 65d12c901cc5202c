"""The open chat on /messages: a window of its latest messages, the composer and its outbox,
replies, edits, reactions, forwarding, typing, ticks and the DM partner's presence.

The database is the truth; this state holds only the last `WINDOW` messages of the open chat
(older pages load on demand and fall out again). Every live message of the chat lands here, so
it carries neither the chat list (`ChatListState`) nor the group's administration
(`ChatAdminState`): a push pickles this state alone.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.domain import messages as messages_domain
from socialhub.domain import presence as presence_domain
from socialhub.domain import users as users_domain
from socialhub.domain.errors import RateLimited
from socialhub.models import User
from socialhub.models.chat import ChatSummary, MessageView
from socialhub.models.users import PresenceView
from socialhub.state import message_window as window
from socialhub.state.base import Failed, run_as_user, run_guarded
from socialhub.state.chat_rows import MessageRow, live_row, message_row, presence_label
from socialhub.state.clock import tab_clock
from socialhub.state.commands import CommandState
from socialhub.state.message_window import TAIL_CHUNK, TAIL_CHUNKS, Rows
from socialhub.state.session import SessionState

TYPING_SECONDS = 4.0
PAGE = 50
# Read messages shown above the first unread one when a chat opens there.
UNREAD_CONTEXT = 5
MESSAGE_MAX = messages_domain.BODY_MAX

# What opening a chat reads: its summary, the latest page, each member's (delivered, read)
# position, and the DM partner's id and presence.
_Opened = tuple[
    ChatSummary, list[MessageView], dict[int, tuple[int, int]], int, PresenceView | None
]


def for_open_chat(event: dict[str, Any], open_id: str) -> bool:
    """Whether the chat on screen (`open_id`, "" for none) applies this event: presence (its
    DM partner's, checked on applying) and the events of that very chat."""
    if event.get("type") == "presence":
        return True
    return bool(open_id) and (event.get("data") or {}).get("conversation_id") == open_id


def forget_outbox(client_id: str) -> EventSpec:
    """The browser may drop this send from its outbox: the server has decided on it."""
    return rx.call_script(f"window.shOutbox && shOutbox.done({json.dumps(client_id)})")


def resend_outbox_in(seconds: float) -> EventSpec:
    """The browser hands its outbox back to `ConversationState.resend_outbox` after `seconds`
    (once, however often this is asked while it waits)."""
    return rx.call_script(
        f"window.shOutbox ? shOutbox.retryIn({max(1, math.ceil(seconds))}) : []",
        callback=ConversationState.resend_outbox,
    )


class ChatTailState(rx.State):
    """The open chat's live part: messages that arrived or were sent since its window was read
    (`message_window`), and who is typing. Its own state so that a live message pushes and
    re-renders these few rows, not the window; and the tail itself is cut into chunks of
    TAIL_CHUNK rows, each its own var, so that a new message pushes the last chunk only."""

    _rows: list[MessageRow] = []
    rows_0: list[MessageRow] = []
    rows_1: list[MessageRow] = []
    rows_2: list[MessageRow] = []
    rows_3: list[MessageRow] = []
    rows_4: list[MessageRow] = []
    typing_names: list[str] = []
    _typing: dict[int, tuple[str, float]] = {}

    def _set_rows(self, rows: list[MessageRow]) -> None:
        """The tail on screen: only the chunks whose rows changed are assigned (and pushed)."""
        self._rows = rows
        for n in range(TAIL_CHUNKS):
            chunk = rows[n * TAIL_CHUNK : (n + 1) * TAIL_CHUNK]
            if n == TAIL_CHUNKS - 1:
                chunk = rows[n * TAIL_CHUNK :]
            name = f"rows_{n}"
            if chunk != self.get_value(name):
                setattr(self, name, chunk)

    @rx.var
    def typing_text(self) -> str:
        names = self.typing_names
        if not names:
            return ""
        if len(names) == 1:
            return f"{names[0]} is typing…"
        if len(names) <= 3:
            return f"{', '.join(names[:-1])} and {names[-1]} are typing…"
        return f"{len(names)} people are typing…"

    def _prune_typing(self, now: float) -> None:
        """Forget typists not heard from for TYPING_SECONDS."""
        alive = {uid: v for uid, v in self._typing.items() if v[1] > now}
        if len(alive) != len(self._typing):
            self._set_typing(alive)

    def _set_typing(self, typing: dict[int, tuple[str, float]]) -> None:
        self._typing = typing
        self.typing_names = [name for name, _ in typing.values()]


class ChatTicksState(rx.State):
    """The ticks of my messages in the open chat, by message id (a receipt changes only this)."""

    statuses: dict[str, str] = {}


class ConversationState(rx.State):
    open_id: str = ""
    open_title: str = ""
    open_kind: str = ""
    open_role: str = ""
    open_members: int = 0
    open_partner: str = ""
    open_presence: str = ""
    # An admin removed me from the open group: read-only, told by whom ("" when unknown).
    open_removed: bool = False
    open_removed_by: str = ""
    # A server channel: I may delete others' messages there (MANAGE_MESSAGES, set by the
    # server page from the domain's flags).
    open_can_moderate: bool = False
    # A DM or group: the domain says whether I may pin there (not in an admins-only group
    # unless I am an admin).
    open_may_pin: bool = True
    _partner_id: int = 0
    messages: list[MessageRow] = []
    has_older: bool = False
    has_newer: bool = False
    reply_to_id: str = ""
    reply_preview: str = ""
    editing_id: str = ""
    forward_id: str = ""
    history: list[str] = []
    _receipts: dict[int, tuple[int, int]] = {}
    # The tab is in the background: messages arriving in the open chat are delivered, not read.
    _hidden: bool = False
    # Sends are over the rate limit until then (epoch seconds): later ones queue behind them.
    _sends_wait_until: float = 0.0
    # The first message I had not read when the chat opened (0: none): the "Unread messages"
    # divider goes above it, and the browser scrolls to it (assets/chat_reading.js).
    _unread_from: int = 0
    # The channel shown beside the open chat (a thread's: `thread_parent.ThreadParentState`),
    # "" for none: the listener loads that state only for the tabs that show one.
    _beside: str = ""

    @rx.var
    def open_chat_visible(self) -> bool:
        return self.open_id != ""

    @rx.var
    def open_can_pin(self) -> bool:
        """Whether to offer pinning, as the domain decides: in a server channel its
        MANAGE_MESSAGES flag, in a DM or a group the chat's `can_pin`."""
        if self.open_kind == "channel":
            return self.open_can_moderate
        return self.open_may_pin

    # Opening ---------------------------------------------------------------------------------

    async def _session(self) -> SessionState:
        return await self.get_state(SessionState)

    async def _me(self) -> int:
        return (await self._session())._user_id

    def _chat_in_url(self) -> str:
        return self.router.url.path.rstrip("/").removeprefix("/messages").strip("/")

    async def _open_chat_in_url(self) -> Failed | None:
        """Part of the page's on_load (`ChatListState.load`): show the chat the URL names."""
        chat_id = self._chat_in_url()
        if not chat_id:
            self.open_id = ""
            return None
        return await self._open(chat_id)

    def _sync_with_browser(self) -> list[EventSpec]:
        """After the page loaded: is the tab in the background, and what does its outbox hold."""
        return [
            rx.call_script("document.hidden", callback=ConversationState.set_hidden),
            rx.call_script(
                "window.shOutbox ? shOutbox.list() : []",
                callback=ConversationState.resend_outbox,
            ),
        ]

    async def _open(self, chat_id: str, *, latest: bool = False) -> Failed | None:
        """Show a chat: at its first unread message (with a few read ones above it) when it has
        more unread than the latest page holds, else its latest page."""
        me, hidden = await self._me(), self._hidden

        def work(session: Session, user: User) -> _Opened:
            summary = chats_domain.get_chat(session, user, chat_id)
            partner = None
            if summary.dm_username:
                partner = users_domain.get_user_by_username(session, summary.dm_username)
            seen = presence_domain.presence_view(session, me, partner) if partner else None
            if not latest and opens_at_unread(summary):
                page = messages_domain.list_messages(
                    session,
                    user,
                    chat_id,
                    after=max(0, summary.read_seq - UNREAD_CONTEXT),
                    limit=PAGE,
                )
            else:
                page = messages_domain.list_messages(session, user, chat_id, limit=PAGE)
            members = [] if summary.removed else chats_domain.list_members(session, user, chat_id)
            if page and not hidden:
                messages_domain.check_mark_read(session, user, chat_id, page[-1].seq)
            receipts = {m.user.id: (m.delivered_seq, m.read_seq) for m in members}
            return summary, page, receipts, (partner.id or 0) if partner else 0, seen

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result
        summary, page, receipts, partner_id, partner_presence = result
        self.open_id = summary.id
        self.open_title = summary.title
        self.open_kind = summary.kind.value
        self.open_role = summary.my_role.value
        self.open_members = summary.member_count
        self.open_removed = summary.removed
        self.open_removed_by = summary.removed_by or ""
        self.open_can_moderate = False
        self.open_may_pin = summary.can_pin
        self.open_partner = summary.dm_username or ""
        self._partner_id = partner_id
        self.open_presence = presence_label(partner_presence, tab_clock(self))
        self._receipts = receipts
        self.reply_to_id = ""
        self.editing_id = ""
        self._unread_from = summary.read_seq + 1 if summary.unread_count else 0
        tail = await self.get_state(ChatTailState)
        tail._set_typing({})
        clock = tab_clock(self)
        at_unread = not latest and opens_at_unread(summary) and bool(page)
        rows = Rows(
            [message_row(v, me, clock) for v in page],
            [],
            has_older=len(page) == PAGE or (at_unread and page[0].seq > 1),
            has_newer=at_unread and page[-1].seq < summary.last_seq,
        )
        await self._show(rows, me)
        return None

    @rx.event
    async def set_hidden(self, hidden: bool) -> Any:
        """The tab went to the background or came back; coming back reads what is on screen."""
        self._hidden = bool(hidden)
        seen = (await self._rows()).newest_seq()
        if self._hidden or not self.open_id or not seen:
            return None
        chat_id = self.open_id
        return await self._act(lambda s, u: messages_domain.check_mark_read(s, u, chat_id, seen))

    # The window of messages ------------------------------------------------------------------

    @rx.event
    async def jump(self, message_id: str) -> Any:
        """Show the window around a message (e.g. the one a reply quotes) and scroll to it."""
        if not message_id or not self.open_id:
            return None
        chat_id, me = self.open_id, await self._me()

        def work(session: Session, user: User) -> tuple[list[MessageView], int]:
            page = messages_domain.list_messages(
                session, user, chat_id, around=message_id, limit=PAGE
            )
            return page, chats_domain.get_chat(session, user, chat_id).last_seq

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        page, last_seq = result
        target = next((v.seq for v in page if v.id == message_id), 0)
        rows = Rows(
            [message_row(v, me, tab_clock(self)) for v in page],
            [],
            has_older=bool(page) and page[0].seq > 1,
            has_newer=bool(page) and page[-1].seq < last_seq,
        )
        await self._show(rows, me)
        return rx.call_script(
            f"document.getElementById('m-{target}')?.scrollIntoView({{block: 'center'}})"
        )

    @rx.event
    async def jump_latest(self) -> Any:
        if not self.open_id:
            return None
        failed = await self._open(self.open_id, latest=True)
        return failed.toast if failed else None

    @rx.event
    async def load_older(self) -> Any:
        shown = await self._rows()
        settled = [row for row in shown.all() if not row.pending]
        if not settled or not self.open_id:
            return None
        first, chat_id = settled[0].seq, self.open_id
        me = await self._me()
        page = await run_as_user(
            self,
            lambda s, u: messages_domain.list_messages(s, u, chat_id, before=first, limit=PAGE),
        )
        if isinstance(page, Failed):
            return page.toast
        shown = await self._rows()
        clock = tab_clock(self)
        older = [message_row(v, me, clock) for v in page if v.seq < first]
        await self._show(
            Rows(older + shown.window, shown.tail, len(page) == PAGE, shown.has_newer), me
        )
        return None

    async def _rows(self) -> Rows:
        """The rows on screen, as plain lists (not Reflex's proxies)."""
        tail = await self.get_state(ChatTailState)
        return Rows(
            self.get_value("messages"), tail.get_value("_rows"), self.has_older, self.has_newer
        )

    async def _show(self, rows: Rows, me: int) -> None:
        """Put `rows` on screen, arranged (date separators, runs of one author, the unread
        divider), assigning only what changed (each assignment is pushed), and recompute the
        ticks of my messages."""
        rows = window.arrange(rows, tab_clock(self), datetime.now(UTC), self._unread_from)
        tail = await self.get_state(ChatTailState)
        if rows.window is not self.get_value("messages"):
            self.messages = rows.window
        if rows.tail is not tail.get_value("_rows"):
            tail._set_rows(rows.tail)
        if rows.has_older != self.has_older:
            self.has_older = rows.has_older
        if rows.has_newer != self.has_newer:
            self.has_newer = rows.has_newer
        await self._restatus(rows, me)

    async def _restatus(self, rows: Rows, me: int) -> None:
        ticks = await self.get_state(ChatTicksState)
        receipts = self.get_value("_receipts")
        statuses = window.statuses(rows.all(), receipts, me, group=self.open_kind == "group")
        if statuses != ticks.get_value("statuses"):
            ticks.statuses = statuses

    # Sending ---------------------------------------------------------------------------------

    @rx.event
    async def send(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        body = str(form.get("body", "")).strip()
        client_id = str(form.get("client_id") or uuid.uuid4().hex)[:64]
        chat_id = self.open_id or self._chat_in_url()
        if not body or not chat_id:
            return
        if body.startswith("/"):
            invoked = await (await self.get_state(CommandState))._invoke_typed(chat_id, body)
            if invoked is not None:  # a slash command, not a message
                yield [forget_outbox(client_id), *invoked]
                return
        wait = self._sends_wait_until - time.time()
        if wait > 0 and form.get("client_id"):
            # Earlier sends wait for the rate limit: this one waits in the outbox (shown there as
            # queued) and goes out after them, in order.
            self.reply_to_id = ""
            self.reply_preview = ""
            yield resend_outbox_in(wait)
            return
        session_state = await self._session()
        reply_to, me = self.reply_to_id or None, session_state._user_id
        now, clock = datetime.now(UTC), tab_clock(self)
        # Writing back: what was unread has been read.
        self._unread_from = 0
        pending = MessageRow(
            id="",
            seq=0,
            client_id=client_id,
            kind="text",
            author_id=me,
            author_name=session_state.display_name,
            author_username=session_state.username,
            body=body,
            html="",
            when="",
            edited=False,
            deleted=False,
            forwarded=False,
            mine=True,
            pending=True,
            failed=False,
            reply_to_id=reply_to or "",
            reply_author="",
            reply_body=self.reply_preview,
            reactions=[],
            status="sending",
            day=clock.day(now),
            at=int(now.timestamp()),
        )
        await self._upsert(pending, me)
        self.reply_to_id = ""
        self.reply_preview = ""
        # The browser emptied the box as it sent this (the form's reset): clearing it from here,
        # a round trip later, would wipe what was typed since.
        yield

        view = await run_as_user(
            self, _send_work(chat_id, body, client_id=client_id, reply_to_id=reply_to)
        )
        if isinstance(view, Failed) and isinstance(view.error, RateLimited):
            # Not a refusal: it stays in the outbox and goes out once the limit allows.
            retry_after = view.error.retry_after
            self._sends_wait_until = time.time() + retry_after
            await self._mark_pending(client_id, "queued")
            yield [
                resend_outbox_in(retry_after),
                rx.toast.info(
                    f"Sending too fast: queued, it goes out in {retry_after} s",
                    id=view.error.code,
                    # Shown while the message waits.
                    duration=max(4, retry_after) * 1000,
                ),
            ]
            return
        if isinstance(view, Failed):
            await self._mark_pending(client_id, "failed")
            # Refused for good (not a network problem): do not resend it.
            yield [forget_outbox(client_id), view.toast]
            return
        await self._upsert(message_row(view, me, tab_clock(self)), me)
        yield forget_outbox(client_id)

    async def _upsert(self, row: MessageRow, me: int) -> None:
        rows = window.upsert(await self._rows(), row)
        if rows is not None:
            await self._show(rows, me)

    async def _mark_pending(self, client_id: str, status: str) -> None:
        rows = await self._rows()
        await self._show(window.mark_pending(rows, client_id, status), await self._me())

    @rx.event
    async def resend_outbox(self, items: list[dict[str, Any]]) -> AsyncIterator[Any]:
        """Send what the browser's outbox still holds (offline sends, or sends lost in a reload).

        Each keeps its client id, so a message the server already stored is not stored again.
        Over the rate limit, the rest stay queued, in order, and are handed back when it allows.
        """
        me = await self._me()
        queue = items if isinstance(items, list) else []
        for position, item in enumerate(queue):
            client_id = str(item.get("client_id", ""))[:64]
            chat_id, body = str(item.get("chat_id", "")), str(item.get("body", ""))
            if not client_id:
                continue
            view = await run_as_user(self, _send_work(chat_id, body, client_id=client_id))
            if isinstance(view, Failed) and isinstance(view.error, RateLimited):
                self._sends_wait_until = time.time() + view.error.retry_after
                for waiting in queue[position:]:
                    await self._mark_pending(str(waiting.get("client_id", "")), "queued")
                yield resend_outbox_in(view.error.retry_after)
                return
            if isinstance(view, Failed):
                yield forget_outbox(client_id)
                continue
            if view.conversation_id == self.open_id:
                await self._upsert(message_row(view, me, tab_clock(self)), me)
            yield forget_outbox(client_id)

    @rx.event(background=True)
    async def typing(self, _value: str) -> None:
        """Throttled by the composer: tell the others in the chat that I am typing.

        In the background: a tab's events run one at a time, and the Enter that usually
        follows a keystroke must not wait behind this signal."""
        async with self:
            chat_id = self.open_id or self._chat_in_url()
            session_state = await self._session()
        if not chat_id:
            return
        # A signal, not a write: a refusal (even over the limit) is not worth a toast while typing.
        await run_guarded(
            lambda s: messages_domain.check_typing(s, session_state._authenticate(s), chat_id)
        )

    # Message actions -------------------------------------------------------------------------

    async def _act(self, action: Callable[[Session, User], object]) -> EventSpec | None:
        """Run a domain action as the tab's user; the toast if it was refused."""
        result = await run_as_user(self, action)
        return result.toast if isinstance(result, Failed) else None

    @rx.event
    async def react(self, message_id: str, emoji: str) -> EventSpec | None:
        row = (await self._rows()).find(message_id)
        me = await self._me()
        mine = bool(row and any(r["emoji"] == emoji and me in r["user_ids"] for r in row.reactions))
        if mine:
            return await self._act(
                lambda s, u: messages_domain.check_unreact(s, u, message_id, emoji)
            )
        return await self._act(lambda s, u: messages_domain.check_react(s, u, message_id, emoji))

    @rx.event
    async def delete_for_everyone(self, message_id: str) -> EventSpec | None:
        return await self._act(
            lambda s, u: messages_domain.check_delete_message(s, u, message_id, for_everyone=True)
        )

    @rx.event
    async def remove_preview(self, message_id: str) -> EventSpec | None:
        chat_id = self.open_id
        toast = await self._act(
            lambda s, u: messages_domain.check_remove_preview(s, u, chat_id, message_id)
        )
        return toast or rx.toast.success("Preview removed")

    @rx.event
    async def delete_for_me(self, message_id: str) -> EventSpec | None:
        return await self._act(
            lambda s, u: messages_domain.check_delete_message(s, u, message_id, for_everyone=False)
        )

    @rx.event
    async def start_reply(self, message_id: str) -> None:
        row = (await self._rows()).find(message_id)
        if row is not None:
            self.reply_to_id = row.id
            self.reply_preview = f"{row.author_name}: {row.body[:80]}"

    @rx.event
    def cancel_reply(self) -> None:
        self.reply_to_id = ""
        self.reply_preview = ""

    @rx.event
    def start_edit(self, message_id: str) -> None:
        self.editing_id = message_id

    @rx.event
    async def edit_last(self) -> None:
        """Up arrow in the empty composer: edit my newest message on screen."""
        rows = (await self._rows()).all()
        last = next(
            (
                row
                for row in reversed(rows)
                if row.mine and not row.pending and not row.deleted and row.kind != "system"
            ),
            None,
        )
        if last is not None:
            self.editing_id = last.id

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = ""

    @rx.event
    async def save_edit(self, form: dict[str, Any]) -> EventSpec | None:
        message_id, body = self.editing_id, str(form.get("body", ""))
        self.editing_id = ""
        return await self._act(
            lambda s, u: messages_domain.check_edit_message(s, u, message_id, body=body)
        )

    @rx.event
    async def show_history(self, message_id: str) -> Any:
        clock = tab_clock(self)
        result = await run_as_user(
            self,
            lambda s, u: [
                f"{clock.date_time(e.edited_at)}: {e.body}"
                for e in messages_domain.list_edits(s, u, message_id)
            ],
        )
        if isinstance(result, Failed):
            return result.toast
        self.history = result
        return None

    @rx.event
    def close_history(self, _open: bool = False) -> None:
        self.history = []

    @rx.event
    def start_forward(self, message_id: str) -> None:
        self.forward_id = message_id

    @rx.event
    def close_forward(self, _open: bool = False) -> None:
        self.forward_id = ""

    @rx.event
    async def forward_to(self, chat_id: str) -> Any:
        message_id, self.forward_id = self.forward_id, ""
        failed = await self._act(
            lambda s, u: messages_domain.check_forward(s, u, message_id, [chat_id])
        )
        return failed or rx.toast.success("Forwarded")

    # Live events (called by the realtime listener, inside its state lock) ---------------------

    async def _apply_events(self, events: list[dict[str, Any]], me: int) -> None:
        """Apply a batch of message, receipt, typing, presence and chat events to the open
        chat, assigning each list on screen at most once."""
        tail = await self.get_state(ChatTailState)
        rows, typing = await self._rows(), dict(tail.get_value("_typing"))
        # Read once, raw: through Reflex's proxy every entry read wraps again (a group of 1,000
        # members made each receipt cost a thousand of those).
        receipts = self.get_value("_receipts")
        marked: dict[int, tuple[int, int]] = {}
        clock = tab_clock(self)
        for event in events:
            kind = (event.get("type"), event.get("op"))
            data = event.get("data", {})
            if kind == ("presence", "update"):
                if data.get("user_id") == self._partner_id and self._partner_id:
                    self.open_presence = presence_label(PresenceView.model_validate(data), clock)
                continue
            if not for_open_chat(event, self.open_id):
                continue
            if kind == ("typing", "start"):
                if data.get("user_id") != me:
                    name, until = str(data.get("name", "")), time.monotonic() + TYPING_SECONDS
                    typing[int(data["user_id"])] = (name, until)
                continue
            if kind == ("message", "add"):
                typing.pop(int((data.get("author") or {}).get("id") or 0), None)
            if data.get("redacted"):
                continue  # an edit or delete later in the stream carries what it is now
            if kind[0] == "message" and kind[1] in ("add", "edit", "delete"):
                rows = window.upsert(rows, live_row(data, me, clock)) or rows
            elif kind == ("message", "react"):
                reactions = list(data.get("reactions", []))
                rows = window.changed(rows, str(data.get("id")), reactions=reactions) or rows
            elif kind == ("message", "hide"):
                rows = window.without(rows, str(data.get("id")))
            elif kind[0] == "receipt":
                for user, got, seen in messages_domain.receipt_marks(event):
                    marked[user] = (got, seen)
            elif kind == ("chat", "remove") and "removed_by" in data:
                # An admin removed me: the history so far stays, read-only.
                self.open_removed, self.open_removed_by = True, str(data["removed_by"] or "")
            elif kind == ("chat", "remove"):
                self.open_id = ""
                rows = Rows([], [], has_older=False)
            elif kind[0] == "member" and not self.open_removed:
                # The count the change left (adding it up would count twice what `_open`
                # read after the change itself).
                self.open_members = int(data.get("member_count", self.open_members))
        known = tail.get_value("_typing")
        if typing.keys() != known.keys():
            tail._set_typing(typing)
        elif typing != known:
            tail._typing = typing  # a typist heard again: later expiry, nothing to push
        if marked:
            self._receipts = {**receipts, **marked}
        shown = await self._rows()
        if rows.window is not shown.window or rows.tail is not shown.tail or marked:
            await self._show(rows, me)


def _send_work(
    chat_id: str, body: str, *, client_id: str, reply_to_id: str | None = None
) -> Callable[[Session, User], MessageView]:
    """Work for run_as_user: send one message (idempotent by its client id) and view it."""

    def work(session: Session, user: User) -> MessageView:
        message = messages_domain.check_send_message(
            session, user, chat_id, body=body, client_id=client_id, reply_to_id=reply_to_id
        )
        return messages_domain.message_view(session, message)

    return work


def opens_at_unread(summary: ChatSummary) -> bool:
    """More is unread than the latest page would show: the chat opens at the first unread."""
    return (
        bool(summary.unread_count) and summary.last_seq - summary.read_seq > PAGE - UNREAD_CONTEXT
    )


def read_in_chat(chat: ConversationState) -> str:
    """The chat whose arrivals this tab reads on sight: the open one, while the tab is visible."""
    return "" if chat._hidden else chat.open_id
