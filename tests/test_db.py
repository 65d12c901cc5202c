"""Transactions: concurrent writers all get through; however one ends, the next can write."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlmodel import col

from socialhub.db import read_session, transaction
from socialhub.models import User


def _rename(user_id: int, name: str) -> sa.Update:
    return sa.update(User).where(col(User.id) == user_id).values(display_name=name)


def test_a_write_abandoned_without_commit_frees_the_next_writer(
    make_user: Callable[..., int],
) -> None:
    user = make_user("abandon")
    with read_session() as s:  # closed without a commit: rolled back
        s.execute(_rename(user, "never"))
    with pytest.raises(RuntimeError), transaction() as s:
        s.execute(_rename(user, "rolled back"))
        raise RuntimeError("boom")
    started = time.monotonic()
    with transaction() as s:
        s.execute(_rename(user, "kept"))
    assert time.monotonic() - started < 2
    with read_session() as s:
        assert s.get(User, user).display_name == "kept"  # type: ignore[union-attr]


def test_concurrent_writers_wait_their_turn_instead_of_failing(
    make_user: Callable[..., int],
) -> None:
    user = make_user("turns")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                with transaction() as s:
                    s.execute(_rename(user, f"{n}-{i}"))
                    time.sleep(0.001)  # hold the write a moment, as real work would
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
