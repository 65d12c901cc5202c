"""Every table, imported here so that `SQLModel.metadata` (and alembic) sees them all."""

from socialhub.models.auth import AuthSession, LoginTicket, RefreshToken, SessionKind
from socialhub.models.chat import (
    Block,
    Conversation,
    ConversationKind,
    ConversationMember,
    HiddenMessage,
    InviteLink,
    MemberRole,
    Message,
    MessageEdit,
    MessageKind,
    Reaction,
    SendPolicy,
)
from socialhub.models.events import UserEvent, UserStream
from socialhub.models.users import Presence, PresenceVisibility, SiteRole, User

__all__ = [
    "AuthSession",
    "Block",
    "Conversation",
    "ConversationKind",
    "ConversationMember",
    "HiddenMessage",
    "InviteLink",
    "LoginTicket",
    "MemberRole",
    "Message",
    "MessageEdit",
    "MessageKind",
    "Presence",
    "PresenceVisibility",
    "Reaction",
    "RefreshToken",
    "SendPolicy",
    "SessionKind",
    "SiteRole",
    "User",
    "UserEvent",
    "UserStream",
]
