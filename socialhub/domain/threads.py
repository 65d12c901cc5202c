"""Threads: a conversation of its own under a server channel.

A thread is a `Conversation` of kind `channel` with channel_type "thread", in its server, and a
`Thread` row naming its parent channel and the message it was started from. So the message code,
read markers, unread counts and streams are the channels' own, unchanged. What a member may do in
a thread is the ONE permission function's answer for its parent channel, where SEND_IN_THREADS
stands for SEND_MESSAGES (`permissions.thread_permissions`): who may view the parent views its
threads, follows their streams and hears their events.

- Create: CREATE_THREADS in the parent (a text or announcement channel), empty or from one of its
  messages (one thread per message).
- Speak: SEND_IN_THREADS. Sending in an archived thread reopens it, as on Discord (an unlocked
  thread: whoever may send there may unarchive it; we have no locked threads).
- Rename, change the archive delay, archive: the thread's creator, or MANAGE_CHANNELS in the
  parent (Discord's MANAGE_THREADS). Unarchive: whoever may send there.
- Auto-archive is lazy: a thread is archived when it was archived by hand (`archived_at`) or when
  its last activity is older than its delay. Nothing needs to run on time and every read agrees
  (a job would leave threads open past their delay until its next run, and would write to every
  quiet thread); the price is that nobody is told the moment a thread goes quiet, which changes
  nothing on anyone's screen but the "archived" label the next read shows.

Events: a thread created, renamed, archived or reopened is a ("channel", "thread") event in the
parent channel's stream (only its viewers follow it); the server page reads its sidebar again and
every stream reader follows the new conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from socialhub.domain import permissions
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import ChannelAccess, Permission, access_channel
from socialhub.domain.validation import clean_text
from socialhub.models import (
    ChannelType,
    Conversation,
    ConversationKind,
    HiddenMessage,
    Message,
    MessageKind,
    Thread,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.thread_views import ThreadList, ThreadView
from socialhub.models.threads import (
    ARCHIVE_MINUTES,
    DEFAULT_ARCHIVE_MINUTES,
    THREAD_TYPE,
    ThreadSummary,
)
from socialhub.realtime.events import publish_on_commit

NAME_MAX = 100
# An empty thread started without a name.
DEFAULT_NAME = "New thread"
# The channels a thread may hang under.
PARENT_TYPES = (ChannelType.text.value, ChannelType.announcement.value)


def thread_not_found() -> NotFound:
    return NotFound("no such thread", code="thread_not_found")


def is_thread(conversation: Conversation) -> bool:
    return conversation.channel_type == THREAD_TYPE


# Input -----------------------------------------------------------------------------------------


def clean_thread_name(name: object) -> str:
    text = clean_text(name, field="name", max_length=NAME_MAX)  # type: ignore[arg-type]
    if not text:
        raise InvalidInput("give the thread a name", field="name", code="empty")
    return text


def clean_archive_minutes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in ARCHIVE_MINUTES:
        raise InvalidInput(
            "a thread archives after 60 (1 h), 1440 (24 h), 4320 (3 days) or 10080 (1 week) "
            "minutes without activity",
            field="auto_archive_minutes",
            code="bad_archive_duration",
            details={"choices": list(ARCHIVE_MINUTES)},
        )
    return value


def _default_name(message: Message) -> str:
    text = " ".join(message.body.split())
    if len(text) > NAME_MAX:
        text = text[: NAME_MAX - 1].rstrip() + "…"
    return text or "Thread"


# State -----------------------------------------------------------------------------------------


def archived_since(thread: Thread, conversation: Conversation) -> datetime | None:
    """When the thread was archived: by hand, or once its delay passed without activity."""
    if thread.archived_at is not None:
        return thread.archived_at
    return conversation.last_activity_at + timedelta(minutes=thread.auto_archive_minutes)


def is_archived(thread: Thread, conversation: Conversation, now: datetime | None = None) -> bool:
    since = archived_since(thread, conversation)
    return since is not None and since <= (now or utcnow())


def summary(thread: Thread, conversation: Conversation, now: datetime) -> ThreadSummary:
    return ThreadSummary(
        id=conversation.id,
        name=conversation.title,
        message_count=conversation.last_seq,
        archived=is_archived(thread, conversation, now),
    )


def summaries_for(session: Session, message_ids: Sequence[str]) -> dict[str, ThreadSummary]:
    """The threads started from these messages, by message id (one query)."""
    if not message_ids:
        return {}
    now = utcnow()
    rows = session.exec(
        select(Thread, Conversation)
        .join(Conversation, col(Conversation.id) == col(Thread.conversation_id))
        .where(col(Thread.starter_message_id).in_(list(message_ids)))
    ).all()
    return {t.starter_message_id or "": summary(t, c, now) for t, c in rows}


def _thread_view(
    thread: Thread, conversation: Conversation, access: ChannelAccess, actor: User, now: datetime
) -> ThreadView:
    since = archived_since(thread, conversation)
    archived = since is not None and since <= now
    return ThreadView(
        id=conversation.id,
        server_id=thread.server_id,
        parent_id=thread.parent_id,
        name=conversation.title,
        starter_message_id=thread.starter_message_id,
        created_by=conversation.created_by,
        message_count=conversation.last_seq,
        auto_archive_minutes=thread.auto_archive_minutes,
        archived=archived,
        archived_at=since if archived else None,
        last_activity_at=conversation.last_activity_at,
        created_at=thread.created_at,
        can_send=access.can(Permission.SEND_MESSAGES),
        can_manage=_may_manage(thread, conversation, access, actor),
    )


# Access ----------------------------------------------------------------------------------------


def access_thread(
    session: Session, actor: User, thread_id: str
) -> tuple[Thread, Conversation, ChannelAccess]:
    """A thread the actor may view (they may view its parent); NotFound otherwise."""
    thread = session.get(Thread, thread_id) if thread_id else None
    if thread is None:
        raise thread_not_found()
    try:
        access = access_channel(session, actor, thread_id)
    except NotFound as exc:
        raise thread_not_found() from exc
    return thread, access.channel, access


def _may_manage(
    thread: Thread, conversation: Conversation, access: ChannelAccess, actor: User
) -> bool:
    return (
        conversation.created_by == actor.id and not access.server.facts.timed_out()
    ) or access.can(Permission.MANAGE_CHANNELS)


def _require_manage(
    thread: Thread, conversation: Conversation, access: ChannelAccess, actor: User
) -> None:
    if not _may_manage(thread, conversation, access, actor):
        raise PermissionDenied(
            "only the thread's creator or a member who manages channels may do this",
            code="missing_permission",
            details={"permission": Permission.MANAGE_CHANNELS.name},
        )


def _parent_access(session: Session, actor: User, channel_id: str) -> ChannelAccess:
    access = access_channel(session, actor, channel_id)
    if access.channel.channel_type not in PARENT_TYPES:
        raise InvalidInput(
            "threads hang under text and announcement channels",
            field="channel_id",
            code="bad_parent",
        )
    return access


# Reads -----------------------------------------------------------------------------------------


def list_threads(session: Session, actor: User, channel_id: str) -> ThreadList:
    """The channel's threads: the active ones first (latest activity first), then the archived
    ones (latest archived first)."""
    access = _parent_access(session, actor, channel_id)
    rows = session.exec(
        select(Thread, Conversation)
        .join(Conversation, col(Conversation.id) == col(Thread.conversation_id))
        .where(col(Thread.parent_id) == channel_id)
    ).all()
    now = utcnow()
    views = []
    for thread, conversation in rows:
        bits = access.server.in_channel(conversation.id)
        here = ChannelAccess(conversation, access.server, bits)
        views.append(_thread_view(thread, conversation, here, actor, now))
    active = sorted(
        (v for v in views if not v.archived), key=lambda v: (v.last_activity_at, v.id), reverse=True
    )
    archived = sorted(
        (v for v in views if v.archived), key=lambda v: (v.archived_at or now, v.id), reverse=True
    )
    return ThreadList(
        channel_id=channel_id,
        threads=[*active, *archived],
        can_create=access.can(Permission.CREATE_THREADS),
    )


def get_thread(session: Session, actor: User, thread_id: str) -> ThreadView:
    thread, conversation, access = access_thread(session, actor, thread_id)
    return _thread_view(thread, conversation, access, actor, utcnow())


def threads_by_parent(
    session: Session,
    actor: User,
    server_id: str,
    channel_ids: Sequence[str],
    *,
    archived: bool = False,
) -> dict[str, list[ThreadView]]:
    """The threads under each of these channels that the actor may view, oldest first, for
    the sidebar: the active ones (and the archived ones too with `archived`)."""
    if not channel_ids:
        return {}
    server = permissions.access_server(session, actor, server_id)
    rows = session.exec(
        select(Thread, Conversation)
        .join(Conversation, col(Conversation.id) == col(Thread.conversation_id))
        .where(col(Thread.server_id) == server_id, col(Thread.parent_id).in_(list(channel_ids)))
        .order_by(col(Conversation.created_at), col(Conversation.id))
    ).all()
    now = utcnow()
    found: dict[str, list[ThreadView]] = {}
    for thread, conversation in rows:
        bits = server.in_channel(conversation.id)
        if not bits & Permission.VIEW_CHANNEL or (
            not archived and is_archived(thread, conversation, now)
        ):
            continue
        here = ChannelAccess(conversation, server, bits)
        view = _thread_view(thread, conversation, here, actor, now)
        found.setdefault(thread.parent_id, []).append(view)
    return found


# Events ----------------------------------------------------------------------------------------


def _publish(session: Session, thread: Thread, conversation: Conversation, op: str) -> None:
    """In the parent's stream: its viewers are exactly the thread's."""
    publish_on_commit(
        session,
        type="channel",
        op="thread",
        data={
            "server_id": thread.server_id,
            "channel_id": thread.parent_id,
            "thread_id": conversation.id,
            "change": op,
            "thread": summary(thread, conversation, utcnow()).model_dump(mode="json"),
            "starter_message_id": thread.starter_message_id,
        },
        conversation=thread.parent_id,
    )


# Writes ----------------------------------------------------------------------------------------


def check_create_thread(
    session: Session,
    actor: User,
    channel_id: str,
    *,
    name: str | None = None,
    message_id: str | None = None,
    auto_archive_minutes: int = DEFAULT_ARCHIVE_MINUTES,
) -> Conversation:
    """A new thread under the channel, empty or from one of its messages (its name defaults to
    the message's text, or "New thread"). 404 for a channel or message the actor cannot see,
    403 without CREATE_THREADS, 409 `thread_exists` for a message that has one, 422 for a bad
    name, delay or parent."""
    access = _parent_access(session, actor, channel_id)
    access.require(Permission.CREATE_THREADS, "you may not create threads in this channel")
    minutes = clean_archive_minutes(auto_archive_minutes)
    starter = None
    if message_id is not None:
        starter = session.get(Message, message_id) if message_id else None
        if (
            starter is None
            or starter.conversation_id != channel_id
            or starter.deleted_at is not None
            or starter.kind != MessageKind.text.value
            or session.get(HiddenMessage, (starter.id, actor.id)) is not None
        ):
            raise NotFound("no such message", code="message_not_found")
        taken = session.exec(select(Thread).where(Thread.starter_message_id == starter.id)).first()
        if taken is not None:
            raise Conflict(
                "this message already has a thread",
                code="thread_exists",
                details={"thread_id": taken.conversation_id},
            )
    if name is None:
        clean = _default_name(starter) if starter is not None else DEFAULT_NAME
    else:
        clean = clean_thread_name(name)
    return do_create_thread(
        session, access, actor, name=clean, starter=starter, auto_archive_minutes=minutes
    )


def do_create_thread(
    session: Session,
    parent: ChannelAccess,
    actor: User | None,
    *,
    name: str,
    starter: Message | None = None,
    auto_archive_minutes: int = DEFAULT_ARCHIVE_MINUTES,
) -> Conversation:
    server = parent.server.server
    conversation = Conversation(
        kind=ConversationKind.channel.value,
        server_id=server.id,
        channel_type=THREAD_TYPE,
        title=name,
        created_by=actor.id if actor else None,
        synced=False,
    )
    session.add(conversation)
    session.flush()
    thread = Thread(
        conversation_id=conversation.id,
        parent_id=parent.channel.id,
        server_id=server.id,
        starter_message_id=starter.id if starter else None,
        auto_archive_minutes=auto_archive_minutes,
    )
    session.add(thread)
    session.flush()
    # The thread is a new stream its parent's viewers follow: every process reads the
    # permission facts again.
    permissions.bump_version(session, server)
    _publish(session, thread, conversation, "add")
    return conversation


def check_update_thread(
    session: Session,
    actor: User,
    thread_id: str,
    *,
    name: str | None = None,
    auto_archive_minutes: int | None = None,
) -> Conversation:
    thread, conversation, access = access_thread(session, actor, thread_id)
    _require_manage(thread, conversation, access, actor)
    clean = clean_thread_name(name) if name is not None else None
    minutes = None
    if auto_archive_minutes is not None:
        minutes = clean_archive_minutes(auto_archive_minutes)
    if clean is not None:
        conversation.title = clean
    if minutes is not None:
        thread.auto_archive_minutes = minutes
    session.add_all([conversation, thread])
    session.flush()
    _publish(session, thread, conversation, "update")
    return conversation


def check_archive_thread(session: Session, actor: User, thread_id: str) -> Conversation:
    thread, conversation, access = access_thread(session, actor, thread_id)
    _require_manage(thread, conversation, access, actor)
    now = utcnow()
    if not is_archived(thread, conversation, now):
        thread.archived_at = now
        session.add(thread)
        session.flush()
        _publish(session, thread, conversation, "archive")
    return conversation


def check_unarchive_thread(session: Session, actor: User, thread_id: str) -> Conversation:
    """Whoever may send in the thread may reopen it (as sending does)."""
    thread, conversation, access = access_thread(session, actor, thread_id)
    if access.server.facts.timed_out():
        raise PermissionDenied("you are timed out in this server", code="timed_out")
    access.require(Permission.SEND_MESSAGES, "you may not send messages in this thread")
    do_reopen(session, thread, conversation, utcnow())
    return conversation


def do_reopen(session: Session, thread: Thread, conversation: Conversation, now: datetime) -> bool:
    """An archived thread is active again from `now`; False when it was active."""
    if not is_archived(thread, conversation, now):
        return False
    thread.archived_at = None
    conversation.last_activity_at = now
    session.add_all([thread, conversation])
    session.flush()
    _publish(session, thread, conversation, "reopen")
    return True


def do_note_thread_send(session: Session, conversation: Conversation, now: datetime) -> None:
    """A message is about to be sent in the thread (the sender may: the shared code checked):
    an archived thread reopens."""
    thread = session.get(Thread, conversation.id)
    if thread is not None:
        do_reopen(session, thread, conversation, now)
