"""Uploaded files as received: one row per upload, owned by its uploader.

The bytes live in media storage under `uploads/<id>/original`, exactly as sent; the kind and
MIME type are what the bytes were sniffed to be, never the name or the client's type. The
processing jobs (and messages and posts that attach an upload) build on these rows: an image's
job writes WebP renditions beside the original (`uploads/<id>/thumb.webp`, ...), records them
with the picture's size and placeholder, and deletes the original unless `keep_original`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from socialhub.models.base import new_id, utc_column, utcnow


class UploadKind(StrEnum):
    image = "image"
    video = "video"
    audio = "audio"
    document = "document"
    file = "file"


class UploadStatus(StrEnum):
    received = "received"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class Upload(SQLModel, table=True):
    __tablename__ = "uploads"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    owner_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    kind: str = Field(max_length=16)
    mime: str = Field(max_length=127)
    size: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False))
    name: str = Field(max_length=255)
    status: str = Field(default=UploadStatus.received.value, max_length=16)
    # Why processing failed, a code (`corrupt_image`, `image_too_large`; "" unless `failed`).
    failure_reason: str = Field(default="", max_length=500)
    storage_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())
    # "Send as file": the original stays once processed (otherwise only the renditions do).
    keep_original: bool = False
    # When a job took the row (`processing`): a claim older than the job's lease is taken over.
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # Once ready: the picture's size (upright), its placeholder (dominant colour `#rrggbb` and
    # a blurhash) and its renditions, `{"thumb": {"key", "width", "height", "animated"}, ...}`.
    width: int | None = None
    height: int | None = None
    placeholder_color: str = Field(default="", max_length=7)
    blurhash: str = Field(default="", max_length=100)
    renditions: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )


class RenditionView(SQLModel):
    # A signed URL, issued afresh on each read.
    url: str
    width: int
    height: int
    animated: bool


class UploadView(SQLModel):
    id: str
    kind: UploadKind
    mime: str
    size: int
    name: str
    status: UploadStatus
    failure_reason: str
    created_at: datetime
    keep_original: bool
    width: int | None
    height: int | None
    placeholder_color: str
    blurhash: str
    # `thumb` (320), `medium` (1280), `large` (2048 longest side, never upscaled), once ready.
    renditions: dict[str, RenditionView]
