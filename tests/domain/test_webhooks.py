"""Webhooks: incoming (permissions, the secret URL, posting through the message code, limits,
the audit log) and outgoing (setting, signing, the retry schedule, disabling)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import messages, permissions, webhook_delivery, webhooks
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from socialhub.domain.permissions import Permission
from socialhub.domain.servers import do_create_channel
from socialhub.models import (
    AuditLogEntry,
    ChannelType,
    MemberRoleLink,
    PermissionOverwrite,
    Role,
    Server,
)
from socialhub.models.webhooks import IncomingWebhook, OutgoingWebhook, WebhookDelivery
from tests.support.chat import Events, history, key, load_user, only, send
from tests.support.servers import general, make_server


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    return make_user("alice"), make_user("bob"), make_user("carol")


def _channel(server_id: str) -> str:
    with transaction() as s:
        return general(s, server_id).id


def _give_manage_webhooks(server_id: str, user_id: int) -> None:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        role = Role(
            server_id=server_id,
            name="hooks",
            position=1,
            permissions=int(Permission.MANAGE_WEBHOOKS),
        )
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        permissions.bump_version(s, server)


def create(actor: int, server_id: str, channel_id: str, name: str = "Deploys") -> IncomingWebhook:
    with transaction() as s:
        return webhooks.check_create_incoming(
            s, load_user(s, actor), server_id, channel_id=channel_id, name=name
        )


def execute(webhook_id: str, token: str, content: str, **extra: str | None) -> str:
    with transaction() as s:
        return webhooks.check_execute_incoming(s, webhook_id, token, content=content, **extra).id


def url_token(actor: int, server_id: str, webhook_id: str) -> str:
    with transaction() as s:
        views = webhooks.list_incoming(s, load_user(s, actor), server_id)
    [view] = [v for v in views if v.id == webhook_id]
    return view.url.rsplit("/", 1)[1]


def test_only_managers_of_webhooks_create_list_regenerate_and_delete(
    trio: tuple[int, int, int], session: Session
) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob, carol))
    channel = _channel(server_id)
    with pytest.raises(PermissionDenied) as denied:
        create(bob, server_id, channel)
    assert denied.value.code == "missing_permission"
    with transaction() as s, pytest.raises(PermissionDenied):
        webhooks.list_incoming(s, load_user(s, bob), server_id)

    _give_manage_webhooks(server_id, bob)
    hook = create(bob, server_id, channel, "  CI  bot ")
    assert hook.name == "CI bot"
    with transaction() as s:
        [view] = webhooks.list_incoming(s, load_user(s, alice), server_id)
    assert (view.id, view.channel_name) == (hook.id, "general")
    assert view.url.startswith("http://")
    assert f"/api/v1/webhooks/{hook.id}/" in view.url
    with pytest.raises(PermissionDenied) as refused, transaction() as s:
        webhooks.check_delete_incoming(s, load_user(s, carol), server_id, hook.id)
    assert refused.value.code == "missing_permission"
    with pytest.raises(NotFound) as missing, transaction() as s:
        webhooks.check_delete_incoming(s, load_user(s, carol), server_id, "0" * 32)
    assert missing.value.code == "webhook_not_found"

    old = url_token(alice, server_id, hook.id)
    with transaction() as s:
        webhooks.check_regenerate_incoming(s, load_user(s, alice), server_id, hook.id)
    new = url_token(alice, server_id, hook.id)
    assert new != old
    with pytest.raises(NotFound) as gone:
        execute(hook.id, old, "with the old URL")
    assert gone.value.code == "webhook_not_found"
    execute(hook.id, new, "with the new URL")

    with transaction() as s:
        webhooks.check_delete_incoming(s, load_user(s, bob), server_id, hook.id)
    with pytest.raises(NotFound):
        execute(hook.id, new, "after the delete")
    actions = session.exec(
        select(AuditLogEntry.action, AuditLogEntry.actor_id)
        .where(AuditLogEntry.server_id == server_id, AuditLogEntry.target_type == "webhook")
        .order_by(AuditLogEntry.created_at, AuditLogEntry.id)  # type: ignore[arg-type]
    ).all()
    assert list(actions) == [
        ("webhook_create", bob),
        ("webhook_regenerate", alice),
        ("webhook_delete", bob),
    ]


def test_a_webhook_posts_through_the_message_code_live_with_its_name(
    trio: tuple[int, int, int], events: Events
) -> None:
    alice, bob, carol = trio
    server_id = make_server(alice, members=(bob,))
    channel = _channel(server_id)
    hook = create(alice, server_id, channel)
    token = url_token(alice, server_id, hook.id)
    send(bob, channel, "before")
    events.clear()
    execute(hook.id, token, "Build **42** passed")
    [event] = only(events, "message", "add")[:1]
    assert {k for k, e in events if e["type"] == "message"} == {key(alice), key(bob)}
    assert event["data"]["author"] is None
    assert event["data"]["webhook"] == {"id": hook.id, "name": "Deploys", "avatar_url": None}
    assert "<strong>42</strong>" in event["data"]["html"]
    execute(hook.id, token, "override", username="Release bot", avatar_url="https://x.test/a.png")
    last = history(bob, channel)[-1]
    assert last.webhook is not None
    assert (last.webhook.name, last.webhook.avatar_url) == ("Release bot", "https://x.test/a.png")
    assert [m.body for m in history(bob, channel)][-3:] == [
        "before",
        "Build **42** passed",
        "override",
    ]
    assert carol  # not a member: nothing reached her
    assert key(carol) not in {k for k, _ in events}


@pytest.mark.parametrize(
    ("content", "extra", "code"),
    [
        ("   ", {}, "empty"),
        ("x" * (messages.BODY_MAX + 1), {}, "too_long"),
        ("hi", {"username": "n" * 81}, "too_long"),
        ("hi", {"avatar_url": "http://plain.test/a.png"}, "invalid_input"),
    ],
)
def test_content_is_validated_like_messages(
    trio: tuple[int, int, int], content: str, extra: dict[str, str], code: str
) -> None:
    alice, _, _ = trio
    server_id = make_server(alice)
    hook = create(alice, server_id, _channel(server_id))
    with pytest.raises(InvalidInput) as bad:
        execute(hook.id, url_token(alice, server_id, hook.id), content, **extra)
    assert bad.value.code == code


def test_a_wrong_token_or_webhook_is_not_found(trio: tuple[int, int, int]) -> None:
    alice, _, _ = trio
    server_id = make_server(alice)
    hook = create(alice, server_id, _channel(server_id))
    token = url_token(alice, server_id, hook.id)
    for webhook_id, given in (
        (hook.id, token[:-1] + ("B" if token.endswith("A") else "A")),
        (hook.id, ""),
        ("nope", token),
    ):
        with pytest.raises(NotFound) as caught:
            execute(webhook_id, given, "hello")
        assert caught.value.code == "webhook_not_found"


def test_posting_is_rate_limited_per_webhook(
    trio: tuple[int, int, int], lower_limits: Callable[..., None]
) -> None:
    alice, _, _ = trio
    lower_limits(RATE_LIMIT_WEBHOOK="2/minute")
    server_id = make_server(alice)
    channel = _channel(server_id)
    first, second = create(alice, server_id, channel), create(alice, server_id, channel, "Other")
    first_token = url_token(alice, server_id, first.id)
    execute(first.id, first_token, "one")
    execute(first.id, first_token, "two")
    with pytest.raises(RateLimited):
        execute(first.id, first_token, "three")
    execute(second.id, url_token(alice, server_id, second.id), "another webhook counts apart")
    assert [m.body for m in history(alice, channel)] == [
        "one",
        "two",
        "another webhook counts apart",
    ]


def test_webhooks_follow_channel_overwrites_and_skip_posts_channels(
    trio: tuple[int, int, int],
) -> None:
    alice, bob, _ = trio
    server_id = make_server(alice, members=(bob,))
    _give_manage_webhooks(server_id, bob)
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        hidden = do_create_channel(s, server, name="staff").id
        forum = do_create_channel(s, server, name="forum", channel_type=ChannelType.posts).id
        s.add(
            PermissionOverwrite(
                server_id=server_id,
                scope_id=hidden,
                target_type="member",
                target_id=str(bob),
                allow=0,
                deny=int(Permission.MANAGE_WEBHOOKS),
            )
        )
        permissions.bump_version(s, server)
    with pytest.raises(PermissionDenied):
        create(bob, server_id, hidden)
    with pytest.raises(InvalidInput) as posts:
        create(alice, server_id, forum)
    assert posts.value.code == "posts_channel"
    create(alice, server_id, hidden, "Staff hook")
    create(alice, server_id, _channel(server_id), "General hook")
    with transaction() as s:
        names = [v.name for v in webhooks.list_incoming(s, load_user(s, bob), server_id)]
    assert names == ["General hook"]


# Outgoing ---------------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    body = b'{"type":"message"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook_delivery.sign("s3cret", 1700000000, body) == f"sha256={expected}"
    now = datetime.fromtimestamp(1700000100, UTC)
    good = webhook_delivery.sign("s3cret", 1700000000, body)
    assert webhook_delivery.verify("s3cret", "1700000000", body, good, now=now)
    assert not webhook_delivery.verify("other", "1700000000", body, good, now=now)
    assert not webhook_delivery.verify("s3cret", "1700000000", body + b" ", good, now=now)
    assert not webhook_delivery.verify("s3cret", "1700000001", body, good, now=now)
    assert not webhook_delivery.verify("s3cret", "soon", body, good, now=now)
    late = now + timedelta(minutes=10)
    assert not webhook_delivery.verify("s3cret", "1700000000", body, good, now=late)


def test_the_retry_schedule_doubles_from_thirty_seconds_up_to_an_hour() -> None:
    assert webhook_delivery.retry_schedule() == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 480)
    ]
    assert webhook_delivery.retry_delay(1) == timedelta(seconds=30)
    assert webhook_delivery.retry_delay(30) == timedelta(hours=1)


def _outgoing(actor: int, server_id: str, channel: str) -> OutgoingWebhook:
    with transaction() as s:
        return webhooks.check_set_outgoing(
            s, load_user(s, actor), server_id, channel_id=channel, url="https://hooks.example/in"
        )


def _deliveries(session: Session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(
        session.exec(select(WebhookDelivery).order_by(WebhookDelivery.created_at)).all()  # type: ignore[arg-type]
    )


def _attempt(delivery_id: str, now: datetime, error: str | None) -> datetime | None:
    with transaction() as s:
        attempt = webhook_delivery.do_start_attempt(s, delivery_id, now=now)
    assert attempt is not None
    with transaction() as s:
        return webhook_delivery.do_record_attempt(s, delivery_id, error=error, now=now)


def test_members_messages_are_queued_signed_and_retried_with_backoff(
    trio: tuple[int, int, int], session: Session
) -> None:
    alice, bob, _ = trio
    server_id = make_server(alice, members=(bob,))
    channel = _channel(server_id)
    hook = _outgoing(alice, server_id, channel)
    message = send(bob, channel, "ship it")
    incoming = create(alice, server_id, channel)
    execute(incoming.id, url_token(alice, server_id, incoming.id), "a webhook's own message")
    [delivery] = _deliveries(session)  # the webhook's message is not sent on
    payload = json.loads(delivery.body)
    assert (payload["channel_id"], payload["message"]["id"]) == (channel, message.id)
    assert payload["message"]["body"] == "ship it"

    start = delivery.next_attempt_at + timedelta(seconds=1)
    with transaction() as s:
        attempt = webhook_delivery.do_start_attempt(s, delivery.id, now=start)
    assert attempt is not None
    assert attempt.url == "https://hooks.example/in"
    headers = attempt.headers
    assert headers["X-SocialHub-Timestamp"] == str(int(start.timestamp()))
    assert webhook_delivery.verify(
        hook.secret,
        headers["X-SocialHub-Timestamp"],
        attempt.body,
        headers["X-SocialHub-Signature"],
        now=start,
    )
    with transaction() as s:  # leased: a second runner finds nothing to do
        assert webhook_delivery.do_start_attempt(s, delivery.id, now=start) is None
    with transaction() as s:
        retry = webhook_delivery.do_record_attempt(s, delivery.id, error="HTTP 500", now=start)
    assert retry == start + timedelta(seconds=30)
    with transaction() as s:
        assert webhook_delivery.do_start_attempt(s, delivery.id, now=start) is None  # not yet due
        assert webhook_delivery.due_deliveries(s, before=start) == []
        assert webhook_delivery.due_deliveries(s, before=retry) == [delivery.id]

    now = retry
    waits = []
    while now is not None:
        previous = now
        now = _attempt(delivery.id, now, "HTTP 500")
        if now is not None:
            waits.append(now - previous)
    assert waits == webhook_delivery.retry_schedule()[1:]
    [failed] = _deliveries(session)
    assert (failed.status, failed.attempts) == ("failed", webhook_delivery.MAX_ATTEMPTS)
    session.expire_all()
    stored = session.get(OutgoingWebhook, hook.id)
    assert stored is not None
    assert (stored.enabled, stored.consecutive_failures) == (True, webhook_delivery.MAX_ATTEMPTS)

    # A success forgets the failures in a row.
    second = send(bob, channel, "again")
    [row] = [d for d in _deliveries(session) if d.message_id == second.id]
    assert _attempt(row.id, row.next_attempt_at, None) is None
    session.expire_all()
    stored = session.get(OutgoingWebhook, hook.id)
    assert stored is not None
    assert stored.consecutive_failures == 0
    assert stored.last_success_at is not None


def test_a_webhook_failing_again_and_again_is_disabled_with_its_reason(
    trio: tuple[int, int, int], session: Session
) -> None:
    alice, _, _ = trio
    server_id = make_server(alice)
    channel = _channel(server_id)
    hook = _outgoing(alice, server_id, channel)
    for n in range(webhook_delivery.DISABLE_AFTER // 2 + 1):
        send(alice, channel, f"message {n}")
    rows = _deliveries(session)
    failures = 0
    for row in rows:
        now: datetime | None = row.next_attempt_at
        for _ in range(2):
            if failures == webhook_delivery.DISABLE_AFTER or now is None:
                break
            now = _attempt(row.id, now, "connection_failed: refused")
            failures += 1
    session.expire_all()
    stored = session.get(OutgoingWebhook, hook.id)
    assert stored is not None
    assert not stored.enabled
    assert stored.disabled_reason.startswith(
        f"Disabled after {webhook_delivery.DISABLE_AFTER} failed deliveries in a row"
    )
    assert "connection_failed: refused" in stored.disabled_reason
    assert {d.status for d in _deliveries(session)} == {"failed"}
    send(alice, channel, "not sent any more")
    assert len(_deliveries(session)) == len(rows)
    with transaction() as s:
        [view] = webhooks.list_outgoing(s, load_user(s, alice), server_id)
    assert (view.enabled, view.disabled_reason) == (False, stored.disabled_reason)
    # Setting the URL again turns it back on.
    _outgoing(alice, server_id, channel)
    send(alice, channel, "sent again")
    assert len(_deliveries(session)) == len(rows) + 1


def test_a_webhooks_message_is_deleted_by_moderators_and_edited_by_nobody(
    trio: tuple[int, int, int],
) -> None:
    alice, bob, _ = trio
    server_id = make_server(alice, members=(bob,))
    channel = _channel(server_id)
    hook = create(alice, server_id, channel)
    message_id = execute(hook.id, url_token(alice, server_id, hook.id), "status: green")
    for actor in (alice, bob):
        with pytest.raises(PermissionDenied) as refused, transaction() as s:
            messages.check_edit_message(s, load_user(s, actor), message_id, body="red")
        assert refused.value.code == "not_author"
    with pytest.raises(PermissionDenied), transaction() as s:
        messages.check_delete_message(s, load_user(s, bob), message_id, for_everyone=True)
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, alice), message_id, for_everyone=True)
    [gone] = history(bob, channel)
    assert (gone.deleted, gone.body) == (True, "")
