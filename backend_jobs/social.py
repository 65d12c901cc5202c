"""The social network's periodic jobs: trending hashtags, final results of closing polls, and
the expiry of stories."""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import polls, stories, trending
from socialhub.models.base import utcnow

# Where the poll job keeps the end of the span it last covered (in the queue's own storage).
POLLS_CLOSED_UNTIL = "social:polls_closed_until"
# A worker down longer than this does not announce older closings: nobody is watching them live.
POLLS_LOOKBACK = timedelta(hours=1)
# Stories deleted per transaction, so a backlog does not hold the write lock for long.
EXPIRY_BATCH = 500


@huey.periodic_task(crontab(minute="*/5"), retries=2, retry_delay=30)  # type: ignore[untyped-decorator]
def refresh_trending() -> int:
    """Recompute the trending hashtags; returns how many are ranked."""
    with transaction() as session:
        return len(trending.do_refresh_trending(session))


@huey.periodic_task(crontab(minute="*"), retries=2, retry_delay=10)  # type: ignore[untyped-decorator]
def announce_closed_polls() -> int:
    """Push the final results of the polls that closed since the previous run; returns how many."""
    until = utcnow()
    previous: datetime | None = huey.get(POLLS_CLOSED_UNTIL, peek=True)
    since = max(previous or until - timedelta(minutes=1), until - POLLS_LOOKBACK)
    with transaction() as session:
        count = polls.do_publish_closed_polls(session, since=since, until=until)
    huey.put(POLLS_CLOSED_UNTIL, until)
    return count


@huey.periodic_task(crontab(minute="*"), retries=2, retry_delay=10)  # type: ignore[untyped-decorator]
def expire_stories() -> int:
    """Delete the stories past their 24 hours, with their images; returns how many."""
    total = 0
    while True:
        with transaction() as session:
            removed = stories.do_expire_stories(session, batch=EXPIRY_BATCH)
        total += removed
        if removed < EXPIRY_BATCH:
            return total
