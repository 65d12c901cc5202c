"""Bot accounts: a `users` row marked `is_bot`, owned by the user who created it.

The bot's token is `bot_<session id>.<secret>`: a session of kind `bot` holding the secret's
SHA-256, so revoking that session (regenerate, delete) ends the token at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from socialhub.models.base import utc_column, utcnow
from socialhub.models.chat import UserBrief
from socialhub.models.server_views import RoleBrief


class BotAccount(SQLModel, table=True):
    __tablename__ = "bot_accounts"

    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    owner_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    description: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class BotCreate(SQLModel):
    name: str
    description: str = ""


class BotView(SQLModel):
    """A bot, as its owner sees it (never with its token)."""

    id: int
    username: str
    name: str
    description: str
    created_at: datetime
    # The avatar (400 and 64 px WebPs, signed URLs); None: the name's initials stand in.
    avatar_url: str | None = None
    avatar_small_url: str | None = None


class BotWithToken(BotView):
    token: str


class ServerBotAdd(SQLModel):
    """Which bot joins (by id or username), and an optional role it gets on joining."""

    bot_id: int | None = None
    username: str | None = None
    role_id: str | None = None


class ServerBotView(SQLModel):
    """A bot that is a member of a server, as the server's settings list it."""

    user: UserBrief
    shown_name: str  # its nickname in the server, else its name
    roles: list[RoleBrief]  # highest first, @everyone left out
    joined_at: datetime
