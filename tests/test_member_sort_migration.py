"""The migration that stores the member list's sort name fills it for members already there,
and goes back down cleanly, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from socialhub.db import make_engine, transaction
from socialhub.domain import servers
from socialhub.models import ServerMember, User
from tests.support.database import downgrade, migrate
from tests.support.servers import make_server

BEFORE = "7d2c4e8a1f60"


def _columns(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns("server_members")}
    finally:
        engine.dispose()


def test_sort_names_are_backfilled_and_the_column_goes_on_downgrade(
    database_url: str, make_user: Callable[..., int]
) -> None:
    owner = make_user("olga", display_name="Olga")
    others = [
        make_user(f"user{i}", display_name=n) for i, n in enumerate(("Émile", "bob", "\uff21nna"))
    ]
    server_id = make_server(owner, "Old", members=tuple(others))
    with transaction() as s:
        member = s.get(ServerMember, (server_id, others[1]))
        assert member is not None
        servers.do_set_nickname(s, member, "Zed")
    try:
        downgrade(database_url, BEFORE)
        assert "sort_name" not in _columns(database_url)
        migrate(database_url)
        assert "sort_name" in _columns(database_url)
        with transaction() as s:
            stored = dict(
                s.execute(
                    sa.select(ServerMember.user_id, ServerMember.sort_name).where(  # type: ignore[call-overload]
                        ServerMember.server_id == server_id
                    )
                ).all()
            )
            assert stored == {
                owner: "olga",
                others[0]: "emile",
                others[1]: "zed",
                others[2]: "anna",
            }
            viewer = s.get(User, owner)
            assert viewer is not None
            page = servers.list_members(s, viewer, server_id)
        assert [m.shown_name for m in page.members] == ["\uff21nna", "Émile", "Olga", "Zed"]
        downgrade(database_url, BEFORE)
        assert "sort_name" not in _columns(database_url)
    finally:
        migrate(database_url)
