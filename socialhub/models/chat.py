"""Conversations (DMs, groups and, later, server channels), their members and messages."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow
from socialhub.models.custom_emoji import StickerRef
from socialhub.models.link_previews import LinkPreviewView
from socialhub.models.threads import ThreadSummary


class ConversationKind(StrEnum):
    dm = "dm"
    group = "group"
    channel = "channel"


class MemberRole(StrEnum):
    member = "member"
    admin = "admin"


class SendPolicy(StrEnum):
    everyone = "everyone"
    admins = "admins"


class MessageKind(StrEnum):
    text = "text"
    system = "system"


class Conversation(SQLModel, table=True):
    """A DM, a group or a server channel: one message history code path for all three."""

    __tablename__ = "conversations"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    # For DMs, "<smaller user id>:<larger user id>": one DM per pair, enforced by the index.
    dm_key: str | None = Field(default=None, max_length=64, unique=True)
    title: str = Field(default="", max_length=100)
    description: str = Field(default="", max_length=500)
    avatar_version: str | None = Field(default=None, max_length=32)
    send_policy: str = Field(default=SendPolicy.everyone.value, max_length=16)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    # The last sequence number given to a message; the row lock on it orders all sends.
    last_seq: int = Field(default=0)
    member_count: int = Field(default=0)
    # Server channels: their server, type, category, place in the list, topic and slow mode
    # (seconds a member waits between messages). `synced`: permissions follow the category's.
    server_id: str | None = Field(
        default=None, foreign_key="servers.id", ondelete="CASCADE", index=True, max_length=32
    )
    channel_type: str | None = Field(default=None, max_length=16)
    category_id: str | None = Field(
        default=None, foreign_key="channel_categories.id", ondelete="SET NULL", max_length=32
    )
    position: int = Field(default=0)
    topic: str = Field(default="", max_length=1024)
    slow_mode_seconds: int = Field(default=0)
    synced: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_activity_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ConversationMember(SQLModel, table=True):
    __tablename__ = "conversation_members"
    __table_args__ = (sa.Index("ix_conversation_members_user", "user_id", "left_at"),)

    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    role: str = Field(default=MemberRole.member.value, max_length=16)
    joined_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    left_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # When an admin removed the member (left_at is set too); cleared when they are back in.
    removed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Who removed them, and the last message they may still read (the removal's own notice):
    # a removed member keeps the chat, read-only, up to there.
    removed_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    left_seq: int | None = Field(default=None)
    # Receipts: the highest message sequence number that reached / was seen by this member.
    delivered_seq: int = Field(default=0)
    read_seq: int = Field(default=0)
    # The membership's span in the event stream: its conversation's events after `joined_position`
    # and up to `left_position` (inclusive; the removal itself) are this member's to replay.
    joined_position: int = Field(default=0)
    left_position: int | None = Field(default=None)
    muted: bool = Field(default=False)
    pinned: bool = Field(default=False)
    archived: bool = Field(default=False)


class Message(SQLModel, table=True):
    __tablename__ = "messages"
    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),
        sa.UniqueConstraint("author_id", "client_id", name="uq_messages_author_client_id"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    conversation_id: str = Field(foreign_key="conversations.id", ondelete="CASCADE", max_length=32)
    seq: int
    author_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    client_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(default=MessageKind.text.value, max_length=16)
    body: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, default=""))
    reply_to_id: str | None = Field(default=None, max_length=32)
    forwarded: bool = Field(default=False)
    attachments: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # A sticker sent as the message (`models/custom_emoji.Sticker`; gone when it was deleted).
    sticker_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    edited_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    deleted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Posted by an incoming webhook (no author): {"id", "name", "avatar_url"} as shown.
    webhook: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))
    # A bot's answer to a slash command: {"invocation_id", "command", "invoker": UserBrief}.
    interaction: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(sa.JSON))


class MessageEdit(SQLModel, table=True):
    """The text a message had before each edit."""

    __tablename__ = "message_edits"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", index=True, max_length=32
    )
    body: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    edited_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class HiddenMessage(SQLModel, table=True):
    """ "Delete for me": the message stays for everyone else."""

    __tablename__ = "hidden_messages"

    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)


class Reaction(SQLModel, table=True):
    __tablename__ = "reactions"

    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    emoji: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Block(SQLModel, table=True):
    __tablename__ = "blocks"

    blocker_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    blocked_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class InviteLink(SQLModel, table=True):
    __tablename__ = "invite_links"

    code: str = Field(primary_key=True, max_length=32)
    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", index=True, max_length=32
    )
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    max_uses: int | None = Field(default=None)
    uses: int = Field(default=0)
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class UserBrief(SQLModel):
    id: int
    username: str
    display_name: str
    avatar_small_url: str | None
    is_bot: bool = False  # a bot account: shown with a BOT tag


class WebhookBrief(SQLModel):
    id: str
    name: str
    avatar_url: str | None = None


class InteractionBrief(SQLModel):
    """A bot's answer to a slash command: which command, used by whom."""

    invocation_id: str
    command: str
    invoker: UserBrief | None = None


class ReplyPreview(SQLModel):
    id: str
    seq: int
    author: UserBrief | None
    body: str
    deleted: bool


class ReactionSummary(SQLModel):
    emoji: str
    count: int
    user_ids: list[int]
    # A custom emoji (`emoji` is `custom:<id>`): its name and image; "" once it is deleted.
    name: str = ""
    image_url: str = ""
    still_url: str = ""


class MessageView(SQLModel):
    id: str
    conversation_id: str
    seq: int
    kind: MessageKind
    author: UserBrief | None
    body: str
    html: str = ""
    client_id: str | None
    reply_to: ReplyPreview | None
    forwarded: bool
    attachments: list[dict[str, Any]]
    reactions: list[ReactionSummary]
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    # Set for a server channel's messages: clients keep them out of the chat list.
    server_id: str | None = None
    # Posted by an incoming webhook: the name and avatar it shows instead of an author.
    webhook: WebhookBrief | None = None
    # A bot's answer to a slash command (who used which).
    interaction: InteractionBrief | None = None
    # The author's nickname in the channel's server ("" for none, and outside servers).
    nickname: str = ""
    # The thread started from this message, if any.
    thread: ThreadSummary | None = None
    sticker: StickerRef | None = None
    # The card of the message's first link, once fetched (and unless its sender removed it).
    preview: LinkPreviewView | None = None


class MemberView(SQLModel):
    user: UserBrief
    role: MemberRole
    joined_at: datetime
    delivered_seq: int
    read_seq: int


class ChatSummary(SQLModel):
    id: str
    kind: ConversationKind
    title: str
    description: str
    avatar_url: str | None
    dm_username: str | None
    member_count: int
    my_role: MemberRole
    send_policy: SendPolicy
    last_message: MessageView | None
    last_seq: int
    read_seq: int
    unread_count: int
    muted: bool
    pinned: bool
    archived: bool
    last_activity_at: datetime
    # An admin removed me: the chat is read-only, up to the removal (`removed_by`: who did it).
    removed: bool = False
    removed_by: str | None = None
    # Whether I may pin messages here (in a DM or group; a server channel's is MANAGE_MESSAGES).
    can_pin: bool = True
    # A DM with a bot account: its title is tagged BOT.
    dm_is_bot: bool = False


class InviteView(SQLModel):
    code: str
    conversation_id: str
    expires_at: datetime | None
    max_uses: int | None
    uses: int
