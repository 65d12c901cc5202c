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
