"""conversation streams: one global stream ordering, conversation events stored once

Revision ID: c0a7e5d1b2f4
Revises: 5b0e7c3a91d2
Create Date: 2026-12-01 22:10:00

Existing per-user events move to the new `user_events` at global positions, in the order they
were written (per user, their order is kept); the counter starts after them. Memberships already
ended replay nothing of their conversation.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "c0a7e5d1b2f4"
down_revision: str | None = "5b0e7c3a91d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _event_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("writer", sa.Integer(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "event_streams",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "conversation_events",
        *_event_columns(),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("position"),
    )
    with op.batch_alter_table("conversation_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_conversation_events_conversation", ["conversation_id", "position"], unique=False
        )
        batch_op.create_index("ix_conversation_events_message", ["message_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_conversation_events_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "user_events_v2",
        *_event_columns(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("position"),
    )
    op.execute(
        "INSERT INTO user_events_v2 (position, writer, user_id, type, op, payload, created_at) "
        "SELECT ROW_NUMBER() OVER (ORDER BY created_at, user_id, position), 0, user_id, type, op, "
        "payload, created_at FROM user_events"
    )
    op.execute(
        "INSERT INTO event_streams (name, position) "
        "SELECT 'main', COALESCE(MAX(position), 0) FROM user_events_v2"
    )
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_events_created_at"))
    op.drop_table("user_events")
    op.drop_table("user_streams")
    op.rename_table("user_events_v2", "user_events")
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_user_events_user", ["user_id", "position"], unique=False)

    with op.batch_alter_table("conversation_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_position", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("left_position", sa.Integer(), nullable=True))
    op.execute("UPDATE conversation_members SET left_position = 0 WHERE left_at IS NOT NULL")
    with op.batch_alter_table("conversation_members", schema=None) as batch_op:
        batch_op.alter_column("joined_position", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("conversation_members", schema=None) as batch_op:
        batch_op.drop_column("left_position")
        batch_op.drop_column("joined_position")

    op.create_table(
        "user_events_v1",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("op", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "position"),
    )
    op.execute(
        "INSERT INTO user_events_v1 (user_id, position, type, op, payload, created_at) "
        "SELECT user_id, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY position), type, op, "
        "payload, created_at FROM user_events"
    )
    op.create_table(
        "user_streams",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.execute(
        "INSERT INTO user_streams (user_id, position) "
        "SELECT user_id, MAX(position) FROM user_events_v1 GROUP BY user_id"
    )
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.drop_index("ix_user_events_user")
        batch_op.drop_index(batch_op.f("ix_user_events_created_at"))
    op.drop_table("user_events")
    op.rename_table("user_events_v1", "user_events")
    with op.batch_alter_table("user_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_events_created_at"), ["created_at"], unique=False)

    with op.batch_alter_table("conversation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_events_created_at"))
        batch_op.drop_index("ix_conversation_events_message")
        batch_op.drop_index("ix_conversation_events_conversation")
    op.drop_table("conversation_events")
    op.drop_table("event_streams")
