"""Link previews' fetches: one job per new URL, enqueued when the message's transaction commits
(`socialhub/domain/link_previews.py`); a sweep each minute picks up the ones whose job was lost.
The fetch runs outside any transaction; its outcome is
recorded only while the preview is still pending, so a second run does nothing.

`JOBS_IMMEDIATE=true` runs the fetch in this process instead (a thread started after the
commit), for a single-process app with no job worker, as the browser tests run it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from huey import crontab

from backend_jobs.queue import huey
from socialhub.config import get_settings
from socialhub.db import transaction
from socialhub.domain import link_previews, messages, posts
from socialhub.models.base import utcnow

# A preview pending this long without its job having run is picked up by the sweep, for a while.
SWEEP_GRACE = timedelta(minutes=2)
SWEEP_WINDOW = timedelta(hours=1)


def run_fetch(preview_id: str) -> str:
    """Fetch one preview: 'ready', 'failed' or 'skipped' (not pending any more)."""
    with transaction() as session:
        url = link_previews.pending_url(session, preview_id)
    if url is None:
        return "skipped"
    result = link_previews.fetch_card(url)
    with transaction() as session:
        if link_previews.do_record_result(session, preview_id, result):
            messages.do_publish_preview(session, preview_id)
            posts.do_publish_preview(session, preview_id)
            return "ready"
    return "failed" if result.card is None else "skipped"


@huey.task(retries=1, retry_delay=30)  # type: ignore[untyped-decorator]
def fetch_link_preview(preview_id: str) -> str:
    return run_fetch(preview_id)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_link_previews() -> int:
    """Enqueue the previews pending for over `SWEEP_GRACE` (their job was lost); how many."""
    now = utcnow()
    with transaction() as session:
        stale = link_previews.stale_pending(
            session, before=now - SWEEP_GRACE, since=now - SWEEP_WINDOW
        )
    for preview_id in stale:
        fetch_link_preview(preview_id)
    return len(stale)


def dispatch(preview_id: str) -> None:
    if get_settings().jobs_immediate:
        threading.Thread(target=run_fetch, args=(preview_id,), daemon=True).start()
    else:
        fetch_link_preview(preview_id)


link_previews.register_dispatcher(dispatch)
