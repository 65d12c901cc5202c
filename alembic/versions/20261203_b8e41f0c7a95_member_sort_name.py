"""member sort name

The member list pages by keyset on a stored, indexed sort name instead of sorting every member
of a server for each page: `server_members.sort_name`, backfilled from each member's shown name.

Revision ID: b8e41f0c7a95
Revises: 7d2c4e8a1f60
Create Date: 2026-12-03 09:10:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "b8e41f0c7a95"
down_revision: str | None = "7d2c4e8a1f60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def _sort_name(shown: str) -> str:
    """`socialhub.models.servers.member_sort_name` as it was at this revision (a migration
    keeps its own copy, so a later change of the rule does not change what it did)."""
    decomposed = unicodedata.normalize("NFKD", shown)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.casefold())[:64]


def upgrade() -> None:
    with op.batch_alter_table("server_members") as batch_op:
        batch_op.add_column(
            sa.Column(
                "sort_name",
                sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"),
                nullable=False,
                server_default="",
            )
        )
    connection = op.get_bind()
    members = sa.table(
        "server_members",
        sa.column("server_id", sa.String),
        sa.column("user_id", sa.Integer),
        sa.column("nickname", sa.String),
        sa.column("sort_name", sa.String),
    )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer),
        sa.column("display_name", sa.String),
        sa.column("username", sa.String),
    )
    rows = connection.execute(
        sa.select(
            members.c.server_id,
            members.c.user_id,
            members.c.nickname,
            users.c.display_name,
            users.c.username,
        ).join(users, users.c.id == members.c.user_id)
    ).all()
    update = (
        sa.update(members)
        .where(
            members.c.server_id == sa.bindparam("s_id"), members.c.user_id == sa.bindparam("u_id")
        )
        .values(sort_name=sa.bindparam("name"))
    )
    values = [
        {
            "s_id": row.server_id,
            "u_id": row.user_id,
            "name": _sort_name(row.nickname or row.display_name or row.username),
        }
        for row in rows
    ]
    for start in range(0, len(values), BATCH):
        connection.execute(update, values[start : start + BATCH])
    with op.batch_alter_table("server_members") as batch_op:
        batch_op.create_index(
            "ix_server_members_sort", ["server_id", "sort_name", "user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("server_members") as batch_op:
        batch_op.drop_index("ix_server_members_sort")
        batch_op.drop_column("sort_name")
