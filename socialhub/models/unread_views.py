"""What a person has unread, as the navigation badge, the tab title and the API show it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from socialhub.models.chat import ConversationKind


class ChatUnread(BaseModel):
    """One chat's unread count, with what deciding whether to tell about it needs."""

    id: str
    kind: ConversationKind
    unread: int = Field(description="messages after the member's read marker")
    last_seq: int
    read_seq: int
    muted: bool


class UnreadView(BaseModel):
    """Every chat the person is in, with its unread count, and the total of the chats that are
    not muted (what the badge, the tab title and the icon show)."""

    total: int
    chats: list[ChatUnread]
