"""Engine, transactions and after-commit hooks.

The caller owns the transaction: `with transaction() as session:`. Domain code never commits; it
registers work (events to publish, jobs to enqueue) with `on_commit`, which runs only once the
transaction has committed, so nobody hears of a change that might still roll back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from socialhub.config import get_settings

log = logging.getLogger(__name__)

_BEFORE_COMMIT = "socialhub_before_commit"
_AFTER_COMMIT = "socialhub_after_commit"
_AFTER_ROLLBACK = "socialhub_after_rollback"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class _SQLiteWriters:
    """One writing transaction at a time per process, handed over without sleeping.

    SQLite allows one writer; another waits in SQLite's busy handler, which polls by sleeping
    (1, 2, 5 ... 100 ms), so under load the lock sits free while waiters sleep. Here a
    transaction takes a process lock at its first write (where pysqlite opens the transaction)
    and gives it up when its connection goes back to the pool (after COMMIT or ROLLBACK), so the
    next writer starts at once. Measured with the conversation streams' lean send path, where
    the server is no longer CPU-bound (bench/README.md). Separate processes sharing one SQLite
    file still meet in the busy handler: run several workers on PostgreSQL.
    """

    _WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
    _KEY = "socialhub_sqlite_writer"

    def __init__(self, timeout: float) -> None:
        self.lock = threading.Lock()
        self.timeout = timeout

    def before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(self._KEY) or not statement.lstrip()[:7].upper().startswith(self._WRITES):
            return
        if not self.lock.acquire(timeout=self.timeout):
            raise sa.exc.OperationalError(statement, None, Exception("database is locked"))
        conn.info[self._KEY] = True

    def returned(self, _dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record.info.pop(self._KEY, False):
            self.lock.release()

    def install(self, engine: Engine) -> None:
        sa.event.listen(engine, "before_cursor_execute", self.before_execute)
        # Released when the connection goes back to the pool, which is after the COMMIT (or
        # ROLLBACK) has finished: the engine's own commit event fires before it.
        sa.event.listen(engine, "checkin", self.returned)
        sa.event.listen(engine, "invalidate", self.returned)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # More connections than the event loop's worker threads, so none is closed and opened
        # again (with its pragmas) under load.
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            pool_size=10,
            max_overflow=10,
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        _SQLiteWriters(timeout=10).install(engine)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(get_settings().database_url)


def before_commit(session: Session, callback: Callable[[Session], None]) -> None:
    """Run `callback` as the transaction's last step, just before COMMIT (in the transaction:
    an error there rolls everything back). Stream positions are taken here."""
    session.info.setdefault(_BEFORE_COMMIT, []).append(callback)


def _finish(session: Session) -> None:
    for callback in session.info.pop(_BEFORE_COMMIT, []):
        callback(session)
    session.commit()


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` after `session` commits; it is dropped if the transaction rolls back."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` if `session` rolls back: undo what lives outside the database (files)."""
    session.info.setdefault(_AFTER_ROLLBACK, []).append(callback)


def upsert(session: Session, table: Any) -> Any:
    """An INSERT into `table` (a table or a model) that takes ON CONFLICT, in the session's
    dialect (PostgreSQL's or SQLite's)."""
    insert: Any = (
        postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    return insert(table)


def insert_once(session: Session, table: type[SQLModel], **values: Any) -> bool:
    """Insert a row unless its key exists (a concurrent twin included); True when inserted."""
    key = next(iter(sa.inspect(table).primary_key))
    # Not rowcount: psycopg reports -1 for an INSERT .. ON CONFLICT DO NOTHING.
    statement = upsert(session, table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        _finish(session)
        callbacks = session.info.pop(_AFTER_COMMIT, [])
    except BaseException as exc:
        if getattr(exc, "commit_before_raise", False):
            # The error itself is a change to keep (e.g. a session revoked on token reuse).
            _finish(session)
            _run(session.info.pop(_AFTER_COMMIT, []))
        else:
            session.rollback()
            session.info.pop(_AFTER_COMMIT, None)
            _run(session.info.pop(_AFTER_ROLLBACK, []))
        raise
    finally:
        session.close()
    _run(callbacks)


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed")


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()


def committed(work: Callable[[Session], object]) -> Callable[[], None]:
    """A callable that runs `work` in its own transaction (for code that must commit later)."""

    def run() -> None:
        with transaction() as session:
            work(session)

    return run
