"""Following: idempotence, lists and counts, blocks, and who is told."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.domain import blocks, graph
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from tests.support.chat import key, recipients
from tests.support.social import act, follow


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def test_follow_is_idempotent_and_tells_the_followee(
    people: tuple[int, int, int], events: list
) -> None:
    alice, bob, _ = people
    events.clear()
    follow(bob, "alice")
    follow(bob, "alice")
    assert recipients(events, "follow", "add") == {key(alice)}
    assert [e["data"]["followers_count"] for k, e in events if k == f"topic:profile:{alice}"] == [1]
    relation = act(bob, lambda s, u: graph.profile_relation(s, u, "alice"))
    assert (relation.is_following, relation.follows_you, relation.followers_count) == (
        True,
        False,
        1,
    )
    mine = act(alice, lambda s, u: graph.profile_relation(s, u, "alice"))
    assert (mine.is_self, mine.followers_count, mine.following_count) == (True, 1, 0)

    events.clear()
    act(bob, lambda s, u: graph.check_unfollow(s, u, "alice"))
    act(bob, lambda s, u: graph.check_unfollow(s, u, "alice"))
    assert recipients(events, "follow", "remove") == {key(alice)}
    assert act(alice, lambda s, u: graph.profile_relation(s, u, "alice")).followers_count == 0


def test_you_cannot_follow_yourself_nobody_or_across_a_block(
    people: tuple[int, int, int],
) -> None:
    alice, bob, _ = people
    with pytest.raises(InvalidInput) as caught:
        follow(alice, "alice")
    assert caught.value.code == "follow_self"
    with pytest.raises(NotFound):
        follow(alice, "nobody")
    follow(bob, "alice")
    follow(alice, "bob")
    act(alice, lambda s, u: blocks.check_block(s, u, "bob"))
    # The block ended both follows, and neither may follow again while it lasts.
    assert act(alice, lambda s, u: graph.profile_relation(s, u, "alice")).followers_count == 0
    for actor, target in ((bob, "alice"), (alice, "bob")):
        with pytest.raises(PermissionDenied) as denied:
            follow(actor, target)
        assert denied.value.code == "blocked"


def test_follow_lists_page_newest_first(make_user: Callable[..., int]) -> None:
    star = make_user("star")
    fans = [make_user(f"fan{i}") for i in range(5)]
    for fan in fans:
        follow(fan, "star")
    first = act(star, lambda s, u: graph.list_followers(s, u, "star", limit=2))
    assert [p.username for p in first.people] == ["fan4", "fan3"]
    assert first.next_cursor
    rest = act(
        star, lambda s, u: graph.list_followers(s, u, "star", cursor=first.next_cursor, limit=10)
    )
    assert [p.username for p in rest.people] == ["fan2", "fan1", "fan0"]
    assert rest.next_cursor is None
    following = act(fans[0], lambda s, u: graph.list_following(s, u, "fan0"))
    assert [p.username for p in following.people] == ["star"]
    with pytest.raises(InvalidInput) as caught:
        act(star, lambda s, u: graph.list_followers(s, u, "star", cursor="junk"))
    assert caught.value.code == "bad_cursor"
