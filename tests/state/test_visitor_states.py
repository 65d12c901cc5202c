"""A tab without an account on the public pages: the feed and the profile load as the anonymous
reader instead of redirecting, public content only; actions and PUBLIC_READS=false say log in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from reflex.istate.data import RouterData
from reflex.state import State

from socialhub.db import read_session
from socialhub.models import PostLike
from socialhub.state.feed import FeedState
from socialhub.state.profile import ProfileState
from socialhub.state.session import SessionState
from tests.conftest import reset_settings
from tests.state.conftest import ORIGIN, event_args
from tests.support.social import follow, post


def visitor_tab(path: str) -> State:
    """The root state of a tab with no session cookie on `path`."""
    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {"headers": {"origin": ORIGIN}, "pathname": path, "asPath": path}
    )
    return root


@pytest.fixture
def posts_by_alice(make_user: Callable[..., int]) -> dict[str, str]:
    alice, bob = make_user("alice", display_name="Alice"), make_user("bob")
    follow(bob, "alice")
    return {
        "public": post(alice, "hello #news"),
        "followers": post(alice, "secret #news", visibility="followers"),
    }


@pytest.fixture
def reads_closed(database_url: str) -> Iterator[None]:
    reset_settings(PUBLIC_READS="false")
    yield
    reset_settings(PUBLIC_READS=None)


def bodies(feed: FeedState) -> list[str]:
    return [card.body for card in feed.posts]


@pytest.mark.parametrize("path", ["/explore", "/tag/news", "/u/alice", "/"])
async def test_a_visitor_reads_the_public_feeds(posts_by_alice: dict[str, str], path: str) -> None:
    root = visitor_tab(path)
    feed = await root.get_state(FeedState)
    assert await FeedState.load.fn(feed) is None  # no redirect, no toast
    assert bodies(feed) == ["hello #news"]
    assert not feed.posts[0].liked
    assert not feed.posts[0].mine
    assert not (await root.get_state(SessionState)).is_authenticated
    if path == "/":
        assert feed.kind == "explore"  # a visitor's front page


async def test_a_visitor_opens_a_public_post_not_a_followers_only_one(
    posts_by_alice: dict[str, str],
) -> None:
    feed = await visitor_tab(f"/p/{posts_by_alice['public']}").get_state(FeedState)
    await FeedState.load.fn(feed)
    assert (bodies(feed), feed.not_found) == (["hello #news"], False)

    hidden = await visitor_tab(f"/p/{posts_by_alice['followers']}").get_state(FeedState)
    await FeedState.load.fn(hidden)
    assert (hidden.posts, hidden.not_found) == ([], True)


async def test_a_visitor_sees_a_profile(posts_by_alice: dict[str, str]) -> None:
    profile = await visitor_tab("/u/alice").get_state(ProfileState)
    assert await ProfileState.load.fn(profile) is None
    assert (profile.username, profile.display_name, profile.loaded) == ("alice", "Alice", True)
    assert profile.followers_count == 1
    assert not profile.is_following


async def test_a_visitors_action_asks_to_log_in_and_writes_nothing(
    posts_by_alice: dict[str, str],
) -> None:
    feed = await visitor_tab("/explore").get_state(FeedState)
    await FeedState.load.fn(feed)
    toast: Any = await FeedState.toggle_like.fn(feed, posts_by_alice["public"], False)
    assert "log in" in str(toast).lower()
    with read_session() as s:
        assert s.query(PostLike).count() == 0


async def test_public_reads_off_sends_a_visitor_to_log_in(
    posts_by_alice: dict[str, str], reads_closed: None
) -> None:
    for path in ("/explore", "/u/alice", "/"):
        feed = await visitor_tab(path).get_state(FeedState)
        redirect = await FeedState.load.fn(feed)
        assert event_args([redirect], "path") == [f"/login?next={path}"]
        assert feed.posts == []
