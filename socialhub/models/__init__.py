"""Every table, imported here so that `SQLModel.metadata` (and alembic) sees them all."""

from socialhub.models.auth import AuthSession, LoginTicket, RefreshToken, SessionKind
from socialhub.models.events import UserEvent, UserStream
from socialhub.models.users import Presence, SiteRole, User

__all__ = [
    "AuthSession",
    "LoginTicket",
    "Presence",
    "RefreshToken",
    "SessionKind",
    "SiteRole",
    "User",
    "UserEvent",
    "UserStream",
]
