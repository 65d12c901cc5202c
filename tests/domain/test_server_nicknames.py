"""Server nicknames in the domain: one's own (CHANGE_NICKNAME, in @everyone's defaults), other
members' (MANAGE_NICKNAMES and the role hierarchy; the owner's only by the owner), what a
nickname may hold, the audit entry, the live event, the member list's order and flags, and the
migration that gives every existing @everyone the new bit."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import chats, messages, permissions, roles, servers
from socialhub.domain.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import AuditLogEntry, Role, Server, ServerMember
from socialhub.state.chat_rows import message_row
from socialhub.state.clock import Clock
from tests.domain.test_moderation import SQLITE_ONLY, give_role
from tests.support.chat import Events, key, load_user, only, recipients
from tests.support.database import downgrade, migrate
from tests.support.servers import everyone, general, make_server

BEFORE = "e5a17c93d0b4"


@dataclass
class Cast:
    id: str
    owner: int
    mod: int  # MANAGE_NICKNAMES at position 2
    peer: int  # MANAGE_NICKNAMES at position 2 too
    junior: int  # a role at position 1
    plain: int  # no role
    outsider: int  # not a member


@pytest.fixture
def cast(make_user: Callable[..., int]) -> Cast:
    names = ("owner", "mod", "peer", "junior", "plain", "outsider")
    ids = [make_user(n, display_name=n.capitalize()) for n in names]
    c = Cast(make_server(ids[0], "Guild", members=tuple(ids[1:5])), *ids)
    give_role(c.id, c.mod, "Mods", Permission.MANAGE_NICKNAMES, 2)
    give_role(c.id, c.peer, "Wardens", Permission.MANAGE_NICKNAMES, 2)
    give_role(c.id, c.junior, "Regulars", Permission.ADD_REACTIONS, 1)
    return c


def rename(actor: int, server_id: str, user_id: int | None, nickname: object) -> ServerMember:
    with transaction() as s:
        return servers.check_set_nickname(s, load_user(s, actor), server_id, user_id, nickname)


def refused(actor: int, server_id: str, user_id: int | None, nickname: object = "x") -> str:
    with pytest.raises(DomainError) as caught:
        rename(actor, server_id, user_id, nickname)
    return caught.value.code


def nickname(session: Session, server_id: str, user_id: int) -> str:
    session.expire_all()
    member = session.get(ServerMember, (server_id, user_id))
    assert member is not None
    return member.nickname


def test_new_servers_let_everyone_change_their_nickname_and_the_catalogue_says_so(
    make_user: Callable[..., int], session: Session
) -> None:
    assert permissions.DEFAULT_EVERYONE & Permission.CHANGE_NICKNAME
    assert not permissions.DEFAULT_EVERYONE & Permission.MANAGE_NICKNAMES
    assert Permission.CHANGE_NICKNAME == 1 << 18
    assert Permission.MANAGE_NICKNAMES == 1 << 19
    server_id = make_server(make_user("olga"))
    assert everyone(session, server_id).permissions == permissions.DEFAULT_EVERYONE
    listed = {p.name: p for p in roles.permission_catalogue()}
    assert listed["CHANGE_NICKNAME"].title == "Change nickname"
    assert listed["MANAGE_NICKNAMES"].title == "Manage nicknames"
    assert not listed["MANAGE_NICKNAMES"].channel_scoped


@SQLITE_ONLY
def test_a_member_sets_cleans_and_clears_their_own_nickname(
    cast: Cast, session: Session, events: Events
) -> None:
    c = cast
    events.clear()
    rename(c.plain, c.id, None, "  Zed \u00a0 the   Great ")
    assert nickname(session, c.id, c.plain) == "Zed the Great"
    # Told to every member, with what the lists and the messages' names need.
    members = {key(u) for u in (c.owner, c.mod, c.peer, c.junior, c.plain)}
    assert recipients(events, "server_member", "update") == members
    assert only(events, "server_member", "update")[0]["data"] == {
        "server_id": c.id,
        "user_id": c.plain,
        "nickname": "Zed the Great",
        "shown_name": "Zed the Great",
    }
    entry = session.exec(
        select(AuditLogEntry).where(
            AuditLogEntry.server_id == c.id, AuditLogEntry.action == "member_nickname"
        )
    ).one()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (c.plain, "user", str(c.plain))
    assert entry.changes == {"nickname": {"old": "", "new": "Zed the Great"}}
    # The list sorts by the shown name: Zed comes last now.
    owner = load_user(session, c.owner)
    page = servers.list_members(session, owner, c.id)
    assert page.members[-1].user.id == c.plain
    assert page.members[-1].shown_name == "Zed the Great"
    assert servers.member_index(session, owner, c.id, c.plain) == 4
    # The same name again changes nothing and tells nobody.
    events.clear()
    rename(c.plain, c.id, c.plain, "Zed the Great")
    assert only(events, "server_member", "update") == []
    # "" clears it: the display name shows again.
    rename(c.plain, c.id, None, "   ")
    assert nickname(session, c.id, c.plain) == ""
    assert servers.get_member(session, owner, c.id, c.plain).shown_name == "Plain"


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("x" * 33, "too_long"),
        ("tab\there", "control_characters"),
        ("line\nbreak", "control_characters"),
        ("bell\x07", "control_characters"),
        ("\u202eevil", "control_characters"),
        (42, "bad_nickname"),
    ],
)
def test_bad_nicknames_are_refused_with_their_code(
    cast: Cast, session: Session, raw: object, code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        rename(cast.plain, cast.id, None, raw)
    assert caught.value.code == code
    assert nickname(session, cast.id, cast.plain) == ""
    # 32 characters is fine.
    rename(cast.plain, cast.id, None, "y" * 32)
    assert nickname(session, cast.id, cast.plain) == "y" * 32


@SQLITE_ONLY
def test_ones_own_nickname_takes_change_nickname(cast: Cast, session: Session) -> None:
    with transaction() as s:
        role = everyone(s, cast.id)
        role.permissions = permissions.DEFAULT_EVERYONE & ~Permission.CHANGE_NICKNAME
        s.add(role)
        server = s.get(Server, cast.id)
        assert server is not None
        permissions.bump_version(s, server)
    with pytest.raises(PermissionDenied) as caught:
        rename(cast.plain, cast.id, None, "Me")
    assert caught.value.code == "missing_permission"
    assert caught.value.details == {"permission": "CHANGE_NICKNAME"}
    # MANAGE_NICKNAMES is for the others: the moderator cannot rename themselves either.
    assert refused(cast.mod, cast.id, cast.mod) == "missing_permission"
    # The owner can.
    rename(cast.owner, cast.id, None, "Boss")
    assert nickname(session, cast.id, cast.owner) == "Boss"


@SQLITE_ONLY
def test_other_members_nicknames_take_manage_nicknames_and_the_hierarchy(
    cast: Cast, session: Session
) -> None:
    c = cast
    # Without MANAGE_NICKNAMES; the same rank; the owner; someone not a member; not a member.
    assert refused(c.plain, c.id, c.junior) == "missing_permission"
    assert refused(c.mod, c.id, c.peer) == "role_hierarchy"
    assert refused(c.mod, c.id, c.owner) == "cannot_rename_owner"
    assert refused(c.mod, c.id, c.outsider) == "member_not_found"
    assert refused(c.mod, c.id, 2**31) == "member_not_found"
    assert refused(c.outsider, c.id, c.plain) == "server_not_found"
    assert refused(c.mod, "no-such-server", c.plain) == "server_not_found"
    assert [nickname(session, c.id, u) for u in (c.junior, c.peer, c.owner)] == ["", "", ""]
    # Below them: fine, and the audit entry names the moderator and the member.
    rename(c.mod, c.id, c.junior, "Junior Jr")
    rename(c.mod, c.id, c.plain, "Plainly")
    assert nickname(session, c.id, c.junior) == "Junior Jr"
    entry = session.exec(
        select(AuditLogEntry).where(
            AuditLogEntry.action == "member_nickname", AuditLogEntry.target_id == str(c.junior)
        )
    ).one()
    assert entry.actor_id == c.mod
    # The owner renames anyone, moderators included.
    rename(c.owner, c.id, c.peer, "Warden")
    assert nickname(session, c.id, c.peer) == "Warden"


@SQLITE_ONLY
def test_the_member_list_says_whose_nickname_the_viewer_may_set(
    cast: Cast, session: Session
) -> None:
    c = cast

    def editable(viewer: int) -> set[int]:
        page = servers.list_members(session, load_user(session, viewer), c.id)
        return {m.user.id for m in page.members if m.can_edit_nickname}

    assert editable(c.owner) == {c.owner, c.mod, c.peer, c.junior, c.plain}
    assert editable(c.mod) == {c.mod, c.junior, c.plain}
    assert editable(c.plain) == {c.plain}
    detail = servers.get_server(session, load_user(session, c.mod), c.id)
    assert detail.flags.can_manage_nicknames
    assert detail.flags.can_change_nickname
    flags = servers.get_server(session, load_user(session, c.plain), c.id).flags
    assert flags.can_change_nickname
    assert not flags.can_manage_nicknames
    with pytest.raises(NotFound):
        servers.get_member(session, load_user(session, c.owner), c.id, c.outsider)


def test_the_migration_gives_every_everyone_role_change_nickname_and_takes_both_back(
    database_url: str, make_user: Callable[..., int]
) -> None:
    owner = make_user("olga")
    first, second = make_server(owner, "One"), make_server(owner, "Two")
    mods = give_role(first, owner, "Mods", Permission.MANAGE_NICKNAMES | Permission.KICK_MEMBERS, 1)
    try:
        downgrade(database_url, BEFORE)
        with transaction() as s:
            rows = s.execute(sa.select(Role.id, Role.permissions)).all()  # type: ignore[call-overload]
            assert all(not bits & (3 << 18) for _, bits in rows)
            assert dict(rows)[mods] == Permission.KICK_MEMBERS
        migrate(database_url)
        with transaction() as s:
            for server_id in (first, second):
                assert everyone(s, server_id).permissions == permissions.DEFAULT_EVERYONE
            role = s.get(Role, mods)
            assert role is not None
            assert role.permissions == Permission.KICK_MEMBERS
    finally:
        migrate(database_url)


def test_channel_messages_carry_their_authors_nickname_there(cast: Cast, events: Events) -> None:
    """A channel's messages name their author by the nickname of that server (the row shows it
    before the display name), live and when read again; a DM's never do."""
    rename(cast.plain, cast.id, None, "Plainly")
    with transaction() as s:
        channel = general(s, cast.id).id
        dm = chats.check_open_dm(s, load_user(s, cast.plain), "owner").id
    events.clear()
    with transaction() as s:
        sent = messages.message_view(
            s, messages.check_send_message(s, load_user(s, cast.plain), channel, body="hi all")
        )
        messages.check_send_message(s, load_user(s, cast.plain), dm, body="hi you")
        messages.check_send_message(s, load_user(s, cast.owner), channel, body="welcome")
    assert sent.nickname == "Plainly"
    live = {e["data"]["body"]: e["data"]["nickname"] for _, e in only_messages(events)}
    assert live == {"hi all": "Plainly", "hi you": "", "welcome": ""}
    with transaction() as s:
        page = messages.list_messages(s, load_user(s, cast.owner), channel, limit=10)
    read = {v.body: v.nickname for v in page if v.body}
    assert (read["hi all"], read["welcome"]) == ("Plainly", "")
    row = message_row(sent, cast.owner, Clock(UTC))
    assert row.author_name == "Plainly"


def only_messages(events: Events) -> list[tuple[str, dict]]:
    return [(k, e) for k, e in events if e["type"] == "message" and e["op"] == "add"]


def test_the_nickname_schema_pattern_says_what_the_domain_accepts() -> None:
    """The API documents the nickname's characters with NICKNAME_PATTERN; a client that
    follows it is never refused for them (the schema fuzzer found the gap)."""
    pattern = re.compile(servers.NICKNAME_PATTERN)
    for text in ("Plain", "Émile 🎉", "two  spaces", " trimmed "):
        assert pattern.match(text), text
        servers.clean_nickname(text)
    for text in ("a\tb", "line\nbreak", "x\u202ey", "\u2066iso", "\x7fdel", "\x85"):
        assert not pattern.match(text), text
        with pytest.raises(InvalidInput) as refused:
            servers.clean_nickname(text)
        assert refused.value.code == "control_characters"
