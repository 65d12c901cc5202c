"""Moderation in the domain: the hierarchy of kick, ban and timeout; what a kick and a ban remove
and whom they tell; a ban's deletion of recent messages; timeouts; the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import messages, moderation, permissions, servers
from socialhub.domain.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AuditLogEntry,
    Conversation,
    MemberRoleLink,
    Message,
    Role,
    Server,
    ServerBan,
    ServerMember,
)
from socialhub.models.base import utcnow
from tests.support.chat import Events, history, key, load_user, only, recipients, send
from tests.support.servers import general, make_server

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
MOD_BITS = (
    Permission.KICK_MEMBERS
    | Permission.BAN_MEMBERS
    | Permission.MODERATE_MEMBERS
    | Permission.VIEW_AUDIT_LOG
    | Permission.MANAGE_MESSAGES
)


def give_role(server_id: str, user_id: int, name: str, bits: int, position: int) -> str:
    """A role at `position` with these permissions, given to the member (until the roles
    helper's functions land, straight into the tables)."""
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        role = Role(server_id=server_id, name=name, position=position, permissions=int(bits))
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        permissions.bump_version(s, server)
        return role.id


@dataclass
class Guild:
    id: str
    owner: int
    mod: int  # moderator role, position 2
    peer: int  # another moderator role, also position 2
    junior: int  # a role at position 1 without moderation permissions
    admin: int  # ADMINISTRATOR at position 1 (below the moderators)
    plain: int  # no role
    outsider: int  # not a member


@pytest.fixture
def guild(make_user: Callable[..., int]) -> Guild:
    names = ("owner", "mod", "peer", "junior", "admin", "plain", "outsider")
    ids = [make_user(n) for n in names]
    g = Guild(make_server(ids[0], "Guild", members=tuple(ids[1:6])), *ids)
    give_role(g.id, g.mod, "Mods", MOD_BITS, 2)
    give_role(g.id, g.peer, "Wardens", MOD_BITS, 2)
    give_role(g.id, g.junior, "Regulars", Permission.ADD_REACTIONS, 1)
    give_role(g.id, g.admin, "Admins", Permission.ADMINISTRATOR, 1)
    return g


def kick(actor: int, server_id: str, user_id: int, reason: str = "") -> None:
    with transaction() as s:
        moderation.check_kick_member(s, load_user(s, actor), server_id, user_id, reason=reason)


def ban(actor: int, server_id: str, user_id: int, reason: str = "", window: str = "none") -> None:
    with transaction() as s:
        moderation.check_ban_member(
            s, load_user(s, actor), server_id, user_id, reason=reason, delete_messages=window
        )


def unban(actor: int, server_id: str, user_id: int) -> None:
    with transaction() as s:
        moderation.check_unban(s, load_user(s, actor), server_id, user_id)


def timeout(actor: int, server_id: str, user_id: int, seconds: int = 600, reason: str = "") -> None:
    with transaction() as s:
        moderation.check_timeout_member(
            s, load_user(s, actor), server_id, user_id, seconds=seconds, reason=reason
        )


def untimeout(actor: int, server_id: str, user_id: int) -> None:
    with transaction() as s:
        moderation.check_remove_timeout(s, load_user(s, actor), server_id, user_id)


def invite(actor: int, server_id: str) -> str:
    with transaction() as s:
        return servers.check_create_server_invite(s, load_user(s, actor), server_id).code


def join(user_id: int, code: str) -> None:
    with transaction() as s:
        servers.check_join_by_server_invite(s, load_user(s, user_id), code)


def code_of(work: Callable[[], object]) -> str | None:
    try:
        work()
    except DomainError as exc:
        return exc.code
    return None


def audit(session: Session, server_id: str, action: str) -> list[AuditLogEntry]:
    session.expire_all()
    return list(
        session.exec(
            select(AuditLogEntry)
            .where(AuditLogEntry.server_id == server_id, AuditLogEntry.action == action)
            .order_by(col(AuditLogEntry.id))
        ).all()
    )


def is_member(session: Session, server_id: str, user_id: int) -> bool:
    session.expire_all()
    return session.get(ServerMember, (server_id, user_id)) is not None


ACTIONS = {"kick": kick, "ban": ban, "time out": timeout}


@SQLITE_ONLY
@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_hierarchy_of_each_action(guild: Guild, action: str, session: Session) -> None:
    g, act = guild, ACTIONS[action]
    refused = [
        (g.mod, g.owner, "cannot_moderate_owner"),
        (g.admin, g.owner, "cannot_moderate_owner"),
        (g.mod, g.mod, "cannot_moderate_self"),
        (g.owner, g.owner, "cannot_moderate_self"),
        (g.mod, g.peer, "role_hierarchy"),  # an equal role
        (g.admin, g.mod, "role_hierarchy"),  # an administrator below the moderators
        (g.junior, g.plain, "missing_permission"),
        (g.plain, g.junior, "missing_permission"),
        (g.outsider, g.plain, "server_not_found"),
    ]
    if action != "ban":  # anyone may be banned ahead; the others need a member
        refused.append((g.mod, g.outsider, "member_not_found"))
    if action == "time out":
        refused.append((g.owner, g.admin, "cannot_timeout_admin"))
    for actor, target, code in refused:
        assert code_of(lambda a=actor, t=target: act(a, g.id, t)) == code, (actor, target)  # type: ignore[misc]
    # Below yours, and the owner above everyone.
    for actor, target in ((g.mod, g.junior), (g.admin, g.plain), (g.owner, g.mod)):
        assert code_of(lambda a=actor, t=target: act(a, g.id, t)) is None, (actor, target)  # type: ignore[misc]
    session.expire_all()
    for target in (g.junior, g.plain, g.mod):
        member = session.get(ServerMember, (g.id, target))
        if action == "time out":
            assert member is not None
            assert member.timeout_until is not None
        else:
            assert member is None
    if action == "time out":
        assert code_of(lambda: timeout(g.owner, g.id, g.peer, seconds=61)) == "bad_duration"


@SQLITE_ONLY
def test_a_kick_removes_the_member_and_tells_exactly_them_and_the_members(
    guild: Guild, events: Events, session: Session
) -> None:
    g = guild
    session.expire_all()
    count = session.get(Server, g.id).member_count  # type: ignore[union-attr]
    events.clear()
    kick(g.mod, g.id, g.junior, reason="rude")
    assert not is_member(session, g.id, g.junior)
    links = session.exec(
        select(MemberRoleLink).where(
            MemberRoleLink.server_id == g.id, MemberRoleLink.user_id == g.junior
        )
    ).all()
    assert links == []
    assert session.get(Server, g.id).member_count == count - 1  # type: ignore[union-attr]
    assert recipients(events, "server", "remove") == {key(g.junior)}
    assert only(events, "server", "remove")[0]["data"] == {"server_id": g.id, "reason": "kicked"}
    stayed = {key(u) for u in (g.owner, g.mod, g.peer, g.admin, g.plain)}
    assert recipients(events, "server_member", "remove") == stayed
    assert only(events, "server_member", "remove")[0]["data"]["user_id"] == g.junior
    [entry] = audit(session, g.id, "member_kick")
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.reason) == (
        g.mod,
        "user",
        str(g.junior),
        "rude",
    )
    # A kick does not block a comeback: a new invite (any join path) adds them again.
    assert session.get(ServerBan, (g.id, g.junior)) is None
    join(g.junior, invite(g.owner, g.id))
    assert is_member(session, g.id, g.junior)
    assert session.get(Server, g.id).member_count == count  # type: ignore[union-attr]


def test_a_ban_deletes_the_window_of_messages_and_blocks_rejoin(
    guild: Guild, events: Events, session: Session
) -> None:
    g = guild
    with transaction() as s:
        server = s.get(Server, g.id)
        assert server is not None
        second = servers.do_create_channel(s, server, name="second").id
        first = general(s, g.id).id
    old = send(g.junior, first, "from last week").id
    recent = [send(g.junior, first, "spam one").id, send(g.junior, second, "spam two").id]
    other = send(g.plain, first, "not spam").id
    with transaction() as s:
        s.execute(
            sa.update(Message)
            .where(col(Message.id) == old)
            .values(created_at=utcnow() - timedelta(days=2))
        )
    events.clear()
    assert code_of(lambda: ban(g.mod, g.id, g.junior, window="month")) == "bad_window"
    ban(g.mod, g.id, g.junior, reason="spam", window="day")
    session.expire_all()
    for message_id in recent:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.deleted_at is not None
        assert message.body == ""
    for message_id in (old, other):
        message = session.get(Message, message_id)
        assert message is not None
        assert message.deleted_at is None
    assert len(only(events, "message", "delete")) == 2 * 5  # two deletes, five members each
    assert recipients(events, "server", "remove") == {key(g.junior)}
    assert only(events, "server", "remove")[0]["data"]["reason"] == "banned"
    assert not is_member(session, g.id, g.junior)
    ban_row = session.get(ServerBan, (g.id, g.junior))
    assert ban_row is not None
    assert (ban_row.reason, ban_row.banned_by) == ("spam", g.mod)
    assert servers.is_banned(session, g.id, g.junior)
    [entry] = audit(session, g.id, "member_ban")
    assert entry.reason == "spam"
    assert entry.changes == {"delete_messages": "day", "deleted": 2, "was_member": True}
    with transaction() as s:
        page = moderation.list_bans(s, load_user(s, g.mod), g.id)
        assert [(b.user.id, b.reason, b.banned_by.id) for b in page.bans] == [  # type: ignore[union-attr]
            (g.junior, "spam", g.mod)
        ]
        with pytest.raises(PermissionDenied):
            moderation.list_bans(s, load_user(s, g.plain), g.id)
    # Anyone may be banned ahead; unbanning lifts it (and is audited).
    ban(g.mod, g.id, g.outsider, reason="known troll")
    assert servers.is_banned(session, g.id, g.outsider)
    assert not is_member(session, g.id, g.outsider)
    code = invite(g.owner, g.id)
    for banned in (g.junior, g.outsider):
        assert code_of(lambda b=banned: join(b, code)) == "banned"  # type: ignore[misc]
    unban(g.mod, g.id, g.junior)
    assert not servers.is_banned(session, g.id, g.junior)
    join(g.junior, code)
    assert is_member(session, g.id, g.junior)
    assert [e.target_id for e in audit(session, g.id, "member_unban")] == [str(g.junior)]
    with pytest.raises(NotFound) as missing:
        unban(g.mod, g.id, g.junior)
    assert missing.value.code == "ban_not_found"


@SQLITE_ONLY
def test_a_timed_out_member_only_views_and_reads_until_it_is_lifted(
    guild: Guild, events: Events, session: Session
) -> None:
    g = guild
    with transaction() as s:
        channel = general(s, g.id).id
    send(g.plain, channel, "before")
    events.clear()
    timeout(g.mod, g.id, g.plain, seconds=3600, reason="cool off")
    session.expire_all()
    member = session.get(ServerMember, (g.id, g.plain))
    assert member is not None
    assert member.timeout_until is not None
    left = member.timeout_until - utcnow()
    assert timedelta(minutes=59) < left <= timedelta(hours=1)
    everyone = {key(u) for u in (g.owner, g.mod, g.peer, g.junior, g.admin, g.plain)}
    assert recipients(events, "server_member", "update") == everyone
    assert only(events, "server_member", "update")[0]["data"]["user_id"] == g.plain
    with pytest.raises(PermissionDenied) as refused:
        send(g.plain, channel, "during")
    assert refused.value.code == "timed_out"
    assert [v.body for v in history(g.plain, channel)] == ["before"]  # still reads
    with transaction() as s:
        server = s.get(Server, g.id)
        assert server is not None
        bits = permissions.access_server(s, load_user(s, g.plain), g.id).bits
        assert bits == permissions.TIMEOUT_KEEPS
    [entry] = audit(session, g.id, "member_timeout")
    assert entry.reason == "cool off"
    assert entry.changes["duration_seconds"] == 3600
    # Only members below you, as for a timeout.
    assert code_of(lambda: untimeout(g.peer, g.id, g.mod)) == "role_hierarchy"
    untimeout(g.mod, g.id, g.plain)
    send(g.plain, channel, "after")
    assert [e.target_id for e in audit(session, g.id, "member_timeout_remove")] == [str(g.plain)]
    untimeout(g.mod, g.id, g.plain)  # nothing left to lift: nothing logged
    assert len(audit(session, g.id, "member_timeout_remove")) == 1


@SQLITE_ONLY
def test_the_audit_log_newest_first_paged_and_filtered(guild: Guild) -> None:
    g = guild
    timeout(g.mod, g.id, g.plain, reason="one")
    kick(g.mod, g.id, g.junior, reason="two")
    ban(g.owner, g.id, g.outsider, reason="three")

    def read(actor: int, **filters: object) -> list[tuple[str, str]]:
        with transaction() as s:
            page = moderation.list_audit_log(s, load_user(s, actor), g.id, **filters)  # type: ignore[arg-type]
            return [(e.action, e.reason) for e in page.entries]

    assert read(g.mod, limit=3) == [
        ("member_ban", "three"),
        ("member_kick", "two"),
        ("member_timeout", "one"),
    ]
    with transaction() as s:
        page = moderation.list_audit_log(s, load_user(s, g.mod), g.id, limit=2)
        assert page.next_before is not None
        [kick_entry] = [e for e in page.entries if e.action == "member_kick"]
        assert kick_entry.actor is not None
        assert kick_entry.actor.username == "mod"
        assert kick_entry.target_user is not None
        assert kick_entry.target_user.username == "junior"
        older = moderation.list_audit_log(
            s, load_user(s, g.mod), g.id, before=page.next_before, limit=100
        )
        assert older.entries[0].action == "member_timeout"
        assert older.next_before is None
        assert {e.action for e in older.entries} >= {"server_create"}
    assert read(g.mod, action="member_kick") == [("member_kick", "two")]
    assert read(g.mod, actor_id=g.owner, action="member_ban") == [("member_ban", "three")]
    assert read(g.mod, target_id=str(g.plain)) == [("member_timeout", "one")]
    for actor, error in ((g.plain, PermissionDenied), (g.outsider, NotFound)):
        with pytest.raises(error), transaction() as s:
            moderation.list_audit_log(s, load_user(s, actor), g.id)


@SQLITE_ONLY
def test_moderators_delete_messages_through_the_same_tombstone(
    guild: Guild, session: Session
) -> None:
    """The ban's deletion and a moderator's delete share `messages.do_delete_message`."""
    g = guild
    with transaction() as s:
        channel = general(s, g.id).id
    sent = send(g.plain, channel, "hello").id
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, g.mod), sent, for_everyone=True)
    session.expire_all()
    assert session.get(Message, sent).deleted_at is not None  # type: ignore[union-attr]
    assert [e.target_id for e in audit(session, g.id, "message_delete")] == [sent]
    with pytest.raises(InvalidInput):
        # Still the one validation of reasons.
        kick(g.mod, g.id, g.plain, reason="x" * (moderation.REASON_MAX + 1))
    assert session.exec(select(Conversation).where(Conversation.server_id == g.id)).first()
