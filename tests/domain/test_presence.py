"""Presence: online and last seen, within privacy settings and blocks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from socialhub.db import transaction
from socialhub.domain import blocks, chats, presence
from socialhub.domain.maintenance import do_purge_expired
from socialhub.models import PresenceConnection, User
from socialhub.models.base import utcnow
from socialhub.models.users import UserUpdate


def view(viewer: int, target: int) -> str:
    with transaction() as s:
        user = s.get(User, target)
        assert user is not None
        return presence.presence_view(s, viewer, user).status


def connect(user_id: int, worker: str = "w1") -> None:
    with transaction() as s:
        presence.do_connected(s, user_id, worker=worker)


def disconnect(user_id: int, worker: str = "w1") -> None:
    with transaction() as s:
        presence.do_disconnected(s, user_id, worker=worker)


def set_profile(user_id: int, update: UserUpdate) -> None:
    from socialhub.domain.users import check_update_profile

    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        check_update_profile(s, user, update)


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        chats.check_open_dm(s, user, "bob")
    return alice, bob, carol


def test_online_offline_and_last_seen(people: tuple[int, int, int], events: list) -> None:
    alice, bob, _ = people
    assert view(bob, alice) == "offline"
    events.clear()
    connect(alice)
    assert view(bob, alice) == "online"
    # Only contacts who may see it are told, and only of the change.
    assert [(k, e["type"], e["data"]["status"]) for k, e in events] == [
        (f"user:{bob}", "presence", "online")
    ]
    events.clear()
    connect(alice)
    assert events == []
    disconnect(alice)
    assert view(bob, alice) == "offline"
    assert [e["data"]["status"] for _, e in events] == ["offline"]
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        assert user.last_seen_at is not None
        assert presence.presence_view(s, bob, user).last_seen_at == user.last_seen_at


def test_online_while_any_worker_holds_a_client(people: tuple[int, int, int], events: list) -> None:
    alice, bob, _ = people
    connect(alice, worker="w1")
    connect(alice, worker="w2")
    events.clear()
    disconnect(alice, worker="w2")
    assert view(bob, alice) == "online"
    assert events == []  # nobody is told of a change that did not happen
    disconnect(alice, worker="w1")
    assert view(bob, alice) == "offline"
    assert [(k, e["data"]["status"]) for k, e in events] == [(f"user:{bob}", "offline")]


def test_a_dead_workers_stale_row_does_not_keep_anyone_online(
    people: tuple[int, int, int],
) -> None:
    alice, bob, _ = people
    connect(alice, worker="crashed")
    connect(alice, worker="w1")
    with transaction() as s:
        row = s.get(PresenceConnection, ("crashed", alice))
        assert row is not None
        row.seen_at = utcnow() - presence.STALE - timedelta(seconds=1)
        s.add(row)
    disconnect(alice, worker="w1")
    assert view(bob, alice) == "offline"
    with transaction() as s:
        assert do_purge_expired(s)["presence_connections"] == 1
        assert s.get(PresenceConnection, ("crashed", alice)) is None


def test_one_heartbeat_per_worker_keeps_its_users_fresh(
    people: tuple[int, int, int],
) -> None:
    alice, bob, carol = people
    connect(alice, worker="w1")
    connect(carol, worker="w2")
    long_ago = utcnow() - presence.STALE - timedelta(seconds=1)
    with transaction() as s:
        for user_id, worker in ((alice, "w1"), (carol, "w2")):
            row = s.get(PresenceConnection, (worker, user_id))
            user = s.get(User, user_id)
            assert row is not None
            assert user is not None
            row.seen_at = user.last_seen_at = long_ago
            s.add_all([row, user])
    assert view(bob, alice) == "offline"  # stale: as if its worker had died
    with transaction() as s:
        presence.do_worker_heartbeat(s, worker="w1")
    assert view(bob, alice) == "online"
    assert view(bob, carol) == "offline"  # w2 did not beat
    with transaction() as s:
        row = s.get(PresenceConnection, ("w1", alice))
        assert row is not None
        assert row.seen_at > long_ago


def test_a_silent_client_goes_stale(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    connect(alice)
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        user.last_seen_at = utcnow() - presence.STALE - timedelta(seconds=1)
        s.add(user)
    assert view(bob, alice) == "offline"


@pytest.mark.parametrize(
    ("visibility", "contact", "stranger"),
    [
        ("everyone", "online", "online"),
        ("contacts", "online", "hidden"),
        ("nobody", "hidden", "hidden"),
    ],
)
def test_privacy_setting(
    people: tuple[int, int, int], visibility: str, contact: str, stranger: str
) -> None:
    alice, bob, carol = people
    set_profile(alice, UserUpdate(presence_visibility=visibility))  # type: ignore[arg-type]
    connect(alice)
    assert view(bob, alice) == contact
    assert view(carol, alice) == stranger
    assert view(alice, alice) == "online"


def test_invisible_and_do_not_disturb(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    connect(alice)
    set_profile(alice, UserUpdate(presence="dnd"))  # type: ignore[arg-type]
    assert view(bob, alice) == "dnd"
    set_profile(alice, UserUpdate(presence="invisible"))  # type: ignore[arg-type]
    assert view(bob, alice) == "hidden"


def test_blocked_users_see_no_presence(people: tuple[int, int, int], events: list) -> None:
    alice, bob, _ = people
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        blocks.check_block(s, user, "bob")
    events.clear()
    connect(alice)
    assert view(bob, alice) == "hidden"
    assert [k for k, e in events if e["type"] == "presence"] == []
