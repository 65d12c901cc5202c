"""Accounts and their profiles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import utc_column, utcnow


class SiteRole(StrEnum):
    user = "user"
    admin = "admin"


class Presence(StrEnum):
    online = "online"
    idle = "idle"
    dnd = "dnd"
    invisible = "invisible"


class PresenceVisibility(StrEnum):
    """Who may see whether you are online and when you were last seen."""

    everyone = "everyone"
    contacts = "contacts"
    nobody = "nobody"


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (
        sa.Index("ix_users_username_lower", "username_lower", unique=True),
        sa.Index("ix_users_email_lower", "email_lower", unique=True),
        sa.Index("ix_users_display_name_lower", "display_name_lower"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=30)
    username_lower: str = Field(max_length=30)
    email: str = Field(max_length=254)
    email_lower: str = Field(max_length=254)
    password_hash: str = Field(max_length=100)
    display_name: str = Field(default="", max_length=50)
    display_name_lower: str = Field(default="", max_length=50)
    bio: str = Field(default="", max_length=300)
    status_text: str = Field(default="", max_length=100)
    presence: str = Field(default=Presence.online.value, max_length=16)
    avatar_version: str | None = Field(default=None, max_length=32)
    presence_visibility: str = Field(default=PresenceVisibility.everyone.value, max_length=16)
    online: bool = Field(default=False)
    last_seen_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    role: str = Field(default=SiteRole.user.value, max_length=16)
    suspended_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # A bot account (socialhub/models/bots.py): no password, signs in only with its token.
    is_bot: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class PresenceConnection(SQLModel, table=True):
    """A backend worker process holds at least one live client of the user (tab or stream).

    Each worker refreshes its rows while the clients stay; a crashed worker's rows go stale.
    """

    __tablename__ = "presence_connections"

    worker: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=utc_column(index=True))


class UserCreate(SQLModel):
    username: str
    email: str
    password: str
    display_name: str = ""


class UserUpdate(SQLModel):
    """A partial profile edit: fields left out stay as they are."""

    display_name: str | None = None
    bio: str | None = None
    status_text: str | None = None
    presence: Presence | None = None
    presence_visibility: PresenceVisibility | None = None


class PresenceView(SQLModel):
    """What a viewer may know of someone's presence: `hidden` when they may not know."""

    status: str
    last_seen_at: datetime | None


class UserView(SQLModel):
    """What anyone may see of a user."""

    id: int
    username: str
    display_name: str
    bio: str
    status_text: str
    avatar_url: str | None
    avatar_small_url: str | None
    created_at: datetime
    is_bot: bool = False  # a bot account: shown with a BOT tag


class MeView(UserView):
    """What a user sees of themselves."""

    email: str
    presence: Presence
    presence_visibility: PresenceVisibility
    role: SiteRole
