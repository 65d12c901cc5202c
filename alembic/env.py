"""Alembic environment: the database URL comes from SocialHub's settings (DATABASE_URL)."""

from __future__ import annotations

from logging.config import fileConfig

from sqlmodel import SQLModel

import socialhub.models  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from socialhub.db import get_engine, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    url = config.attributes.get("database_url")
    engine = make_engine(url) if url else get_engine()
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # Batch mode rebuilds a table by dropping the old one: with foreign keys enforced,
                # that drop would cascade to every row referring to it. (Outside a transaction:
                # SQLite ignores this pragma inside one.)
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
                try:
                    _run(connection)
                finally:
                    connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # pooled: as it was
                    connection.commit()
            else:
                _run(connection)
    finally:
        if url:
            engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
