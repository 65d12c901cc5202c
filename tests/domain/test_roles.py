"""Roles, members' roles and overwrites: the hierarchy (actor below, at and above the role; the
owner's exception), nobody granting what they lack, @everyone's fixed place, the events and the
audit log of each change, and channels' sync with their category."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import permissions, roles, servers
from socialhub.domain.errors import DomainError
from socialhub.domain.permissions import DEFAULT_EVERYONE
from socialhub.domain.permissions import Permission as P
from socialhub.models import (
    AuditLogEntry,
    MemberRoleLink,
    PermissionOverwrite,
    Role,
    Server,
    User,
)
from tests.support.chat import Events, only
from tests.support.servers import everyone, general, make_server

# Most cases on SQLite; the events, the audit log and the overwrites on PostgreSQL too.
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

MANAGE = int(P.MANAGE_ROLES)
KICK, BAN = int(P.KICK_MEMBERS), int(P.BAN_MEMBERS)
VIEW, SEND = int(P.VIEW_CHANNEL), int(P.SEND_MESSAGES)


@dataclass
class Guild:
    id: str
    owner: int
    manager: int  # holds "Managers" (MANAGE_ROLES | KICK_MEMBERS)
    member: int  # holds nothing
    admin: int  # holds "Admins" (ADMINISTRATOR), just below "Top"
    top: str  # the highest role
    admins: str
    managers: str
    helpers: str  # below Managers
    juniors: str  # below Helpers


def user(s: Session, user_id: int) -> User:
    found = s.get(User, user_id)
    assert found is not None
    return found


def expect(code: str, work: Callable[[Session], object]) -> DomainError:
    """`work` fails with `code`, and nothing it wrote is kept."""
    with pytest.raises(DomainError) as caught, transaction() as s:
        work(s)
    assert caught.value.code == code, caught.value.message
    return caught.value


def run(work: Callable[[Session], object]) -> object:
    with transaction() as s:
        return work(s)


@pytest.fixture
def guild(make_user: Callable[..., int]) -> Guild:
    owner, manager, member, admin = (make_user(n) for n in ("olive", "manny", "moe", "ada"))
    server_id = make_server(owner, members=(manager, member, admin))
    with transaction() as s:
        o = user(s, owner)
        made = {
            name: roles.check_create_role(s, o, server_id, name=name, permissions_bits=str(bits))
            for name, bits in [
                ("Juniors", 0),
                ("Helpers", 0),
                ("Managers", MANAGE | KICK),
                ("Admins", int(P.ADMINISTRATOR)),
                ("Top", 0),
            ]
        }
        ids = {name: r.id for name, r in made.items()}
        roles.check_reorder_roles(
            s, o, server_id, [ids[n] for n in ("Top", "Admins", "Managers", "Helpers", "Juniors")]
        )
        roles.check_add_member_role(s, o, server_id, manager, ids["Managers"])
        roles.check_add_member_role(s, o, server_id, admin, ids["Admins"])
    return Guild(
        server_id,
        owner,
        manager,
        member,
        admin,
        ids["Top"],
        ids["Admins"],
        ids["Managers"],
        ids["Helpers"],
        ids["Juniors"],
    )


def positions(s: Session, server_id: str) -> dict[str, int]:
    return {
        r.name: r.position for r in s.exec(select(Role).where(Role.server_id == server_id)).all()
    }


def audit_actions(s: Session, server_id: str) -> list[str]:
    return list(
        s.exec(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.server_id == server_id)
            .order_by(col(AuditLogEntry.id))
        ).all()
    )


@SQLITE
def test_create_places_new_roles_just_above_everyone(guild: Guild, session: Session) -> None:
    assert positions(session, guild.id) == {
        "@everyone": 0,
        "Juniors": 1,
        "Helpers": 2,
        "Managers": 3,
        "Admins": 4,
        "Top": 5,
    }
    with transaction() as s:
        made = roles.check_create_role(
            s, user(s, guild.manager), guild.id, name="  New   one ", colour="#A0B0C0"
        )
        assert (made.name, made.colour, made.position, made.permissions) == (
            "New one",
            "#a0b0c0",
            1,
            0,
        )
    with transaction() as s:
        listed = roles.list_roles(s, user(s, guild.member), guild.id)
    assert [r.name for r in listed] == [
        "Top",
        "Admins",
        "Managers",
        "Helpers",
        "Juniors",
        "New one",
        "@everyone",
    ]
    counts = {r.name: r.member_count for r in listed}
    assert (counts["Managers"], counts["Helpers"], counts["@everyone"]) == (1, 0, 4)
    assert listed[-1].is_everyone
    assert listed[-1].permissions == str(DEFAULT_EVERYONE)


@SQLITE
@pytest.mark.parametrize(
    ("actor", "role", "allowed"),
    [
        ("manager", "juniors", True),  # below the actor's highest
        ("manager", "managers", False),  # at it
        ("manager", "top", False),  # above it
        ("admin", "managers", True),  # an administrator is still bound by the hierarchy
        ("admin", "admins", False),
        ("owner", "top", True),  # the owner's exception
    ],
)
def test_hierarchy_of_editing_and_deleting(
    guild: Guild, actor: str, role: str, allowed: bool
) -> None:
    actor_id, role_id = getattr(guild, actor), getattr(guild, role)

    def edit(s: Session) -> object:
        return roles.check_update_role(s, user(s, actor_id), guild.id, role_id, name="Renamed")

    def delete(s: Session) -> None:
        roles.check_delete_role(s, user(s, actor_id), guild.id, role_id)

    if allowed:
        run(edit)
        run(delete)
        with transaction() as s:
            assert s.get(Role, role_id) is None
            assert sorted(positions(s, guild.id).values()) == [0, 1, 2, 3, 4]
    else:
        expect("role_above_you", edit)
        expect("role_above_you", delete)


@SQLITE
@pytest.mark.parametrize(
    ("actor", "role", "allowed"),
    [
        ("manager", "helpers", True),
        ("manager", "managers", False),
        ("manager", "admins", False),
        ("admin", "managers", True),
        ("owner", "top", True),
    ],
)
def test_hierarchy_of_assigning(guild: Guild, actor: str, role: str, allowed: bool) -> None:
    actor_id, role_id = getattr(guild, actor), getattr(guild, role)

    def give(s: Session) -> None:
        roles.check_add_member_role(s, user(s, actor_id), guild.id, guild.member, role_id)

    def take(s: Session) -> None:
        roles.check_remove_member_role(s, user(s, actor_id), guild.id, guild.member, role_id)

    if not allowed:
        expect("role_above_you", give)
        run(
            lambda s: roles.check_add_member_role(
                s, user(s, guild.owner), guild.id, guild.member, role_id
            )
        )
        expect("role_above_you", take)
        return
    run(give)
    run(give)  # idempotent
    with transaction() as s:
        assert permissions.member_roles(s, guild.id, guild.member) == {role_id}
    run(take)
    with transaction() as s:
        assert permissions.member_roles(s, guild.id, guild.member) == frozenset()


@SQLITE
def test_member_roles_publish_and_audit(guild: Guild, events: Events) -> None:
    events.clear()
    run(
        lambda s: roles.check_add_member_role(
            s, user(s, guild.manager), guild.id, guild.member, guild.helpers
        )
    )
    run(
        lambda s: roles.check_add_member_role(
            s, user(s, guild.manager), guild.id, guild.member, guild.juniors
        )
    )
    run(
        lambda s: roles.check_remove_member_role(
            s, user(s, guild.manager), guild.id, guild.member, guild.helpers
        )
    )
    updates = only(events, "server_member", "update")
    # Each reaches the server's four members.
    assert len(updates) == 3 * 4
    assert [e["data"]["role_ids"] for e in updates[::4]] == [
        [guild.helpers],
        sorted([guild.helpers, guild.juniors]),
        [guild.juniors],
    ]
    assert {e["data"]["user_id"] for e in updates} == {guild.member}
    with transaction() as s:
        assert audit_actions(s, guild.id)[-3:] == [
            "member_role_add",
            "member_role_add",
            "member_role_remove",
        ]
        entry = s.exec(select(AuditLogEntry).order_by(col(AuditLogEntry.id).desc())).first()
        assert entry is not None
        assert (entry.actor_id, entry.target_type, entry.target_id) == (
            guild.manager,
            "member",
            str(guild.member),
        )
        assert entry.changes == {"role_id": guild.helpers, "role_name": "Helpers"}


@SQLITE
def test_member_role_errors(guild: Guild) -> None:
    def give(actor: int, target: int, role_id: str) -> Callable[[Session], None]:
        return lambda s: roles.check_add_member_role(s, user(s, actor), guild.id, target, role_id)

    expect("missing_permission", give(guild.member, guild.member, guild.juniors))
    expect("member_not_found", give(guild.manager, 999_999, guild.juniors))
    expect("role_not_found", give(guild.manager, guild.member, "0" * 32))
    with transaction() as s:
        everyone_id = everyone(s, guild.id).id
    expect("everyone_role", give(guild.owner, guild.member, everyone_id))
    # A member may give themself a role below their highest, as on Discord.
    run(give(guild.manager, guild.manager, guild.juniors))


@SQLITE
def test_cannot_grant_what_you_lack(guild: Guild) -> None:
    def create(actor: int, bits: int) -> Callable[[Session], object]:
        return lambda s: roles.check_create_role(
            s, user(s, actor), guild.id, name="R", permissions_bits=str(bits)
        )

    error = expect("cannot_grant", create(guild.manager, KICK | BAN))
    assert error.details == {"permissions": ["BAN_MEMBERS"]}
    run(create(guild.manager, KICK | MANAGE))  # what they have
    run(create(guild.admin, BAN))  # administrators have every bit
    run(create(guild.owner, int(P.ADMINISTRATOR)))

    def update(actor: int, bits: int) -> Callable[[Session], object]:
        return lambda s: roles.check_update_role(
            s, user(s, actor), guild.id, guild.helpers, permissions_bits=str(bits)
        )

    expect("cannot_grant", update(guild.manager, BAN))
    run(update(guild.owner, BAN))
    # Bits already on the role stay, and others they hold may be added or removed.
    run(update(guild.manager, BAN | KICK))
    run(update(guild.manager, BAN))
    with transaction() as s:
        role = s.get(Role, guild.helpers)
        assert role is not None
        assert role.permissions == BAN

    expect("missing_permission", create(guild.member, 0))


@SQLITE
def test_bad_inputs(guild: Guild, make_user: Callable[..., int]) -> None:
    stranger = make_user("stranger")

    def create(actor: int = guild.owner, **kw: object) -> Callable[[Session], object]:
        fields: dict[str, object] = {"name": "R", **kw}
        return lambda s: roles.check_create_role(s, user(s, actor), guild.id, **fields)  # type: ignore[arg-type]

    for raw in ("abc", "-1", "1.5", "", " ", str(1 << 40), str(1 << 63), "9" * 21):
        expect("bad_bitmask", create(permissions_bits=raw))
    expect("bad_colour", create(colour="red"))
    expect("bad_colour", create(colour="#12345"))
    expect("empty", create(name="   "))
    expect("too_long", create(name="x" * 101))
    expect("server_not_found", create(stranger))
    expect(
        "server_not_found",
        lambda s: roles.check_create_role(s, user(s, guild.owner), "0" * 32, name="R"),
    )
    expect(
        "role_not_found",
        lambda s: roles.check_update_role(s, user(s, guild.owner), guild.id, "0" * 32, name="R"),
    )
    # A role of another server is not found here.
    other = make_server(stranger, name="Other")
    with transaction() as s:
        foreign = everyone(s, other).id
    expect(
        "role_not_found",
        lambda s: roles.check_delete_role(s, user(s, guild.owner), guild.id, foreign),
    )


@SQLITE
def test_everyone_role_is_fixed_but_its_permissions_change(guild: Guild) -> None:
    with transaction() as s:
        everyone_id = everyone(s, guild.id).id
    owner = guild.owner
    expect(
        "everyone_role",
        lambda s: roles.check_update_role(s, user(s, owner), guild.id, everyone_id, name="all"),
    )
    expect(
        "everyone_role",
        lambda s: roles.check_update_role(s, user(s, owner), guild.id, everyone_id, hoist=True),
    )
    expect(
        "everyone_role", lambda s: roles.check_delete_role(s, user(s, owner), guild.id, everyone_id)
    )
    run(
        lambda s: roles.check_update_role(
            s, user(s, guild.manager), guild.id, everyone_id, permissions_bits=str(VIEW)
        )
    )
    with transaction() as s:
        assert everyone(s, guild.id).permissions == VIEW
        # What every member may do follows at once.
        assert permissions.access_server(s, user(s, guild.member), guild.id).bits == VIEW


@SQLITE
def test_reorder(guild: Guild, events: Events) -> None:
    g = guild
    with transaction() as s:
        everyone_id = everyone(s, g.id).id

    def order(actor: int, *role_ids: str) -> Callable[[Session], None]:
        return lambda s: roles.check_reorder_roles(s, user(s, actor), g.id, list(role_ids))

    events.clear()
    # The manager swaps the two roles below theirs (@everyone may end the list).
    run(order(g.manager, g.top, g.admins, g.managers, g.juniors, g.helpers, everyone_id))
    with transaction() as s:
        assert positions(s, g.id) == {
            "@everyone": 0,
            "Helpers": 1,
            "Juniors": 2,
            "Managers": 3,
            "Admins": 4,
            "Top": 5,
        }
        assert audit_actions(s, g.id)[-1] == "role_move"
    moved = only(events, "role", "move")
    assert moved
    assert moved[0]["data"]["positions"] == {g.juniors: 2, g.helpers: 1}
    # Nothing moves into, out of or within the places at or above the actor's highest.
    expect("role_above_you", order(g.manager, g.top, g.admins, g.juniors, g.managers, g.helpers))
    expect("role_above_you", order(g.manager, g.admins, g.top, g.managers, g.juniors, g.helpers))
    expect("bad_order", order(g.manager, g.top, g.admins, g.managers, g.juniors))
    expect("bad_order", order(g.manager, g.top, g.admins, g.managers, g.juniors, g.juniors))
    expect(
        "everyone_role",
        order(g.manager, g.top, g.admins, everyone_id, g.managers, g.juniors, g.helpers),
    )
    expect("missing_permission", order(g.member, g.top, g.admins, g.managers, g.juniors, g.helpers))
    # The owner moves any.
    run(order(g.owner, g.juniors, g.top, g.admins, g.managers, g.helpers))
    with transaction() as s:
        assert positions(s, g.id)["Juniors"] == 5


def test_role_events_and_audit(guild: Guild, events: Events) -> None:
    events.clear()
    with transaction() as s:
        made = roles.check_create_role(
            s, user(s, guild.manager), guild.id, name="Fresh", colour="#ff0000", mentionable=True
        )
        made_id = made.id
    run(
        lambda s: roles.check_update_role(
            s, user(s, guild.manager), guild.id, made_id, name="Fresher", permissions_bits=str(KICK)
        )
    )
    run(
        lambda s: roles.check_add_member_role(
            s, user(s, guild.owner), guild.id, guild.member, made_id
        )
    )
    run(lambda s: roles.check_delete_role(s, user(s, guild.manager), guild.id, made_id))
    recipients = {k for k, e in events if e["type"] == "role"}
    assert recipients == {
        f"user:{u}" for u in (guild.owner, guild.manager, guild.member, guild.admin)
    }
    added = only(events, "role", "add")[0]["data"]["role"]
    assert (added["name"], added["colour"], added["permissions"], added["position"]) == (
        "Fresh",
        "#ff0000",
        "0",
        1,
    )
    updated = only(events, "role", "update")[0]["data"]["role"]
    assert (updated["name"], updated["permissions"]) == ("Fresher", str(KICK))
    assert only(events, "role", "remove")[0]["data"] == {"server_id": guild.id, "role_id": made_id}
    with transaction() as s:
        entries = s.exec(
            select(AuditLogEntry)
            .where(AuditLogEntry.target_id == made_id)
            .order_by(col(AuditLogEntry.id))
        ).all()
        assert [e.action for e in entries] == ["role_create", "role_update", "role_delete"]
        assert entries[1].changes == {
            "name": ["Fresh", "Fresher"],
            "permissions": ["0", str(KICK)],
        }
        assert entries[2].changes == {"name": "Fresher", "members": 1}
        # Its links went with it.
        assert not s.exec(select(MemberRoleLink).where(MemberRoleLink.role_id == made_id)).all()


# Overwrites ------------------------------------------------------------------------------------


def _server(s: Session, server_id: str) -> Server:
    server = s.get(Server, server_id)
    assert server is not None
    return server


def test_channel_overwrites_unsync_copy_and_sync(guild: Guild, events: Events) -> None:
    g = guild
    with transaction() as s:
        channel = general(s, g.id)
        channel_id, category_id = channel.id, channel.category_id
        everyone_id = everyone(s, g.id).id
        assert category_id is not None
        other = servers.do_create_channel(
            s, _server(s, g.id), name="other", category_id=category_id
        )
        other_id = other.id
    # A category overwrite reaches every synced channel of it.
    run(
        lambda s: roles.check_set_overwrite(
            s, user(s, g.owner), roles.CATEGORY, category_id, "role", everyone_id, deny=str(SEND)
        )
    )
    with transaction() as s:
        for cid in (channel_id, other_id):
            assert not permissions.access_channel(s, user(s, g.member), cid).can(P.SEND_MESSAGES)
    events.clear()
    # The manager may not send here, so may not let anyone send either.
    expect(
        "cannot_grant",
        lambda s: roles.check_set_overwrite(
            s,
            user(s, g.manager),
            roles.CHANNEL,
            channel_id,
            "member",
            str(g.member),
            allow=str(SEND),
        ),
    )
    # A channel overwrite: the category's are copied in first, then the channel stops following.
    with transaction() as s:
        view = roles.check_set_overwrite(
            s,
            user(s, g.admin),
            roles.CHANNEL,
            channel_id,
            "member",
            str(g.member),
            allow=str(SEND),
        )
    assert not view.synced
    assert {(o.target_type, o.target_id, o.allow, o.deny) for o in view.overwrites} == {
        ("role", everyone_id, "0", str(SEND)),
        ("member", str(g.member), str(SEND), "0"),
    }
    assert view.effective == view.overwrites
    with transaction() as s:
        assert permissions.access_channel(s, user(s, g.member), channel_id).can(P.SEND_MESSAGES)
        assert not permissions.access_channel(s, user(s, g.member), other_id).can(P.SEND_MESSAGES)
    update = only(events, "channel", "update")[0]["data"]
    assert update == {"server_id": g.id, "channel_id": channel_id, "synced": False}
    # The category changes; the unsynced channel keeps its copy.
    run(
        lambda s: roles.check_delete_overwrite(
            s, user(s, g.owner), roles.CATEGORY, category_id, "role", everyone_id
        )
    )
    with transaction() as s:
        assert permissions.access_channel(s, user(s, g.manager), other_id).can(P.SEND_MESSAGES)
        assert not permissions.access_channel(s, user(s, g.manager), channel_id).can(
            P.SEND_MESSAGES
        )
        listed = roles.list_overwrites(s, user(s, g.manager), roles.CATEGORY, category_id)
        assert listed.overwrites == []
    # Sync with the category: the channel's own overwrites go.
    with transaction() as s:
        synced = roles.check_sync_channel(s, user(s, g.manager), channel_id)
    assert synced.synced
    assert synced.overwrites == []
    assert synced.effective == []
    with transaction() as s:
        assert not s.exec(
            select(PermissionOverwrite).where(PermissionOverwrite.scope_id == channel_id)
        ).all()
        assert permissions.access_channel(s, user(s, g.manager), channel_id).can(P.SEND_MESSAGES)
        assert audit_actions(s, g.id)[-4:] == [
            "overwrite_create",
            "overwrite_create",
            "overwrite_delete",
            "channel_sync",
        ]


@SQLITE
def test_overwrite_rules(guild: Guild, make_user: Callable[..., int]) -> None:
    g = guild
    with transaction() as s:
        channel = general(s, g.id)
        channel_id = channel.id
        everyone_id = everyone(s, g.id).id
        secret = servers.do_create_channel(s, _server(s, g.id), name="secret")
        secret_id = secret.id
        plain_id = servers.do_create_channel(s, _server(s, g.id), name="plain").id

    def put(
        actor: int, target_type: str, target_id: str, scope: str = channel_id, **bits: str
    ) -> Callable[[Session], object]:
        return lambda s: roles.check_set_overwrite(
            s, user(s, actor), roles.CHANNEL, scope, target_type, target_id, **bits
        )

    expect("missing_permission", put(g.member, "role", g.juniors, allow=str(SEND)))
    expect("role_above_you", put(g.manager, "role", g.managers, allow=str(SEND)))
    expect("role_above_you", put(g.manager, "role", g.top, deny=str(SEND)))
    expect("role_not_found", put(g.manager, "role", "0" * 32, allow=str(SEND)))
    expect("member_not_found", put(g.manager, "member", "999999", allow=str(SEND)))
    expect("member_not_found", put(g.manager, "member", "not-a-number", allow=str(SEND)))
    expect("bad_target", put(g.manager, "user", str(g.member), allow=str(SEND)))
    expect("bad_bitmask", put(g.manager, "role", g.juniors, allow="lots"))
    expect("bad_bitmask", put(g.manager, "role", g.juniors, deny=str(KICK)))  # server-wide
    expect("allow_deny_overlap", put(g.manager, "role", g.juniors, allow=str(SEND), deny=str(SEND)))
    error = expect(
        "cannot_grant", put(g.manager, "role", g.juniors, allow=str(int(P.MANAGE_MESSAGES)))
    )
    assert error.details == {"permissions": ["MANAGE_MESSAGES"]}
    run(put(g.admin, "role", g.juniors, allow=str(int(P.MANAGE_MESSAGES))))
    # The owner hides #secret from @everyone: the member can no longer find it at all.
    run(put(g.owner, "role", everyone_id, scope=secret_id, deny=str(VIEW)))
    expect("channel_not_found", put(g.member, "role", g.juniors, scope=secret_id, allow="0"))
    expect(
        "channel_not_found",
        lambda s: roles.list_overwrites(s, user(s, g.member), roles.CHANNEL, secret_id),
    )
    # MANAGE_ROLES given in one channel lets a member manage that channel's overwrites only.
    run(put(g.owner, "member", str(g.member), allow=str(MANAGE)))
    run(put(g.member, "member", str(g.member), allow=str(MANAGE | SEND)))
    expect("missing_permission", put(g.member, "role", everyone_id, scope=plain_id, allow="0"))
    expect(
        "missing_permission",
        lambda s: roles.check_sync_channel(s, user(s, g.member), plain_id),
    )
    expect("no_category", lambda s: roles.check_sync_channel(s, user(s, g.owner), plain_id))
    stranger = make_user("stranger")
    expect(
        "channel_not_found",
        lambda s: roles.list_overwrites(s, user(s, stranger), roles.CHANNEL, channel_id),
    )
    with transaction() as s:
        category_id = general(s, g.id).category_id
    assert category_id is not None
    expect(
        "category_not_found",
        lambda s: roles.list_overwrites(s, user(s, stranger), roles.CATEGORY, category_id),
    )
    expect(
        "missing_permission",
        lambda s: roles.check_set_overwrite(
            s, user(s, g.member), roles.CATEGORY, category_id, "role", g.juniors, allow="0"
        ),
    )
