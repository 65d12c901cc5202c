"""Polls on posts: 2-10 options, single or multiple choice, open until a closing time."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from socialhub.domain.errors import InvalidInput
from socialhub.domain.validation import clean_text
from socialhub.models import Poll, PollOption, Post
from socialhub.models.poll_views import PollSpec

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
