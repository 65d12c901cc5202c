"""Pinned messages, in every kind of conversation: pin, unpin, the pinned list.

Who may pin: in a server channel, MANAGE_MESSAGES there; in a DM, either person; in a group,
any member, or only admins when only admins may send. A deleted message is no longer pinned.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain import channel_messages
from socialhub.domain.audit import do_audit
from socialhub.domain.chats import (
    access_history,
    do_system_message,
    may_pin,
    user_brief,
    visible_last_seq,
)
from socialhub.domain.errors import Conflict, InvalidInput, PermissionDenied
from socialhub.domain.messages import access_message, message_views
from socialhub.domain.permissions import Permission
from socialhub.models import (
    Conversation,
    ConversationMember,
    HiddenMessage,
    Message,
    MessageKind,
    PinnedMessage,
    User,
)
from socialhub.models.channel_views import PinView
from socialhub.realtime.events import publish_on_commit

PINS_MAX = 50


def _require_pin_right(
    session: Session, actor: User, conversation: Conversation, member: ConversationMember
) -> None:
    if channel_messages.is_channel(conversation):
        access = channel_messages.channel_access(session, actor, conversation)
        access.require(Permission.MANAGE_MESSAGES, "you need MANAGE_MESSAGES to pin here")
    elif not may_pin(conversation, member):
        raise PermissionDenied("only admins can pin messages here", code="admins_only")


def _live_pins(conversation_id: str) -> sa.Select[Any]:
    """How many messages are pinned in a conversation (deleted ones are not)."""
    return (
        sa.select(sa.func.count())
        .select_from(PinnedMessage)
        .join(Message, col(Message.id) == col(PinnedMessage.message_id))
        .where(
            col(PinnedMessage.conversation_id) == conversation_id,
            col(Message.deleted_at).is_(None),
        )
    )


def _publish(session: Session, conversation: Conversation, op: str, message: Message) -> None:
    publish_on_commit(
        session,
        type="pin",
        op=op,
        data={"conversation_id": conversation.id, "message_id": message.id, "seq": message.seq},
        conversation=conversation.id,
    )


def check_pin(session: Session, actor: User, message_id: str) -> PinnedMessage:
    """Pin a message (again: nothing changes). At most `PINS_MAX` per conversation."""
    message, conversation, member = access_message(session, actor, message_id)
    _require_pin_right(session, actor, conversation, member)
    if message.deleted_at is not None:
        raise InvalidInput("this message was deleted", code="message_deleted")
    if message.kind != MessageKind.text.value:
        raise InvalidInput("system messages cannot be pinned", code="system_message")
    found = session.get(PinnedMessage, message.id)
    if found is not None:
        return found
    if session.execute(_live_pins(conversation.id)).scalar_one() >= PINS_MAX:
        raise Conflict(
            f"a conversation has at most {PINS_MAX} pinned messages: unpin one first",
            code="too_many_pins",
            details={"max": PINS_MAX},
        )
    return do_pin(session, actor, conversation, message)


def do_pin(
    session: Session, actor: User, conversation: Conversation, message: Message
) -> PinnedMessage:
    """Store the pin, say so in the history ("X pinned a message", as Discord and the
    messengers do), tell the conversation; in a server, the audit log."""
    # Pins of messages deleted since no longer count: they go now.
    session.execute(
        sa.delete(PinnedMessage).where(
            col(PinnedMessage.conversation_id) == conversation.id,
            col(PinnedMessage.message_id).in_(
                sa.select(col(Message.id)).where(
                    col(Message.conversation_id) == conversation.id,
                    col(Message.deleted_at).is_not(None),
                )
            ),
        )
    )
    pin = PinnedMessage(message_id=message.id, conversation_id=conversation.id, pinned_by=actor.id)
    session.add(pin)
    session.flush()
    do_system_message(session, conversation, f"{actor.username} pinned a message")
    _publish(session, conversation, "add", message)
    if conversation.server_id:
        do_audit(
            session,
            conversation.server_id,
            actor.id,
            "message_pin",
            target_type="message",
            target_id=message.id,
            changes={"channel_id": conversation.id, "author_id": message.author_id},
        )
    return pin


def check_unpin(session: Session, actor: User, message_id: str) -> None:
    """Unpin (a message not pinned: nothing changes)."""
    message, conversation, member = access_message(session, actor, message_id)
    _require_pin_right(session, actor, conversation, member)
    pin = session.get(PinnedMessage, message.id)
    if pin is None:
        return
    session.delete(pin)
    session.flush()
    _publish(session, conversation, "remove", message)
    if conversation.server_id:
        do_audit(
            session,
            conversation.server_id,
            actor.id,
            "message_unpin",
            target_type="message",
            target_id=message.id,
            changes={"channel_id": conversation.id, "author_id": message.author_id},
        )


def list_pins(session: Session, actor: User, conversation_id: str) -> list[PinView]:
    """The pinned messages the actor may read, newest pin first (not the deleted, nor those
    they hid for themselves; a member an admin removed sees those up to the removal)."""
    conversation, member = access_history(session, actor, conversation_id)
    rows = session.exec(
        select(PinnedMessage, Message)
        .join(Message, col(Message.id) == col(PinnedMessage.message_id))
        .where(
            PinnedMessage.conversation_id == conversation.id,
            col(Message.deleted_at).is_(None),
            col(Message.seq) <= visible_last_seq(conversation, member),
            col(Message.id).not_in(
                select(HiddenMessage.message_id).where(HiddenMessage.user_id == actor.id)
            ),
        )
        .order_by(col(PinnedMessage.pinned_at).desc(), col(Message.seq).desc())
        .limit(PINS_MAX)
    ).all()
    views = message_views(session, [m for _, m in rows])
    pinners = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_({p.pinned_by for p, _ in rows if p.pinned_by}))
        ).all()
    }
    return [
        PinView(
            message=view,
            pinned_by=user_brief(pinners[pin.pinned_by]) if pin.pinned_by in pinners else None,
            pinned_at=pin.pinned_at,
        )
        for (pin, _), view in zip(rows, views, strict=True)
    ]
