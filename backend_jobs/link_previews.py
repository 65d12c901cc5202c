"""Link previews' fetches: one job per new URL, enqueued when the message's transaction commits
(`socialhub/domain/link_previews.py`). The fetch runs outside any transaction; its outcome is
recorded only while the preview is still pending, so a second run does nothing.

`JOBS_IMMEDIATE=true` runs the fetch in this process instead (a thread started after the
commit), for a single-process app with no job worker, as the browser tests run it.
"""

from __future__ import annotations

import threading

from backend_jobs.queue import huey
from socialhub.config import get_settings
from socialhub.db import transaction
from socialhub.domain import link_previews, messages


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
            return "ready"
    return "failed" if result.card is None else "skipped"


@huey.task(retries=1, retry_delay=30)  # type: ignore[untyped-decorator]
def fetch_link_preview(preview_id: str) -> str:
    return run_fetch(preview_id)


def dispatch(preview_id: str) -> None:
    if get_settings().jobs_immediate:
        threading.Thread(target=run_fetch, args=(preview_id,), daemon=True).start()
    else:
        fetch_link_preview(preview_id)


link_previews.register_dispatcher(dispatch)
