"""quotes outlive the quoted post

A quote post keeps the id of the post it quotes after that post is deleted (no foreign key), so
it can show "this post is unavailable" instead of turning into a plain post.

Revision ID: 5b0e7c3a91d2
Revises: dd7ca12271dc
Create Date: 2026-11-22 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5b0e7c3a91d2"
down_revision: str | None = "dd7ca12271dc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's foreign key has no name: batch mode names the reflected one by this convention.
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
SQLITE_FK = "fk_posts_quote_of_id_posts"
POSTGRES_FK = "posts_quote_of_id_fkey"  # PostgreSQL's default name


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("posts", naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.drop_constraint(SQLITE_FK, type_="foreignkey")
    else:
        op.drop_constraint(POSTGRES_FK, "posts", type_="foreignkey")


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE posts SET quote_of_id = NULL WHERE quote_of_id IS NOT NULL"
            " AND quote_of_id NOT IN (SELECT id FROM posts)"
        )
    )
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("posts", naming_convention=SQLITE_NAMES) as batch_op:
            batch_op.create_foreign_key(
                SQLITE_FK, "posts", ["quote_of_id"], ["id"], ondelete="SET NULL"
            )
    else:
        op.create_foreign_key(
            POSTGRES_FK, "posts", "posts", ["quote_of_id"], ["id"], ondelete="SET NULL"
        )
