"""Job definitions. Start a worker with: huey_consumer backend_jobs.tasks.huey"""

from __future__ import annotations

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import maintenance


@huey.periodic_task(crontab(minute="*/15"), retries=3, retry_delay=60)  # type: ignore[untyped-decorator]
def purge_expired() -> dict[str, int]:
    """Drop used/expired log-in tickets and refresh tokens, and events past their retention."""
    with transaction() as session:
        return maintenance.do_purge_expired(session)


import backend_jobs.link_previews  # noqa: E402  (registers the link previews' fetch job)
import backend_jobs.media  # noqa: E402  (registers the uploads' processing jobs)
import backend_jobs.servers  # noqa: E402  (registers the servers' periodic tasks)
import backend_jobs.social  # noqa: E402  (registers the social network's periodic tasks)
import backend_jobs.webhooks  # noqa: E402, F401  (registers the outgoing webhooks' jobs)
