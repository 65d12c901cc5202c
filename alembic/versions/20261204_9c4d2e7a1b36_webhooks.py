"""webhooks

Incoming webhooks (a secret URL posting into a channel), outgoing webhooks (a channel's new
messages POSTed, signed, to a URL) with their queue of deliveries, and `messages.webhook`: the
name and avatar a webhook's message shows instead of an author.

Revision ID: 9c4d2e7a1b36
Revises: e3c7a1d95b24
Create Date: 2026-12-04 01:32:27.385807
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "9c4d2e7a1b36"
down_revision: str | None = "e3c7a1d95b24"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incoming_webhooks",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("token_salt", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["channel_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incoming_webhooks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incoming_webhooks_server_id"), ["server_id"], unique=False
        )

    op.create_table(
        "outgoing_webhooks",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("disabled_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "last_failure_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_success_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel_id"),
    )
    with op.batch_alter_table("outgoing_webhooks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outgoing_webhooks_server_id"), ["server_id"], unique=False
        )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("webhook_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["webhook_id"], ["outgoing_webhooks.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False
        )

    # A nullable column: ALTER TABLE ADD COLUMN on both backends, no rebuild of the table.
    op.add_column("messages", sa.Column("webhook", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("messages", "webhook")

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_webhook_id"))
        batch_op.drop_index("ix_webhook_deliveries_due")

    op.drop_table("webhook_deliveries")
    with op.batch_alter_table("outgoing_webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_webhooks_server_id"))

    op.drop_table("outgoing_webhooks")
    with op.batch_alter_table("incoming_webhooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incoming_webhooks_server_id"))

    op.drop_table("incoming_webhooks")
