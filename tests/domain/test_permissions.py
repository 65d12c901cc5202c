"""The permission function against a table of cases covering every step of Discord's order:
owner; @everyone | roles; ADMINISTRATOR; the channel's overwrites (@everyone deny/allow, then all
the member's roles' deny/allow together, then the member's own); no VIEW_CHANNEL means nothing;
a timed-out member keeps only view and history; a synced channel follows its category.

The cases build the snapshot directly (no database: fast); one test on a real database shows
the cache follows `bump_version`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import permissions, roles
from socialhub.domain.permissions import (
    ALL,
    DEFAULT_EVERYONE,
    ChannelFacts,
    MemberFacts,
    OverwriteFacts,
    RoleFacts,
    ServerSnapshot,
    channel_permissions,
)
from socialhub.domain.permissions import Permission as P
from socialhub.models import Role, Server, User
from socialhub.models.base import utcnow
from tests.support.servers import everyone, general, make_server

OWNER = 1
NOW = utcnow()
VIEW, SEND, HISTORY = int(P.VIEW_CHANNEL), int(P.SEND_MESSAGES), int(P.READ_HISTORY)
REACT, ATTACH, MENTION = int(P.ADD_REACTIONS), int(P.ATTACH_FILES), int(P.MENTION_EVERYONE)
MANAGE_MESSAGES, KICK = int(P.MANAGE_MESSAGES), int(P.KICK_MEMBERS)


def role(id_: str, position: int, bits: int) -> RoleFacts:
    return RoleFacts(id_, id_, position, bits, False, "", id_ == "everyone")


def ow(target_type: str, target_id: str, *, allow: int = 0, deny: int = 0) -> OverwriteFacts:
    return OverwriteFacts(target_type, target_id, allow, deny)


SNAPSHOT = ServerSnapshot(
    server_id="s",
    owner_id=OWNER,
    version=1,
    everyone_id="everyone",
    roles={
        r.id: r
        for r in [
            role("everyone", 0, DEFAULT_EVERYONE),
            role("admin", 4, int(P.ADMINISTRATOR)),
            role("mod", 3, MANAGE_MESSAGES | KICK),
            role("talker", 2, 0),
            role("quiet", 1, 0),
        ]
    },
    channels={
        c.id: c
        for c in [
            ChannelFacts("open", None, True, "text"),  # no category, no overwrites
            ChannelFacts("synced", "cat", True, "text"),  # follows the category
            ChannelFacts("unsynced", "cat", False, "text"),  # in the category, its own (none)
            ChannelFacts("private", "cat", False, "text"),
            ChannelFacts("mixed", None, True, "text"),
            ChannelFacts("announce", None, True, "announcement"),
        ]
    },
    overwrites={
        # The category: @everyone may not send, talkers may.
        "cat": (
            ow("role", "everyone", deny=SEND),
            ow("role", "talker", allow=SEND),
        ),
        # Moderators only; member 5 (a moderator) shut out, member 6 (no role) let in.
        "private": (
            ow("role", "everyone", deny=VIEW),
            ow("role", "mod", allow=VIEW),
            ow("member", "5", deny=VIEW),
            ow("member", "6", allow=VIEW),
        ),
        # Roles' deny and allow together: talker allows sending, quiet denies it and reactions;
        # member 8's own overwrite beats both; @everyone's allow adds MENTION_EVERYONE.
        "mixed": (
            ow("role", "everyone", allow=MENTION, deny=SEND),
            ow("role", "talker", allow=SEND),
            ow("role", "quiet", deny=SEND | REACT),
            ow("member", "8", deny=SEND, allow=REACT),
        ),
        # @everyone reads, only moderators write.
        "announce": (
            ow("role", "everyone", deny=SEND),
            ow("role", "mod", allow=SEND),
        ),
    },
)


def member(user_id: int, *role_ids: str, timeout: timedelta | None = None) -> MemberFacts:
    return MemberFacts(user_id, frozenset(role_ids), NOW + timeout if timeout else None)


MOD_BASE = DEFAULT_EVERYONE | MANAGE_MESSAGES | KICK
TIMED_OUT = timedelta(hours=1)
EXPIRED = -timedelta(minutes=1)

CASES = [
    # Owner: everything, everywhere, whatever the overwrites or a timeout.
    ("owner-server", member(OWNER), None, ALL),
    ("owner-private", member(OWNER), "private", ALL),
    ("owner-timed-out", member(OWNER, timeout=TIMED_OUT), "announce", ALL),
    # @everyone | roles, server-wide.
    ("everyone-base", member(2), None, DEFAULT_EVERYONE),
    ("roles-or", member(2, "mod", "talker"), None, MOD_BASE),
    ("unknown-role-ignored", member(2, "gone"), None, DEFAULT_EVERYONE),
    # ADMINISTRATOR: everything, overwrites (even a deny of VIEW) and timeouts do not apply.
    ("admin-server", member(3, "admin"), None, ALL),
    ("admin-private", member(3, "admin"), "private", ALL),
    ("admin-timed-out", member(3, "admin", timeout=TIMED_OUT), "announce", ALL),
    # No overwrites: the base bits.
    ("no-overwrites", member(2, "mod"), "open", MOD_BASE),
    # @everyone deny with a role allow: the role's allow wins.
    ("everyone-deny", member(2), "announce", DEFAULT_EVERYONE & ~SEND),
    ("everyone-deny-role-allow", member(2, "mod"), "announce", MOD_BASE),
    # @everyone's overwrite allow adds a bit.
    ("everyone-allow", member(2), "mixed", (DEFAULT_EVERYONE & ~SEND) | MENTION),
    # The roles' deny and allow together: an allow of any role beats a deny of another.
    ("role-allow", member(2, "talker"), "mixed", DEFAULT_EVERYONE | MENTION),
    ("role-deny", member(2, "quiet"), "mixed", (DEFAULT_EVERYONE & ~(SEND | REACT)) | MENTION),
    (
        "roles-together",
        member(2, "talker", "quiet"),
        "mixed",
        (DEFAULT_EVERYONE & ~REACT) | MENTION,
    ),
    # The member's own overwrite beats the roles': member 8 may react but not send.
    (
        "member-beats-roles",
        member(8, "talker", "quiet"),
        "mixed",
        (DEFAULT_EVERYONE & ~SEND) | MENTION,
    ),
    ("member-beats-role-view", member(5, "mod"), "private", 0),
    ("member-allow-view", member(6), "private", DEFAULT_EVERYONE),
    # No VIEW_CHANNEL: nothing else is left.
    ("no-view", member(2), "private", 0),
    ("no-view-role", member(2, "talker"), "private", 0),
    ("role-allow-view", member(2, "mod"), "private", MOD_BASE),
    ("unknown-channel", member(2, "mod"), "nowhere", 0),
    # A timed-out member keeps only view and history, server-wide and in channels.
    ("timeout-server", member(2, "mod", timeout=TIMED_OUT), None, VIEW | HISTORY),
    ("timeout-channel", member(2, "mod", timeout=TIMED_OUT), "announce", VIEW | HISTORY),
    ("timeout-no-view", member(2, timeout=TIMED_OUT), "private", 0),
    ("timeout-expired", member(2, timeout=EXPIRED), "announce", DEFAULT_EVERYONE & ~SEND),
    # Category sync: a synced channel follows the category's overwrites, an unsynced one its own.
    ("synced-everyone", member(2), "synced", DEFAULT_EVERYONE & ~SEND),
    ("synced-role", member(2, "talker"), "synced", DEFAULT_EVERYONE),
    ("unsynced-own", member(2), "unsynced", DEFAULT_EVERYONE),
    ("synced-no-category", member(2), "open", DEFAULT_EVERYONE),
]


@pytest.mark.parametrize(
    ("facts", "channel_id", "expected"),
    [pytest.param(f, c, e, id=name) for name, f, c, e in CASES],
)
def test_channel_permissions(facts: MemberFacts, channel_id: str | None, expected: int) -> None:
    got = channel_permissions(SNAPSHOT, facts, channel_id, now=NOW)
    assert got == expected, (permissions.names(got), permissions.names(expected))


def test_hierarchy_helpers() -> None:
    """The rank is the highest role's position; the owner outranks all and nobody the owner."""
    snap = SNAPSHOT
    mod, talker, plain = member(2, "mod", "quiet"), member(3, "talker"), member(4)
    assert permissions.highest_position(snap, mod) == 3
    assert permissions.highest_position(snap, plain) == 0
    assert permissions.outranks(snap, mod, talker)
    assert not permissions.outranks(snap, talker, mod)
    assert not permissions.outranks(snap, mod, member(5, "mod"))  # at the same rank
    assert permissions.outranks(snap, member(OWNER), mod)
    assert not permissions.outranks(snap, member(3, "admin"), member(OWNER))
    assert [permissions.above_role(snap, mod, p) for p in (2, 3, 4)] == [True, False, False]
    assert permissions.above_role(snap, member(OWNER), 99)
    assert not permissions.above_role(snap, plain, 0)


def _server(s: Session, server_id: str) -> Server:
    server = s.get(Server, server_id)
    assert server is not None
    return server


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_snapshot_cache_follows_bump_version(make_user: Callable[..., int]) -> None:
    """The snapshot is read once per version: a write that does not bump it is not seen (the
    cache answers), a domain change bumps it and the next read sees the new facts."""
    owner, bob = make_user("owner"), make_user("bob")
    server_id = make_server(owner, members=(bob,))
    with transaction() as s:
        server = _server(s, server_id)
        first = permissions.snapshot(s, server)
        assert permissions.snapshot(s, server) is first
        everyone_id = everyone(s, server_id).id
        channel_id = general(s, server_id).id
        # Behind the domain's back: the cached snapshot still answers.
        row = s.get(Role, everyone_id)
        assert row is not None
        row.permissions = 0
        s.add(row)
        s.flush()
        assert permissions.snapshot(s, server) is first
        assert first.roles[everyone_id].permissions == DEFAULT_EVERYONE
        row.permissions = DEFAULT_EVERYONE
        s.add(row)

    with transaction() as s:
        owner_user = s.get(User, owner)
        assert owner_user is not None
        roles.check_update_role(
            s, owner_user, server_id, everyone_id, permissions_bits=str(DEFAULT_EVERYONE & ~SEND)
        )
    with transaction() as s:
        server = _server(s, server_id)
        fresh = permissions.snapshot(s, server)
        assert fresh.version > first.version
        assert fresh.roles[everyone_id].permissions == DEFAULT_EVERYONE & ~SEND
        bob_user = s.get(User, bob)
        assert bob_user is not None
        access = permissions.access_channel(s, bob_user, channel_id)
        assert not access.can(P.SEND_MESSAGES)
        assert access.can(P.READ_HISTORY)
