"""The social network's periodic jobs, run as the worker runs them (call_local skips the queue)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from backend_jobs import social, tasks
from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import polls, stories, trending
from socialhub.models import Poll, Post, PostHashtag, Story
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec
from tests.support.chat import load_user, only, recipients


def test_the_consumer_registers_the_social_tasks() -> None:
    """`huey_consumer backend_jobs.tasks.huey` imports tasks only: it must bring these along."""
    periodic = {task.name for task in tasks.huey.read_periodic(utcnow().replace(minute=0))}
    assert {"refresh_trending", "announce_closed_polls", "expire_stories"} <= periodic


def test_refresh_trending_rewrites_the_ranking(
    make_user: Callable[..., int], session: Session
) -> None:
    authors = [make_user(f"user{i}") for i in range(3)]
    with transaction() as s:
        for author in authors:
            post = Post(author_id=author, body="#launch")
            s.add(post)
            s.flush()
            s.add(PostHashtag(tag="launch", post_id=post.id, author_id=author))
    assert social.refresh_trending.call_local() == 1
    assert [(t.tag, t.authors) for t in trending.list_trending(session)] == [("launch", 3)]


def test_closing_polls_are_announced_once(make_user: Callable[..., int], events: list) -> None:
    alice = make_user("alice")
    now = utcnow()
    with transaction() as s:
        ids = []
        for _ in range(3):
            post = Post(author_id=alice, body="poll")
            s.add(post)
            s.flush()
            polls.do_attach_poll(s, post, PollSpec(options=["a", "b"]))
            ids.append(post.id)
        closing = {
            ids[0]: now - timedelta(minutes=30),  # closed before the previous run
            ids[1]: now - timedelta(seconds=30),  # closed since
            ids[2]: now + timedelta(hours=1),  # still open
        }
        for post_id, at in closing.items():
            poll = s.get(Poll, post_id)
            assert poll is not None
            poll.closes_at = at
            s.add(poll)
    huey.put(social.POLLS_CLOSED_UNTIL, now - timedelta(minutes=2))
    events.clear()

    assert social.announce_closed_polls.call_local() == 1
    assert recipients(events, "poll", "closed") == {f"topic:post:{ids[1]}"}
    assert only(events, "poll", "closed")[0]["data"]["poll"]["closed"] is True
    # The next run starts where this one ended: nothing is announced twice.
    assert social.announce_closed_polls.call_local() == 0
    assert len(only(events, "poll", "closed")) == 1


def test_expire_stories_deletes_every_expired_story_in_batches(
    make_user: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = make_user("alice")
    with transaction() as s:
        for n in range(5):
            made = stories.check_create_story(s, load_user(s, alice), body=str(n))
            if n:  # all but the first are past their 24 hours
                made.expires_at = utcnow() - timedelta(minutes=n)
                s.add(made)
    monkeypatch.setattr(social, "EXPIRY_BATCH", 2)  # three transactions: 2, 2, then 0
    assert social.expire_stories.call_local() == 4
    with transaction() as s:
        assert [story.body for story in s.exec(select(Story)).all()] == ["0"]
