"""Visitors without an account: public posts, profiles, explore and hashtags, nothing more."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import comments, feeds, graph, posts, visitors
from socialhub.domain.errors import NotAuthenticated, NotFound
from socialhub.models import User
from tests.conftest import reset_settings
from tests.support.social import act, follow, post


@pytest.fixture
def authors(make_user: Callable[..., int]) -> dict[str, object]:
    """Alice posts publicly and for her followers (Bob); Sue is suspended."""
    alice, bob = make_user("alice"), make_user("bob")
    follow(bob, "alice")
    public = post(alice, "hello world #news")
    hidden = post(alice, "for followers only #news", visibility="followers")
    act(bob, lambda s, u: comments.check_add_comment(s, u, public, body="nice"))
    return {"alice": alice, "bob": bob, "public": public, "hidden": hidden}


def as_visitor(what: visitors.PublicRead) -> User:
    return visitors.check_may_read(None, what)


def test_a_visitor_reads_public_posts_and_their_comments(authors: dict[str, object]) -> None:
    with transaction() as s:
        reader = as_visitor(visitors.PublicRead.post)
        view = posts.get_post(s, reader, str(authors["public"]))
        assert view.body == "hello world #news"
        assert not view.liked_by_me
        assert not view.is_mine
        thread = comments.list_comments(s, reader, str(authors["public"]))
        assert [c.body for c in thread.comments] == ["nice"]
        assert not thread.comments[0].can_delete
        assert not thread.comments[0].can_edit


def test_followers_only_posts_stay_hidden_from_visitors(authors: dict[str, object]) -> None:
    with transaction() as s:
        reader = as_visitor(visitors.PublicRead.post)
        with pytest.raises(NotFound):
            posts.get_post(s, reader, str(authors["hidden"]))
        with pytest.raises(NotFound):
            comments.list_comments(s, reader, str(authors["hidden"]))
        timeline = feeds.profile_feed(s, reader, "alice")
        tagged = feeds.hashtag_feed(s, reader, "news")
        explore = feeds.explore_feed(s, reader)
    for page in (timeline, tagged, explore):
        assert [p.body for p in page.posts] == ["hello world #news"]


def test_the_anonymous_reader_is_never_stored(authors: dict[str, object], session: Session) -> None:
    with transaction() as s:
        relation = graph.profile_relation(s, as_visitor(visitors.PublicRead.profile), "alice")
    assert relation.followers_count == 1
    assert not relation.is_following
    assert session.get(User, visitors.ANONYMOUS_ID) is None


def test_only_public_reads_are_open_to_visitors(database_url: str) -> None:
    with pytest.raises(NotAuthenticated):
        visitors.check_may_read(None, "chats")
    assert visitors.is_visitor(visitors.check_may_read(None, visitors.PublicRead.explore))


def test_a_member_reads_as_themselves(authors: dict[str, object]) -> None:
    with transaction() as s:
        bob = s.get(User, authors["bob"])
        assert bob is not None
        assert visitors.check_may_read(bob, "anything") is bob
        assert posts.get_post(s, bob, str(authors["hidden"])).visibility == "followers"


def test_public_reads_off_puts_everything_behind_login(database_url: str) -> None:
    reset_settings(PUBLIC_READS="false")
    try:
        for read in visitors.PublicRead:
            with pytest.raises(NotAuthenticated):
                visitors.check_may_read(None, read)
    finally:
        reset_settings(PUBLIC_READS=None)
    assert visitors.public_reads_enabled()
