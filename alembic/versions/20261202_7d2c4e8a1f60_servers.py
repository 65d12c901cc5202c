"""servers

Discord-style servers: members, roles, categories, overwrites, invites, join requests, bans,
automod, the audit log, notification levels, pins and mentions; channels are conversations.

Revision ID: 7d2c4e8a1f60
Revises: 3f1e9a7c2b50
Create Date: 2026-12-02 18:28:54.483619
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import socialhub.models.base
from alembic import op

revision: str = "7d2c4e8a1f60"
down_revision: str | None = "3f1e9a7c2b50"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "servers",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("name_lower", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("icon_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("join_mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("perm_version", sa.Integer(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_servers_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_servers_public_name", ["is_public", "name_lower"], unique=False)

    op.create_table(
        "automod_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automod_rules", schema=None) as batch_op:
        batch_op.create_index("ix_automod_rules_server", ["server_id"], unique=False)

    op.create_table(
        "channel_categories",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("channel_categories", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_categories_server", ["server_id", "position"], unique=False
        )

    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("muted", sa.Boolean(), nullable=False),
        sa.Column("muted_until", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "server_id", "channel_id"),
    )
    op.create_table(
        "permission_overwrites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("scope_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("allow", sa.BigInteger(), nullable=False),
        sa.Column("deny", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope_id", "target_type", "target_id", name="uq_overwrite_target"),
    )
    with op.batch_alter_table("permission_overwrites", schema=None) as batch_op:
        batch_op.create_index("ix_permission_overwrites_server", ["server_id"], unique=False)

    op.create_table(
        "roles",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("colour", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.BigInteger(), nullable=False),
        sa.Column("mentionable", sa.Boolean(), nullable=False),
        sa.Column("hoist", sa.Boolean(), nullable=False),
        sa.Column("is_everyone", sa.Boolean(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index("ix_roles_server", ["server_id", "position"], unique=False)

    op.create_table(
        "server_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("target_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("server_audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_server", ["server_id", "id"], unique=False)
        batch_op.create_index(
            "ix_audit_log_server_action", ["server_id", "action", "id"], unique=False
        )

    op.create_table(
        "server_bans",
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("banned_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["banned_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("server_id", "user_id"),
    )
    op.create_table(
        "server_invites",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("revoked_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("server_invites", schema=None) as batch_op:
        batch_op.create_index("ix_server_invites_server", ["server_id"], unique=False)

    op.create_table(
        "server_join_requests",
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("server_id", "user_id"),
    )
    with op.batch_alter_table("server_join_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_join_requests_server", ["server_id", "status", "created_at"], unique=False
        )

    op.create_table(
        "server_members",
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("nickname", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("joined_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("timeout_until", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("joined_position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("server_id", "user_id"),
    )
    with op.batch_alter_table("server_members", schema=None) as batch_op:
        batch_op.create_index("ix_server_members_user", ["user_id"], unique=False)

    op.create_table(
        "member_roles",
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("server_id", "user_id", "role_id"),
    )
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.create_index("ix_member_roles_role", ["role_id"], unique=False)

    op.create_table(
        "channel_states",
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_seq", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "user_id"),
    )
    op.create_table(
        "automod_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rule_id"], ["automod_rules.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["server_id"], ["servers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automod_flags", schema=None) as batch_op:
        batch_op.create_index("ix_automod_flags_server", ["server_id", "id"], unique=False)

    op.create_table(
        "message_mentions",
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_id", "kind", "target"),
    )
    with op.batch_alter_table("message_mentions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_mentions_target", ["conversation_id", "kind", "target"], unique=False
        )

    op.create_table(
        "pinned_messages",
        sa.Column("message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("pinned_by", sa.Integer(), nullable=True),
        sa.Column("pinned_at", socialhub.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["pinned_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("pinned_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pinned_messages_conversation", ["conversation_id", "pinned_at"], unique=False
        )

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("server_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("channel_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("category_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column(
                "topic",
                sqlmodel.sql.sqltypes.AutoString(length=1024),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column("slow_mode_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("synced", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.create_index(batch_op.f("ix_conversations_server_id"), ["server_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_conversations_category_id_channel_categories",
            "channel_categories",
            ["category_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_conversations_server_id_servers",
            "servers",
            ["server_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_index("ix_posts_channel_id", ["channel_id", "id"], unique=False)
        batch_op.create_foreign_key(
            "fk_posts_channel_id_conversations",
            "conversations",
            ["channel_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_constraint("fk_posts_channel_id_conversations", type_="foreignkey")
        batch_op.drop_index("ix_posts_channel_id")
        batch_op.drop_column("channel_id")

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_conversations_server_id_servers", type_="foreignkey")
        batch_op.drop_constraint(
            "fk_conversations_category_id_channel_categories", type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_conversations_server_id"))
        batch_op.drop_column("synced")
        batch_op.drop_column("slow_mode_seconds")
        batch_op.drop_column("topic")
        batch_op.drop_column("position")
        batch_op.drop_column("category_id")
        batch_op.drop_column("channel_type")
        batch_op.drop_column("server_id")

    with op.batch_alter_table("pinned_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_pinned_messages_conversation")

    op.drop_table("pinned_messages")
    with op.batch_alter_table("message_mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_message_mentions_target")

    op.drop_table("message_mentions")
    with op.batch_alter_table("automod_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_automod_flags_server")

    op.drop_table("automod_flags")
    op.drop_table("channel_states")
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_member_roles_role")

    op.drop_table("member_roles")
    with op.batch_alter_table("server_members", schema=None) as batch_op:
        batch_op.drop_index("ix_server_members_user")

    op.drop_table("server_members")
    with op.batch_alter_table("server_join_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_join_requests_server")

    op.drop_table("server_join_requests")
    with op.batch_alter_table("server_invites", schema=None) as batch_op:
        batch_op.drop_index("ix_server_invites_server")

    op.drop_table("server_invites")
    op.drop_table("server_bans")
    with op.batch_alter_table("server_audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_server_action")
        batch_op.drop_index("ix_audit_log_server")

    op.drop_table("server_audit_log")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index("ix_roles_server")

    op.drop_table("roles")
    with op.batch_alter_table("permission_overwrites", schema=None) as batch_op:
        batch_op.drop_index("ix_permission_overwrites_server")

    op.drop_table("permission_overwrites")
    op.drop_table("notification_settings")
    with op.batch_alter_table("channel_categories", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_categories_server")

    op.drop_table("channel_categories")
    with op.batch_alter_table("automod_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_automod_rules_server")

    op.drop_table("automod_rules")
    with op.batch_alter_table("servers", schema=None) as batch_op:
        batch_op.drop_index("ix_servers_public_name")
        batch_op.drop_index(batch_op.f("ix_servers_owner_id"))

    op.drop_table("servers")
