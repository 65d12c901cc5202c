"""A throwaway database for the in-process benchmarks: a fresh SQLite file (or a fresh PostgreSQL
database on 127.0.0.1), migrated by alembic, and the environment pointing the app at it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _psql(statement: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)


def create_database(prefix: str, *, postgres: bool, **env: str) -> tuple[str, Path]:
    """Returns the database URL and the data folder; `env` adds settings (rate limits...)."""
    data = Path(tempfile.mkdtemp(prefix=f"socialhub-{prefix}-"))
    url = f"sqlite:///{data / 'bench.db'}"
    if postgres:
        name = f"bench_{uuid.uuid4().hex[:8]}"
        _psql(f"CREATE DATABASE {name}")
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    os.environ.update({"DATA_DIR": str(data), "DATABASE_URL": url, "LOG_LEVEL": "WARNING", **env})
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"], cwd=ROOT, env=os.environ, check=True
    )
    return url, data


def drop_database(url: str, data: Path) -> None:
    from socialhub.db import get_engine

    get_engine().dispose()
    if url.startswith("postgresql"):
        _psql(f"DROP DATABASE {url.rsplit('/', 1)[-1]}")
    shutil.rmtree(data, ignore_errors=True)
