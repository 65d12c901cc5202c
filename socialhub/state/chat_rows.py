"""What the chat screens show: the rows of the chat list, of the open chat and of a group's
members, built from the domain's views."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from socialhub.domain.text import plain
from socialhub.models.chat import ChatSummary, MemberView, MessageView
from socialhub.models.users import PresenceView
from socialhub.state.clock import Clock


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
    # What the live list needs to follow messages without reading the database again.
    last_id: str
    last_seq: int
    read_seq: int
    # A DM with a bot account: tagged BOT in the list and the chat's header.
    bot: bool = False


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
    # Where the viewer's calendar day and time put it: the arranging of the rows reads these.
    day: str = ""
    at: int = 0  # epoch seconds
    # Set by `message_window.arrange`: the date separator above the row ("" for none), the row
    # continues its author's run (no name, tight spacing), and the "Unread messages" divider.
    separator: str = ""
    grouped: bool = False
    first_unread: bool = False
    # Posted by an incoming webhook: `author_name` is the webhook's name, tagged in the row.
    webhook: bool = False
    # Sent by a bot account: tagged BOT in the row.
    bot: bool = False
    # The thread started from this message ("" for none): its name and message count.
    thread_id: str = ""
    thread_name: str = ""
    thread_count: int = 0
    # A bot's answer to a slash command: "Alice used /roll" ("" for any other message).
    command_line: str = ""
    # The card of the message's first link ("" url for none): plain text, shown as text.
    preview_url: str = ""
    preview_title: str = ""
    preview_description: str = ""
    preview_site: str = ""
    preview_image: str = ""


def presence_label(view: PresenceView | None, clock: Clock) -> str:
    if view is None or view.status == "hidden":
        return ""
    if view.status in ("online", "idle", "dnd"):
        return {"online": "online", "idle": "idle", "dnd": "do not disturb"}[view.status]
    if view.last_seen_at is None:
        return ""
    return "last seen " + clock.date_time(view.last_seen_at)


def preview_of(last: MessageView | None, kind: str) -> str:
    """A chat's last message as its list row shows it."""
    if last is None:
        return ""
    preview = "Message deleted" if last.deleted else plain(last.body)[:80]
    if last.author and kind != "dm" and last.kind == "text":
        preview = f"{last.author.display_name}: {preview}"
    return preview


def chat_row(summary: ChatSummary, clock: Clock) -> ChatRow:
    last = summary.last_message
    preview = preview_of(last, summary.kind.value)
    return ChatRow(
        id=summary.id,
        title=summary.title,
        avatar_url=summary.avatar_url or "",
        kind=summary.kind.value,
        preview=preview,
        when=clock.time(summary.last_activity_at),
        unread=summary.unread_count,
        muted=summary.muted,
        pinned=summary.pinned,
        archived=summary.archived,
        activity=summary.last_activity_at.isoformat(),
        last_id=last.id if last else "",
        last_seq=summary.last_seq,
        read_seq=summary.read_seq,
        bot=summary.dm_is_bot,
    )


def command_line(view: MessageView) -> str:
    used = view.interaction
    if used is None:
        return ""
    who = used.invoker.display_name if used.invoker else "Someone"
    return f"{who} used /{used.command}"


def message_row(view: MessageView, me: int, clock: Clock) -> MessageRow:
    author = view.author
    reply = view.reply_to
    return MessageRow(
        id=view.id,
        seq=view.seq,
        client_id=view.client_id or "",
        kind=view.kind.value,
        author_id=author.id if author else 0,
        author_name=view.webhook.name
        if view.webhook
        else (view.nickname or author.display_name if author else ""),
        author_username=author.username if author else "",
        body=view.body,
        html=view.html,
        when=clock.time(view.created_at),
        edited=view.edited_at is not None,
        deleted=view.deleted,
        forwarded=view.forwarded,
        mine=bool(author and author.id == me),
        pending=False,
        failed=False,
        reply_to_id=reply.id if reply else "",
        reply_author=(reply.author.display_name if reply and reply.author else ""),
        reply_body=(
            "Message deleted" if reply and reply.deleted else (plain(reply.body) if reply else "")
        ),
        reactions=[r.model_dump() for r in view.reactions],
        status="",
        day=clock.day(view.created_at),
        at=int(clock.local(view.created_at).timestamp()),
        webhook=view.webhook is not None,
        bot=bool(author and author.is_bot and view.webhook is None),
        thread_id=view.thread.id if view.thread else "",
        thread_name=view.thread.name if view.thread else "",
        thread_count=view.thread.message_count if view.thread else 0,
        command_line=command_line(view),
        preview_url=view.preview.url if view.preview else "",
        preview_title=view.preview.title if view.preview else "",
        preview_description=view.preview.description if view.preview else "",
        preview_site=view.preview.site_name if view.preview else "",
        preview_image=view.preview.image_url if view.preview else "",
    )


# Every tab of a worker that shows a live message gets the same event dict: it is parsed once,
# and its row built once per "mine or not" and time zone (rows are never changed in place, only
# replaced).
_PARSED_MAX = 512
_Built = dict[tuple[bool, str], MessageRow]
_parsed: dict[int, tuple[dict[str, Any], MessageView, _Built]] = {}


def live_view(data: dict[str, Any]) -> MessageView:
    """The message a live event carries, parsed once per event in this process."""
    return _parsed_entry(data)[1]


def live_row(data: dict[str, Any], me: int, clock: Clock) -> MessageRow:
    """The row of a live event's message as `me` sees it (shared by the tabs that show it)."""
    _, view, rows = _parsed_entry(data)
    key = (bool(view.author and view.author.id == me), clock.name)
    if key not in rows:
        rows[key] = message_row(view, me, clock)
    return rows[key]


def _parsed_entry(data: dict[str, Any]) -> tuple[dict[str, Any], MessageView, _Built]:
    entry = _parsed.get(id(data))
    if entry is None or entry[0] is not data:
        entry = (data, MessageView.model_validate(data), {})
        if len(_parsed) >= _PARSED_MAX:
            del _parsed[next(iter(_parsed))]
        _parsed[id(data)] = entry
    return entry


class MemberRow(BaseModel):
    user_id: int
    username: str
    display_name: str
    avatar_url: str
    role: str


def member_row(view: MemberView) -> MemberRow:
    return MemberRow(
        user_id=view.user.id,
        username=view.user.username,
        display_name=view.user.display_name,
        avatar_url=view.user.avatar_small_url or "",
        role=view.role.value,
    )
