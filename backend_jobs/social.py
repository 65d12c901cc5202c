"""The social network's periodic jobs: trending hashtags, and final results of closing polls."""

from __future__ import annotations

from datetime import datetime, timedelta

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import polls, trending
from socialhub.models.base import utcnow

# Where the poll job keeps the end of the span it last covered (in the queue's own storage).
POLLS_CLOSED_UNTIL = "social:polls_closed_until"
# A worker down longer than this does not announce older closings: nobody is watching them live.
POLLS_LOOKBACK = timedelta(hours=1)


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
