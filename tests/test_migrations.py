"""The alembic migrations produce exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

import socialhub.models  # noqa: F401
from socialhub.db import make_engine, transaction
from socialhub.models import Post, PostLike
from socialhub.models.base import utcnow
from tests.support.database import downgrade, migrate


def drift(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def test_migrations_match_models(database_url: str) -> None:
    assert drift(database_url) == []


def test_downgrade_and_upgrade_round_trip(database_url: str) -> None:
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert tables == set()
    migrate(database_url)
    assert drift(database_url) == []


def test_rebuilding_the_posts_table_keeps_what_refers_to_it(database_url: str) -> None:
    """SQLite rebuilds a table to drop a foreign key: with foreign keys enforced during the
    migration, dropping the old `posts` would cascade to likes, comments and reposts."""
    downgrade(database_url, "dd7ca12271dc")
    engine = make_engine(database_url)
    try:
        # The tables as they were at that revision (the models have grown since): plain SQL.
        quoted_id, quote_id = "0" * 31 + "1", "0" * 31 + "2"
        with engine.begin() as connection:
            for statement, values in (
                (
                    "INSERT INTO users (username, username_lower, email, email_lower,"
                    " password_hash, display_name, display_name_lower, bio, status_text,"
                    " presence, presence_visibility, online, role, created_at, updated_at)"
                    " VALUES ('alice', 'alice', 'a@example.com', 'a@example.com', 'x', '', '',"
                    " '', '', 'online', 'everyone', false, 'user', :now, :now)",
                    {},
                ),
                (
                    "INSERT INTO posts (id, author_id, body, visibility, images, has_poll,"
                    " like_count, comment_count, repost_count, created_at, quote_of_id)"
                    " SELECT :id, id, :body, 'public', '[]', false, 0, 0, 0, :now, :quote"
                    " FROM users",
                    {"id": quoted_id, "body": "original", "quote": None},
                ),
                (
                    "INSERT INTO posts (id, author_id, body, visibility, images, has_poll,"
                    " like_count, comment_count, repost_count, created_at, quote_of_id)"
                    " SELECT :id, id, :body, 'public', '[]', false, 0, 0, 0, :now, :quote"
                    " FROM users",
                    {"id": quote_id, "body": "quote", "quote": quoted_id},
                ),
                (
                    "INSERT INTO post_likes (post_id, user_id, created_at)"
                    " SELECT :id, id, :now FROM users",
                    {"id": quoted_id},
                ),
            ):
                connection.execute(sa.text(statement), {"now": utcnow(), **values})
        migrate(database_url)
        with transaction(engine) as db:
            assert len(db.exec(select(PostLike)).all()) == 1
            db.delete(db.get(Post, quoted_id))
        with transaction(engine) as db:
            quote = db.exec(select(Post)).one()
        assert quote.quote_of_id == quoted_id  # the quote still knows what it quoted
    finally:
        engine.dispose()
