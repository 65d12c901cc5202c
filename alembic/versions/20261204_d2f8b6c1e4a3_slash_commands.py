"""slash commands

`bot_commands` (what bots register, per server or "global"), `command_invocations` (each use,
until answered or timed out) and `messages.interaction` (a bot's answer names the command and
who used it).

Revision ID: d2f8b6c1e4a3
Revises: a6b1c3d5e7f9
Create Date: 2026-12-04 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import socialhub.models.base
from alembic import op

revision: str = "d2f8b6c1e4a3"
down_revision: str | None = "a6b1c3d5e7f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_commands",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=True),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bot_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bot_id", "scope", "name", name="uq_bot_commands_bot_scope_name"),
    )
    op.create_index("ix_bot_commands_bot_id", "bot_commands", ["bot_id"])
    op.create_index("ix_bot_commands_server_id", "bot_commands", ["server_id"])
    op.create_table(
        "command_invocations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("command_id", sa.String(length=32), nullable=True),
        sa.Column("command_name", sa.String(length=32), nullable=False),
        sa.Column("bot_id", sa.Integer(), nullable=False),
        sa.Column("invoker_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bot_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["channel_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["command_id"], ["bot_commands.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["invoker_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_command_invocations_bot_id", "command_invocations", ["bot_id"])
    op.create_index("ix_command_invocations_invoker_id", "command_invocations", ["invoker_id"])
    op.create_index(
        "ix_command_invocations_pending", "command_invocations", ["status", "deadline_at"]
    )
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("interaction", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("interaction")
    op.drop_index("ix_command_invocations_pending", table_name="command_invocations")
    op.drop_index("ix_command_invocations_invoker_id", table_name="command_invocations")
    op.drop_index("ix_command_invocations_bot_id", table_name="command_invocations")
    op.drop_table("command_invocations")
    op.drop_index("ix_bot_commands_server_id", table_name="bot_commands")
    op.drop_index("ix_bot_commands_bot_id", table_name="bot_commands")
    op.drop_table("bot_commands")
