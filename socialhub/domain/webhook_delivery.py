"""Deliveries of outgoing webhooks: what is sent, how it is signed, when it is tried again, and
when a webhook that keeps failing is disabled.

Every message a member sends in a channel with an enabled outgoing webhook becomes a
`WebhookDelivery` row in the send's transaction (the durable queue entry), and, after the commit,
a job (`backend_jobs/webhooks.py`) POSTs it through the SSRF-safe client. The body is signed:

    X-SocialHub-Timestamp: <unix seconds>
    X-SocialHub-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>

so a receiver checks both that we sent it and that it is fresh (replays of old bodies fail the
timestamp check). A failed attempt is tried again after 30 s, 1, 2, 4 and 8 minutes (then the
delivery is given up); after `DISABLE_AFTER` failed attempts in a row, over all its deliveries,
the webhook is disabled with the reason kept, and a manager sees it in the settings.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from socialhub.db import on_commit
from socialhub.domain.webhooks import do_publish_webhooks_changed
from socialhub.models import Conversation, Message
from socialhub.models.webhooks import DeliveryStatus, OutgoingWebhook, WebhookDelivery

TIMESTAMP_HEADER = "X-SocialHub-Timestamp"
SIGNATURE_HEADER = "X-SocialHub-Signature"
DELIVERY_HEADER = "X-SocialHub-Delivery"
EVENT_HEADER = "X-SocialHub-Event"
# Attempts of one delivery, and the waits between them.
MAX_ATTEMPTS = 6
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
# Failed attempts in a row (over every delivery of the webhook) that disable it.
DISABLE_AFTER = 10
# While an attempt is under way its row is not due, so a second runner (the sweeper) skips it.
LEASE = timedelta(minutes=2)
# How old a signed timestamp a receiver should accept (what `verify` defaults to).
TOLERANCE = timedelta(minutes=5)
ERROR_MAX = 500

# Who enqueues the job for a delivery once its transaction committed (the job module registers
# itself; without it, the sweeper finds the row).
_dispatchers: list[Callable[[str], None]] = []


def register_dispatcher(dispatch: Callable[[str], None]) -> None:
    if dispatch not in _dispatchers:
        _dispatchers.append(dispatch)


# Signing ------------------------------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    *,
    now: datetime,
    tolerance: timedelta = TOLERANCE,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now.timestamp() - sent) > tolerance.total_seconds():
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


def retry_delay(failed_attempts: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, doubling, at most an hour."""
    wait: timedelta = BACKOFF_FIRST * 2 ** max(0, failed_attempts - 1)
    return min(wait, BACKOFF_MAX)


def retry_schedule() -> list[timedelta]:
    """The waits between the attempts of one delivery."""
    return [retry_delay(n) for n in range(1, MAX_ATTEMPTS)]


# Queueing -----------------------------------------------------------------------------------------


def do_queue_deliveries(session: Session, channel: Conversation, message: Message) -> None:
    """After a member's message is stored in a channel: one delivery for its outgoing webhook,
    if it has an enabled one, dispatched after the commit."""
    webhook = session.exec(
        select(OutgoingWebhook).where(
            OutgoingWebhook.channel_id == channel.id, col(OutgoingWebhook.enabled)
        )
    ).first()
    if webhook is None:
        return
    from socialhub.domain.messages import message_view  # the message code imports this one

    delivery = WebhookDelivery(webhook_id=webhook.id, message_id=message.id, body="")
    payload = {
        "type": "message",
        "op": "add",
        "delivery_id": delivery.id,
        "server_id": channel.server_id,
        "channel_id": channel.id,
        "channel_name": channel.title,
        "message": message_view(session, message).model_dump(mode="json"),
    }
    delivery.body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    session.add(delivery)
    for dispatch in _dispatchers:
        on_commit(session, lambda d=dispatch, i=delivery.id: d(i))  # type: ignore[misc]


def due_deliveries(session: Session, *, before: datetime, limit: int = 100) -> list[str]:
    """Pending deliveries whose next attempt is due before `before`, oldest first."""
    return list(
        session.exec(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending.value,
                col(WebhookDelivery.next_attempt_at) <= before,
            )
            .order_by(col(WebhookDelivery.next_attempt_at))
            .limit(limit)
        ).all()
    )


# Attempts -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    delivery_id: str
    url: str
    body: bytes
    headers: dict[str, str]


def do_start_attempt(session: Session, delivery_id: str, *, now: datetime) -> Attempt | None:
    """The request to make for a due delivery, signed now, and the delivery leased (not due
    for `LEASE`); None when it is not due, done, or its webhook is gone or disabled."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.pending.value:
        return None
    if delivery.next_attempt_at > now:
        return None
    webhook = session.get(OutgoingWebhook, delivery.webhook_id)
    if webhook is None or not webhook.enabled:
        delivery.status = DeliveryStatus.failed.value
        delivery.last_error = "the webhook was disabled"
        session.add(delivery)
        return None
    delivery.next_attempt_at = now + LEASE
    session.add(delivery)
    timestamp = int(now.timestamp())
    body = delivery.body.encode()
    return Attempt(
        delivery_id=delivery.id,
        url=webhook.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(webhook.secret, timestamp, body),
            DELIVERY_HEADER: delivery.id,
            EVENT_HEADER: "message",
        },
    )


def do_record_attempt(
    session: Session, delivery_id: str, *, error: str | None, now: datetime
) -> datetime | None:
    """The outcome of an attempt (`error` None: the receiver answered 2xx). Returns when to try
    again, or None (delivered, given up, or the webhook disabled)."""
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != DeliveryStatus.pending.value:
        return None
    webhook = session.get(OutgoingWebhook, delivery.webhook_id, with_for_update=True)
    delivery.attempts += 1
    if error is None:
        delivery.status = DeliveryStatus.delivered.value
        delivery.last_error = ""
        session.add(delivery)
        if webhook is not None:
            # The settings show the state: tell them when it turns (not at every success).
            if webhook.consecutive_failures or webhook.last_success_at is None:
                do_publish_webhooks_changed(session, webhook.server_id)
            webhook.consecutive_failures = 0
            webhook.last_success_at = now
            session.add(webhook)
        return None
    reason = error[:ERROR_MAX]
    delivery.last_error = reason
    session.add(delivery)
    if webhook is None:
        delivery.status = DeliveryStatus.failed.value
        return None
    webhook.consecutive_failures += 1
    webhook.last_error = reason
    webhook.last_failure_at = now
    session.add(webhook)
    do_publish_webhooks_changed(session, webhook.server_id)
    if webhook.consecutive_failures >= DISABLE_AFTER:
        _disable(session, webhook, reason)
        return None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.failed.value
        return None
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    return delivery.next_attempt_at


def _disable(session: Session, webhook: OutgoingWebhook, reason: str) -> None:
    """Stop sending: the webhook and every delivery still pending for it."""
    webhook.enabled = False
    webhook.disabled_reason = (
        f"Disabled after {webhook.consecutive_failures} failed deliveries in a row. "
        f"Last error: {reason}"
    )[:ERROR_MAX]
    session.add(webhook)
    pending = session.exec(
        select(WebhookDelivery).where(
            WebhookDelivery.webhook_id == webhook.id,
            WebhookDelivery.status == DeliveryStatus.pending.value,
        )
    ).all()
    for delivery in pending:
        delivery.status = DeliveryStatus.failed.value
        delivery.last_error = delivery.last_error or "the webhook was disabled"
        session.add(delivery)
