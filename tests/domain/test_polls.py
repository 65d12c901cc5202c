"""Polls: one ballot per user, changeable until the poll closes, exact counters, live results."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import blocks, polls
from socialhub.domain.errors import Conflict, InvalidInput, NotFound
from socialhub.models import Follow, Poll, PollOption, PollVote, Post
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec, PollView
from tests.support.chat import only, recipients
from tests.support.social import act


def make_post(author: int, spec: PollSpec | None = None, *, visibility: str = "public") -> str:
    """A post written straight to the database (post creation is another part's), with a poll."""
    with transaction() as s:
        post = Post(author_id=author, body="poll", visibility=visibility)
        s.add(post)
        s.flush()
        if spec is not None:
            polls.do_attach_poll(s, post, spec)
        return post.id


def results(viewer: int, post_id: str) -> PollView:
    return act(viewer, lambda s, u: polls.get_poll(s, u, post_id))


def vote(voter: int, post_id: str, options: list[int]) -> PollView:
    return act(voter, lambda s, u: polls.check_vote(s, u, post_id, options))


def retract(voter: int, post_id: str) -> PollView:
    return act(voter, lambda s, u: polls.check_retract_vote(s, u, post_id))


def option_ids(post_id: str, viewer: int) -> list[int]:
    return [o.id for o in results(viewer, post_id).options]


def close(post_id: str, at: datetime | None = None) -> None:
    with transaction() as s:
        poll = s.get(Poll, post_id)
        assert poll is not None
        poll.closes_at = at or utcnow() - timedelta(seconds=1)
        s.add(poll)


def ballots(session: Session, post_id: str) -> list[tuple[int, int]]:
    """(user, option) rows, and a check that every counter matches its rows."""
    session.expire_all()
    rows = session.exec(select(PollVote).where(col(PollVote.post_id) == post_id)).all()
    for option in session.exec(select(PollOption).where(col(PollOption.post_id) == post_id)):
        assert option.votes == sum(1 for r in rows if r.option_id == option.id)
    return sorted((r.user_id, r.option_id) for r in rows)


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def test_single_choice_vote_change_and_retract(
    people: tuple[int, int, int], events: list, session: Session
) -> None:
    alice, bob, carol = people
    post_id = make_post(alice, PollSpec(options=["pizza", "soup", "salad"]))
    pizza, soup, salad = option_ids(post_id, bob)
    events.clear()

    mine = vote(bob, post_id, [pizza])
    assert (mine.voted, [o.chosen for o in mine.options]) == (True, [True, False, False])
    vote(bob, post_id, [pizza])  # the same ballot again changes nothing and says nothing
    assert [k for k, _ in events] == [f"topic:post:{post_id}"]
    (event,) = only(events, "poll", "update")
    neutral = event["data"]["poll"]
    assert event["data"]["post_id"] == post_id
    assert (neutral["voted"], neutral["voters"]) == (False, 1)
    assert [(o["votes"], o["chosen"]) for o in neutral["options"]] == [
        (1, False),
        (0, False),
        (0, False),
    ]

    vote(carol, post_id, [pizza])
    vote(bob, post_id, [soup])
    seen = results(bob, post_id)
    assert [(o.text, o.votes, o.percent, o.chosen) for o in seen.options] == [
        ("pizza", 1, 50, False),
        ("soup", 1, 50, True),
        ("salad", 0, 0, False),
    ]
    assert (seen.voters, seen.total_votes, seen.voted, seen.closed) == (2, 2, True, False)
    assert ballots(session, post_id) == sorted([(bob, soup), (carol, pizza)])

    with pytest.raises(InvalidInput) as caught:
        vote(bob, post_id, [pizza, soup])
    assert caught.value.code == "single_choice"
    with pytest.raises(InvalidInput) as caught:
        vote(bob, post_id, [salad, salad])
    assert caught.value.code == "duplicate_option"
    assert ballots(session, post_id) == sorted([(bob, soup), (carol, pizza)])

    events.clear()
    assert retract(bob, post_id).voted is False
    retract(bob, post_id)  # nothing left to take back: no change, no event
    assert recipients(events, "poll", "update") == {f"topic:post:{post_id}"}
    assert len(events) == 1
    assert [o.votes for o in results(alice, post_id).options] == [1, 0, 0]
    assert ballots(session, post_id) == [(carol, pizza)]


def test_multiple_choice_ballots_and_bad_options(
    people: tuple[int, int, int], session: Session
) -> None:
    alice, bob, carol = people
    post_id = make_post(alice, PollSpec(options=["a", "b", "c"], multiple=True))
    other = make_post(alice, PollSpec(options=["x", "y"]))
    a, b, c = option_ids(post_id, bob)
    vote(bob, post_id, [a, b])
    vote(carol, post_id, [a])
    seen = results(alice, post_id)
    # Shares of the voters: on multiple choice they add up to more than 100.
    assert [(o.votes, o.percent) for o in seen.options] == [(2, 100), (1, 50), (0, 0)]
    assert (seen.voters, seen.total_votes, seen.multiple) == (2, 3, True)
    vote(bob, post_id, [b, c])
    assert ballots(session, post_id) == sorted([(bob, b), (bob, c), (carol, a)])

    foreign = option_ids(other, bob)[0]
    for ballot in ([], [foreign], [a, foreign], [987654]):
        with pytest.raises(InvalidInput) as caught:
            vote(bob, post_id, ballot)
        assert caught.value.code == "bad_option"
    with pytest.raises(InvalidInput) as caught:
        vote(bob, post_id, [a, a])
    assert caught.value.code == "duplicate_option"
    assert ballots(session, post_id) == sorted([(bob, b), (bob, c), (carol, a)])


def test_unknown_posts_and_posts_without_a_poll(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    plain = make_post(alice)
    for work in (
        lambda: vote(bob, plain, [1]),
        lambda: retract(bob, plain),
        lambda: results(bob, plain),
    ):
        with pytest.raises(NotFound) as caught:
            work()
        assert caught.value.code == "poll_not_found"
    with pytest.raises(NotFound) as caught:
        vote(bob, "0" * 32, [1])
    assert caught.value.code == "post_not_found"
    assert act(bob, lambda s, u: polls.poll_view(s, u, plain)) is None


def test_a_closed_poll_takes_no_votes_and_shows_final_results(
    people: tuple[int, int, int], events: list, session: Session
) -> None:
    alice, bob, carol = people
    post_id = make_post(alice, PollSpec(options=["yes", "no"], closes_in_minutes=5))
    yes, no = option_ids(post_id, bob)
    vote(bob, post_id, [yes])
    close(post_id)
    events.clear()
    for work in (
        lambda: vote(carol, post_id, [yes]),
        lambda: vote(bob, post_id, [no]),
        lambda: retract(bob, post_id),
    ):
        with pytest.raises(Conflict) as caught:
            work()
        assert caught.value.code == "poll_closed"
    assert events == []
    final = results(carol, post_id)
    assert (final.closed, final.voted, final.options[0].votes, final.options[0].percent) == (
        True,
        False,
        1,
        100,
    )
    assert results(bob, post_id).options[0].chosen is True
    assert ballots(session, post_id) == [(bob, yes)]


def test_who_may_vote_is_who_may_see_the_post(people: tuple[int, int, int]) -> None:
    alice, bob, carol = people
    with transaction() as s:
        s.add(Follow(follower_id=bob, followee_id=alice))
    post_id = make_post(alice, PollSpec(options=["a", "b"]), visibility="followers")
    first = option_ids(post_id, bob)[0]
    assert vote(bob, post_id, [first]).voters == 1
    for work in (
        lambda: results(carol, post_id),
        lambda: vote(carol, post_id, [first]),
        lambda: retract(carol, post_id),
    ):
        with pytest.raises(NotFound) as caught:
            work()
        assert caught.value.code == "post_not_found"
    act(alice, lambda s, u: blocks.check_block(s, u, "bob"))
    with pytest.raises(NotFound):
        vote(bob, post_id, [first])


def test_poll_views_for_a_page(people: tuple[int, int, int]) -> None:
    alice, bob, _ = people
    single = make_post(alice, PollSpec(options=["a", "b"]))
    multiple = make_post(alice, PollSpec(options=["c", "d", "e"], multiple=True))
    plain = make_post(alice)
    vote(bob, multiple, option_ids(multiple, bob)[1:])
    views = act(bob, lambda s, u: polls.poll_views(s, u, [single, plain, multiple]))
    assert set(views) == {single, multiple}
    assert (views[single].post_id, views[single].voted) == (single, False)
    assert [o.chosen for o in views[multiple].options] == [False, True, True]
    assert [o.text for o in views[multiple].options] == ["c", "d", "e"]
    one = act(bob, lambda s, u: polls.poll_view(s, u, multiple))
    assert one == views[multiple]
    assert act(bob, lambda s, u: polls.poll_views(s, u, [])) == {}


def test_closing_polls_are_announced_once_with_final_results(
    people: tuple[int, int, int], events: list
) -> None:
    alice, bob, _ = people
    now = utcnow()
    early, inside, later = (make_post(alice, PollSpec(options=["a", "b"])) for _ in range(3))
    close(early, now - timedelta(minutes=10))
    close(inside, now - timedelta(minutes=1))
    vote(bob, later, [option_ids(later, bob)[0]])
    close(later, now + timedelta(minutes=1))  # still open at `until`
    events.clear()
    with transaction() as s:
        count = polls.do_publish_closed_polls(
            s, since=now - timedelta(minutes=5), until=now + timedelta(minutes=5)
        )
    assert count == 1
    assert recipients(events, "poll", "closed") == {f"topic:post:{inside}"}
    (event,) = only(events, "poll", "closed")
    assert (event["data"]["post_id"], event["data"]["poll"]["closed"]) == (inside, True)


@pytest.mark.parametrize("multiple", [False, True], ids=["single", "multiple"])
def test_simultaneous_ballots_of_one_user_leave_one_ballot(
    people: tuple[int, int, int], session: Session, multiple: bool
) -> None:
    alice, bob, carol = people
    post_id = make_post(alice, PollSpec(options=["a", "b", "c", "d"], multiple=multiple))
    options = option_ids(post_id, bob)
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def cast(voter: int, choice: list[int]) -> None:
        start.wait()
        try:
            vote(voter, post_id, choice)
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=cast, args=(voter, [options[i % 4]]))
        for i, voter in enumerate([bob, carol] * 4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    rows = ballots(session, post_id)
    assert sorted(user for user, _ in rows) == [bob, carol]
