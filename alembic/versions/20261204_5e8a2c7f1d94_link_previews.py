"""link previews

`link_previews`: one card per normalised URL (status, title, description, site name, the image's
storage key, when it was fetched, why it failed); `message_link_previews`: the card a message
shows, and whether its sender removed it; `post_link_previews`: the same for posts.

Revision ID: 5e8a2c7f1d94
Revises: a8e4c2f61d37
Create Date: 2026-12-04 18:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "5e8a2c7f1d94"
down_revision: str | None = "a8e4c2f61d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_previews",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("site_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("image_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fetched_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )
    op.create_table(
        "message_link_previews",
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("preview_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("removed_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["preview_id"], ["link_previews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("message_link_previews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_link_previews_preview_id"), ["preview_id"], unique=False
        )
    op.create_table(
        "post_link_previews",
        sa.Column("post_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("preview_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("removed_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["preview_id"], ["link_previews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id"),
    )
    with op.batch_alter_table("post_link_previews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_post_link_previews_preview_id"), ["preview_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("post_link_previews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_link_previews_preview_id"))

    op.drop_table("post_link_previews")
    with op.batch_alter_table("message_link_previews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_link_previews_preview_id"))

    op.drop_table("message_link_previews")
    op.drop_table("link_previews")
