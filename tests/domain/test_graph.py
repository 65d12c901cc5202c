"""The graph: following, friend requests and friendships, their lists and counts, what a block
cuts, and who is told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import blocks, graph
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.models import Follow, FriendRequest, Friendship, User
from socialhub.models.base import utcnow
from socialhub.models.graph_views import PeoplePage, ProfileRelation
from tests.support.chat import key, only, recipients
from tests.support.social import act, follow

Events = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def relation(viewer: int, username: str) -> ProfileRelation:
    return act(viewer, lambda s, u: graph.profile_relation(s, u, username))


def unfollow(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_unfollow(s, u, username))


def ask(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_send_friend_request(s, u, username))


def accept(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_accept_friend_request(s, u, username))


def decline(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_decline_friend_request(s, u, username))


def cancel(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_cancel_friend_request(s, u, username))


def unfriend(actor: int, username: str) -> None:
    act(actor, lambda s, u: graph.check_unfriend(s, u, username))


def block(actor: int, username: str) -> None:
    act(actor, lambda s, u: blocks.check_block(s, u, username))


def names(page: PeoplePage) -> list[str]:
    return [p.username for p in page.people]


def topics(events: Events) -> dict[str, list[dict[str, Any]]]:
    """Counts pushed per profile topic, in order."""
    pushed: dict[str, list[dict[str, Any]]] = {}
    for k, e in events:
        if k.startswith("topic:"):
            assert (e["type"], e["op"]) == ("profile", "counts")
            pushed.setdefault(k.removeprefix("topic:"), []).append(e["data"])
    return pushed


def stored(events: Events) -> list[tuple[str, str, str]]:
    """(recipient, type, op) of every stored event, in order."""
    return [(k, e["type"], e["op"]) for k, e in events if k.startswith("user:")]


# Following ---------------------------------------------------------------------------------------


def test_follow_is_idempotent_and_tells_the_followee(
    people: tuple[int, int, int], events: Events
) -> None:
    alice, bob, _ = people
    events.clear()
    follow(bob, "alice")
    follow(bob, "alice")
    assert stored(events) == [(key(alice), "follow", "add")]
    assert only(events, "follow", "add")[0]["data"]["follower"]["username"] == "bob"
    assert topics(events) == {
        f"profile:{alice}": [
            {"user_id": alice, "followers_count": 1, "following_count": 0, "friends_count": 0}
        ],
        f"profile:{bob}": [
            {"user_id": bob, "followers_count": 0, "following_count": 1, "friends_count": 0}
        ],
    }
    seen = relation(bob, "alice")
    assert (seen.is_following, seen.follows_you, seen.followers_count, seen.is_self) == (
        True,
        False,
        1,
        False,
    )
    assert seen.user_id == alice
    mine = relation(alice, "alice")
    assert (mine.is_self, mine.friend_status, mine.followers_count, mine.following_count) == (
        True,
        "self",
        1,
        0,
    )
    assert relation(alice, "bob").follows_you is True

    events.clear()
    unfollow(bob, "alice")
    unfollow(bob, "alice")
    assert stored(events) == [(key(alice), "follow", "remove")]
    assert [d["followers_count"] for d in topics(events)[f"profile:{alice}"]] == [0]
    assert [d["following_count"] for d in topics(events)[f"profile:{bob}"]] == [0]
    assert relation(alice, "alice").followers_count == 0


def test_you_cannot_follow_yourself_nobody_or_across_a_block(
    people: tuple[int, int, int], events: Events
) -> None:
    alice, bob, _ = people
    with pytest.raises(InvalidInput) as caught:
        follow(alice, "alice")
    assert caught.value.code == "follow_self"
    with pytest.raises(NotFound) as missing:
        follow(alice, "nobody")
    assert missing.value.code == "user_not_found"
    follow(bob, "alice")
    follow(alice, "bob")
    block(alice, "bob")
    # The block ended both follows, and neither may follow again while it lasts.
    assert relation(alice, "alice").followers_count == 0
    events.clear()
    for actor, target in ((bob, "alice"), (alice, "bob")):
        with pytest.raises(PermissionDenied) as denied:
            follow(actor, target)
        assert denied.value.code == "blocked"
    assert events == []
    act(alice, lambda s, u: blocks.check_unblock(s, u, "bob"))
    follow(bob, "alice")
    assert relation(bob, "alice").is_following is True


def test_follow_lists_page_newest_first(make_user: Callable[..., int]) -> None:
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        follow(fan, "star")
    first = act(star, lambda s, u: graph.list_followers(s, u, "star", limit=2))
    assert names(first) == ["fan4", "fan3"]
    assert first.next_cursor
    rest = act(
        star, lambda s, u: graph.list_followers(s, u, "star", cursor=first.next_cursor, limit=10)
    )
    assert names(rest) == ["fan2", "fan1", "fan0"]
    assert rest.next_cursor is None
    following = act(fans[0], lambda s, u: graph.list_following(s, u, "fan0"))
    assert names(following) == ["star"]
    with pytest.raises(InvalidInput) as caught:
        act(star, lambda s, u: graph.list_followers(s, u, "star", cursor="junk"))
    assert caught.value.code == "bad_cursor"
    with pytest.raises(NotFound):
        act(star, lambda s, u: graph.list_following(s, u, "nobody"))


def test_follow_lists_page_through_equal_times(
    make_user: Callable[..., int], session: Session
) -> None:
    """Rows written in the same instant still page without gaps or repeats (user id breaks ties)."""
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(5)]
    moment = utcnow()
    with transaction() as s:
        for fan in fans:
            s.add(Follow(follower_id=fan, followee_id=star, created_at=moment))

    def page(cursor: str | None) -> PeoplePage:
        return act(star, lambda s, u: graph.list_followers(s, u, "star", cursor=cursor, limit=2))

    seen: list[str] = []
    cursor = None
    while True:
        current = page(cursor)
        seen += names(current)
        cursor = current.next_cursor
        if cursor is None:
            break
    assert seen == ["fan4", "fan3", "fan2", "fan1", "fan0"]


def test_list_rows_carry_the_viewers_relation(make_user: Callable[..., int]) -> None:
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    make_user("star")
    for fan in (alice, bob, carol, dave):
        follow(fan, "star")
    follow(alice, "bob")  # alice follows bob
    follow(carol, "alice")  # carol follows alice
    ask(alice, "dave")
    ask(bob, "alice")
    page = act(alice, lambda s, u: graph.list_followers(s, u, "star"))
    rows = {p.username: p for p in page.people}
    assert names(page) == ["dave", "carol", "bob", "alice"]
    assert rows["alice"].is_self
    assert rows["alice"].friend_status == "self"
    assert (rows["bob"].is_following, rows["bob"].follows_you) == (True, False)
    assert rows["bob"].friend_status == "request_received"
    assert (rows["carol"].is_following, rows["carol"].follows_you) == (False, True)
    assert rows["carol"].friend_status == "none"
    assert rows["dave"].friend_status == "request_sent"
    assert rows["dave"].avatar_small_url is None
    assert rows["dave"].since > rows["alice"].since


def test_lists_leave_out_blocked_and_suspended_people(
    make_user: Callable[..., int],
) -> None:
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    make_user("star")
    for fan in (bob, carol, dave):
        follow(fan, "star")
    block(alice, "bob")  # alice blocks bob
    block(carol, "alice")  # carol blocks alice
    with transaction() as s:
        suspended = s.get(User, dave)
        assert suspended is not None
        suspended.suspended_at = utcnow()
    assert names(act(alice, lambda s, u: graph.list_followers(s, u, "star"))) == []
    assert names(act(bob, lambda s, u: graph.list_followers(s, u, "star"))) == ["carol", "bob"]
    # Across a block, a user's lists are empty both ways.
    follow(alice, "star")
    assert names(act(bob, lambda s, u: graph.list_following(s, u, "alice"))) == []
    assert names(act(alice, lambda s, u: graph.list_following(s, u, "bob"))) == []


# Friends -----------------------------------------------------------------------------------------


def test_friend_request_accepted(people: tuple[int, int, int], events: Events) -> None:
    alice, bob, _ = people
    events.clear()
    ask(alice, "bob")
    ask(alice, "bob")
    assert stored(events) == [(key(bob), "friend", "request")]
    assert only(events, "friend", "request")[0]["data"]["user"]["username"] == "alice"
    assert topics(events) == {}
    assert relation(alice, "bob").friend_status == "request_sent"
    assert relation(bob, "alice").friend_status == "request_received"
    assert act(bob, lambda s, u: graph.incoming_request_count(s, u)) == 1

    events.clear()
    accept(bob, "alice")
    assert stored(events) == [(key(alice), "friend", "accept")]
    assert only(events, "friend", "accept")[0]["data"]["user"]["username"] == "bob"
    assert {t: [d["friends_count"] for d in data] for t, data in topics(events).items()} == {
        f"profile:{alice}": [1],
        f"profile:{bob}": [1],
    }
    seen = relation(alice, "bob")
    assert (seen.friend_status, seen.friends_count) == ("friends", 1)
    assert relation(bob, "alice").friend_status == "friends"
    # Friends are not followers.
    assert (seen.is_following, seen.follows_you) == (False, False)
    assert act(bob, lambda s, u: graph.incoming_request_count(s, u)) == 0

    events.clear()
    accept(bob, "alice")  # already friends
    ask(alice, "bob")
    ask(bob, "alice")
    assert events == []


def test_crossing_requests_make_friends(people: tuple[int, int, int], events: Events) -> None:
    alice, bob, _ = people
    ask(alice, "bob")
    events.clear()
    ask(bob, "alice")
    assert stored(events) == [(key(alice), "friend", "accept")]
    assert relation(alice, "bob").friend_status == "friends"
    assert names(act(alice, lambda s, u: graph.list_friend_requests(s, u))) == []


def test_decline_cancel_and_unfriend(
    people: tuple[int, int, int], events: Events, session: Session
) -> None:
    alice, bob, carol = people
    ask(alice, "bob")
    events.clear()
    decline(bob, "alice")
    assert stored(events) == [(key(alice), "friend", "decline")]
    assert only(events, "friend", "decline")[0]["data"]["user"]["username"] == "bob"
    assert topics(events) == {}
    assert relation(alice, "bob").friend_status == "none"
    with pytest.raises(NotFound) as caught:
        decline(bob, "alice")
    assert caught.value.code == "friend_request_not_found"

    ask(alice, "carol")
    events.clear()
    cancel(alice, "carol")
    cancel(alice, "carol")
    assert stored(events) == [(key(carol), "friend", "cancel")]
    assert relation(carol, "alice").friend_status == "none"

    ask(alice, "bob")
    accept(bob, "alice")
    events.clear()
    unfriend(bob, "alice")
    unfriend(bob, "alice")
    assert stored(events) == [(key(alice), "friend", "remove")]
    assert {t: [d["friends_count"] for d in data] for t, data in topics(events).items()} == {
        f"profile:{alice}": [0],
        f"profile:{bob}": [0],
    }
    assert relation(alice, "bob").friend_status == "none"
    assert session.exec(select(Friendship)).all() == []


def test_friend_requests_refused(people: tuple[int, int, int], events: Events) -> None:
    alice, _, carol = people
    events.clear()
    with pytest.raises(InvalidInput) as caught:
        ask(alice, "alice")
    assert caught.value.code == "friend_self"
    with pytest.raises(NotFound) as missing:
        ask(alice, "nobody")
    assert missing.value.code == "user_not_found"
    with pytest.raises(NotFound) as none:
        accept(alice, "bob")
    assert none.value.code == "friend_request_not_found"
    ask(alice, "bob")
    with pytest.raises(NotFound):
        accept(alice, "bob")  # your own request is not yours to accept
    with pytest.raises(NotFound):
        decline(alice, "bob")
    block(carol, "alice")
    events.clear()
    for actor, target in ((alice, "carol"), (carol, "alice")):
        with pytest.raises(PermissionDenied) as denied:
            ask(actor, target)
        assert denied.value.code == "blocked"
    assert events == []


def test_friend_lists(make_user: Callable[..., int], session: Session) -> None:
    me = make_user("mia")
    pals = [make_user(f"pal{i}") for i in range(4)]
    for pal in pals:
        ask(pal, "mia")
    accept(me, "pal0")
    accept(me, "pal2")
    make_user("quinn")
    ask(me, "quinn")

    friends = act(me, lambda s, u: graph.list_friends(s, u, limit=1))
    assert names(friends) == ["pal2"]
    assert friends.people[0].friend_status == "friends"
    more = act(me, lambda s, u: graph.list_friends(s, u, cursor=friends.next_cursor, limit=1))
    assert (names(more), more.next_cursor) == (["pal0"], None)

    incoming = act(me, lambda s, u: graph.list_friend_requests(s, u, direction="incoming"))
    assert names(incoming) == ["pal3", "pal1"]
    assert {p.friend_status for p in incoming.people} == {"request_received"}
    outgoing = act(me, lambda s, u: graph.list_friend_requests(s, u, direction="outgoing"))
    assert names(outgoing) == ["quinn"]
    assert outgoing.people[0].friend_status == "request_sent"
    assert act(pals[0], lambda s, u: graph.list_friends(s, u)).people[0].username == "mia"

    with pytest.raises(InvalidInput) as bad:
        act(me, lambda s, u: graph.list_friend_requests(s, u, direction="sideways"))  # type: ignore[arg-type]
    assert bad.value.code == "bad_direction"
    with pytest.raises(InvalidInput) as junk:
        act(me, lambda s, u: graph.list_friends(s, u, cursor="9-x"))
    assert junk.value.code == "bad_cursor"
    assert len(session.exec(select(Friendship)).all()) == 4  # two friendships, both ways


# Blocking ----------------------------------------------------------------------------------------


def test_a_block_cuts_follows_and_friendship(
    people: tuple[int, int, int], events: Events, session: Session
) -> None:
    alice, bob, carol = people
    follow(alice, "bob")
    follow(bob, "alice")
    follow(carol, "alice")
    ask(bob, "alice")
    accept(alice, "bob")
    events.clear()
    block(alice, "bob")
    assert stored(events) == [
        (key(bob), "follow", "remove"),  # alice no longer follows bob
        (key(alice), "follow", "remove"),  # bob no longer follows alice
        (key(bob), "friend", "remove"),
        (key(alice), "block", "add"),
    ]
    removed = only(events, "follow", "remove")
    assert [e["data"]["follower"]["username"] for e in removed] == ["alice", "bob"]
    assert only(events, "friend", "remove")[0]["data"]["user"]["username"] == "alice"
    assert topics(events) == {
        f"profile:{alice}": [
            {"user_id": alice, "followers_count": 1, "following_count": 0, "friends_count": 0}
        ],
        f"profile:{bob}": [
            {"user_id": bob, "followers_count": 0, "following_count": 0, "friends_count": 0}
        ],
    }
    seen = relation(alice, "bob")
    assert (seen.blocked, seen.you_block, seen.blocks_you) == (True, True, False)
    assert (seen.is_following, seen.follows_you, seen.friend_status) == (False, False, "none")
    theirs = relation(bob, "alice")
    assert (theirs.blocked, theirs.you_block, theirs.blocks_you) == (True, False, True)
    # carol's follow of alice is not between them and stays.
    assert session.get(Follow, (carol, alice)) is not None


@pytest.mark.parametrize("asker", ["blocker", "blocked"])
def test_a_block_cuts_pending_requests(
    people: tuple[int, int, int], events: Events, session: Session, asker: str
) -> None:
    alice, bob, _ = people
    if asker == "blocker":
        ask(alice, "bob")
    else:
        ask(bob, "alice")
    events.clear()
    block(alice, "bob")
    told = "cancel" if asker == "blocker" else "decline"
    assert stored(events) == [(key(bob), "friend", told), (key(alice), "block", "add")]
    assert topics(events) == {}
    assert session.exec(select(FriendRequest)).all() == []


def test_block_with_nothing_to_cut_tells_only_the_blocker(
    people: tuple[int, int, int], events: Events
) -> None:
    alice, _, _ = people
    events.clear()
    block(alice, "bob")
    assert stored(events) == [(key(alice), "block", "add")]
    assert recipients(events, "block", "add") == {key(alice)}


def test_relation_takes_a_user_or_a_username(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    follow(alice, "bob")

    def by_user(s: Session, viewer: User) -> ProfileRelation:
        target = s.get(User, bob)
        assert target is not None
        return graph.profile_relation(s, viewer, target)

    assert act(alice, by_user) == relation(alice, "BOB")
    with pytest.raises(NotFound):
        relation(alice, "nobody")
