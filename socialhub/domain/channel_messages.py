"""What differs when a conversation is a server channel: who may read and send (the permission
function), slow mode, automod, mentions of roles and @everyone/@here, and a member's own read
marker (no receipts: in a channel of thousands nobody sees who read what). An incoming
webhook's message goes through the same automod and mentions (`check_webhook_send`).

The message code itself (`messages.py`) is shared with DMs and groups; it calls in here when the
conversation is a channel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.db import upsert
from socialhub.domain import threads
from socialhub.domain.errors import NotFound, PermissionDenied, RateLimited
from socialhub.domain.permissions import (
    ChannelAccess,
    MemberFacts,
    Permission,
    ServerAccess,
    access_channel,
    channel_viewers,
)
from socialhub.domain.permissions import snapshot as server_snapshot
from socialhub.domain.text import mentions
from socialhub.models import (
    ChannelState,
    ChannelType,
    Conversation,
    ConversationKind,
    ConversationMember,
    MentionKind,
    Message,
    MessageMention,
    Server,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.threads import THREAD_TYPE
from socialhub.realtime.events import publish_on_commit

_ACCESS = "socialhub_channel_access"
EVERYONE_TOKENS = {"everyone": MentionKind.everyone, "here": MentionKind.here}


def is_channel(conversation: Conversation) -> bool:
    return conversation.kind == ConversationKind.channel.value


def role_token(name: str) -> str:
    """How a role is mentioned: `@` and its name in lower case, spaces as dashes."""
    return "-".join(name.lower().split())


def channel_access(session: Session, actor: User, conversation: Conversation) -> ChannelAccess:
    """The actor's access to a channel, computed once per transaction."""
    cache: dict[tuple[int, str], ChannelAccess] = session.info.setdefault(_ACCESS, {})
    key = (actor.id or 0, conversation.id)
    if key not in cache:
        cache[key] = access_channel(session, actor, conversation.id, channel=conversation)
    return cache[key]


def channel_membership(
    session: Session, actor: User, conversation: Conversation
) -> ConversationMember:
    """A channel member's place in the shared message code: a row NOT stored (channels have no
    member rows) carrying the member's own read marker. NotFound if they may not view it."""
    access = channel_access(session, actor, conversation)
    state = session.get(ChannelState, (conversation.id, actor.id or 0))
    read_seq = state.read_seq if state is not None else 0
    return ConversationMember(
        conversation_id=conversation.id,
        user_id=actor.id or 0,
        joined_at=access.server.member.joined_at,
        delivered_seq=read_seq,
        read_seq=read_seq,
        joined_position=access.server.member.joined_position,
    )


def require_history(session: Session, actor: User, conversation: Conversation) -> None:
    if not channel_access(session, actor, conversation).can(Permission.READ_HISTORY):
        raise PermissionDenied("you may not read this channel's history", code="missing_permission")


# Sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    kind: MentionKind
    target: str = ""


# Checks an automod implementation registers: (session, access, author, body) -> flagged rule
# ids; it raises to block a message. The author is None for an incoming webhook's message.
AutomodCheck = Callable[[Session, ChannelAccess, User | None, str], list[int]]
_automod: list[AutomodCheck] = []
_after_send: list[Callable[[Session, ChannelAccess, Message, list[int]], None]] = []


def register_automod(
    check: AutomodCheck,
    flagged: Callable[[Session, ChannelAccess, Message, list[int]], None],
) -> None:
    if check not in _automod:
        _automod.append(check)
        _after_send.append(flagged)


@dataclass(frozen=True)
class SendCheck:
    access: ChannelAccess
    mentions: list[Mention]
    flagged: list[int]


def check_channel_send(
    session: Session, actor: User, conversation: Conversation, body: str, *, now: datetime
) -> SendCheck:
    """May the actor post this here now: SEND_MESSAGES (announcement channels grant it to
    some roles only, by overwrites), posts go to posts channels through posts, slow mode
    (MANAGE_MESSAGES and MANAGE_CHANNELS skip it), automod; and whom it mentions."""
    access = channel_access(session, actor, conversation)
    if conversation.channel_type == ChannelType.posts.value:
        raise PermissionDenied("post in a posts channel", code="posts_channel")
    check_may_write(session, access, actor, now=now, what="send messages")
    if conversation.channel_type == THREAD_TYPE:
        threads.do_note_thread_send(session, conversation, now)
    return SendCheck(access, channel_mentions(access, body), screen(session, access, actor, body))


def check_may_write(
    session: Session, access: ChannelAccess, actor: User, *, now: datetime, what: str
) -> None:
    """A new message or post in the channel: not timed out, SEND_MESSAGES, and slow mode
    (429 `slow_mode` with the seconds left)."""
    if access.server.facts.timed_out(now):
        raise PermissionDenied(
            "you are timed out in this server",
            code="timed_out",
            details={"until": access.server.member.timeout_until},
        )
    access.require(Permission.SEND_MESSAGES, f"you may not {what} in this channel")
    wait = slow_mode_wait(session, access, actor, now=now)
    if wait > 0:
        error = RateLimited(f"slow mode: wait {wait} s before your next one", retry_after=wait)
        error.code = "slow_mode"
        raise error


def do_note_written(session: Session, channel_id: str, author_id: int, *, now: datetime) -> None:
    """Start the author's slow-mode clock in the channel (a post; a message's send does it with
    its read marker, `do_channel_sent`)."""
    table = ChannelState.__table__  # type: ignore[attr-defined]
    statement = upsert(session, table).values(
        conversation_id=channel_id, user_id=author_id, last_sent_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["conversation_id", "user_id"], set_={"last_sent_at": now}
        )
    )


def screen(session: Session, access: ChannelAccess, actor: User | None, body: str) -> list[int]:
    """The server's automod on a text about to be sent or edited in (by `actor`, None for a
    webhook): raises when a rule blocks it; the rules that flag it."""
    from socialhub.domain import automod  # noqa: F401  (registers the server's automod)

    flagged: list[int] = []
    for check in _automod:
        flagged += check(session, access, actor, body)
    return flagged


def check_channel_edit(
    session: Session, actor: User, conversation: Conversation, body: str
) -> SendCheck:
    """An edit is a new text in the channel: SEND_MESSAGES (a timed-out member has lost it)
    and automod, as for a send (no slow mode, no new mentions)."""
    access = channel_access(session, actor, conversation)
    access.require(Permission.SEND_MESSAGES, "you may not write in this channel")
    return SendCheck(access, [], screen(session, access, actor, body))


def do_channel_edited(session: Session, checked: SendCheck, message: Message) -> None:
    for after in _after_send:
        after(session, checked.access, message, checked.flagged)


def slow_mode_wait(
    session: Session, access: ChannelAccess, actor: User, *, now: datetime | None = None
) -> int:
    """Seconds the actor must still wait before sending here (0: now)."""
    seconds = access.channel.slow_mode_seconds
    if (
        not seconds
        or access.can(Permission.MANAGE_MESSAGES)
        or access.can(Permission.MANAGE_CHANNELS)
    ):
        return 0
    state = session.get(ChannelState, (access.channel.id, actor.id or 0))
    if state is None or state.last_sent_at is None:
        return 0
    left = state.last_sent_at + timedelta(seconds=seconds) - (now or utcnow())
    return max(0, math.ceil(left.total_seconds()))


def channel_mentions(access: ChannelAccess, body: str) -> list[Mention]:
    """Users (by name, resolved later), mentionable roles, and @everyone/@here only with
    MENTION_EVERYONE (without it they are plain text, as on Discord)."""
    found: list[Mention] = []
    roles = {
        role_token(r.name): r for r in access.server.snapshot.roles.values() if not r.is_everyone
    }
    for token in mentions(body):
        if token in EVERYONE_TOKENS:
            if access.can(Permission.MENTION_EVERYONE):
                found.append(Mention(EVERYONE_TOKENS[token]))
        elif token in roles:
            role = roles[token]
            if role.mentionable or access.can(Permission.MENTION_EVERYONE):
                found.append(Mention(MentionKind.role, role.id))
        else:
            found.append(Mention(MentionKind.user, token))
    return found


def check_webhook_send(
    session: Session, conversation: Conversation, server: Server, creator_id: int | None, body: str
) -> SendCheck:
    """An incoming webhook's message about to be posted in its channel: the server's automod as
    for a member's (a webhook has no roles, so no moderator's exemption: a block rule refuses
    it, a flag rule flags it), and whom it mentions, as a member's message would (members who
    may view the channel, mentionable roles); @everyone/@here, and roles that are not
    mentionable, only while the webhook's creator still has MENTION_EVERYONE in the channel
    (otherwise they stay plain text), like Discord's allowed mentions."""
    access = webhook_access(session, conversation, server, creator_id)
    return SendCheck(access, channel_mentions(access, body), screen(session, access, None, body))


def webhook_access(
    session: Session, conversation: Conversation, server: Server, creator_id: int | None
) -> ChannelAccess:
    """A webhook in its channel, for the code a member's message goes through: no member (a row
    NOT stored, user id 0, which no user has) and no roles; its one permission is
    MENTION_EVERYONE, while its creator is a member who may view the channel and has it there."""
    bits = 0
    creator = session.get(User, creator_id) if creator_id else None
    if creator is not None:
        try:
            if channel_access(session, creator, conversation).can(Permission.MENTION_EVERYONE):
                bits = int(Permission.MENTION_EVERYONE)
        except NotFound:  # the creator left the server or may no longer view the channel
            pass
    nobody = ServerMember(server_id=server.id, user_id=0)
    server_access = ServerAccess(
        server, nobody, MemberFacts(0, frozenset()), server_snapshot(session, server), 0
    )
    return ChannelAccess(conversation, server_access, bits)


def do_channel_sent(
    session: Session, checked: SendCheck, author: User | None, message: Message, *, now: datetime
) -> None:
    """After the shared code stored the message: the author's read marker and slow-mode clock
    (`author` None: an incoming webhook's message, which has neither), the mentions (one row
    per user, role or @everyone, never one per member), automod's flags, and the channel's
    outgoing webhook (a member's message only: a webhook's is not sent on, so webhooks
    cannot loop)."""
    if author is not None:
        _note_read_and_sent(session, message, author.id or 0, now=now)
    author_id = author.id if author is not None else None
    usernames = [m.target for m in checked.mentions if m.kind == MentionKind.user]
    user_ids = _member_ids(session, checked.access, usernames)
    rows = [
        {"kind": m.kind.value, "target": m.target}
        for m in checked.mentions
        if m.kind != MentionKind.user
    ] + [{"kind": MentionKind.user.value, "target": str(u)} for u in user_ids if u != author_id]
    if rows:
        session.execute(
            sa.insert(MessageMention),
            [
                {
                    **row,
                    "message_id": message.id,
                    "conversation_id": message.conversation_id,
                    "seq": message.seq,
                }
                for row in rows
            ],
        )
        publish_on_commit(
            session,
            type="mention",
            op="add",
            data={
                "server_id": checked.access.server.server.id,
                "conversation_id": message.conversation_id,
                "message_id": message.id,
                "seq": message.seq,
                "author_id": author_id,
                "mentions": rows,
            },
            conversation=message.conversation_id,
        )
    for after in _after_send:
        after(session, checked.access, message, checked.flagged)
    if author is None:
        return
    from socialhub.domain import webhook_delivery  # imports the message code, which imports us

    webhook_delivery.do_queue_deliveries(session, checked.access.channel, message)


def _note_read_and_sent(
    session: Session, message: Message, author_id: int, *, now: datetime
) -> None:
    """The author's read marker at their own message, and their slow-mode clock started."""
    table = ChannelState.__table__  # type: ignore[attr-defined]
    statement = upsert(session, table).values(
        conversation_id=message.conversation_id,
        user_id=author_id,
        read_seq=message.seq,
        last_sent_at=now,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["conversation_id", "user_id"],
            set_={"read_seq": message.seq, "last_sent_at": now},
        )
    )


def _member_ids(session: Session, access: ChannelAccess, usernames: Sequence[str]) -> list[int]:
    """The users named who are members of the server and may view the channel: anybody else
    mentioned is not told (the channel is invisible to them)."""
    if not usernames:
        return []
    ids = list(
        session.exec(
            select(User.id)
            .join(ServerMember, col(ServerMember.user_id) == col(User.id))
            .where(
                ServerMember.server_id == access.server.server.id,
                col(User.username_lower).in_(list(usernames)),
            )
        ).all()
    )
    return sorted(channel_viewers(session, access.server.server, access.channel.id, ids))  # type: ignore[arg-type]


# Read markers -----------------------------------------------------------------------------------


def do_mark_channel_read(
    session: Session, actor: User, conversation: Conversation, seq: int
) -> ConversationMember:
    """Move the actor's own read marker (never backwards); only their own streams hear it."""
    member = channel_membership(session, actor, conversation)  # may they view it at all
    state = session.get(ChannelState, (conversation.id, actor.id or 0))
    if _move_read_marker(session, conversation, actor.id or 0, state, seq):
        member.read_seq = member.delivered_seq = max(0, min(seq, conversation.last_seq))
        session.flush()
    return member


def _move_read_marker(
    session: Session, conversation: Conversation, user_id: int, state: ChannelState | None, seq: int
) -> bool:
    """The member's read marker to `seq` (never backwards, never past the last message), heard
    in their own streams; False when it was there already."""
    seq = max(0, min(seq, conversation.last_seq))
    if seq <= (state.read_seq if state is not None else 0):
        return False
    state = state or ChannelState(conversation_id=conversation.id, user_id=user_id)
    state.read_seq = seq
    session.add(state)
    publish_on_commit(
        session,
        type="channel_read",
        op="update",
        data={
            "conversation_id": conversation.id,
            "server_id": conversation.server_id,
            "read_seq": seq,
        },
        users=[user_id],
    )
    return True


def do_record_channel_reads(session: Session, read: dict[tuple[int, str], int]) -> None:
    """Read markers noted by live clients for channels on screen (user, channel) -> seq: per
    channel, who may still view it is asked once for all its readers (a busy channel's 200
    viewers are one permission query, not 200), and their markers are read in one query."""
    by_channel: dict[str, dict[int, int]] = {}
    for (user_id, conversation_id), seq in read.items():
        by_channel.setdefault(conversation_id, {})[user_id] = seq
    for conversation_id in sorted(by_channel):
        conversation = session.get(Conversation, conversation_id)
        if conversation is None or not is_channel(conversation):
            continue
        server = session.get(Server, conversation.server_id)
        if server is None:
            continue
        wanted = by_channel[conversation_id]
        viewers = sorted(channel_viewers(session, server, conversation_id, sorted(wanted)))
        states = {
            state.user_id: state
            for state in session.exec(
                select(ChannelState).where(
                    col(ChannelState.conversation_id) == conversation_id,
                    col(ChannelState.user_id).in_(viewers),
                )
            ).all()
        }
        for user_id in viewers:
            _move_read_marker(session, conversation, user_id, states.get(user_id), wanted[user_id])
    session.flush()


@dataclass(frozen=True)
class ChannelUnread:
    conversation_id: str
    unread: bool
    mentions: int


def channel_unreads(
    session: Session,
    actor: User,
    server_id: str,
    channel_ids: Sequence[str],
    role_ids: Sequence[str],
) -> dict[str, ChannelUnread]:
    """For channels the actor may view: whether anything came after their read marker, and how
    many of those messages mention them (by name, by one of their roles, or @everyone/@here)."""
    if not channel_ids:
        return {}
    rows = session.execute(
        sa.select(col(Conversation.id), col(Conversation.last_seq), col(ChannelState.read_seq))
        .outerjoin(
            ChannelState,
            sa.and_(
                col(ChannelState.conversation_id) == col(Conversation.id),
                col(ChannelState.user_id) == (actor.id or 0),
            ),
        )
        .where(col(Conversation.id).in_(list(channel_ids)))
    ).all()
    read = {str(cid): int(seen or 0) for cid, _, seen in rows}
    last = {str(cid): int(last_seq) for cid, last_seq, _ in rows}
    mm = MessageMention
    targets = sa.or_(
        sa.and_(col(mm.kind) == MentionKind.user.value, col(mm.target) == str(actor.id)),
        sa.and_(col(mm.kind) == MentionKind.role.value, col(mm.target).in_(list(role_ids))),
        col(mm.kind).in_([MentionKind.everyone.value, MentionKind.here.value]),
    )
    counts: dict[str, int] = {}
    unread_ids = [c for c in read if last[c] > read[c]]
    if unread_ids:
        seq_after = sa.case(*((col(mm.conversation_id) == c, read[c]) for c in unread_ids), else_=0)
        for cid, count in session.execute(
            sa.select(col(mm.conversation_id), sa.func.count(sa.distinct(col(mm.message_id))))
            .join(Message, col(Message.id) == col(mm.message_id))
            .where(
                col(mm.conversation_id).in_(unread_ids),
                col(mm.seq) > seq_after,
                targets,
                col(Message.deleted_at).is_(None),
                sa.or_(col(Message.author_id).is_(None), col(Message.author_id) != actor.id),
            )
            .group_by(col(mm.conversation_id))
        ).all():
            counts[str(cid)] = int(count)
    return {c: ChannelUnread(c, last[c] > read[c], counts.get(c, 0)) for c in read}
