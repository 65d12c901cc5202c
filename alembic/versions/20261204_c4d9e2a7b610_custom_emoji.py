"""custom emoji and stickers

A server's custom emoji and stickers (`custom_emoji`, `stickers`, one name per server each), its
emoji settings (`server_emoji_settings`, no row: the defaults) and the sticker a message carries
(`messages.sticker_id`, no foreign key: a deleted sticker leaves its messages showing that).

Revision ID: c4d9e2a7b610
Revises: b7d2f4a19c60
Create Date: 2026-12-04 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import socialhub.models.base
from alembic import op

revision: str = "c4d9e2a7b610"
down_revision: str | None = "b7d2f4a19c60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _image_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("animated", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("server_id", "name", name=f"uq_{name}_name"),
    )


def upgrade() -> None:
    _image_table("custom_emoji")
    _image_table("stickers")
    op.create_table(
        "server_emoji_settings",
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("share_emoji", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("server_id"),
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("sticker_id", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sticker_id")
    op.drop_table("server_emoji_settings")
    op.drop_table("stickers")
    op.drop_table("custom_emoji")
