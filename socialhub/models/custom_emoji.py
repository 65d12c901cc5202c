"""A server's custom emoji and stickers, and whether its members may use its emoji elsewhere.

The images live in media storage (`emoji/<server>/<id>.webp`, `stickers/<server>/<id>.webp`,
re-encoded WebP, animated when the upload was); a message keeps only text (`<:name:id>`) or a
sticker's id, resolved when it is shown, so renaming or deleting one changes what is shown
everywhere and nothing a user typed is ever HTML.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class CustomEmoji(SQLModel, table=True):
    __tablename__ = "custom_emoji"
    __table_args__ = (sa.UniqueConstraint("server_id", "name", name="uq_custom_emoji_name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=32)
    animated: bool = Field(default=False)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class Sticker(SQLModel, table=True):
    __tablename__ = "stickers"
    __table_args__ = (sa.UniqueConstraint("server_id", "name", name="uq_stickers_name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    server_id: str = Field(foreign_key="servers.id", ondelete="CASCADE", max_length=32)
    name: str = Field(max_length=32)
    animated: bool = Field(default=False)
    created_by: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class ServerEmojiSettings(SQLModel, table=True):
    """A server's emoji settings; no row means the defaults."""

    __tablename__ = "server_emoji_settings"

    server_id: str = Field(
        foreign_key="servers.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    # Members may use the server's emoji in other servers and in DMs and groups.
    share_emoji: bool = Field(default=True)


class CustomEmojiView(SQLModel):
    id: str
    server_id: str
    name: str
    animated: bool
    url: str
    # How a message or a reaction names it.
    token: str
    created_at: datetime


class StickerView(SQLModel):
    id: str
    server_id: str
    name: str
    animated: bool
    url: str
    created_at: datetime


class StickerRef(SQLModel):
    """The sticker a message carries, as shown (None in a view: it was deleted since)."""

    id: str
    name: str
    url: str
    # The first frame of an animated one, for reduced motion ("" when it is still).
    still_url: str = ""


class EmojiCatalogue(SQLModel):
    """A server's emoji and stickers, with its limits and what the caller may do."""

    server_id: str
    emoji: list[CustomEmojiView]
    stickers: list[StickerView]
    share_emoji: bool
    can_manage: bool
    static_limit: int
    animated_limit: int
    sticker_limit: int
