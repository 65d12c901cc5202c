"""Polls on posts: 2-10 options, single or multiple choice, open until a closing time.

A vote is pushed on topic "post:<id>" (type "poll", op "update", data {"post_id"}): whoever shows
the post reloads its results (their own choices differ per viewer).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.domain.errors import Conflict, InvalidInput, NotFound
from socialhub.domain.post_access import access_post
from socialhub.domain.validation import clean_text
from socialhub.models import Poll, PollOption, PollVote, Post, User
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollOptionView, PollSpec, PollView
from socialhub.realtime.events import publish_on_commit

OPTIONS_MIN = 2
OPTIONS_MAX = 10
OPTION_MAX_LENGTH = 100
OPEN_MIN = timedelta(minutes=5)
OPEN_MAX = timedelta(days=7)


def check_poll_spec(spec: PollSpec) -> list[str]:
    """The cleaned option texts; refuses too few, too many, empty, too long or repeated ones."""
    options = [
        clean_text(o, field="poll.options", max_length=OPTION_MAX_LENGTH) for o in spec.options
    ]
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        raise InvalidInput(
            f"a poll has {OPTIONS_MIN}-{OPTIONS_MAX} options",
            field="poll.options",
            code="poll_option_count",
        )
    if any(not option for option in options):
        raise InvalidInput("poll options cannot be empty", field="poll.options", code="empty")
    if len({option.casefold() for option in options}) != len(options):
        raise InvalidInput(
            "poll options must differ", field="poll.options", code="poll_duplicate_option"
        )
    duration = timedelta(minutes=spec.closes_in_minutes)
    if not OPEN_MIN <= duration <= OPEN_MAX:
        raise InvalidInput(
            "a poll stays open between 5 minutes and 7 days",
            field="poll.closes_in_minutes",
            code="poll_duration",
        )
    return options


def do_attach_poll(session: Session, post: Post, spec: PollSpec) -> Poll:
    """Store the poll of a new post (the caller publishes the post)."""
    options = check_poll_spec(spec)
    poll = Poll(
        post_id=post.id,
        multiple=spec.multiple,
        closes_at=post.created_at + timedelta(minutes=spec.closes_in_minutes),
    )
    session.add(poll)
    session.flush()
    for position, text in enumerate(options):
        session.add(PollOption(post_id=post.id, position=position, text=text))
    post.has_poll = True
    session.add(post)
    session.flush()
    return poll


# Voting and results ------------------------------------------------------------------------------


def poll_views(session: Session, viewer: User, post_ids: Sequence[str]) -> dict[str, PollView]:
    """Results of the polls on these posts, with the viewer's choices."""
    if not post_ids:
        return {}
    polls = {
        p.post_id: p for p in session.exec(select(Poll).where(col(Poll.post_id).in_(post_ids)))
    }
    options: dict[str, list[PollOption]] = defaultdict(list)
    for option in session.exec(
        select(PollOption)
        .where(col(PollOption.post_id).in_(post_ids))
        .order_by(col(PollOption.position))
    ):
        options[option.post_id].append(option)
    chosen = set(
        session.exec(
            select(PollVote.option_id).where(
                col(PollVote.user_id) == viewer.id, col(PollVote.post_id).in_(post_ids)
            )
        ).all()
    )
    voters: dict[str, int] = dict(
        session.exec(
            select(PollVote.post_id, func.count(sa.distinct(col(PollVote.user_id))))
            .where(col(PollVote.post_id).in_(post_ids))
            .group_by(col(PollVote.post_id))
        ).all()
    )
    now = utcnow()
    views = {}
    for post_id, poll in polls.items():
        total = sum(o.votes for o in options[post_id])
        views[post_id] = PollView(
            options=[
                PollOptionView(
                    id=o.id or 0,
                    text=o.text,
                    votes=o.votes,
                    percent=round(100 * o.votes / total) if total else 0,
                    chosen=o.id in chosen,
                )
                for o in options[post_id]
            ],
            multiple=poll.multiple,
            voters=voters.get(post_id, 0),
            closes_at=poll.closes_at,
            closed=poll.closes_at <= now,
            voted=any(o.id in chosen for o in options[post_id]),
        )
    return views


def _open_poll(session: Session, viewer: User, post_id: str) -> Poll:
    access_post(session, viewer, post_id)
    poll = session.get(Poll, post_id)
    if poll is None:
        raise NotFound("this post has no poll", code="poll_not_found")
    if poll.closes_at <= utcnow():
        raise Conflict("the poll is closed", code="poll_closed")
    return poll


def _publish_results(session: Session, post_id: str) -> None:
    publish_on_commit(
        session, type="poll", op="update", data={"post_id": post_id}, topics=[f"post:{post_id}"]
    )


def _set_ballot(session: Session, voter: User, post_id: str, option_ids: set[int]) -> None:
    """Replace the voter's ballot, keeping every option's counter exact."""
    current = set(
        session.exec(
            select(PollVote.option_id).where(
                col(PollVote.post_id) == post_id, col(PollVote.user_id) == voter.id
            )
        ).all()
    )
    if current == option_ids:
        return
    for option_id in current - option_ids:
        session.execute(
            sa.delete(PollVote).where(
                col(PollVote.option_id) == option_id, col(PollVote.user_id) == voter.id
            )
        )
        session.execute(
            sa.update(PollOption)
            .where(col(PollOption.id) == option_id)
            .values(votes=col(PollOption.votes) - 1)
        )
    for option_id in option_ids - current:
        session.add(PollVote(option_id=option_id, user_id=voter.id or 0, post_id=post_id))
        session.execute(
            sa.update(PollOption)
            .where(col(PollOption.id) == option_id)
            .values(votes=col(PollOption.votes) + 1)
        )
    session.flush()
    _publish_results(session, post_id)


def check_vote(session: Session, voter: User, post_id: str, option_ids: Sequence[int]) -> None:
    """Vote (or change your vote) while the poll is open: one option, or several when the poll
    allows it."""
    poll = _open_poll(session, voter, post_id)
    chosen = set(option_ids)
    valid = set(session.exec(select(PollOption.id).where(col(PollOption.post_id) == post_id)).all())
    if not chosen or not chosen <= valid:
        raise InvalidInput("choose options of this poll", field="option_ids", code="bad_option")
    if not poll.multiple and len(chosen) != 1:
        raise InvalidInput("this poll takes one choice", field="option_ids", code="single_choice")
    _set_ballot(session, voter, post_id, chosen)


def check_retract_vote(session: Session, voter: User, post_id: str) -> None:
    _open_poll(session, voter, post_id)
    _set_ballot(session, voter, post_id, set())


def get_poll(session: Session, viewer: User, post_id: str) -> PollView:
    """The results of a post's poll as the viewer sees them."""
    access_post(session, viewer, post_id)
    view = poll_views(session, viewer, [post_id]).get(post_id)
    if view is None:
        raise NotFound("this post has no poll", code="poll_not_found")
    return view
