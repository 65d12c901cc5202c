"""Feeds: who sees which posts where, newest first, paged by cursor."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.domain import auth, blocks, feeds, posts
from socialhub.domain.errors import InvalidInput, NotFound
from socialhub.models.post_views import FeedPage
from tests.support.social import act, follow, post


@pytest.fixture(params=["collect", "walk"])
def home_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The home feed both ways: collecting the few followed authors' posts, or walking all
    posts in id order (what it does from feeds.WALK_FROM_FOLLOWS followed people on)."""
    if request.param == "walk":
        monkeypatch.setattr(feeds, "WALK_FROM_FOLLOWS", 0)


def bodies(page: FeedPage) -> list[str]:
    return [(p.repost_of.body if p.repost_of else p.body) for p in page.posts]


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


@pytest.mark.usefixtures("home_strategy")
def test_home_shows_followed_people_and_yourself(world: dict[str, int]) -> None:
    home = act(world["bob"], lambda s, u: feeds.home_feed(s, u))
    assert bodies(home) == ["bob public", "alice followers #news", "alice public #news"]
    alone = act(world["carol"], lambda s, u: feeds.home_feed(s, u))
    assert bodies(alone) == ["carol public #news"]


@pytest.mark.usefixtures("home_strategy")
def test_home_shows_reposts_of_posts_you_may_see(world: dict[str, int]) -> None:
    alice, bob, carol, dave = world["alice"], world["bob"], world["carol"], world["dave"]
    carols = act(carol, lambda s, u: feeds.home_feed(s, u)).posts[0].id
    daves = act(dave, lambda s, u: feeds.home_feed(s, u)).posts[0].id
    act(alice, lambda s, u: posts.check_repost(s, u, carols))
    act(alice, lambda s, u: posts.check_repost(s, u, daves))  # Dave is blocked by Bob
    home = act(bob, lambda s, u: feeds.home_feed(s, u))
    assert bodies(home) == [
        "carol public #news",
        "bob public",
        "alice followers #news",
        "alice public #news",
    ]
    assert home.posts[0].author.username == "alice"
    assert home.posts[0].repost_of is not None


@pytest.mark.usefixtures("home_strategy")
def test_pages_and_the_new_posts_count(world: dict[str, int]) -> None:
    bob = world["bob"]
    first = act(bob, lambda s, u: feeds.home_feed(s, u, limit=2))
    assert bodies(first) == ["bob public", "alice followers #news"]
    rest = act(bob, lambda s, u: feeds.home_feed(s, u, before=first.next_cursor, limit=2))
    assert bodies(rest) == ["alice public #news"]
    assert rest.next_cursor is None
    newest = first.posts[0].id
    assert act(bob, lambda s, u: feeds.count_new_home_posts(s, u, newest)) == 0
    post(world["alice"], "fresh one", visibility="followers")
    post(world["carol"], "not followed")
    post(world["dave"], "blocked")
    post(bob, "my own does not count")
    assert act(bob, lambda s, u: feeds.count_new_home_posts(s, u, newest)) == 1
    newer = act(bob, lambda s, u: feeds.home_feed(s, u, after=newest))
    assert bodies(newer) == ["my own does not count", "fresh one"]
    for bad in ("'; drop table posts", "A" * 32):
        with pytest.raises(InvalidInput) as caught:
            act(bob, lambda s, u, b=bad: feeds.home_feed(s, u, before=b))
        assert caught.value.code == "bad_cursor"
    with pytest.raises(InvalidInput):
        act(bob, lambda s, u: feeds.count_new_home_posts(s, u, "nope"))


def test_the_new_posts_count_stops_at_a_page_and_a_bit(world: dict[str, int]) -> None:
    bob = world["bob"]
    since = act(bob, lambda s, u: feeds.home_feed(s, u)).posts[0].id
    for i in range(feeds.NEW_COUNT_MAX + 2):
        post(world["alice"], f"burst {i}")
    assert act(bob, lambda s, u: feeds.count_new_home_posts(s, u, since)) == feeds.NEW_COUNT_MAX


def test_limits_are_clamped(world: dict[str, int]) -> None:
    page = act(world["bob"], lambda s, u: feeds.home_feed(s, u, limit=0))
    assert len(page.posts) == 1
    assert page.next_cursor == page.posts[0].id


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
    as_herself = act(world["alice"], lambda s, u: feeds.profile_feed(s, u, "alice"))
    assert len(as_herself.posts) == 2
    assert act(bob, lambda s, u: feeds.profile_feed(s, u, "dave")).posts == []
    assert act(world["dave"], lambda s, u: feeds.profile_feed(s, u, "bob")).posts == []
    with pytest.raises(NotFound):
        act(bob, lambda s, u: feeds.profile_feed(s, u, "nobody"))

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
    older = act(bob, lambda s, u: feeds.hashtag_feed(s, u, "news", before=tagged.posts[0].id))
    assert bodies(older) == ["alice followers #news", "alice public #news"]
    newer = act(bob, lambda s, u: feeds.hashtag_feed(s, u, "news", after=tagged.posts[2].id))
    assert bodies(newer) == ["carol public #news", "alice followers #news"]
    assert act(bob, lambda s, u: feeds.hashtag_feed(s, u, "nothing")).posts == []


def test_explore_pages_and_leaves_out_reposts(world: dict[str, int]) -> None:
    carol = world["carol"]
    first = act(carol, lambda s, u: feeds.explore_feed(s, u, limit=2))
    act(carol, lambda s, u: posts.check_repost(s, u, first.posts[0].id))
    assert bodies(act(carol, lambda s, u: feeds.explore_feed(s, u, limit=2))) == bodies(first)
    rest = act(carol, lambda s, u: feeds.explore_feed(s, u, before=first.next_cursor))
    assert bodies(rest) == ["carol public #news", "alice public #news"]
    newest = first.posts[0].id
    post(world["alice"], "late", visibility="followers")
    post(world["alice"], "later")
    assert bodies(act(carol, lambda s, u: feeds.explore_feed(s, u, after=newest))) == ["later"]


@pytest.mark.usefixtures("home_strategy")
def test_suspended_authors_leave_every_feed(world: dict[str, int]) -> None:
    bob, carol = world["bob"], world["carol"]
    act(world["alice"], lambda s, u: auth.do_suspend_user(s, u))
    assert bodies(act(bob, lambda s, u: feeds.home_feed(s, u))) == ["bob public"]
    assert "alice public #news" not in bodies(act(carol, lambda s, u: feeds.explore_feed(s, u)))
    assert bodies(act(carol, lambda s, u: feeds.hashtag_feed(s, u, "news"))) == [
        "dave public #news",
        "carol public #news",
    ]
    with pytest.raises(NotFound):
        act(bob, lambda s, u: feeds.profile_feed(s, u, "alice"))
