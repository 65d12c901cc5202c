"""An incoming webhook's message goes through what a member's does in a channel: the server's
automod (a block rule refuses it, a flag rule flags it) and its mentions (members who may view
the channel, mentionable roles; @everyone/@here only while the webhook's creator may)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import automod, channel_messages, permissions, servers
from socialhub.domain.errors import PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AutomodFlag,
    ChannelState,
    Message,
    MessageMention,
    PermissionOverwrite,
    Role,
    Server,
)
from socialhub.models.webhooks import WebhookDelivery
from tests.domain.test_moderation import SQLITE_ONLY, give_role
from tests.domain.test_webhooks import create, execute, url_token
from tests.support.chat import Events, key, load_user, only, recipients
from tests.support.servers import general, make_server


@pytest.fixture
def cast(make_user: Callable[..., int]) -> dict[str, int]:
    names = ("owner", "mod", "bob", "carol", "hooker", "outsider")
    ids = {n: make_user(n) for n in names}
    members = tuple(ids[n] for n in ("mod", "bob", "carol", "hooker"))
    return {**ids, "members": members}  # type: ignore[dict-item]


def _server(cast: dict[str, int]) -> tuple[str, str]:
    server = make_server(cast["owner"], members=cast["members"])  # type: ignore[arg-type]
    give_role(server, cast["mod"], "Mods", Permission.MANAGE_MESSAGES, 2)
    with transaction() as s:
        return server, general(s, server).id


def _hook(actor: int, server: str, channel: str) -> tuple[str, str]:
    hook = create(actor, server, channel)
    return hook.id, url_token(actor, server, hook.id)


def _rule(server: str, owner: int, kind: str, value: str, action: str) -> int:
    with transaction() as s:
        rule = automod.check_create_rule(
            s, load_user(s, owner), server, kind=kind, value=value, action=action
        )
        assert rule.id is not None
        return rule.id


def _mentions(session: Session, message_id: str) -> set[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(select(MessageMention).where(MessageMention.message_id == message_id))
    return {(m.kind, m.target) for m in rows.all()}


@SQLITE_ONLY
def test_a_block_rule_refuses_a_webhook_post_and_stores_nothing(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server, channel = _server(cast)
    # The owner made the webhook: their own exemption (MANAGE_MESSAGES) is not the webhook's.
    hook, token = _hook(cast["owner"], server, channel)
    _rule(server, cast["owner"], "word", "spammer", "block")
    events.clear()
    for content in ("Build by a SPAMMER failed", "spammer"):
        with pytest.raises(PermissionDenied) as blocked:
            execute(hook, token, content)
        assert blocked.value.code == "automod_blocked"
    session.expire_all()
    assert session.exec(select(Message).where(Message.conversation_id == channel)).all() == []
    assert session.exec(select(AutomodFlag)).all() == []
    assert only(events, "message", "add") == []
    execute(hook, token, "spammers and antispammer tools")  # whole words only
    session.expire_all()
    assert [m.body for m in session.exec(select(Message)).all()] == [
        "spammers and antispammer tools"
    ]


@SQLITE_ONLY
def test_a_flag_rule_stores_the_webhook_post_and_flags_it_for_the_moderators(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server, channel = _server(cast)
    hook, token = _hook(cast["owner"], server, channel)
    rule = _rule(server, cast["owner"], "pattern", r"free\s*nitro", "flag")
    events.clear()
    message = execute(hook, token, "get FREE nitro from CI")
    session.expire_all()
    [flag] = session.exec(select(AutomodFlag)).all()
    assert (flag.message_id, flag.rule_id, flag.server_id) == (message, rule, server)
    assert recipients(events, "automod", "flag") == {key(cast["owner"]), key(cast["mod"])}
    told = {
        (e["data"]["message_id"], e["data"]["author_id"]) for e in only(events, "automod", "flag")
    }
    assert told == {(message, None)}
    everybody = {key(cast["owner"])} | {key(m) for m in cast["members"]}  # type: ignore[attr-defined]
    assert recipients(events, "message", "add") == everybody
    with transaction() as s:
        page = automod.list_flags(s, load_user(s, cast["mod"]), server)
        [view] = page.flags
        assert view.message is not None
        assert (view.message.body, view.message.author) == ("get FREE nitro from CI", None)


def test_member_and_role_mentions_are_recorded_and_published(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server, channel = _server(cast)
    devs = give_role(server, cast["carol"], "Devs", 0, 1)
    give_role(server, cast["bob"], "Quiet", 0, 1)  # not mentionable
    with transaction() as s:
        role = s.get(Role, devs)
        assert role is not None
        role.mentionable = True
        s.add(role)
        found = s.get(Server, server)
        assert found is not None
        permissions.bump_version(s, found)
    give_role(server, cast["hooker"], "Hooks", Permission.MANAGE_WEBHOOKS, 1)
    hook, token = _hook(cast["hooker"], server, channel)
    events.clear()
    message = execute(hook, token, "@bob build failed, @devs look; @quiet @outsider @nobody")
    # Bob by name, the mentionable role; not the role nobody may mention, not a non-member.
    assert _mentions(session, message) == {("user", str(cast["bob"])), ("role", devs)}
    event = only(events, "mention", "add")[0]  # once for each member told
    assert event["data"]["author_id"] is None
    assert event["data"]["message_id"] == message
    assert {(m["kind"], m["target"]) for m in event["data"]["mentions"]} == {
        ("user", str(cast["bob"])),
        ("role", devs),
    }
    everybody = {key(cast["owner"])} | {key(m) for m in cast["members"]}  # type: ignore[attr-defined]
    assert recipients(events, "mention", "add") == everybody
    assert key(cast["outsider"]) not in {k for k, _ in events}
    # The badges count it: Bob by name, Carol by her role; the owner is not mentioned.
    with transaction() as s:
        for who, roles, expected in (("bob", [], 1), ("carol", [devs], 1), ("owner", [], 0)):
            unread = channel_messages.channel_unreads(
                s, load_user(s, cast[who]), server, [channel], roles
            )
            assert unread[channel].mentions == expected, who
    # A webhook has no read marker or slow-mode clock, and is not sent on by outgoing webhooks.
    session.expire_all()
    assert session.exec(select(ChannelState).where(col(ChannelState.user_id) == 0)).all() == []
    assert session.exec(select(WebhookDelivery)).all() == []


def test_everyone_and_here_ping_only_while_the_creator_may_mention_everyone(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server, channel = _server(cast)
    hooks_role = give_role(server, cast["hooker"], "Hooks", Permission.MANAGE_WEBHOOKS, 1)
    hook, token = _hook(cast["hooker"], server, channel)
    # The creator without MENTION_EVERYONE: plain text, nobody pinged.
    events.clear()
    plain = execute(hook, token, "@everyone deploy at 5, @here too")
    assert _mentions(session, plain) == set()
    assert only(events, "mention", "add") == []
    with transaction() as s:
        assert s.get(Message, plain).body == "@everyone deploy at 5, @here too"  # type: ignore[union-attr]
        role = s.get(Role, hooks_role)
        assert role is not None
        role.permissions = int(Permission.MANAGE_WEBHOOKS | Permission.MENTION_EVERYONE)
        s.add(role)
        found = s.get(Server, server)
        assert found is not None
        permissions.bump_version(s, found)
    pinged = execute(hook, token, "@everyone deploy at 5, @here too")
    assert _mentions(session, pinged) == {("everyone", ""), ("here", "")}
    assert {e["data"]["message_id"] for e in only(events, "mention", "add")} == {pinged}
    # Denied in this channel (an overwrite): plain text again.
    with transaction() as s:
        here = general(s, server)
        here.synced = False  # its own overwrites, not its category's
        s.add(here)
        s.add(
            PermissionOverwrite(
                server_id=server,
                scope_id=channel,
                target_type="member",
                target_id=str(cast["hooker"]),
                deny=int(Permission.MENTION_EVERYONE),
            )
        )
        found = s.get(Server, server)
        assert found is not None
        permissions.bump_version(s, found)
    assert _mentions(session, execute(hook, token, "@everyone again")) == set()
    # The creator gone from the server: the webhook posts on, pinging no one.
    with transaction() as s:
        servers.check_leave_server(s, load_user(s, cast["hooker"]), server)
    assert _mentions(session, execute(hook, token, "@here anyone?")) == set()


def test_a_member_who_cannot_view_the_channel_is_not_recorded(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server, _ = _server(cast)
    with transaction() as s:
        found = s.get(Server, server)
        assert found is not None
        secret = servers.do_create_channel(s, found, name="secret").id
        s.add(
            PermissionOverwrite(
                server_id=server,
                scope_id=secret,
                target_type="member",
                target_id=str(cast["bob"]),
                deny=int(Permission.VIEW_CHANNEL),
            )
        )
        permissions.bump_version(s, found)
    hook, token = _hook(cast["owner"], server, secret)
    events.clear()
    message = execute(hook, token, "@bob and @carol: the secret build broke")
    assert _mentions(session, message) == {("user", str(cast["carol"]))}
    assert key(cast["bob"]) not in recipients(events, "mention", "add")
    assert key(cast["carol"]) in recipients(events, "mention", "add")
