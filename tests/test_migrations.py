"""The alembic migrations produce exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import socialhub.models  # noqa: F401
from socialhub.db import make_engine
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
