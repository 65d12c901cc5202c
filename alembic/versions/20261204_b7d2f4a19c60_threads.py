"""threads

Two permission bits after MANAGE_NICKNAMES: CREATE_THREADS (1 << 20) and SEND_IN_THREADS
(1 << 21). New servers give them to @everyone; the servers already there get them too, as
Discord's do. Every server's `perm_version` moves on, so no process keeps a permission
snapshot from before.

A thread is a server conversation of its own (`conversations`, channel_type "thread"); the
`threads` table links it to its parent channel and starter message and keeps its archive
settings.

Revision ID: b7d2f4a19c60
Revises: 9c4d2e7a1b36
Create Date: 2026-12-04 01:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from socialhub.models.base import UTCDateTime

revision: str = "b7d2f4a19c60"
down_revision: str | None = "9c4d2e7a1b36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bits as they are at this revision (a migration keeps its own copy).
CREATE_THREADS = 1 << 20
SEND_IN_THREADS = 1 << 21
# Every bit but the two, within a signed 64-bit column.
WITHOUT_THEM = ((1 << 63) - 1) & ~(CREATE_THREADS | SEND_IN_THREADS)

roles = sa.table(
    "roles",
    sa.column("permissions", sa.BigInteger),
    sa.column("is_everyone", sa.Boolean),
)
overwrites = sa.table(
    "permission_overwrites",
    sa.column("allow", sa.BigInteger),
    sa.column("deny", sa.BigInteger),
)
servers = sa.table("servers", sa.column("perm_version", sa.Integer))


def _bump_versions() -> None:
    op.execute(sa.update(servers).values(perm_version=servers.c.perm_version + 1))


def upgrade() -> None:
    op.execute(
        sa.update(roles)
        .where(roles.c.is_everyone.is_(True))
        .values(permissions=roles.c.permissions.op("|")(CREATE_THREADS | SEND_IN_THREADS))
    )
    _bump_versions()
    op.create_table(
        "threads",
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("parent_id", sa.String(length=32), nullable=False),
        sa.Column("server_id", sa.String(length=32), nullable=False),
        sa.Column("starter_message_id", sa.String(length=32), nullable=True),
        sa.Column("auto_archive_minutes", sa.Integer(), nullable=False),
        sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["starter_message_id"], ["messages.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("conversation_id"),
        sa.UniqueConstraint("starter_message_id"),
    )
    op.create_index("ix_threads_parent", "threads", ["parent_id"])
    op.create_index("ix_threads_server_id", "threads", ["server_id"])


def downgrade() -> None:
    conversations = sa.table(
        "conversations", sa.column("id", sa.String), sa.column("channel_type", sa.String)
    )
    op.execute(sa.delete(conversations).where(conversations.c.channel_type == "thread"))
    op.drop_index("ix_threads_server_id", table_name="threads")
    op.drop_index("ix_threads_parent", table_name="threads")
    op.drop_table("threads")
    # The older code knows neither bit: no role or overwrite keeps them.
    op.execute(sa.update(roles).values(permissions=roles.c.permissions.op("&")(WITHOUT_THEM)))
    op.execute(
        sa.update(overwrites).values(
            allow=overwrites.c.allow.op("&")(WITHOUT_THEM),
            deny=overwrites.c.deny.op("&")(WITHOUT_THEM),
        )
    )
    _bump_versions()
