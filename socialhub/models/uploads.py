"""Uploaded files as received: one row per upload, owned by its uploader.

The bytes live in media storage under `uploads/<id>/original`, exactly as sent; the kind and
MIME type are what the bytes were sniffed to be, never the name or the client's type. The
processing jobs (and messages and posts that attach an upload) build on these rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

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
    # Why processing failed, in words the uploader can read ("" unless `failed`).
    failure_reason: str = Field(default="", max_length=500)
    storage_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=utc_column())


class UploadView(SQLModel):
    id: str
    kind: UploadKind
    mime: str
    size: int
    name: str
    status: UploadStatus
    failure_reason: str
    created_at: datetime
