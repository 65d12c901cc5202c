"""nickname permissions

Two permission bits after ADMINISTRATOR: CHANGE_NICKNAME (1 << 18, a member's own nickname) and
MANAGE_NICKNAMES (1 << 19, other members'). New servers give @everyone CHANGE_NICKNAME; the
servers already there get it too, as Discord's do. Every server's `perm_version` moves on, so
no process keeps a permission snapshot from before.

Revision ID: e3c7a1d95b24
Revises: e5a17c93d0b4
Create Date: 2026-12-04 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e3c7a1d95b24"
down_revision: str | None = "e5a17c93d0b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bits as they are at this revision (a migration keeps its own copy).
CHANGE_NICKNAME = 1 << 18
MANAGE_NICKNAMES = 1 << 19
# Every bit but the two, within a signed 64-bit column.
WITHOUT_THEM = ((1 << 63) - 1) & ~(CHANGE_NICKNAME | MANAGE_NICKNAMES)

roles = sa.table(
    "roles",
    sa.column("permissions", sa.BigInteger),
    sa.column("is_everyone", sa.Boolean),
)
servers = sa.table("servers", sa.column("perm_version", sa.Integer))


def _bump_versions() -> None:
    op.execute(sa.update(servers).values(perm_version=servers.c.perm_version + 1))


def upgrade() -> None:
    op.execute(
        sa.update(roles)
        .where(roles.c.is_everyone.is_(True))
        .values(permissions=roles.c.permissions.op("|")(CHANGE_NICKNAME))
    )
    _bump_versions()


def downgrade() -> None:
    # The older code knows neither bit: no role keeps them (overwrites never held them, they
    # are server-wide permissions).
    op.execute(sa.update(roles).values(permissions=roles.c.permissions.op("&")(WITHOUT_THEM)))
    _bump_versions()
