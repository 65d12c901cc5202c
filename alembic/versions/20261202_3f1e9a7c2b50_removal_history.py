"""removal history

Who removed a member and up to which message they may still read the group's history.

Revision ID: 3f1e9a7c2b50
Revises: 6cfdea8bba7d
Create Date: 2026-12-02 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "3f1e9a7c2b50"
down_revision: str | None = "6cfdea8bba7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_members") as batch_op:
        batch_op.add_column(sa.Column("removed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("left_seq", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_conversation_members_removed_by_users",
            "users",
            ["removed_by"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation_members") as batch_op:
        batch_op.drop_constraint("fk_conversation_members_removed_by_users", type_="foreignkey")
        batch_op.drop_column("left_seq")
        batch_op.drop_column("removed_by")
