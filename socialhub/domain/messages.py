"""Messages: send (idempotent by client id), history by keyset, edits, deletes, reactions,
forwarding, and delivery/read receipts. Shared by DMs, groups and (later) server channels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import emoji
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, col, select

from socialhub.db import upsert
from socialhub.domain import blocks, channel_messages, custom_emoji, link_previews, ratelimit, text
from socialhub.domain.audit import do_audit
from socialhub.domain.chats import (
    access_conversation,
    access_for_sending,
    access_history,
    dm_partner_id,
    user_brief,
    visible_last_seq,
)
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.domain.threads import summaries_for as thread_summaries
from socialhub.domain.validation import clean_text
from socialhub.models import (
    Conversation,
    ConversationKind,
    ConversationMember,
    HiddenMessage,
    MemberRole,
    Message,
    MessageEdit,
    MessageKind,
    Reaction,
    SendPolicy,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.chat import MessageView, ReactionSummary, ReplyPreview
from socialhub.models.custom_emoji import StickerRef
from socialhub.models.link_previews import MessageLinkPreview, PreviewStatus
from socialhub.realtime.events import (
    conversation_key,
    publish_ephemeral,
    publish_on_commit,
    redact_message_events,
)

BODY_MAX = 4096
CLIENT_ID_MAX = 64
PAGE_MAX = 100
REPLY_PREVIEW = 200
FORWARD_MAX_TARGETS = 20


# Views -------------------------------------------------------------------------------------------


def _reactions(session: Session, message_ids: Sequence[str]) -> dict[str, list[ReactionSummary]]:
    grouped: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if message_ids:
        rows = session.exec(
            select(Reaction)
            .where(col(Reaction.message_id).in_(message_ids))
            .order_by(col(Reaction.created_at))
        ).all()
        for row in rows:
            grouped[row.message_id][row.emoji].append(row.user_id)
    images = custom_emoji.reaction_images(session, {e for by in grouped.values() for e in by})
    return {
        mid: [_reaction(e, u, images.get(e)) for e, u in by_emoji.items()]
        for mid, by_emoji in grouped.items()
    }


def _reaction(
    key: str, user_ids: list[int], image: custom_emoji.EmojiImage | None
) -> ReactionSummary:
    summary = ReactionSummary(emoji=key, count=len(user_ids), user_ids=user_ids)
    if image is not None:
        summary.name, summary.image_url, summary.still_url = image.name, image.url, image.still_url
    return summary


def _html(
    m: Message,
    emoji: dict[str, custom_emoji.EmojiImage],
    stickers: dict[str, StickerRef],
) -> str:
    if m.deleted_at is not None or m.kind != MessageKind.text.value:
        return ""
    if m.sticker_id:
        sticker = stickers.get(m.sticker_id)
        return (
            text.image_html(sticker, "sh-sticker")
            if sticker
            else "<p><em>This sticker was deleted</em></p>"
        )
    return text.render(m.body, emoji=emoji)


def message_views(
    session: Session,
    messages: Sequence[Message],
    *,
    known: tuple[dict[int | None, User], dict[str, Message]] | None = None,
    nicknames: dict[tuple[str, int], str] | None = None,
) -> list[MessageView]:
    """Views for a page of messages, with authors, reply previews and reactions in few queries.

    `known`: authors and replies already loaded, for messages that cannot have reactions yet;
    `nicknames`: the authors' nicknames, when the caller knows them (else read: one query)."""
    ids = [m.id for m in messages]
    reply_ids = {m.reply_to_id for m in messages if m.reply_to_id}
    authors: dict[int | None, User] = {}
    if known is not None:
        authors.update(known[0])
        replies = known[1]
    else:
        replies = (
            {
                r.id: r
                for r in session.exec(select(Message).where(col(Message.id).in_(reply_ids))).all()
            }
            if reply_ids
            else {}
        )
    author_ids = {m.author_id for m in [*messages, *replies.values()] if m.author_id} - set(authors)
    if author_ids:
        authors.update(
            {u.id: u for u in session.exec(select(User).where(col(User.id).in_(author_ids))).all()}
        )
    reactions = _reactions(session, ids) if known is None else {}
    # A message just stored has no thread yet, nor a card.
    threads = thread_summaries(session, ids) if known is None else {}
    previews = link_previews.previews_for(session, ids) if known is None else {}
    emoji = custom_emoji.images_for(session, (m.body for m in messages))
    stickers = custom_emoji.sticker_refs(session, (m.sticker_id for m in messages if m.sticker_id))
    if nicknames is None:
        nicknames = _nicknames(session, messages)

    def brief(author_id: int | None) -> object:
        user = authors.get(author_id) if author_id else None
        return user_brief(user) if user else None

    views = []
    for m in messages:
        reply = replies.get(m.reply_to_id) if m.reply_to_id else None
        deleted = m.deleted_at is not None
        views.append(
            MessageView(
                id=m.id,
                conversation_id=m.conversation_id,
                seq=m.seq,
                kind=MessageKind(m.kind),
                author=brief(m.author_id),  # type: ignore[arg-type]
                body="" if deleted else m.body,
                html=_html(m, emoji, stickers),
                client_id=m.client_id,
                reply_to=ReplyPreview(
                    id=reply.id,
                    seq=reply.seq,
                    author=brief(reply.author_id),  # type: ignore[arg-type]
                    body="" if reply.deleted_at else reply.body[:REPLY_PREVIEW],
                    deleted=reply.deleted_at is not None,
                )
                if reply
                else None,
                forwarded=m.forwarded,
                attachments=[] if deleted else m.attachments,
                reactions=[] if deleted else reactions.get(m.id, []),
                created_at=m.created_at,
                edited_at=m.edited_at,
                deleted=deleted,
                webhook=m.webhook,  # type: ignore[arg-type]
                interaction=m.interaction,  # type: ignore[arg-type]
                nickname=nicknames.get((m.conversation_id, m.author_id or 0), ""),
                thread=threads.get(m.id),
                sticker=None if deleted or not m.sticker_id else stickers.get(m.sticker_id),
                preview=None if deleted else previews.get(m.id),
            )
        )
    return views


def _nicknames(session: Session, messages: Sequence[Message]) -> dict[tuple[str, int], str]:
    """(conversation, author) -> the author's nickname in the server of that channel, for the
    messages of server channels whose authors have one: one query for a page."""
    authors = {m.author_id for m in messages if m.author_id}
    if not authors:
        return {}
    rows = session.execute(
        sa.select(col(Conversation.id), col(ServerMember.user_id), col(ServerMember.nickname))
        .join(ServerMember, col(ServerMember.server_id) == col(Conversation.server_id))
        .where(
            col(Conversation.id).in_({m.conversation_id for m in messages}),
            col(ServerMember.user_id).in_(authors),
            col(ServerMember.nickname) != "",
        )
    ).all()
    return {(chat, user_id): nickname for chat, user_id, nickname in rows}


def _author_nickname(
    session: Session, conversation: Conversation, message: Message
) -> dict[tuple[str, int], str]:
    """The author's nickname for one message's view, without a query: outside servers there is
    none, and in a server channel the permission check loaded the author's membership (the
    session's identity map answers `get`; it reads the row only if it did not)."""
    if not conversation.server_id or not message.author_id:
        return {}
    member = session.get(ServerMember, (conversation.server_id, message.author_id))
    if member is None or not member.nickname:
        return {}
    return {(conversation.id, message.author_id): member.nickname}


_PUBLISHED_VIEWS = "socialhub_published_message_views"


def message_view(session: Session, message: Message) -> MessageView:
    """The message as shown; the view just published by this transaction is reused."""
    published = session.info.get(_PUBLISHED_VIEWS, {}).get(message.id)
    return published or message_views(session, [message])[0]


def _publish_message(
    session: Session,
    conversation: Conversation,
    message: Message,
    op: str,
    *,
    fresh: tuple[dict[int | None, User], dict[str, Message]] | None = None,
) -> None:
    """Tell every member. Publishing is a change's last step, so its view is final for the
    rest of the transaction (the caller's response reuses it). `fresh`: a message just stored,
    with its author and reply loaded (it has no reactions yet): no query needed."""
    view = message_views(
        session, [message], known=fresh, nicknames=_author_nickname(session, conversation, message)
    )[0]
    view.server_id = conversation.server_id
    session.info.setdefault(_PUBLISHED_VIEWS, {})[message.id] = view
    if op != "add":
        # The log keeps no earlier text: what came before now refers to the message row.
        redact_message_events(
            session,
            message.id,
            {"id": message.id, "conversation_id": conversation.id, "seq": message.seq},
        )
    publish_on_commit(
        session,
        type="message",
        op=op,
        data=view.model_dump(mode="json"),
        conversation=conversation.id,
        message_id=message.id,
    )


# Sending -----------------------------------------------------------------------------------------


def do_append_message(
    session: Session,
    conversation: Conversation,
    *,
    author: User | None,
    body: str,
    kind: MessageKind = MessageKind.text,
    client_id: str | None = None,
    reply_to: Message | None = None,
    forwarded: bool = False,
    webhook: dict[str, Any] | None = None,
    sticker_id: str | None = None,
    interaction: dict[str, Any] | None = None,
) -> Message:
    """Give the message the conversation's next sequence number, store it, and publish it.
    `webhook`: posted by an incoming webhook (no author), the name and avatar it shows.

    The hot path of the app, written in Core: the sequence number under the conversation row's
    lock, one INSERT, the author's own receipt, the event. With a `client_id` the author already
    used (a retry racing its twin), nothing is stored: the stored message is returned instead."""
    now = utcnow()
    conversations, messages_table = _table(Conversation), _table(Message)
    seq = session.execute(
        conversations.update()
        .where(conversations.c.id == conversation.id)
        .values(last_seq=conversations.c.last_seq + 1, last_activity_at=now)
        .returning(conversations.c.last_seq)
    ).scalar_one()
    message = Message(
        conversation_id=conversation.id,
        seq=seq,
        author_id=author.id if author else None,
        client_id=client_id,
        kind=kind.value,
        body=body,
        reply_to_id=reply_to.id if reply_to else None,
        forwarded=forwarded,
        sticker_id=sticker_id,
        created_at=now,
        webhook=webhook,
        interaction=interaction,
    )
    row = message.model_dump()
    stored = session.execute(
        upsert(session, messages_table)
        .values(**row)
        .on_conflict_do_nothing(index_elements=["author_id", "client_id"])
        .returning(messages_table.c.id)
    ).first()
    if stored is None:  # the same client id raced in from another request: that one won
        session.execute(
            conversations.update()
            .where(conversations.c.id == conversation.id)
            .values(last_seq=conversations.c.last_seq - 1)
        )
        existing = _by_client_id(session, author, client_id or "") if author else None
        if existing is None:
            raise Conflict("the message could not be stored", code="send_conflict")
        return existing
    # Mirror the UPDATE on the loaded row without reading it back.
    set_committed_value(conversation, "last_seq", seq)
    set_committed_value(conversation, "last_activity_at", now)
    if author is not None:
        # Your own message is delivered to and read by you.
        members = _table(ConversationMember)
        session.execute(
            members.update()
            .where(
                members.c.conversation_id == conversation.id,
                members.c.user_id == author.id,
            )
            .values(read_seq=seq, delivered_seq=seq)
        )
    authors: dict[int | None, User] = {author.id: author} if author else {}
    replies = {reply_to.id: reply_to} if reply_to else {}
    _publish_message(session, conversation, message, "add", fresh=(authors, replies))
    return message


def _table(model: type[SQLModel]) -> sa.Table:
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


def _check_can_send(
    session: Session, actor: User, conversation: Conversation, member: ConversationMember
) -> None:
    if (
        conversation.kind == ConversationKind.group.value
        and conversation.send_policy == SendPolicy.admins.value
        and member.role != MemberRole.admin.value
    ):
        raise PermissionDenied("only admins can send messages here", code="admins_only")
    partner = dm_partner_id(conversation, actor.id or 0)
    if partner and blocks.is_blocked_between(session, actor.id or 0, partner):
        raise PermissionDenied("you cannot message this user", code="blocked")


def _clean_body(body: str) -> str:
    text = clean_text(body, field="body", max_length=BODY_MAX, multiline=True)
    if not text:
        raise InvalidInput("the message is empty", field="body", code="empty")
    return text


def check_send_message(
    session: Session,
    actor: User,
    conversation_id: str,
    *,
    body: str,
    client_id: str | None = None,
    reply_to_id: str | None = None,
    sticker_id: str | None = None,
    interaction: dict[str, Any] | None = None,
) -> Message:
    """Send a message (or a sticker of a channel's server, with no text). A repeated
    `client_id` returns the message already stored, unchanged. `interaction`: a bot's answer to
    a slash command (`domain/commands.py`), shown with who used which command.

    The client id is not looked up first: the INSERT finds a repeat (its unique index), so a new
    message, the common case, costs no extra read."""
    conversation, member = access_for_sending(session, actor, conversation_id)
    if client_id is not None and not 1 <= len(client_id) <= CLIENT_ID_MAX:
        raise InvalidInput(f"client_id must be 1-{CLIENT_ID_MAX} characters", field="client_id")
    sticker = (
        custom_emoji.sticker_for_send(session, conversation, sticker_id) if sticker_id else None
    )
    text = "" if sticker else custom_emoji.encode(session, actor, conversation, _clean_body(body))
    now = utcnow()
    channel = (
        channel_messages.check_channel_send(session, actor, conversation, text, now=now)
        if channel_messages.is_channel(conversation)
        else None
    )
    if channel is None:
        _check_can_send(session, actor, conversation, member)
    original = None
    if reply_to_id is not None:
        original = session.get(Message, reply_to_id)
        if original is None or original.conversation_id != conversation.id:
            raise NotFound("the message you reply to is not in this chat", code="reply_not_found")
    message = do_append_message(
        session,
        conversation,
        author=actor,
        body=text,
        client_id=client_id,
        reply_to=original,
        sticker_id=sticker.id if sticker else None,
        interaction=interaction,
    )
    if message.conversation_id != conversation.id:
        raise InvalidInput(
            "this client_id was used for another chat", field="client_id", code="client_id_reused"
        )
    if sa.inspect(message).transient:
        # Only a new message counts (a resend is free); over the limit, the caller's
        # transaction rolls the message back.
        ratelimit.hit("message", f"user:{actor.id}")
        if channel is not None:
            channel_messages.do_channel_sent(session, channel, actor, message, now=now)
        do_attach_link_preview(session, conversation, message)
    return message


# Link previews -----------------------------------------------------------------------------------


def do_attach_link_preview(session: Session, conversation: Conversation, message: Message) -> None:
    """The card of a new message's first link: a URL already fetched shows at once (an `edit`
    of the message), a new one once its job has fetched it (`do_publish_preview`)."""
    preview = link_previews.do_attach(session, message.id, message.body)
    if preview is not None and preview.status == PreviewStatus.ready.value:
        _publish_message(session, conversation, message, "edit")


def do_publish_preview(session: Session, preview_id: str) -> int:
    """A preview became ready: every message showing it is republished with its card (an
    `edit`, to everyone who sees the message). Returns how many messages."""
    count = 0
    for message_id in link_previews.messages_showing(session, preview_id):
        message = session.get(Message, message_id)
        if message is None or message.deleted_at is not None:
            continue
        conversation = session.get(Conversation, message.conversation_id)
        if conversation is None:
            continue
        _publish_message(session, conversation, message, "edit")
        count += 1
    return count


def check_remove_preview(session: Session, actor: User, chat_id: str, message_id: str) -> Message:
    """The sender removes their message's card, for everyone."""
    message, conversation, _ = access_message(session, actor, message_id)
    if conversation.id != chat_id:
        raise NotFound("no such message", code="message_not_found")
    if message.author_id != actor.id:
        raise PermissionDenied("only the sender can remove the preview", code="not_author")
    link = session.get(MessageLinkPreview, message.id)
    if link is None or link.removed_at is not None:
        raise NotFound("this message has no preview", code="preview_not_found")
    link.removed_at = utcnow()
    session.add(link)
    session.flush()
    _publish_message(session, conversation, message, "edit")
    return message


def _by_client_id(session: Session, actor: User, client_id: str) -> Message | None:
    """The message the actor sent with this client id, if any (the unique index serves it)."""
    return session.exec(
        select(Message).where(Message.author_id == actor.id, Message.client_id == client_id)
    ).first()


# History -----------------------------------------------------------------------------------------


def _visible(actor: User) -> sa.ColumnElement[bool]:
    hidden = select(HiddenMessage.message_id).where(HiddenMessage.user_id == actor.id)
    return col(Message.id).not_in(hidden)


def list_messages(
    session: Session,
    actor: User,
    conversation_id: str,
    *,
    before: int | None = None,
    after: int | None = None,
    around: str | None = None,
    limit: int = 50,
) -> list[MessageView]:
    """A page of history in ascending order, by keyset on the sequence number (never OFFSET).

    `before=N`: the `limit` messages just older than N (the latest page without any cursor);
    `after=N`: the ones just newer; `around=<message id>`: a window centred on that message.
    """
    conversation, member = access_history(session, actor, conversation_id)
    if sum(x is not None for x in (before, after, around)) > 1:
        raise InvalidInput("give at most one of before, after, around", code="cursor_conflict")
    limit = max(1, min(limit, PAGE_MAX))
    # A member an admin removed reads up to their removal, nothing after it.
    last_seq = visible_last_seq(conversation, member)
    for name, value in (("before", before), ("after", after)):
        if value is not None and not 0 <= value <= last_seq + 1:
            raise InvalidInput(
                f"{name} is not a position in this chat", field=name, code="bad_cursor"
            )
    base = select(Message).where(
        Message.conversation_id == conversation.id, _visible(actor), col(Message.seq) <= last_seq
    )
    if around is not None:
        target = session.get(Message, around)
        if target is None or target.conversation_id != conversation.id or target.seq > last_seq:
            raise NotFound("no such message", code="message_not_found")
        older = session.exec(
            base.where(col(Message.seq) < target.seq)
            .order_by(col(Message.seq).desc())
            .limit(limit // 2)
        ).all()
        newer = session.exec(
            base.where(col(Message.seq) >= target.seq)
            .order_by(col(Message.seq))
            .limit(limit - len(older))
        ).all()
        rows = [*reversed(older), *newer]
    elif after is not None:
        rows = list(
            session.exec(
                base.where(col(Message.seq) > after).order_by(col(Message.seq)).limit(limit)
            ).all()
        )
    else:
        query = base if before is None else base.where(col(Message.seq) < before)
        rows = list(
            reversed(session.exec(query.order_by(col(Message.seq).desc()).limit(limit)).all())
        )
    return message_views(session, rows)


def last_visible_message(
    session: Session, actor: User, conversation: Conversation, *, upto: int | None = None
) -> Message | None:
    query = select(Message).where(Message.conversation_id == conversation.id, _visible(actor))
    if upto is not None:
        query = query.where(col(Message.seq) <= upto)
    return session.exec(query.order_by(col(Message.seq).desc()).limit(1)).first()


def access_message(
    session: Session, actor: User, message_id: str
) -> tuple[Message, Conversation, ConversationMember]:
    message = session.get(Message, message_id) if message_id else None
    if message is None:
        raise NotFound("no such message", code="message_not_found")
    try:
        conversation, member = access_conversation(session, actor, message.conversation_id)
    except NotFound as exc:
        raise NotFound("no such message", code="message_not_found") from exc
    if session.get(HiddenMessage, (message.id, actor.id)) is not None:
        raise NotFound("no such message", code="message_not_found")
    return message, conversation, member


# Edits and deletes -------------------------------------------------------------------------------


def check_edit_message(session: Session, actor: User, message_id: str, *, body: str) -> Message:
    message, conversation, _ = access_message(session, actor, message_id)
    if message.author_id != actor.id or message.kind != MessageKind.text.value:
        raise PermissionDenied("you can only edit your own messages", code="not_author")
    if message.deleted_at is not None:
        raise InvalidInput("this message was deleted", code="message_deleted")
    if message.sticker_id:
        raise InvalidInput("a sticker cannot be edited", code="sticker_message")
    text = custom_emoji.encode(session, actor, conversation, _clean_body(body))
    edit = (
        channel_messages.check_channel_edit(session, actor, conversation, text)
        if channel_messages.is_channel(conversation)
        else None
    )
    if text == message.body:
        return message
    session.add(MessageEdit(message_id=message.id, body=message.body))
    message.body = text
    message.edited_at = utcnow()
    session.add(message)
    session.flush()
    _publish_message(session, conversation, message, "edit")
    if edit is not None:
        channel_messages.do_channel_edited(session, edit, message)
    return message


def list_edits(session: Session, actor: User, message_id: str) -> list[MessageEdit]:
    message, _, _ = access_message(session, actor, message_id)
    return list(
        session.exec(
            select(MessageEdit)
            .where(MessageEdit.message_id == message.id)
            .order_by(col(MessageEdit.edited_at))
        ).all()
    )


def check_delete_message(
    session: Session, actor: User, message_id: str, *, for_everyone: bool
) -> Message:
    message, conversation, member = access_message(session, actor, message_id)
    if not for_everyone:
        session.add(HiddenMessage(message_id=message.id, user_id=actor.id or 0))
        session.flush()
        publish_on_commit(
            session,
            type="message",
            op="hide",
            data={"id": message.id, "conversation_id": conversation.id},
            users=[actor.id or 0],
        )
        return message
    is_group_admin = (
        conversation.kind == ConversationKind.group.value and member.role == MemberRole.admin.value
    )
    moderator = channel_messages.is_channel(conversation) and (
        channel_messages.channel_access(session, actor, conversation).can(
            Permission.MANAGE_MESSAGES
        )
    )
    if message.author_id != actor.id and not (is_group_admin or moderator):
        raise PermissionDenied("you can only delete your own messages", code="not_author")
    if moderator and message.author_id != actor.id and message.deleted_at is None:
        do_audit(
            session,
            conversation.server_id or "",
            actor.id,
            "message_delete",
            target_type="message",
            target_id=message.id,
            changes={"channel_id": conversation.id, "author_id": message.author_id},
        )
    if message.kind != MessageKind.text.value:
        raise PermissionDenied("system messages cannot be deleted", code="system_message")
    do_delete_message(session, conversation, message)
    return message


def do_delete_message(session: Session, conversation: Conversation, message: Message) -> None:
    """Delete for everyone: a tombstone stays in the history; the text, its earlier versions
    and its reactions are gone (also from the event log). Deleting a tombstone does nothing."""
    if message.deleted_at is not None:
        return
    message.deleted_at = utcnow()
    message.body = ""
    message.attachments = []
    session.execute(sa.delete(MessageEdit).where(col(MessageEdit.message_id) == message.id))
    session.execute(sa.delete(Reaction).where(col(Reaction.message_id) == message.id))
    session.add(message)
    session.flush()
    _publish_message(session, conversation, message, "delete")


# Reactions ---------------------------------------------------------------------------------------


def _clean_emoji(value: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > 64 or not emoji.purely_emoji(text) or emoji.emoji_count(text) != 1:
        raise InvalidInput("react with a single emoji", field="emoji", code="invalid_emoji")
    return text


def _publish_reactions(session: Session, conversation: Conversation, message: Message) -> None:
    session.info.get(_PUBLISHED_VIEWS, {}).pop(message.id, None)  # its reactions changed
    publish_on_commit(
        session,
        type="message",
        op="react",
        data={
            "id": message.id,
            "conversation_id": conversation.id,
            # A custom emoji's name and image only when there is one.
            "reactions": [
                r.model_dump(mode="json", exclude_defaults=True)
                for r in _reactions(session, [message.id]).get(message.id, [])
            ],
        },
        conversation=conversation.id,
    )


def check_react(session: Session, actor: User, message_id: str, value: str) -> None:
    message, conversation, _ = access_message(session, actor, message_id)
    if message.deleted_at is not None or message.kind != MessageKind.text.value:
        raise InvalidInput("you cannot react to this message", code="message_deleted")
    if channel_messages.is_channel(conversation):
        access = channel_messages.channel_access(session, actor, conversation)
        access.require(Permission.ADD_REACTIONS, "you may not add reactions in this channel")
    symbol = custom_emoji.reaction_key(session, actor, conversation, value) or _clean_emoji(value)
    ratelimit.hit("reaction", f"user:{actor.id}")
    if session.get(Reaction, (message.id, actor.id, symbol)) is None:
        session.add(Reaction(message_id=message.id, user_id=actor.id or 0, emoji=symbol))
        session.flush()
        _publish_reactions(session, conversation, message)


def check_unreact(session: Session, actor: User, message_id: str, value: str) -> None:
    message, conversation, _ = access_message(session, actor, message_id)
    ratelimit.hit("reaction", f"user:{actor.id}")
    symbol = custom_emoji.stored_reaction_key(session, actor, conversation, value)
    row = session.get(Reaction, (message.id, actor.id, symbol))
    if row is not None:
        session.delete(row)
        session.flush()
        _publish_reactions(session, conversation, message)


# Forwarding --------------------------------------------------------------------------------------


def check_forward(
    session: Session, actor: User, message_id: str, conversation_ids: Sequence[str]
) -> list[Message]:
    message, _, _ = access_message(session, actor, message_id)
    if message.deleted_at is not None or message.kind != MessageKind.text.value:
        raise InvalidInput("this message cannot be forwarded", code="message_deleted")
    targets = list(dict.fromkeys(conversation_ids))
    if not 1 <= len(targets) <= FORWARD_MAX_TARGETS:
        raise InvalidInput(
            f"forward to 1-{FORWARD_MAX_TARGETS} chats",
            field="conversation_ids",
            code="bad_targets",
        )
    checked = []
    now = utcnow()
    for target in targets:
        conversation, member = access_conversation(session, actor, target)
        channel = None
        if channel_messages.is_channel(conversation):
            channel = channel_messages.check_channel_send(
                session, actor, conversation, message.body, now=now
            )
        else:
            _check_can_send(session, actor, conversation, member)
        if message.sticker_id:  # only into the channels of the sticker's own server
            custom_emoji.sticker_for_send(session, conversation, message.sticker_id)
        checked.append((conversation, channel))
    ratelimit.hit("forward", f"user:{actor.id}", cost=len(checked))
    sent = []
    for conversation, channel in checked:
        copy = do_append_message(
            session,
            conversation,
            author=actor,
            body=message.body,
            forwarded=True,
            sticker_id=message.sticker_id,
        )
        if channel is not None:
            channel_messages.do_channel_sent(session, channel, actor, copy, now=now)
        do_attach_link_preview(session, conversation, copy)
        sent.append(copy)
    return sent


# Receipts ----------------------------------------------------------------------------------------


def _advance(
    session: Session, actor: User, conversation_id: str, seq: int, *, read: bool
) -> ConversationMember:
    channel = session.get(Conversation, conversation_id) if conversation_id else None
    if channel is not None and channel_messages.is_channel(channel):
        # A channel has a read marker of the member's own, and no delivery receipts.
        member = channel_messages.channel_membership(session, actor, channel)
        if seq < 0:
            raise InvalidInput("seq must not be negative", field="seq")
        if not read:
            return member
        return channel_messages.do_mark_channel_read(session, actor, channel, seq)
    # A member an admin removed still reads (and so marks) up to their removal.
    conversation, member = access_history(session, actor, conversation_id)
    if seq < 0:
        raise InvalidInput("seq must not be negative", field="seq")
    seq = min(seq, visible_last_seq(conversation, member))
    changed = False
    if seq > member.delivered_seq:
        member.delivered_seq = seq
        changed = True
    if read and seq > member.read_seq:
        member.read_seq = seq
        changed = True
    if changed:
        session.add(member)
        session.flush()
    if changed and member.left_at is None:
        _publish_receipt(
            session, conversation.id, actor.id or 0, member.delivered_seq, member.read_seq
        )
    return member


def receipt_marks(event: dict[str, Any]) -> list[tuple[int, int, int]]:
    """(user id, delivered seq, read seq) of each member a receipt event moved: one for
    `receipt`/`update` (a client's own call), any number for `receipt`/`batch` (the receipts of a
    chat written together)."""
    data = event.get("data") or {}
    if event.get("type") != "receipt":
        return []
    marks = data.get("marks") if event.get("op") == "batch" else [data]
    return [
        (int(m["user_id"]), int(m["delivered_seq"]), int(m["read_seq"]))
        for m in marks or ()
        if "user_id" in m
    ]


def _publish_receipt(
    session: Session, conversation_id: str, user_id: int, delivered_seq: int, read_seq: int
) -> None:
    """A member's receipt, stored once in the conversation (authors' ticks, my unread count)."""
    publish_on_commit(
        session,
        type="receipt",
        op="update",
        data={
            "conversation_id": conversation_id,
            "user_id": user_id,
            "delivered_seq": delivered_seq,
            "read_seq": read_seq,
        },
        conversation=conversation_id,
    )


def check_mark_read(
    session: Session, actor: User, conversation_id: str, seq: int
) -> ConversationMember:
    """Everything up to `seq` was seen in the open chat (receipts never move backwards)."""
    return _advance(session, actor, conversation_id, seq, read=True)


def check_mark_delivered(
    session: Session, actor: User, conversation_id: str, seq: int
) -> ConversationMember:
    """Everything up to `seq` reached one of the actor's devices."""
    return _advance(session, actor, conversation_id, seq, read=False)


def do_acknowledge_delivery(session: Session, user_id: int, positions: dict[str, int]) -> None:
    """A device of `user_id` received these messages (chat id -> highest seq)."""
    do_record_receipts(session, {(user_id, c): seq for c, seq in positions.items()}, {})


def do_record_receipts(
    session: Session,
    delivered: dict[tuple[int, str], int],
    read: dict[tuple[int, str], int],
) -> None:
    """Receipts noted by live clients, (user, chat) -> highest seq, written together: one read
    of the memberships, one UPDATE for each one that moves, and ONE event per chat carrying every
    member's new marks (`receipt`/`batch`): with a receipt event per member, a chat of N readers
    would push N x N events. Receipts never move backwards, and a chat the user has left
    meanwhile is skipped."""
    keys = sorted(set(delivered) | set(read))
    if not keys:
        return
    channel_ids = set(
        session.exec(
            select(Conversation.id).where(
                col(Conversation.id).in_({chat for _, chat in keys}),
                Conversation.kind == ConversationKind.channel.value,
            )
        ).all()
    )
    if channel_ids:
        channel_messages.do_record_channel_reads(
            session, {k: v for k, v in read.items() if k[1] in channel_ids}
        )
        keys = [k for k in keys if k[1] not in channel_ids]
    cm = ConversationMember
    rows = session.execute(
        sa.select(
            col(cm.conversation_id),
            col(cm.user_id),
            col(cm.delivered_seq),
            col(cm.read_seq),
            col(Conversation.last_seq),
        )
        .join(Conversation, col(Conversation.id) == col(cm.conversation_id))
        .where(
            sa.tuple_(col(cm.user_id), col(cm.conversation_id)).in_(keys),
            col(cm.left_at).is_(None),
        )
    ).all()
    marks: dict[str, list[dict[str, int]]] = {}
    for chat, user_id, got, seen, last_seq in rows:
        new_got = min(
            max(got, delivered.get((user_id, chat), 0), read.get((user_id, chat), 0)), last_seq
        )
        new_seen = min(max(seen, read.get((user_id, chat), 0)), last_seq)
        if (new_got, new_seen) == (got, seen):
            continue
        session.execute(
            sa.update(cm)
            .where(col(cm.conversation_id) == chat, col(cm.user_id) == user_id)
            .values(delivered_seq=new_got, read_seq=new_seen)
        )
        marks.setdefault(chat, []).append(
            {"user_id": user_id, "delivered_seq": new_got, "read_seq": new_seen}
        )
    for chat, moved in sorted(marks.items()):
        publish_on_commit(
            session,
            type="receipt",
            op="batch",
            data={"conversation_id": chat, "marks": sorted(moved, key=lambda m: m["user_id"])},
            conversation=chat,
        )


def check_typing(session: Session, actor: User, conversation_id: str) -> None:
    """The actor is typing here: tell the others, if the actor may send in this chat."""
    conversation, member = access_conversation(session, actor, conversation_id)
    if channel_messages.is_channel(conversation):
        access = channel_messages.channel_access(session, actor, conversation)
        access.require(Permission.SEND_MESSAGES)
    else:
        _check_can_send(session, actor, conversation, member)
    ratelimit.hit("typing", f"user:{actor.id}")
    do_signal_typing(session, conversation, actor)


def do_signal_typing(session: Session, conversation: Conversation, actor: User) -> None:
    """A signal, never stored, pushed now to the conversation's live members (a missed one
    costs nothing; each client ignores its own user's)."""
    publish_ephemeral(
        type="typing",
        op="start",
        data={
            "conversation_id": conversation.id,
            "user_id": actor.id,
            "name": actor.display_name or actor.username,
        },
        keys=[conversation_key(conversation.id)],
    )
