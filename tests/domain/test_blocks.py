"""Blocking in the domain layer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from socialhub.db import read_session, transaction
from socialhub.domain import blocks, chats
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.models import Block, User

Events = list[tuple[str, dict]]


def load_user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    assert user is not None
    return user


def key(user_id: int) -> str:
    return f"user:{user_id}"


def block(actor: int, username: str) -> User:
    with transaction() as s:
        return blocks.check_block(s, load_user(s, actor), username)


def unblock(actor: int, username: str) -> User:
    with transaction() as s:
        return blocks.check_unblock(s, load_user(s, actor), username)


def blocked_names(actor: int) -> list[str]:
    with read_session() as s:
        return [u.username for u in blocks.list_blocked(s, load_user(s, actor))]


def block_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Block)).one()


@pytest.fixture
def pair(make_user: Callable[..., int]) -> tuple[int, int]:
    """alice and bob."""
    return make_user("alice"), make_user("bob")


def test_block_records_and_tells_only_the_blocker(
    pair: tuple[int, int], make_user: Callable[..., int], events: Events, session: Session
) -> None:
    alice, bob = pair
    make_user("carol")
    events.clear()
    target = block(alice, " BOB ")
    assert target.id == bob
    assert [(k, e["type"], e["op"]) for k, e in events] == [(key(alice), "block", "add")]
    assert events[0][1]["data"] == {"user_id": bob, "username": "bob"}
    assert blocks.blocks(session, alice, bob)
    assert not blocks.blocks(session, bob, alice)
    assert blocks.is_blocked_between(session, alice, bob)
    assert blocks.is_blocked_between(session, bob, alice)
    assert blocked_names(alice) == ["bob"]
    assert blocked_names(bob) == []  # being blocked is not listed to the blocked user


def test_blocking_twice_is_harmless(
    pair: tuple[int, int], events: Events, session: Session
) -> None:
    alice, bob = pair
    block(alice, "bob")
    events.clear()
    assert block(alice, "bob").id == bob
    assert events == []
    assert block_count(session) == 1


@pytest.mark.parametrize("username", ["alice", "ALICE", " alice "])
def test_cannot_block_yourself(
    pair: tuple[int, int], events: Events, session: Session, username: str
) -> None:
    events.clear()
    with pytest.raises(InvalidInput) as err:
        block(pair[0], username)
    assert (err.value.code, err.value.field) == ("block_self", "username")
    assert events == []
    assert block_count(session) == 0


@pytest.mark.parametrize("username", ["ghost", ""])
def test_block_and_unblock_unknown_user(pair: tuple[int, int], username: str) -> None:
    with pytest.raises(NotFound) as err:
        block(pair[0], username)
    assert err.value.code == "user_not_found"
    with pytest.raises(NotFound) as err:
        unblock(pair[0], username)
    assert err.value.code == "user_not_found"


def test_unblock(pair: tuple[int, int], events: Events, session: Session) -> None:
    alice, bob = pair
    block(alice, "bob")
    events.clear()
    assert unblock(alice, "Bob").id == bob
    assert [(k, e["type"], e["op"]) for k, e in events] == [(key(alice), "block", "remove")]
    assert events[0][1]["data"] == {"user_id": bob, "username": "bob"}
    assert not blocks.is_blocked_between(session, alice, bob)
    assert blocked_names(alice) == []
    # Unblocking someone who is not blocked changes nothing and tells nobody.
    events.clear()
    unblock(alice, "bob")
    unblock(alice, "alice")
    assert events == []


def test_only_the_blocker_can_lift_a_block(
    pair: tuple[int, int], events: Events, session: Session
) -> None:
    alice, bob = pair
    block(alice, "bob")
    events.clear()
    unblock(bob, "alice")
    assert events == []
    assert blocks.blocks(session, alice, bob)
    assert blocks.is_blocked_between(session, bob, alice)


def test_mutual_blocks_are_independent(pair: tuple[int, int], session: Session) -> None:
    alice, bob = pair
    block(alice, "bob")
    block(bob, "alice")
    assert block_count(session) == 2
    unblock(alice, "bob")
    # bob still blocks alice, so they remain blocked between each other.
    assert blocks.is_blocked_between(session, alice, bob)
    assert blocked_names(alice) == []
    assert blocked_names(bob) == ["alice"]
    unblock(bob, "alice")
    assert not blocks.is_blocked_between(session, alice, bob)
    assert block_count(session) == 0


def test_list_blocked_is_sorted_by_username(
    pair: tuple[int, int], make_user: Callable[..., int]
) -> None:
    alice = pair[0]
    for name in ("zed", "Carol", "mallory"):
        make_user(name.lower())
        block(alice, name)
    block(alice, "bob")
    assert blocked_names(alice) == ["bob", "carol", "mallory", "zed"]
    unblock(alice, "mallory")
    assert blocked_names(alice) == ["bob", "carol", "zed"]


def test_block_stops_new_dms_until_lifted(pair: tuple[int, int]) -> None:
    alice, bob = pair
    block(bob, "alice")
    with pytest.raises(PermissionDenied) as err, transaction() as s:
        chats.check_open_dm(s, load_user(s, alice), "bob")
    assert err.value.code == "blocked"
    unblock(bob, "alice")
    with transaction() as s:
        dm = chats.check_open_dm(s, load_user(s, alice), "bob")
    assert dm.kind == "dm"
