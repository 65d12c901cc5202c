"""presence

Revision ID: 56747513fbe1
Revises: ab371b6076c2
Create Date: 2026-11-22 08:39:07.936926
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "56747513fbe1"
down_revision: str | None = "ab371b6076c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "presence_visibility",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="everyone",
            )
        )
        batch_op.add_column(
            sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "last_seen_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("online")
        batch_op.drop_column("presence_visibility")
