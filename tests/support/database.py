"""Test databases: migrate with alembic exactly as production does."""

from __future__ import annotations

import os
import socket
from functools import cache

import sqlalchemy as sa
from alembic.config import Config

from alembic import command
from socialhub.config import ROOT

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def postgres_admin_url(database: str = "postgres") -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["configure_logger"] = False
    cfg.attributes["database_url"] = url
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


@cache
def _sequences(engine: sa.Engine) -> tuple[str, ...]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name)"
                " FROM information_schema.sequences WHERE sequence_schema = current_schema()"
            )
        )
        return tuple(str(name) for name in rows.scalars())


def empty_postgres(engine: sa.Engine) -> None:
    """Every table of the models emptied and every sequence back at its start, as
    `TRUNCATE ... RESTART IDENTITY` would, in a millisecond rather than ~60: TRUNCATE makes new
    files for each table and index, which adds up over a thousand tests. Children go first, so
    the foreign keys hold at every statement."""
    from sqlmodel import SQLModel

    import socialhub.models  # noqa: F401  (every table in the metadata)

    tables = reversed(SQLModel.metadata.sorted_tables)
    statements = [f'DELETE FROM "{t.name}"' for t in tables]  # noqa: S608 (our own table names)
    statements += [f"ALTER SEQUENCE {name} RESTART" for name in _sequences(engine)]
    with engine.begin() as conn:
        conn.exec_driver_sql("; ".join(statements))
