"""automod post flags

A flag rule files a flag for a post of a posts channel as for a channel message: an automod
flag names a message or a post (`automod_flags.post_id`, deleted with its post), exactly one
of them.

Revision ID: e5a17c93d0b4
Revises: b8e41f0c7a95
Create Date: 2026-12-04 01:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "e5a17c93d0b4"
down_revision: str | None = "b8e41f0c7a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POST_FK = "automod_flags_post_id_fkey"  # PostgreSQL's default name, given on SQLite too
ONE_TARGET = "ck_automod_flags_one_target"


def upgrade() -> None:
    with op.batch_alter_table("automod_flags") as batch_op:
        batch_op.add_column(
            sa.Column("post_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.alter_column(
            "message_id", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
        )
        batch_op.create_foreign_key(POST_FK, "posts", ["post_id"], ["id"], ondelete="CASCADE")
        batch_op.create_check_constraint(ONE_TARGET, "(message_id IS NULL) <> (post_id IS NULL)")
        batch_op.create_index("ix_automod_flags_post", ["post_id"], unique=False)


def downgrade() -> None:
    # Before this revision a flag always named a message: the posts' flags cannot stay.
    op.execute(sa.text("DELETE FROM automod_flags WHERE post_id IS NOT NULL"))
    with op.batch_alter_table("automod_flags") as batch_op:
        batch_op.drop_index("ix_automod_flags_post")
        batch_op.drop_constraint(ONE_TARGET, type_="check")
        batch_op.drop_constraint(POST_FK, type_="foreignkey")
        batch_op.drop_column("post_id")
        batch_op.alter_column(
            "message_id",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=32),
            nullable=False,
        )
