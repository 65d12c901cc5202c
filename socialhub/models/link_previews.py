"""Link previews: one cached card per normalised URL, and which message or post shows which card.

A URL is fetched once (`status` pending -> ready or failed) and every message or post linking to
it shares the row; the sender may remove the card from their message or post (`removed_at`),
for everyone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow

URL_MAX = 2048


class PreviewStatus(StrEnum):
    pending = "pending"
    ready = "ready"
    failed = "failed"


class LinkPreview(SQLModel, table=True):
    __tablename__ = "link_previews"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    url: str = Field(max_length=URL_MAX, unique=True)
    status: str = Field(default=PreviewStatus.pending.value, max_length=16)
    # Plain text from the page (never HTML), cleaned and bounded.
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=1000)
    site_name: str = Field(default="", max_length=200)
    # The page's image re-encoded as WebP in media storage ("" for none).
    image_key: str = Field(default="", max_length=200)
    error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    fetched_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class MessageLinkPreview(SQLModel, table=True):
    """The card under a message: its first link's preview."""

    __tablename__ = "message_link_previews"

    message_id: str = Field(
        foreign_key="messages.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    preview_id: str = Field(
        foreign_key="link_previews.id", ondelete="CASCADE", index=True, max_length=32
    )
    # The sender removed the card: nobody sees it any more.
    removed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class PostLinkPreview(SQLModel, table=True):
    """The card under a post: its first link's preview."""

    __tablename__ = "post_link_previews"

    post_id: str = Field(
        foreign_key="posts.id", ondelete="CASCADE", primary_key=True, max_length=32
    )
    preview_id: str = Field(
        foreign_key="link_previews.id", ondelete="CASCADE", index=True, max_length=32
    )
    removed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class LinkPreviewView(SQLModel):
    url: str
    title: str
    description: str
    site_name: str
    image_url: str = ""
