"""upload images

`uploads` gains what the image job records: `keep_original` ("send as file"), `claimed_at` (when
a job took the row), and once ready the picture's `width` and `height`, its placeholder
(`placeholder_color`, `blurhash`) and its WebP `renditions` (JSON).

Revision ID: a8e4c2f61d37
Revises: f79f31c5a795
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "a8e4c2f61d37"
down_revision: str | None = "f79f31c5a795"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keep_original", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("claimed_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("height", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "placeholder_color",
                sqlmodel.sql.sqltypes.AutoString(length=7),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "blurhash",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("renditions", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("uploads", schema=None) as batch_op:
        batch_op.drop_column("renditions")
        batch_op.drop_column("blurhash")
        batch_op.drop_column("placeholder_color")
        batch_op.drop_column("height")
        batch_op.drop_column("width")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("keep_original")
