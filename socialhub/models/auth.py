"""Sign-in sessions, refresh tokens and one-time browser log-in tickets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class SessionKind(StrEnum):
    browser = "browser"
    api = "api"
    bot = "bot"  # a bot account's token (socialhub/models/bots.py)


class AuthSession(SQLModel, table=True):
    """One signed-in device. Revoking it ends every credential that hangs off it."""

    __tablename__ = "auth_sessions"
    __table_args__ = (sa.Index("ix_auth_sessions_user_active", "user_id", "revoked_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    device: str = Field(default="", max_length=200)
    ip: str = Field(default="", max_length=64)
    secret_hash: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    last_active_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    revoked_reason: str | None = Field(default=None, max_length=32)


class RefreshToken(SQLModel, table=True):
    """A refresh token, kept only as its SHA-256. `used_at` marks it rotated."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="auth_sessions.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class LoginTicket(SQLModel, table=True):
    """A short-lived, single-use proof of a successful browser log-in.

    The Reflex log-in handler cannot set an HttpOnly cookie, so it issues a ticket that the
    browser trades at `/api/v1/auth/browser-session` for the cookie.
    """

    __tablename__ = "login_tickets"

    ticket_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    device: str = Field(default="", max_length=200)
    ip: str = Field(default="", max_length=64)
    expires_at: datetime = Field(sa_column=utc_column())
    used_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
