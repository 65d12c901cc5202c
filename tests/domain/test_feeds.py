"""Feeds: who sees which posts where, newest first, paged by cursor."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.domain import blocks, feeds
from socialhub.domain.errors import InvalidInput
from socialhub.models.post_views import FeedPage
from tests.support.social import act, follow, post


def bodies(page: FeedPage) -> list[str]:
    return [p.body for p in page.posts]


@pytest.fixture
def world(make_user: Callable[..., int]) -> dict[str, int]:
    """Bob follows Alice; Carol is a stranger; Dave is blocked by Bob."""
    ids = {name: make_user(name) for name in ("alice", "bob", "carol", "dave")}
    follow(ids["bob"], "alice")
    follow(ids["bob"], "dave")
    post(ids["alice"], "alice public #news")
    post(ids["alice"], "alice followers #news", visibility="followers")
    post(ids["carol"], "carol public #news")
    post(ids["dave"], "dave public #news")
    post(ids["bob"], "bob public")
    act(ids["bob"], lambda s, u: blocks.check_block(s, u, "dave"))
    return ids


def test_home_shows_followed_people_and_yourself(world: dict[str, int]) -> None:
    home = act(world["bob"], lambda s, u: feeds.home_feed(s, u))
    assert bodies(home) == ["bob public", "alice followers #news", "alice public #news"]
    alone = act(world["carol"], lambda s, u: feeds.home_feed(s, u))
    assert bodies(alone) == ["carol public #news"]


def test_pages_and_the_new_posts_count(world: dict[str, int]) -> None:
    bob = world["bob"]
    first = act(bob, lambda s, u: feeds.home_feed(s, u, limit=2))
    assert bodies(first) == ["bob public", "alice followers #news"]
    rest = act(bob, lambda s, u: feeds.home_feed(s, u, before=first.next_cursor, limit=2))
    assert bodies(rest) == ["alice public #news"]
    assert rest.next_cursor is None
    newest = first.posts[0].id
    assert act(bob, lambda s, u: feeds.count_new_home_posts(s, u, newest)) == 0
    post(world["alice"], "fresh one")
    post(world["carol"], "not followed")
    post(bob, "my own does not count")
    assert act(bob, lambda s, u: feeds.count_new_home_posts(s, u, newest)) == 1
    newer = act(bob, lambda s, u: feeds.home_feed(s, u, after=newest))
    assert bodies(newer) == ["my own does not count", "fresh one"]
    with pytest.raises(InvalidInput) as caught:
        act(bob, lambda s, u: feeds.home_feed(s, u, before="'; drop table posts"))
    assert caught.value.code == "bad_cursor"


def test_explore_profile_and_hashtag_respect_visibility_and_blocks(
    world: dict[str, int],
) -> None:
    bob, carol = world["bob"], world["carol"]
    explore = act(bob, lambda s, u: feeds.explore_feed(s, u))
    assert bodies(explore) == ["bob public", "carol public #news", "alice public #news"]
    assert "dave public #news" in bodies(act(carol, lambda s, u: feeds.explore_feed(s, u)))

    as_follower = act(bob, lambda s, u: feeds.profile_feed(s, u, "alice"))
    assert bodies(as_follower) == ["alice followers #news", "alice public #news"]
    as_stranger = act(carol, lambda s, u: feeds.profile_feed(s, u, "alice"))
    assert bodies(as_stranger) == ["alice public #news"]
    assert act(bob, lambda s, u: feeds.profile_feed(s, u, "dave")).posts == []

    tagged = act(bob, lambda s, u: feeds.hashtag_feed(s, u, "#NEWS"))
    assert bodies(tagged) == [
        "carol public #news",
        "alice followers #news",
        "alice public #news",
    ]
    assert bodies(act(carol, lambda s, u: feeds.hashtag_feed(s, u, "news"))) == [
        "dave public #news",
        "carol public #news",
        "alice public #news",
    ]
