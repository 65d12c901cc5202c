"""Trending hashtags: distinct authors over the last 24 hours, recent use weighing more."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import trending
from socialhub.models import Post, PostHashtag, TrendingHashtag, User
from socialhub.models.base import utcnow
from socialhub.models.report_views import TrendingTag
from tests.support.chat import only, recipients

NOW = utcnow().replace(microsecond=0)


def tagged(
    author: int, tags: Sequence[str], *, hours_ago: float = 1.0, visibility: str = "public"
) -> str:
    """A post with hashtags written straight to the database (post creation is another part's)."""
    created = NOW - timedelta(hours=hours_ago)
    with transaction() as s:
        post = Post(
            author_id=author,
            body=" ".join(f"#{t}" for t in tags),
            visibility=visibility,
            created_at=created,
        )
        s.add(post)
        s.flush()
        for tag in tags:
            s.add(PostHashtag(tag=tag, post_id=post.id, author_id=author, created_at=created))
        return post.id


def refresh(now: datetime = NOW) -> list[TrendingTag]:
    with transaction() as s:
        return trending.do_refresh_trending(s, now=now)


def ranking(session: Session) -> list[tuple[str, int, int]]:
    return [(t.tag, t.rank, t.authors) for t in trending.list_trending(session, limit=50)]


@pytest.fixture
def crowd(make_user: Callable[..., int]) -> list[int]:
    return [make_user(f"user{i}") for i in range(6)]


def test_distinct_authors_beat_one_account_posting_fifty_times(
    crowd: list[int], session: Session
) -> None:
    spammer, *others = crowd
    for _ in range(50):
        tagged(spammer, ["buynow"], hours_ago=0.1)
    for author in others[:3]:
        tagged(author, ["eclipse"])
    tagged(others[3], ["eclipse", "buynow"], hours_ago=2)
    shown = refresh()
    assert [(t.tag, t.rank, t.authors) for t in shown] == [("eclipse", 1, 4), ("buynow", 2, 2)]
    assert shown[0].score > shown[1].score
    assert ranking(session) == [("eclipse", 1, 4), ("buynow", 2, 2)]


def test_recent_use_beats_old_and_a_day_old_use_is_ignored(
    crowd: list[int], session: Session
) -> None:
    for author in crowd[:3]:
        tagged(author, ["yesterday"], hours_ago=20)
        tagged(author, ["ancient"], hours_ago=25)
    for author in crowd[3:5]:
        tagged(author, ["now"], hours_ago=0.5)
        tagged(author, ["earlier"], hours_ago=6)
    # Only each author's latest use counts: an old use of a tag does not add to a new one.
    tagged(crowd[5], ["earlier"], hours_ago=23)
    tagged(crowd[5], ["earlier"], hours_ago=0.1)
    shown = refresh()
    assert [(t.tag, t.authors) for t in shown] == [("earlier", 3), ("now", 2), ("yesterday", 3)]
    # Half-life 6 hours: each author counts once, by their latest use.
    assert shown[0].score == pytest.approx(2 * 0.5 + 0.5 ** (0.1 / 6), abs=1e-3)
    assert shown[1].score == pytest.approx(2 * 0.5 ** (0.5 / 6), abs=1e-3)
    assert {t.refreshed_at for t in shown} == {NOW}

    # A day later everything has left the window: the ranking is rewritten, not appended to.
    assert refresh(NOW + timedelta(hours=24)) == []
    assert ranking(session) == []


def test_only_public_posts_of_active_accounts_count(crowd: list[int], session: Session) -> None:
    a, b, c, suspended, *_ = crowd
    tagged(a, ["secret"], visibility="followers")
    tagged(b, ["secret"], visibility="followers")
    tagged(c, ["open"])
    tagged(suspended, ["open"])
    tagged(suspended, ["gone"])
    with transaction() as s:
        user = s.get(User, suspended)
        assert user is not None
        user.suspended_at = NOW
        s.add(user)
    assert [(t.tag, t.authors) for t in refresh()] == [("open", 1)]


def test_a_changed_top_is_pushed_on_explore(crowd: list[int], events: list) -> None:
    tagged(crowd[0], ["alpha"])
    refresh()
    assert recipients(events, "trending", "update") == {"topic:explore"}
    (event,) = only(events, "trending", "update")
    assert [(t["tag"], t["rank"], t["authors"]) for t in event["data"]["tags"]] == [("alpha", 1, 1)]
    events.clear()
    refresh(NOW + timedelta(minutes=5))  # scores decay, but the top is the same: no event
    assert events == []
    tagged(crowd[1], ["beta"], hours_ago=0)
    tagged(crowd[2], ["beta"], hours_ago=0)
    refresh()
    (event,) = only(events, "trending", "update")
    assert [t["tag"] for t in event["data"]["tags"]] == ["beta", "alpha"]


def test_the_ranking_is_bounded(crowd: list[int], session: Session) -> None:
    tags = [f"tag{i:02}" for i in range(trending.KEPT + 5)]
    tagged(crowd[0], tags)
    tagged(crowd[1], tags[:3])
    refresh()
    assert len(session.exec(select(TrendingHashtag)).all()) == trending.KEPT
    with transaction() as s:
        top = trending.list_trending(s)
        assert [t.tag for t in top[:3]] == tags[:3]
        assert len(top) == trending.SHOWN
        assert [t.rank for t in trending.list_trending(s, limit=3)] == [1, 2, 3]
        assert len(trending.list_trending(s, limit=0)) == 1
