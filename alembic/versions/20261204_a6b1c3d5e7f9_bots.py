"""bot accounts

`users.is_bot` (false for every existing account) and `bot_accounts`: a bot's owner and
description. A bot's token is a session of kind `bot` (`auth_sessions.secret_hash`).

Revision ID: a6b1c3d5e7f9
Revises: c4d9e2a7b610
Create Date: 2026-12-04 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import socialhub.models.base
from alembic import op

revision: str = "a6b1c3d5e7f9"
down_revision: str | None = "c4d9e2a7b610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_bot", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "bot_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_bot_accounts_owner_id", "bot_accounts", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_bot_accounts_owner_id", table_name="bot_accounts")
    op.drop_table("bot_accounts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_bot")
