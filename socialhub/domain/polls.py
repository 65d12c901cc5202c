"""Polls on posts: 2-10 options, single or multiple choice, open until a closing time.

A user's ballot is one option (single choice) or 1..n distinct options (multiple choice) of the
poll. It can be changed or retracted until the poll closes; every option's `votes` counter is kept
exact in the same transaction as the ballot. Percentages are shares of the voters, so on a
multiple-choice poll they may add up to more than 100.

Events (topic "post:<id>", pushed live, not stored), data {"post_id", "poll": the results as seen
by someone who has not voted}: a vote that changes a ballot (type "poll", op "update"); a poll
reaching its closing time, announced by the periodic job (type "poll", op "closed"). A client
keeps its own choices, or reloads the poll with `get_poll` to have them. In a posts channel,
voting needs ADD_REACTIONS there (a timed-out member only reads the results).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.domain import ratelimit
from socialhub.domain.errors import Conflict, InvalidInput, NotFound
from socialhub.domain.permissions import Permission
from socialhub.domain.post_access import access_post, require_in_channel
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


# Voting and results


def _views(session: Session, post_ids: Iterable[str], viewer_id: int | None) -> dict[str, PollView]:
    """Results of the polls on these posts, with `viewer_id`'s choices (none for None)."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return {}
    polls = {p.post_id: p for p in session.exec(select(Poll).where(col(Poll.post_id).in_(ids)))}
    if not polls:
        return {}
    options: dict[str, list[PollOption]] = defaultdict(list)
    for option in session.exec(
        select(PollOption)
        .where(col(PollOption.post_id).in_(polls))
        .order_by(col(PollOption.post_id), col(PollOption.position))
        # Counters move by UPDATE statements: never show a stale copy of the session's.
        .execution_options(populate_existing=True)
    ):
        options[option.post_id].append(option)
    chosen: set[int] = set()
    if viewer_id is not None:
        chosen = set(
            session.exec(
                select(PollVote.option_id).where(
                    col(PollVote.user_id) == viewer_id, col(PollVote.post_id).in_(polls)
                )
            ).all()
        )
    voters: dict[str, int] = dict(
        session.exec(
            select(PollVote.post_id, func.count(sa.distinct(col(PollVote.user_id))))
            .where(col(PollVote.post_id).in_(polls))
            .group_by(col(PollVote.post_id))
        ).all()
    )
    now = utcnow()
    views = {}
    for post_id, poll in polls.items():
        people = voters.get(post_id, 0)
        views[post_id] = PollView(
            post_id=post_id,
            options=[
                PollOptionView(
                    id=o.id or 0,
                    text=o.text,
                    votes=o.votes,
                    percent=round(100 * o.votes / people) if people else 0,
                    chosen=o.id in chosen,
                )
                for o in options[post_id]
            ],
            multiple=poll.multiple,
            voters=people,
            total_votes=sum(o.votes for o in options[post_id]),
            closes_at=poll.closes_at,
            closed=poll.closes_at <= now,
            voted=any(o.id in chosen for o in options[post_id]),
        )
    return views


def poll_views(session: Session, viewer: User, post_ids: Sequence[str]) -> dict[str, PollView]:
    """The polls of a page of posts the viewer may see (checked by the caller), by post id;
    posts without a poll are left out."""
    return _views(session, post_ids, viewer.id)


def poll_view(session: Session, viewer: User, post_id: str) -> PollView | None:
    """The poll of one post the viewer may see (checked by the caller); None without a poll."""
    return _views(session, [post_id], viewer.id).get(post_id)


def get_poll(session: Session, viewer: User, post_id: str) -> PollView:
    """The results of a post's poll as the viewer sees them."""
    access_post(session, viewer, post_id)
    view = poll_view(session, viewer, post_id)
    if view is None:
        raise NotFound("this post has no poll", code="poll_not_found")
    return view


def _publish(session: Session, op: str, view: PollView) -> None:
    publish_on_commit(
        session,
        type="poll",
        op=op,
        data={"post_id": view.post_id, "poll": view.model_dump(mode="json")},
        topics=[f"post:{view.post_id}"],
    )


def _lock_ballots(session: Session, post_id: str) -> None:
    """Ballots on one poll are written one at a time, each reading the ballot it replaces only
    once it holds the lock: two simultaneous votes of one user cannot both land."""
    if session.get_bind().dialect.name == "sqlite":
        # A SQLite transaction takes the database's writer lock at its first write.
        session.execute(
            sa.update(Poll)
            .where(col(Poll.post_id) == post_id)
            .values(multiple=col(Poll.multiple))
            .execution_options(synchronize_session=False)
        )
    else:
        session.execute(select(Poll.post_id).where(col(Poll.post_id) == post_id).with_for_update())


def _open_poll(session: Session, voter: User, post_id: str) -> Poll:
    """The poll of a post the voter may see, locked for their ballot; refused once closed."""
    access_post(session, voter, post_id)
    _lock_ballots(session, post_id)
    poll = session.get(Poll, post_id)
    if poll is None:
        raise NotFound("this post has no poll", code="poll_not_found")
    if poll.closes_at <= utcnow():
        raise Conflict("the poll is closed", code="poll_closed")
    return poll


def _set_ballot(session: Session, voter_id: int, post_id: str, option_ids: set[int]) -> None:
    """Replace the voter's ballot, keeping every option's counter exact; announce a change."""
    current = set(
        session.exec(
            select(PollVote.option_id).where(
                col(PollVote.post_id) == post_id, col(PollVote.user_id) == voter_id
            )
        ).all()
    )
    removed, added = current - option_ids, option_ids - current
    if not removed and not added:
        return
    if removed:
        session.execute(
            sa.delete(PollVote).where(
                col(PollVote.user_id) == voter_id, col(PollVote.option_id).in_(removed)
            )
        )
        session.execute(
            sa.update(PollOption)
            .where(col(PollOption.id).in_(removed))
            .values(votes=col(PollOption.votes) - 1)
            .execution_options(synchronize_session=False)
        )
    if added:
        now = utcnow()
        session.execute(
            sa.insert(PollVote),
            [
                {"option_id": o, "user_id": voter_id, "post_id": post_id, "created_at": now}
                for o in added
            ],
        )
        session.execute(
            sa.update(PollOption)
            .where(col(PollOption.id).in_(added))
            .values(votes=col(PollOption.votes) + 1)
            .execution_options(synchronize_session=False)
        )
    _publish(session, "update", _views(session, [post_id], None)[post_id])


def check_vote(session: Session, voter: User, post_id: str, option_ids: Sequence[int]) -> PollView:
    """Vote, or change your vote, while the poll is open: exactly one option of a single-choice
    poll, 1..n distinct options of a multiple-choice one. The same ballot again changes nothing.
    Returns the results as the voter now sees them."""
    assert voter.id is not None
    post = access_post(session, voter, post_id)
    require_in_channel(session, voter, post, Permission.ADD_REACTIONS)
    poll = _open_poll(session, voter, post_id)
    chosen = set(option_ids)
    if len(chosen) != len(option_ids):
        raise InvalidInput(
            "choose each option at most once", field="option_ids", code="duplicate_option"
        )
    valid = set(session.exec(select(PollOption.id).where(col(PollOption.post_id) == post_id)).all())
    if not chosen or not chosen <= valid:
        raise InvalidInput("choose options of this poll", field="option_ids", code="bad_option")
    if not poll.multiple and len(chosen) != 1:
        raise InvalidInput("this poll takes one choice", field="option_ids", code="single_choice")
    ratelimit.hit("poll_vote", f"user:{voter.id}")
    _set_ballot(session, voter.id, post_id, chosen)
    return _views(session, [post_id], voter.id)[post_id]


def check_retract_vote(session: Session, voter: User, post_id: str) -> PollView:
    """Take your ballot back while the poll is open (none: no change)."""
    assert voter.id is not None
    _open_poll(session, voter, post_id)
    ratelimit.hit("poll_vote", f"user:{voter.id}")
    _set_ballot(session, voter.id, post_id, set())
    return _views(session, [post_id], voter.id)[post_id]


def do_publish_closed_polls(session: Session, *, since: datetime, until: datetime) -> int:
    """Announce the final results of the polls that closed after `since` and by `until` (at the
    latest now); returns how many."""
    until = min(until, utcnow())
    closed = session.exec(
        select(Poll.post_id).where(col(Poll.closes_at) > since, col(Poll.closes_at) <= until)
    ).all()
    views = _views(session, closed, None)
    for view in views.values():
        _publish(session, "closed", view)
    return len(views)
