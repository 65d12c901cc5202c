"""/messages: the chat list and the open chat (a small window of its latest messages).

The database is the truth; this state holds only what the tab shows: the chat list, and the last
`WINDOW` messages of the open chat (older pages load on demand and fall out again).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from pydantic import BaseModel
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import blocks as blocks_domain
from socialhub.domain import chats as chats_domain
from socialhub.domain import media
from socialhub.domain import messages as messages_domain
from socialhub.domain import presence as presence_domain
from socialhub.domain import users as users_domain
from socialhub.domain.errors import DomainError, RateLimited
from socialhub.models import MemberRole, SendPolicy, User
from socialhub.models.chat import ChatSummary, MemberView, MessageView
from socialhub.models.users import PresenceView
from socialhub.state.base import error_toast, in_transaction
from socialhub.state.session import SessionState

WINDOW = 100
GROUP_PICTURE_UPLOAD_ID = "group-picture-upload"
TYPING_SECONDS = 4.0
PAGE = 50


class ChatRow(BaseModel):
    id: str
    title: str
    avatar_url: str
    kind: str
    preview: str
    when: str
    unread: int
    muted: bool
    pinned: bool
    archived: bool
    activity: str  # ISO time of the latest activity: the list's order after pins


class MessageRow(BaseModel):
    id: str
    seq: int
    client_id: str
    kind: str
    author_id: int
    author_name: str
    author_username: str
    body: str
    html: str
    when: str
    edited: bool
    deleted: bool
    forwarded: bool
    mine: bool
    pending: bool
    failed: bool
    reply_to_id: str
    reply_author: str
    reply_body: str
    reactions: list[dict[str, Any]]
    status: str


def presence_label(view: PresenceView | None) -> str:
    if view is None or view.status == "hidden":
        return ""
    if view.status in ("online", "idle", "dnd"):
        return {"online": "online", "idle": "idle", "dnd": "do not disturb"}[view.status]
    if view.last_seen_at is None:
        return ""
    return "last seen " + view.last_seen_at.strftime("%Y-%m-%d %H:%M UTC")


def forget_outbox(client_id: str) -> EventSpec:
    """The browser may drop this send from its outbox: the server has decided on it."""
    return rx.call_script(f"window.shOutbox && shOutbox.done({json.dumps(client_id)})")


def resend_outbox_in(seconds: float) -> EventSpec:
    """The browser hands its outbox back to `ChatState.resend_outbox` after `seconds` (once, however
    often this is asked while it waits)."""
    return rx.call_script(
        f"window.shOutbox ? shOutbox.retryIn({max(1, math.ceil(seconds))}) : []",
        callback=ChatState.resend_outbox,
    )


def chat_row(summary: ChatSummary) -> ChatRow:
    last = summary.last_message
    preview = ""
    if last is not None:
        preview = "Message deleted" if last.deleted else last.body[:80]
        if last.author and summary.kind != "dm" and last.kind == "text":
            preview = f"{last.author.display_name}: {preview}"
    return ChatRow(
        id=summary.id,
        title=summary.title,
        avatar_url=summary.avatar_url or "",
        kind=summary.kind.value,
        preview=preview,
        when=summary.last_activity_at.strftime("%H:%M"),
        unread=summary.unread_count,
        muted=summary.muted,
        pinned=summary.pinned,
        archived=summary.archived,
        activity=summary.last_activity_at.isoformat(),
    )


def message_row(view: MessageView, me: int) -> MessageRow:
    author = view.author
    reply = view.reply_to
    return MessageRow(
        id=view.id,
        seq=view.seq,
        client_id=view.client_id or "",
        kind=view.kind.value,
        author_id=author.id if author else 0,
        author_name=author.display_name if author else "",
        author_username=author.username if author else "",
        body=view.body,
        html=view.html,
        when=view.created_at.strftime("%H:%M"),
        edited=view.edited_at is not None,
        deleted=view.deleted,
        forwarded=view.forwarded,
        mine=bool(author and author.id == me),
        pending=False,
        failed=False,
        reply_to_id=reply.id if reply else "",
        reply_author=(reply.author.display_name if reply and reply.author else ""),
        reply_body=(
            "Message deleted" if reply and reply.deleted else (reply.body if reply else "")
        ),
        reactions=[r.model_dump() for r in view.reactions],
        status="",
    )


class MemberRow(BaseModel):
    user_id: int
    username: str
    display_name: str
    avatar_url: str
    role: str


class ChatState(rx.State):
    chats: list[ChatRow] = []
    open_id: str = ""
    open_title: str = ""
    open_kind: str = ""
    open_role: str = ""
    open_members: int = 0
    messages: list[MessageRow] = []
    has_older: bool = False
    has_newer: bool = False
    reply_to_id: str = ""
    reply_preview: str = ""
    editing_id: str = ""
    loaded: bool = False
    open_muted: bool = False
    open_pinned: bool = False
    open_archived: bool = False
    open_admins_only: bool = False
    open_description: str = ""
    open_partner: str = ""
    open_presence: str = ""
    _partner_id: int = 0
    members: list[MemberRow] = []
    show_archived: bool = False
    forward_id: str = ""
    history: list[str] = []
    invite_url: str = ""
    typing_names: list[str] = []
    _typing: dict[int, tuple[str, float]] = {}
    _receipts: dict[int, tuple[int, int]] = {}
    # The tab is in the background: messages arriving in the open chat are delivered, not read.
    _hidden: bool = False
    # Sends are over the rate limit until then (epoch seconds): later ones queue behind them.
    _sends_wait_until: float = 0.0

    @rx.var
    def open_chat_visible(self) -> bool:
        return self.open_id != ""

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

    @rx.event
    async def show_history(self, message_id: str) -> Any:
        session_state = await self._session()

        def work(session: Session) -> list[str]:
            user = session_state._authenticate(session)
            return [
                f"{e.edited_at.strftime('%Y-%m-%d %H:%M')}: {e.body}"
                for e in messages_domain.list_edits(session, user, message_id)
            ]

        try:
            self.history = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    def close_history(self, _open: bool = False) -> None:
        self.history = []

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

    # Loading -------------------------------------------------------------------------------------

    async def _session(self) -> SessionState:
        return await self.get_state(SessionState)

    async def _refresh_chats(self) -> None:
        session_state = await self._session()

        def work(session: Session) -> list[ChatSummary]:
            return chats_domain.list_chats(session, session_state._authenticate(session))

        self.chats = [chat_row(s) for s in await in_transaction(work)]
        self.loaded = True

    def _chat_in_url(self) -> str:
        return self.router.url.path.rstrip("/").removeprefix("/messages").strip("/")

    @rx.event
    async def load(self) -> Any:
        session_state = await self._session()
        redirect = await session_state._ensure_signed_in()
        if redirect is not None:
            return redirect
        try:
            await self._refresh_chats()
            chat_id = self._chat_in_url()
            if chat_id:
                await self._open(chat_id)
            else:
                self.open_id = ""
        except DomainError as exc:
            return error_toast(exc)
        return [
            rx.call_script("document.hidden", callback=ChatState.set_hidden),
            rx.call_script(
                "window.shOutbox ? shOutbox.list() : []", callback=ChatState.resend_outbox
            ),
        ]

    @rx.event
    async def set_hidden(self, hidden: bool) -> Any:
        """The tab went to the background or came back; coming back reads what is on screen."""
        self._hidden = bool(hidden)
        seen = max((row.seq for row in self.messages), default=0)
        if self._hidden or not self.open_id or not seen:
            return None
        session_state = await self._session()
        chat_id = self.open_id

        def work(session: Session) -> None:
            user = session_state._authenticate(session)
            messages_domain.check_mark_read(session, user, chat_id, seen)

        try:
            await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        return None

    async def _open(self, chat_id: str) -> Any:
        session_state = await self._session()
        me, hidden = session_state._user_id, self._hidden

        def work(
            session: Session,
        ) -> tuple[ChatSummary, list[MessageView], list[MemberView], int, PresenceView | None]:
            user = session_state._authenticate(session)
            summary = chats_domain.get_chat(session, user, chat_id)
            partner = None
            if summary.dm_username:
                partner = users_domain.get_user_by_username(session, summary.dm_username)
            seen = presence_domain.presence_view(session, me, partner) if partner else None
            page = messages_domain.list_messages(session, user, chat_id, limit=PAGE)
            members = chats_domain.list_members(session, user, chat_id)
            if page and not hidden:
                messages_domain.check_mark_read(session, user, chat_id, page[-1].seq)
            return summary, page, members, (partner.id or 0) if partner else 0, seen

        summary, page, members, partner_id, partner_presence = await in_transaction(work)
        self.open_id = summary.id
        self.open_title = summary.title
        self.open_kind = summary.kind.value
        self.open_role = summary.my_role.value
        self.open_members = summary.member_count
        self.open_muted = summary.muted
        self.open_pinned = summary.pinned
        self.open_archived = summary.archived
        self.open_admins_only = summary.send_policy.value == "admins"
        self.open_description = summary.description
        self.open_partner = summary.dm_username or ""
        self._partner_id = partner_id
        self.open_presence = presence_label(partner_presence)
        self.invite_url = ""
        self.members = [
            MemberRow(
                user_id=m.user.id,
                username=m.user.username,
                display_name=m.user.display_name,
                avatar_url=m.user.avatar_small_url or "",
                role=m.role.value,
            )
            for m in members
        ]
        self._receipts = {m.user.id: (m.delivered_seq, m.read_seq) for m in members}
        self.messages = [message_row(v, me) for v in page]
        self.has_older = len(page) == PAGE
        self.has_newer = False
        self.reply_to_id = ""
        self.editing_id = ""
        self._typing = {}
        self.typing_names = []
        self._restatus()
        for row in self.chats:
            if row.id == chat_id:
                row.unread = 0
        return None

    @rx.event
    async def jump(self, message_id: str) -> Any:
        """Show the window around a message (e.g. the one a reply quotes) and scroll to it."""
        if not message_id or not self.open_id:
            return None
        session_state = await self._session()
        chat_id, me = self.open_id, session_state._user_id

        def work(session: Session) -> tuple[list[MessageView], int]:
            user = session_state._authenticate(session)
            page = messages_domain.list_messages(
                session, user, chat_id, around=message_id, limit=PAGE
            )
            return page, chats_domain.get_chat(session, user, chat_id).last_seq

        try:
            page, last_seq = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        target = next((v.seq for v in page if v.id == message_id), 0)
        self.messages = [message_row(v, me) for v in page]
        self.has_older = bool(page) and page[0].seq > 1
        self.has_newer = bool(page) and page[-1].seq < last_seq
        self._restatus()
        return rx.call_script(
            f"document.getElementById('m-{target}')?.scrollIntoView({{block: 'center'}})"
        )

    @rx.event
    async def jump_latest(self) -> Any:
        if self.open_id:
            await self._open(self.open_id)
        return None

    @rx.event
    async def load_older(self) -> Any:
        if not self.messages or not self.open_id:
            return None
        session_state = await self._session()
        first, chat_id, me = self.messages[0].seq, self.open_id, session_state._user_id

        def work(session: Session) -> list[MessageView]:
            user = session_state._authenticate(session)
            return messages_domain.list_messages(session, user, chat_id, before=first, limit=PAGE)

        try:
            page = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        self.messages = [message_row(v, me) for v in page] + self.messages
        self.has_older = len(page) == PAGE
        self._restatus()
        return None

    def _restatus(self) -> None:
        """Ticks of my messages: sent, delivered (every other member), read, or read by k of n."""
        me = next((m.author_id for m in self.messages if m.mine), None)
        others = [v for uid, v in self._receipts.items() if uid != me]
        for row in self.messages:
            if not row.mine or row.pending or row.deleted:
                continue
            readers = sum(1 for _, read in others if read >= row.seq)
            delivered = sum(1 for got, _ in others if got >= row.seq)
            if others and readers == len(others):
                row.status = "read"
            elif self.open_kind == "group" and readers:
                row.status = f"read by {readers} of {len(others)}"
            elif others and delivered == len(others):
                row.status = "delivered"
            else:
                row.status = "sent"

    # Sending -------------------------------------------------------------------------------------

    @rx.event
    async def send(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        body = str(form.get("body", "")).strip()
        client_id = str(form.get("client_id") or uuid.uuid4().hex)[:64]
        chat_id = self.open_id or self._chat_in_url()
        if not body or not chat_id:
            return
        wait = self._sends_wait_until - time.time()
        if wait > 0 and form.get("client_id"):
            # Earlier sends wait for the rate limit: this one waits in the outbox (shown there as
            # queued) and goes out after them, in order.
            self.reply_to_id = ""
            self.reply_preview = ""
            yield [rx.set_value("composer", ""), resend_outbox_in(wait)]
            return
        session_state = await self._session()
        reply_to, me = self.reply_to_id or None, session_state._user_id
        self.messages.append(
            MessageRow(
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
            )
        )
        self.reply_to_id = ""
        self.reply_preview = ""
        yield rx.set_value("composer", "")

        def work(session: Session) -> MessageView:
            user = session_state._authenticate(session)
            message = messages_domain.check_send_message(
                session, user, chat_id, body=body, client_id=client_id, reply_to_id=reply_to
            )
            return messages_domain.message_view(session, message)

        try:
            view = await in_transaction(work)
        except RateLimited as exc:
            # Not a refusal: it stays in the outbox and goes out once the limit allows.
            self._sends_wait_until = time.time() + exc.retry_after
            self._mark_pending(client_id, "queued")
            yield [
                resend_outbox_in(exc.retry_after),
                rx.toast.info(
                    f"Sending too fast: queued, it goes out in {exc.retry_after} s",
                    id=exc.code,
                    # Shown while the message waits.
                    duration=max(4, exc.retry_after) * 1000,
                ),
            ]
            return
        except DomainError as exc:
            self._mark_pending(client_id, "failed")
            # Refused for good (not a network problem): do not resend it.
            yield [forget_outbox(client_id), error_toast(exc)]
            return
        self._upsert(message_row(view, me))
        yield forget_outbox(client_id)

    def _mark_pending(self, client_id: str, status: str) -> None:
        for row in self.messages:
            if row.client_id == client_id and row.pending:
                row.failed = status == "failed"
                row.status = status

    @rx.event
    async def resend_outbox(self, items: list[dict[str, Any]]) -> AsyncIterator[Any]:
        """Send what the browser's outbox still holds (offline sends, or sends lost in a reload).

        Each keeps its client id, so a message the server already stored is not stored again.
        Over the rate limit, the rest stay queued, in order, and are handed back when it allows.
        """
        session_state = await self._session()
        me = session_state._user_id
        queue = items if isinstance(items, list) else []
        for position, item in enumerate(queue):
            client_id = str(item.get("client_id", ""))[:64]
            chat_id, body = str(item.get("chat_id", "")), str(item.get("body", ""))
            if not client_id:
                continue

            def work(
                session: Session, chat_id: str = chat_id, body: str = body, cid: str = client_id
            ) -> MessageView:
                user = session_state._authenticate(session)
                message = messages_domain.check_send_message(
                    session, user, chat_id, body=body, client_id=cid
                )
                return messages_domain.message_view(session, message)

            try:
                view = await in_transaction(work)
            except RateLimited as exc:
                self._sends_wait_until = time.time() + exc.retry_after
                for waiting in queue[position:]:
                    self._mark_pending(str(waiting.get("client_id", "")), "queued")
                yield resend_outbox_in(exc.retry_after)
                return
            except DomainError:
                yield forget_outbox(client_id)
                continue
            if view.conversation_id == self.open_id:
                self._upsert(message_row(view, me))
            yield forget_outbox(client_id)

    def _upsert(self, row: MessageRow) -> None:
        """Insert or replace by id, keeping seq order; the pending row of its send goes (a resend
        of the outbox may have shown the message already)."""
        if row.client_id and any(m.pending and m.client_id == row.client_id for m in self.messages):
            self.messages = [
                m for m in self.messages if not (m.pending and m.client_id == row.client_id)
            ]
        for i, existing in enumerate(self.messages):
            if existing.id == row.id:
                self.messages[i] = row
                break
        else:
            if self.has_newer or (self.messages and row.seq < self.messages[0].seq):
                # Outside the window on screen: it loads when the reader gets there.
                return
            self.messages.append(row)
            self.messages.sort(key=lambda r: (r.pending, r.seq))
            if len(self.messages) > WINDOW:
                self.messages = self.messages[-WINDOW:]
                self.has_older = True
        self._restatus()

    @rx.event
    async def typing(self, _value: str) -> None:
        """Throttled by the composer: tell the others in the chat that I am typing."""
        chat_id = self.open_id or self._chat_in_url()
        if not chat_id:
            return
        session_state = await self._session()

        def work(session: Session) -> None:
            messages_domain.check_typing(session, session_state._authenticate(session), chat_id)

        # A signal, not a write: a refusal (even over the limit) is not worth a toast while typing.
        with contextlib.suppress(DomainError):
            await in_transaction(work)

    def _prune_typing(self, now: float) -> None:
        """Forget typists not heard from for TYPING_SECONDS."""
        alive = {uid: v for uid, v in self._typing.items() if v[1] > now}
        if len(alive) != len(self._typing):
            self._typing = alive
            self.typing_names = [name for name, _ in alive.values()]

    # Message actions -----------------------------------------------------------------------------

    async def _act(self, action: Any) -> EventSpec | None:
        session_state = await self._session()

        def work(session: Session) -> None:
            action(session, session_state._authenticate(session))

        try:
            await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        return None

    @rx.event
    async def react(self, message_id: str, emoji: str) -> EventSpec | None:
        row = next((m for m in self.messages if m.id == message_id), None)
        me = (await self._session())._user_id
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
    async def delete_for_me(self, message_id: str) -> EventSpec | None:
        return await self._act(
            lambda s, u: messages_domain.check_delete_message(s, u, message_id, for_everyone=False)
        )

    @rx.event
    def start_reply(self, message_id: str) -> None:
        row = next((m for m in self.messages if m.id == message_id), None)
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
    def cancel_edit(self) -> None:
        self.editing_id = ""

    @rx.event
    async def save_edit(self, form: dict[str, Any]) -> EventSpec | None:
        message_id, body = self.editing_id, str(form.get("body", ""))
        self.editing_id = ""
        return await self._act(
            lambda s, u: messages_domain.check_edit_message(s, u, message_id, body=body)
        )

    # Chat info and group administration ----------------------------------------------------------

    async def _admin(self, action: Any, success: str) -> Any:
        """Run a chat action, then reload the open chat so its header and members are current."""
        failed = await self._act(action)
        if failed is not None:
            return failed
        if self.open_id:
            await self._open(self.open_id)
        return rx.toast.success(success)

    @rx.event
    async def add_members(self, form: dict[str, Any]) -> Any:
        chat_id = self.open_id
        names = [
            n.strip().lstrip("@") for n in str(form.get("usernames", "")).split(",") if n.strip()
        ]
        return await self._admin(
            lambda s, u: chats_domain.check_add_members(s, u, chat_id, names), "Members added"
        )

    @rx.event
    async def set_role(self, username: str, role: str) -> Any:
        chat_id = self.open_id
        return await self._admin(
            lambda s, u: chats_domain.check_set_role(s, u, chat_id, username, MemberRole(role)),
            "Role changed",
        )

    @rx.event
    async def remove_member(self, username: str) -> Any:
        chat_id = self.open_id
        return await self._admin(
            lambda s, u: chats_domain.check_remove_member(s, u, chat_id, username),
            f"Removed {username}",
        )

    @rx.event
    async def rename(self, form: dict[str, Any]) -> Any:
        chat_id, title = self.open_id, str(form.get("title", ""))
        description = str(form.get("description", ""))
        return await self._admin(
            lambda s, u: chats_domain.check_update_group(
                s, u, chat_id, title=title, description=description
            ),
            "Group updated",
        )

    @rx.event
    async def set_admins_only(self, value: bool) -> Any:
        chat_id = self.open_id
        policy = SendPolicy.admins if value else SendPolicy.everyone
        return await self._admin(
            lambda s, u: chats_domain.check_update_group(s, u, chat_id, send_policy=policy),
            "Only admins can send" if value else "Everyone can send",
        )

    async def _set_flag(self, flag: str, value: bool, toast: str) -> Any:
        chat_id = self.open_id
        result = await self._admin(
            lambda s, u: chats_domain.check_set_flags(s, u, chat_id, **{flag: value}),
            toast,
        )
        await self._refresh_chats()
        return result

    @rx.event
    async def set_muted(self, value: bool) -> Any:
        return await self._set_flag("muted", value, "Muted" if value else "Unmuted")

    @rx.event
    async def set_pinned(self, value: bool) -> Any:
        return await self._set_flag("pinned", value, "Pinned" if value else "Unpinned")

    @rx.event
    async def upload_picture(self, files: list[rx.UploadFile]) -> Any:
        if not files:
            return rx.toast.error("choose an image first")
        data = await files[0].read(media.image_read_limit())
        chat_id = self.open_id
        result = await self._admin(
            lambda s, u: chats_domain.check_set_group_picture(s, u, chat_id, data),
            "Group picture updated",
        )
        await self._refresh_chats()
        return [rx.clear_selected_files(GROUP_PICTURE_UPLOAD_ID), result]

    @rx.event
    async def set_archived(self, value: bool) -> Any:
        return await self._set_flag(
            "archived", value, "Archived" if value else "Moved back to chats"
        )

    @rx.event
    async def leave_group(self) -> Any:
        chat_id = self.open_id
        failed = await self._act(lambda s, u: chats_domain.check_leave(s, u, chat_id))
        if failed is not None:
            return failed
        return rx.redirect("/messages")

    @rx.event
    async def create_invite(self) -> Any:
        session_state = await self._session()
        chat_id = self.open_id

        def work(session: Session) -> str:
            user = session_state._authenticate(session)
            return chats_domain.check_create_invite(session, user, chat_id).code

        try:
            code = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        self.invite_url = f"{self.router.url.origin}/join/{code}"
        return None

    @rx.event
    async def revoke_all_invites(self) -> Any:
        """Group admins: every invite link of the open group stops working."""
        chat_id = self.open_id
        failed = await self._act(lambda s, u: chats_domain.check_revoke_all_invites(s, u, chat_id))
        if failed is not None:
            return failed
        self.invite_url = ""
        return rx.toast.success("All invite links revoked")

    @rx.event
    async def block_partner(self) -> Any:
        partner = self.open_partner
        return await self._admin(
            lambda s, u: blocks_domain.check_block(s, u, partner), f"Blocked {partner}"
        )

    @rx.event
    async def unblock_partner(self) -> Any:
        partner = self.open_partner
        return await self._admin(
            lambda s, u: blocks_domain.check_unblock(s, u, partner), f"Unblocked {partner}"
        )

    @rx.event
    async def join(self) -> Any:
        """on_load of /join/<code>."""
        session_state = await self._session()
        redirect = await session_state._ensure_signed_in()
        if redirect is not None:
            return redirect
        code = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]

        def work(session: Session) -> str:
            user = session_state._authenticate(session)
            return chats_domain.check_join_by_invite(session, user, code).id

        try:
            chat_id = await in_transaction(work)
        except DomainError as exc:
            return [rx.redirect("/messages"), error_toast(exc)]
        return rx.redirect(f"/messages/{chat_id}")

    # Chats ---------------------------------------------------------------------------------------

    @rx.event
    async def start_dm(self, username: str) -> Any:
        session_state = await self._session()

        def work(session: Session) -> str:
            return chats_domain.check_open_dm(
                session, session_state._authenticate(session), username
            ).id

        try:
            chat_id = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        return rx.redirect(f"/messages/{chat_id}")

    @rx.event
    async def create_group(self, form: dict[str, Any]) -> Any:
        session_state = await self._session()
        title = str(form.get("title", ""))
        names = [
            n.strip().lstrip("@") for n in str(form.get("members", "")).split(",") if n.strip()
        ]

        def work(session: Session) -> str:
            user = session_state._authenticate(session)
            return chats_domain.check_create_group(session, user, title=title, usernames=names).id

        try:
            chat_id = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        return rx.redirect(f"/messages/{chat_id}")

    # Live events (called by the realtime listener, inside its state lock) -------------------------

    def _apply_chat_list(self, summaries: list[ChatSummary], gone: set[str]) -> None:
        """Replace the changed chats' rows (dropping those gone), then keep the list's order."""
        rows = [chat_row(summary) for summary in summaries]
        changed = {row.id for row in rows} | gone
        rows += [row for row in self.chats if row.id not in changed]
        rows.sort(key=lambda row: (row.pinned, row.activity), reverse=True)
        reading = read_in_chat(self)
        for row in rows:
            if row.id == reading:
                row.unread = 0
        self.chats = rows

    def _apply_event(self, event: dict[str, Any], me: int) -> None:
        """Apply one message, receipt or chat event to the open chat."""
        kind = (event.get("type"), event.get("op"))
        data = event.get("data", {})
        chat_id = data.get("conversation_id")
        if kind == ("presence", "update"):
            if data.get("user_id") == self._partner_id and self._partner_id:
                self.open_presence = presence_label(PresenceView.model_validate(data))
            return
        if kind == ("typing", "start"):
            if chat_id == self.open_id and data.get("user_id") != me:
                self._typing[int(data["user_id"])] = (
                    str(data.get("name", "")),
                    time.monotonic() + TYPING_SECONDS,
                )
                self.typing_names = [name for name, _ in self._typing.values()]
            return
        if kind == ("message", "add") and (data.get("author") or {}).get("id") in self._typing:
            self._typing.pop(int(data["author"]["id"]), None)
            self.typing_names = [name for name, _ in self._typing.values()]
        if data.get("redacted"):
            return  # an edit or delete later in the stream carries what the message is now
        if kind[0] == "message":
            if chat_id == self.open_id and self.open_id:
                if kind[1] in ("add", "edit", "delete"):
                    self._upsert(message_row(MessageView.model_validate(data), me))
                elif kind[1] == "react":
                    for row in self.messages:
                        if row.id == data.get("id"):
                            row.reactions = list(data.get("reactions", []))
                elif kind[1] == "hide":
                    self.messages = [m for m in self.messages if m.id != data.get("id")]
        elif kind[0] == "receipt" and chat_id == self.open_id:
            self._receipts[int(data["user_id"])] = (
                int(data["delivered_seq"]),
                int(data["read_seq"]),
            )
            self._restatus()
        elif kind == ("chat", "remove") and chat_id == self.open_id:
            self.open_id = ""
            self.messages = []
        elif kind[0] == "member" and chat_id == self.open_id:
            self.open_members += len(data.get("user_ids", [])) * (1 if kind[1] == "add" else -1)


LIST_TYPES = frozenset({"chat", "member"})


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


def read_in_chat(chat: ChatState) -> str:
    """The chat whose arrivals this tab reads on sight: the open one, while the tab is visible."""
    return "" if chat._hidden else chat.open_id
