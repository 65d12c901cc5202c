"""Outgoing webhooks' deliveries: each is POSTed (SSRF-safe, signed) by a job enqueued when its
message's transaction commits; a failure schedules the next attempt with exponential backoff
(`socialhub/domain/webhook_delivery.py` decides when, and when to disable the webhook). A sweep
each minute picks up deliveries whose job was lost (a crash between the commit and the enqueue).
"""

from __future__ import annotations

from datetime import timedelta

from huey import crontab

from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.delivery import outbound
from socialhub.domain import webhook_delivery
from socialhub.models.base import utcnow

# A delivery due this long without its job having run is picked up by the sweep.
SWEEP_GRACE = timedelta(minutes=1)


def run_delivery(delivery_id: str) -> str:
    """One attempt: 'delivered', 'failed' (another may follow) or 'skipped' (not due, done)."""
    with transaction() as session:
        attempt = webhook_delivery.do_start_attempt(session, delivery_id, now=utcnow())
    if attempt is None:
        return "skipped"
    error: str | None = None
    try:
        response = outbound.post(attempt.url, content=attempt.body, headers=attempt.headers)
        if not response.ok:
            error = f"the receiver answered HTTP {response.status}"
    except outbound.OutboundError as failure:
        error = f"{failure.code}: {failure.message}"
    now = utcnow()
    with transaction() as session:
        retry_at = webhook_delivery.do_record_attempt(session, delivery_id, error=error, now=now)
    if retry_at is not None:
        deliver_webhook.schedule((delivery_id,), delay=(retry_at - now).total_seconds())
    return "delivered" if error is None else "failed"


@huey.task()  # type: ignore[untyped-decorator]
def deliver_webhook(delivery_id: str) -> str:
    return run_delivery(delivery_id)


@huey.periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]
def sweep_webhook_deliveries() -> int:
    """Enqueue the deliveries overdue by more than `SWEEP_GRACE`; returns how many."""
    with transaction() as session:
        due = webhook_delivery.due_deliveries(session, before=utcnow() - SWEEP_GRACE)
    for delivery_id in due:
        deliver_webhook(delivery_id)
    return len(due)


webhook_delivery.register_dispatcher(deliver_webhook)
