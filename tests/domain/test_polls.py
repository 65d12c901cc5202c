"""Polls: one ballot per user, changeable until the poll closes, live results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from socialhub.db import transaction
from socialhub.domain import polls
from socialhub.domain.errors import Conflict, InvalidInput, NotFound
from socialhub.models import Poll
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec, PollView
from tests.support.chat import recipients
from tests.support.social import act, follow, post


def results(viewer: int, post_id: str) -> PollView:
    return act(viewer, lambda s, u: polls.get_poll(s, u, post_id))


def vote(voter: int, post_id: str, options: list[int]) -> None:
    act(voter, lambda s, u: polls.check_vote(s, u, post_id, options))


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def test_single_choice_vote_change_and_retract(people: tuple[int, int, int], events: list) -> None:
    alice, bob, carol = people
    post_id = post(alice, "lunch?", poll=PollSpec(options=["pizza", "soup", "salad"]))
    pizza, soup, _ = (o.id for o in results(bob, post_id).options)
    events.clear()
    vote(bob, post_id, [pizza])
    vote(bob, post_id, [pizza])  # the same ballot again changes nothing
    assert recipients(events, "poll", "update") == {f"topic:post:{post_id}"}
    assert len(events) == 1
    vote(carol, post_id, [pizza])
    vote(bob, post_id, [soup])
    seen = results(bob, post_id)
    assert [(o.text, o.votes, o.percent, o.chosen) for o in seen.options] == [
        ("pizza", 1, 50, False),
        ("soup", 1, 50, True),
        ("salad", 0, 0, False),
    ]
    assert (seen.voters, seen.voted, seen.closed) == (2, True, False)
    with pytest.raises(InvalidInput) as caught:
        vote(bob, post_id, [pizza, soup])
    assert caught.value.code == "single_choice"
    act(bob, lambda s, u: polls.check_retract_vote(s, u, post_id))
    assert [o.votes for o in results(alice, post_id).options] == [1, 0, 0]


def test_multiple_choice_and_bad_options(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    post_id = post(alice, "", poll=PollSpec(options=["a", "b", "c"], multiple=True))
    other = post(alice, "", poll=PollSpec(options=["x", "y"]))
    a, b, _ = (o.id for o in results(bob, post_id).options)
    vote(bob, post_id, [a, b])
    assert [o.votes for o in results(bob, post_id).options] == [1, 1, 0]
    foreign = results(bob, other).options[0].id
    for ballot in ([], [foreign], [a, foreign]):
        with pytest.raises(InvalidInput) as caught:
            vote(bob, post_id, ballot)
        assert caught.value.code == "bad_option"
    with pytest.raises(NotFound):
        vote(bob, post(alice, "no poll here"), [a])


def test_a_closed_poll_takes_no_votes_and_shows_final_results(
    people: tuple[int, int, int],
) -> None:
    alice, bob, carol = people
    post_id = post(alice, "quick", poll=PollSpec(options=["yes", "no"], closes_in_minutes=5))
    yes = results(bob, post_id).options[0].id
    vote(bob, post_id, [yes])
    with transaction() as s:
        poll = s.get(Poll, post_id)
        assert poll is not None
        poll.closes_at = utcnow() - timedelta(seconds=1)
        s.add(poll)
    with pytest.raises(Conflict) as caught:
        vote(carol, post_id, [yes])
    assert caught.value.code == "poll_closed"
    final = results(carol, post_id)
    assert (final.closed, final.options[0].votes, final.options[0].percent) == (True, 1, 100)


def test_followers_only_polls_are_for_followers(people: tuple[int, int, int]) -> None:
    alice, bob, carol = people
    follow(bob, "alice")
    post_id = post(alice, "", visibility="followers", poll=PollSpec(options=["a", "b"]))
    vote(bob, post_id, [results(bob, post_id).options[0].id])
    with pytest.raises(NotFound):
        results(carol, post_id)
