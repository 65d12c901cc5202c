"""The outgoing webhooks' jobs as the worker runs them: an attempt that fails schedules the next
one on the queue at the backoff's time; the sweep enqueues deliveries whose job was lost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, select

from backend_jobs import tasks
from backend_jobs import webhooks as webhook_jobs
from backend_jobs.queue import huey
from socialhub.db import transaction
from socialhub.domain import webhook_delivery, webhooks
from socialhub.models.base import utcnow
from socialhub.models.webhooks import OutgoingWebhook, WebhookDelivery
from tests.support.chat import load_user, send
from tests.support.receiver import receiver
from tests.support.servers import general, make_server


def test_the_consumer_registers_the_webhook_tasks() -> None:
    periodic = {task.name for task in tasks.huey.read_periodic(utcnow().replace(minute=0))}
    assert "sweep_webhook_deliveries" in periodic


def test_a_failed_attempt_is_scheduled_again_and_lost_jobs_are_swept(
    make_user: Callable[..., int], session: Session, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    huey.flush()
    alice = make_user("alice")
    server_id = make_server(alice)
    with transaction() as s:
        channel = general(s, server_id).id
    with receiver() as server:
        server.status = 503
        with transaction() as s:
            hook = webhooks.check_set_outgoing(
                s, load_user(s, alice), server_id, channel_id=channel, url=server.url
            )
            secret = hook.secret
        send(alice, channel, "hello")
        [delivery_id] = session.exec(select(WebhookDelivery.id)).all()
        assert huey.pending_count() == 1  # the dispatcher enqueued it after the commit
        huey.flush()

        before = utcnow()
        assert webhook_jobs.run_delivery(delivery_id) == "failed"
        [request] = server.received
        assert webhook_delivery.verify(
            secret,
            request.headers["x-socialhub-timestamp"],
            request.body,
            request.headers["x-socialhub-signature"],
            now=utcnow(),
        )
        [scheduled] = huey.pending()  # with its eta: the consumer holds it until then
        assert scheduled.args == (delivery_id,)
        assert scheduled.eta is not None
        wait = scheduled.eta - before.replace(tzinfo=None)
        assert timedelta(seconds=29) <= wait <= timedelta(seconds=32)
        # Not due yet: a second run does nothing.
        server.status = 200
        assert webhook_jobs.run_delivery(delivery_id) == "skipped"
        assert len(server.received) == 1

        # Its job lost (the queue flushed), the sweep finds the overdue delivery.
        huey.flush()
        with transaction() as s:
            row = s.get(WebhookDelivery, delivery_id)
            assert row is not None
            row.next_attempt_at = utcnow() - timedelta(minutes=5)
            s.add(row)
        assert webhook_jobs.sweep_webhook_deliveries.call_local() == 1
        assert huey.pending_count() == 1
        huey.flush()
        assert webhook_jobs.run_delivery(delivery_id) == "delivered"
        assert len(server.received) == 2
    session.expire_all()
    stored = session.get(OutgoingWebhook, hook.id)
    assert stored is not None
    assert (stored.consecutive_failures, stored.last_error) == (0, "the receiver answered HTTP 503")
