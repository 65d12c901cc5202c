"""The threads migration gives the servers already there the two thread permissions on
@everyone (as new servers get them), moves every server's perm_version on, adds the threads
table, and goes back down cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from socialhub.db import make_engine, transaction
from socialhub.domain.permissions import Permission
from socialhub.models import Server
from tests.support.database import downgrade, migrate
from tests.support.servers import everyone, make_server

BEFORE = "9c4d2e7a1b36"
BITS = int(Permission.CREATE_THREADS | Permission.SEND_IN_THREADS)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _facts(server_id: str) -> tuple[int, int]:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        return everyone(s, server_id).permissions, server.perm_version


def test_existing_servers_get_the_thread_permissions(
    database_url: str, make_user: Callable[..., int]
) -> None:
    server_id = make_server(make_user("olga"), "Old")
    try:
        downgrade(database_url, BEFORE)
        assert "threads" not in _tables(database_url)
        bits, version = _facts(server_id)
        assert not bits & BITS
        migrate(database_url)
        assert "threads" in _tables(database_url)
        upgraded, bumped = _facts(server_id)
        assert upgraded == bits | BITS
        assert bumped == version + 1
    finally:
        migrate(database_url)
