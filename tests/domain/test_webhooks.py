"""Webhooks: incoming (permissions, the secret URL, posting through the message code, limits,
the audit log) and outgoing (setting, signing, the retry schedule, disabling)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import messages, permissions, webhooks
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
from socialhub.models.webhooks import IncomingWebhook
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
