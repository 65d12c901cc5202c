"""Whether a person is told about a message, and what they have unread.

`should_notify` is the ONE rule for "tell this person": the live toast asks it today, and
notifications (push, mail, the bell) extend it rather than write a second one. It decides from
facts loaded beforehand (`recipient`, `unread_facts`), so a live client asks it for every
message without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from socialhub.domain.text import mentions
from socialhub.models import Block, Conversation, ConversationKind, ConversationMember, User
from socialhub.models.chat import MessageKind, MessageView
from socialhub.models.unread_views import ChatUnread, UnreadView


def unread_count(last_seq: int, read_seq: int) -> int:
    """Messages after the read marker: the one count of the chat list, the badge and the API."""
    return max(0, last_seq - read_seq)


@dataclass(frozen=True)
class Recipient:
    """Who might be told: their name (mentions) and the people they block."""

    user_id: int
    username: str
    blocks: frozenset[int] = frozenset()


def recipient(session: Session, user: User) -> Recipient:
    blocked = session.exec(select(Block.blocked_id).where(Block.blocker_id == user.id)).all()
    return Recipient(user_id=user.id or 0, username=user.username, blocks=frozenset(blocked))


def should_notify(
    person: Recipient, chat: ChatUnread, message: MessageView, *, viewing: str = ""
) -> bool:
    """Whether `person` is told about `message` in `chat` (their own view of it).

    Told: a new message by someone else, in a chat they have not muted, from nobody they block,
    that they have not read yet and are not reading now (`viewing`: the chat on their screen),
    when it is a direct message or mentions them."""
    author = message.author
    if (
        message.kind != MessageKind.text
        or message.deleted
        or author is None
        or author.id == person.user_id
        or author.id in person.blocks
        or chat.muted
        or chat.id != message.conversation_id
        or chat.id == viewing
        or message.seq <= chat.read_seq
    ):
        return False
    return chat.kind == ConversationKind.dm or person.username.lower() in mentions(message.body)


def chat_unread(
    chat_id: str, kind: str, last_seq: int, read_seq: int, *, muted: bool
) -> ChatUnread:
    return ChatUnread(
        id=chat_id,
        kind=ConversationKind(kind),
        unread=unread_count(last_seq, read_seq),
        last_seq=last_seq,
        read_seq=read_seq,
        muted=muted,
    )


def unread_total(chats: Iterable[ChatUnread], *, reading: str = "") -> int:
    """What the badge counts: unread messages of the chats not muted (`reading`: the chat on
    screen, read as it arrives)."""
    return sum(c.unread for c in chats if not c.muted and c.id != reading)


def unread_facts(session: Session, user: User, *, only: Iterable[str] | None = None) -> UnreadView:
    """Every chat `user` is in with its unread count (`only`: just these), in one query."""
    query = (
        select(Conversation, ConversationMember)
        .join(ConversationMember, col(ConversationMember.conversation_id) == col(Conversation.id))
        .where(ConversationMember.user_id == user.id, col(ConversationMember.left_at).is_(None))
        .order_by(col(Conversation.last_activity_at).desc())
    )
    if only is not None:
        query = query.where(col(Conversation.id).in_(list(only)))
    chats = [
        chat_unread(c.id, c.kind, c.last_seq, m.read_seq, muted=m.muted)
        for c, m in session.exec(query).all()
    ]
    return UnreadView(total=unread_total(chats), chats=chats)
