"""removed members

When an admin removed a member (left_at says only that they are gone): invite links made before
the removal no longer let them back in.

Revision ID: 6cfdea8bba7d
Revises: c0a7e5d1b2f4
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import socialhub.models.base
from alembic import op

revision: str = "6cfdea8bba7d"
down_revision: str | None = "c0a7e5d1b2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_members") as batch_op:
        batch_op.add_column(
            sa.Column("removed_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_members") as batch_op:
        batch_op.drop_column("removed_at")
