"""The alembic migrations produce exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

import socialhub.models  # noqa: F401
from socialhub.db import make_engine, transaction
from socialhub.models import Post, PostLike, User
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
        with transaction(engine) as db:  # these tables are as the models say at that revision
            alice = User(
                username="alice",
                username_lower="alice",
                email="a@example.com",
                email_lower="a@example.com",
                password_hash="x",
            )
            db.add(alice)
            db.flush()
            assert alice.id is not None
            quoted = Post(author_id=alice.id, body="original")
            db.add(quoted)
            db.flush()
            db.add(Post(author_id=alice.id, body="quote", quote_of_id=quoted.id))
            db.add(PostLike(post_id=quoted.id, user_id=alice.id))
        migrate(database_url)
        with transaction(engine) as db:
            assert len(db.exec(select(PostLike)).all()) == 1
            db.delete(db.get(Post, quoted.id))
        with transaction(engine) as db:
            quote = db.exec(select(Post)).one()
        assert quote.quote_of_id == quoted.id  # the quote still knows what it quoted
    finally:
        engine.dispose()
