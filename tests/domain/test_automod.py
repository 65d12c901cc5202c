"""Automod in the domain: which patterns are accepted, rules (MANAGE_SERVER), a block rule
refusing a message, a flag rule letting it through to the moderators' flags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import automod, moderation, permissions, servers
from socialhub.domain.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AuditLogEntry,
    AutomodFlag,
    AutomodRule,
    Message,
    PermissionOverwrite,
    Server,
)
from tests.domain.test_moderation import SQLITE_ONLY, give_role
from tests.support.chat import Events, key, load_user, only, recipients, send
from tests.support.servers import general, make_server

assert moderation.automod is automod  # importing moderation arms automod


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        (r"free\s*nitro", None),
        (r"https?://\S+", None),
        (r"\w{1,64}@\w{1,64}\.com", None),
        (r"(?:buy|cheap) (?:pills|meds)", None),
        (r"[^]a]+!", None),
        (r"\w+@\w+", "unsafe_pattern"),  # two unbounded repeats: quadratic per position
        (r"(a*)*", "unsafe_pattern"),  # a repeat inside a repeat
        (r"(?:a|b)+", "unsafe_pattern"),  # a repeated alternation
        (r"(?:a?){30}", "unsafe_pattern"),
        (r"a**", "bad_pattern"),
        (r"(?=x)y", "unsafe_pattern"),
        (r"(?P<w>a)(?P=w)", "unsafe_pattern"),
        (r"(a)\1", "unsafe_pattern"),
        (r"(unclosed", "bad_pattern"),
        (r"x*", "pattern_matches_all"),
    ],
)
def test_patterns_are_refused_when_they_could_run_too_long(pattern: str, code: str | None) -> None:
    if code is None:
        automod.check_pattern(pattern)
        return
    with pytest.raises(InvalidInput) as refused:
        automod.check_pattern(pattern)
    assert refused.value.code == code


def create_rule(actor: int, server_id: str, kind: str, value: str, action: str) -> int:
    with transaction() as s:
        rule = automod.check_create_rule(
            s, load_user(s, actor), server_id, kind=kind, value=value, action=action
        )
        assert rule.id is not None
        return rule.id


@pytest.fixture
def cast(make_user: Callable[..., int]) -> dict[str, int]:
    names = ("owner", "mod", "manager", "member", "outsider")
    ids = {n: make_user(n) for n in names}
    server = make_server(ids["owner"], members=(ids["mod"], ids["manager"], ids["member"]))
    give_role(server, ids["mod"], "Mods", Permission.MANAGE_MESSAGES, 2)
    give_role(server, ids["manager"], "Managers", Permission.MANAGE_SERVER, 1)
    return {**ids, "server": server}  # type: ignore[dict-item]


@SQLITE_ONLY
def test_rules_are_managed_with_manage_server(cast: dict[str, int], session: Session) -> None:
    server: str = cast["server"]  # type: ignore[assignment]
    word = create_rule(cast["manager"], server, "word", "  Spam  ", "block")
    pattern = create_rule(cast["manager"], server, "pattern", r"free\s*nitro", "flag")
    with transaction() as s:
        listed = automod.list_rules(s, load_user(s, cast["manager"]), server)
    assert [(r.id, r.kind, r.value, r.action) for r in listed] == [
        (word, "word", "Spam", "block"),
        (pattern, "pattern", r"free\s*nitro", "flag"),
    ]
    assert listed[0].created_by is not None
    assert listed[0].created_by.username == "manager"
    bad = [
        ("member", "word", "x", "block", "missing_permission"),
        ("mod", "word", "x", "block", "missing_permission"),
        ("manager", "phrase", "x", "block", "bad_kind"),
        ("manager", "word", "x", "delete", "bad_action"),
        ("manager", "word", "   ", "block", "empty"),
        ("manager", "word", "x" * 101, "block", "too_long"),
        ("manager", "pattern", r"\w+\s+\w+", "flag", "unsafe_pattern"),
        ("outsider", "word", "x", "block", "server_not_found"),
    ]
    for actor, kind, value, action, code in bad:
        with pytest.raises(DomainError) as refused:
            create_rule(cast[actor], server, kind, value, action)
        assert refused.value.code == code, (actor, kind, value, action)
    with pytest.raises(NotFound), transaction() as s:
        automod.check_delete_rule(s, load_user(s, cast["manager"]), server, 10**6)
    with transaction() as s:
        automod.check_delete_rule(s, load_user(s, cast["manager"]), server, word)
    session.expire_all()
    assert session.get(AutomodRule, word) is None
    actions = session.exec(
        select(AuditLogEntry.action)
        .where(col(AuditLogEntry.action).startswith("automod"))
        .order_by(col(AuditLogEntry.id))
    ).all()
    assert actions == ["automod_rule_create", "automod_rule_create", "automod_rule_delete"]


@SQLITE_ONLY
def test_a_block_rule_refuses_the_message_a_flag_rule_files_it(
    cast: dict[str, int], events: Events, session: Session
) -> None:
    server: str = cast["server"]  # type: ignore[assignment]
    block_rule = create_rule(cast["owner"], server, "word", "spammer", "block")
    flag_rule = create_rule(cast["owner"], server, "pattern", r"free\s*nitro", "flag")
    with transaction() as s:
        channel = general(s, server).id
    for body in ("you are a SPAMMER!", "spammer", "(spammer)"):
        with pytest.raises(PermissionDenied) as blocked:
            send(cast["member"], channel, body)
        assert blocked.value.code == "automod_blocked"
        assert "blocked" in blocked.value.message
    assert session.exec(select(Message).where(Message.conversation_id == channel)).all() == []
    # Whole words only; moderators are exempt.
    send(cast["member"], channel, "spammers and antispammer tools")
    send(cast["mod"], channel, "do not call anyone a spammer, or get free nitro")
    assert session.exec(select(AutomodFlag)).all() == []

    events.clear()
    flagged = send(cast["member"], channel, "get FREE   Nitro here").id
    session.expire_all()
    [flag] = session.exec(select(AutomodFlag)).all()
    assert (flag.message_id, flag.rule_id, flag.server_id) == (flagged, flag_rule, server)
    assert recipients(events, "automod", "flag") == {key(cast["owner"]), key(cast["mod"])}
    assert only(events, "automod", "flag")[0]["data"]["message_id"] == flagged
    # The message itself reached everyone.
    members = {key(cast[n]) for n in ("owner", "mod", "manager", "member")}
    assert recipients(events, "message", "add") == members

    with transaction() as s:
        page = automod.list_flags(s, load_user(s, cast["mod"]), server)
        assert [(f.id, f.message.body, f.rule.id) for f in page.flags] == [  # type: ignore[union-attr]
            (flag.id, "get FREE   Nitro here", flag_rule)
        ]
        assert page.flags[0].message.author is not None
        assert page.flags[0].message.author.username == "member"
        for actor in ("member", "manager"):
            with pytest.raises(PermissionDenied):
                automod.list_flags(s, load_user(s, cast[actor]), server)
    events.clear()
    assert flag.id is not None
    with transaction() as s:
        resolved = automod.check_resolve_flag(s, load_user(s, cast["mod"]), server, flag.id)
        assert resolved.resolved_at is not None
    assert recipients(events, "automod", "resolve") == {key(cast["owner"]), key(cast["mod"])}
    with transaction() as s:
        mod = load_user(s, cast["mod"])
        assert automod.list_flags(s, mod, server).flags == []
        assert [f.id for f in automod.list_flags(s, mod, server, resolved=True).flags] == [flag.id]
        with pytest.raises(NotFound):
            automod.check_resolve_flag(s, mod, server, flag.id + 1)
    entries = session.exec(
        select(AuditLogEntry).where(AuditLogEntry.action == "automod_flag_resolve")
    ).all()
    assert [(e.actor_id, e.target_id) for e in entries] == [(cast["mod"], flagged)]
    # Rules are cached per server by its permission version: a deleted rule stops at once.
    with transaction() as s:
        automod.check_delete_rule(s, load_user(s, cast["owner"]), server, block_rule)
    send(cast["member"], channel, "spammer")


@SQLITE_ONLY
def test_flags_of_a_channel_a_moderator_cannot_see_stay_hidden_from_them(
    cast: dict[str, int], events: Events
) -> None:
    server: str = cast["server"]  # type: ignore[assignment]
    create_rule(cast["owner"], server, "word", "nitro", "flag")
    with transaction() as s:
        found = s.get(Server, server)
        assert found is not None
        secret = servers.do_create_channel(s, found, name="secret").id
        s.add(
            PermissionOverwrite(
                server_id=server,
                scope_id=secret,
                target_type="member",
                target_id=str(cast["mod"]),
                deny=int(Permission.VIEW_CHANNEL),
            )
        )
        permissions.bump_version(s, found)
    events.clear()
    send(cast["member"], secret, "nitro")
    assert recipients(events, "automod", "flag") == {key(cast["owner"])}
    with transaction() as s:
        assert automod.list_flags(s, load_user(s, cast["mod"]), server).flags == []
        [flag] = automod.list_flags(s, load_user(s, cast["owner"]), server).flags
        with pytest.raises(NotFound):
            automod.check_resolve_flag(s, load_user(s, cast["mod"]), server, flag.id)
