"""Roles, members' roles and permission overwrites of servers, with Discord's rules.

Managing roles needs MANAGE_ROLES, and the hierarchy holds: only roles strictly below the
actor's highest role are theirs to edit, delete, move, give or take away (the owner excepted),
and nobody grants a permission they lack themselves (ADMINISTRATOR and the owner have them all).
@everyone always stays at position 0: its permissions may change, never its name or place.

Overwrites live on a channel or a category, for a role or a member, and need MANAGE_ROLES in
that channel (or category). A channel `synced` with its category follows the category's
overwrites; changing the channel's own first copies the category's into it, as Discord does,
and "sync with category" drops them again. Every change bumps the server's permission version
(the permission function's cache key), publishes an event in the server's stream and is written
to the audit log with what changed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.domain import permissions
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import Permission, ServerAccess
from socialhub.domain.validation import clean_text
from socialhub.models import (
    ChannelCategory,
    Conversation,
    MemberRoleLink,
    OverwriteTarget,
    PermissionOverwrite,
    Role,
    Server,
    ServerMember,
    User,
)
from socialhub.models.role_views import OverwriteView, PermissionInfo, RoleView, ScopeOverwrites

NAME_MAX = 100
ROLES_MAX = 250
OVERWRITES_MAX = 100
COLOUR_PATTERN = r"^(#[0-9a-fA-F]{6})?$"
_COLOUR = re.compile(COLOUR_PATTERN)

CHANNEL = "channel"
CATEGORY = "category"


# The catalogue -------------------------------------------------------------------------------


def permission_catalogue() -> list[PermissionInfo]:
    """Every permission with its bit and what it lets a member do, for the settings UI."""
    return [
        PermissionInfo(
            name=flag.name or "",
            bit=str(int(flag)),
            title=permissions.DESCRIPTIONS[flag][0],
            description=permissions.DESCRIPTIONS[flag][1],
            channel_scoped=bool(flag & permissions.CHANNEL_SCOPED),
        )
        for flag in Permission
    ]


# Errors and lookups --------------------------------------------------------------------------


def role_not_found() -> NotFound:
    return NotFound("no such role", code="role_not_found")


def role_above_you() -> PermissionDenied:
    return PermissionDenied("that role is at or above your highest role", code="role_above_you")


def everyone_role(message: str, *, details: dict[str, Any] | None = None) -> InvalidInput:
    return InvalidInput(message, code="everyone_role", details=details)


def _access(session: Session, actor: User, server_id: str) -> ServerAccess:
    access = permissions.access_server(session, actor, server_id)
    access.require(Permission.MANAGE_ROLES)
    return access


def _lock_positions(session: Session, server: Server) -> None:
    """Changes of roles' positions take the server's row first, one at a time (two roles
    created at once would both land at 1)."""
    session.execute(sa.select(col(Server.id)).where(col(Server.id) == server.id).with_for_update())


def _role(session: Session, server: Server, role_id: str) -> Role:
    role = session.get(Role, role_id) if role_id else None
    if role is None or role.server_id != server.id:
        raise role_not_found()
    return role


def _require_below(access: ServerAccess, position: int) -> None:
    if not permissions.above_role(access.snapshot, access.facts, position):
        raise role_above_you()


def _require_grantable(access_bits: int, added: int) -> None:
    """Nobody grants a permission they lack (the owner and administrators have every bit)."""
    missing = added & ~access_bits
    if missing:
        raise PermissionDenied(
            "you cannot grant permissions you do not have yourself",
            code="cannot_grant",
            details={"permissions": permissions.names(missing)},
        )


def _colour(raw: str) -> str:
    if not isinstance(raw, str) or not _COLOUR.match(raw):
        raise InvalidInput("colour must be #rrggbb", field="colour", code="bad_colour")
    return raw.lower()


def _name(raw: str) -> str:
    name = clean_text(raw, field="name", max_length=NAME_MAX)
    if not name:
        raise InvalidInput("give the role a name", field="name", code="empty")
    return name


# Views ---------------------------------------------------------------------------------------


def _member_counts(session: Session, server_id: str) -> dict[str, int]:
    rows = session.execute(
        sa.select(col(MemberRoleLink.role_id), func.count())
        .where(col(MemberRoleLink.server_id) == server_id)
        .group_by(col(MemberRoleLink.role_id))
    ).all()
    return {str(role_id): int(count) for role_id, count in rows}


def role_view(role: Role, *, member_count: int) -> RoleView:
    return RoleView(
        id=role.id,
        name=role.name,
        colour=role.colour,
        position=role.position,
        permissions=str(role.permissions),
        mentionable=role.mentionable,
        hoist=role.hoist,
        is_everyone=role.is_everyone,
        member_count=member_count,
    )


def _view(session: Session, server: Server, role: Role) -> RoleView:
    if role.is_everyone:
        count = server.member_count
    else:
        count = int(
            session.execute(
                sa.select(func.count()).where(col(MemberRoleLink.role_id) == role.id)
            ).scalar_one()
        )
    return role_view(role, member_count=count)


def _server_roles(session: Session, server_id: str) -> list[Role]:
    return list(
        session.exec(
            select(Role)
            .where(Role.server_id == server_id)
            .order_by(col(Role.position).desc(), col(Role.created_at))
        ).all()
    )


def list_roles(session: Session, actor: User, server_id: str) -> list[RoleView]:
    """The server's roles, most senior first (@everyone last); any member may read them."""
    access = permissions.access_server(session, actor, server_id)
    counts = _member_counts(session, server_id)
    return [
        role_view(
            r,
            member_count=access.server.member_count if r.is_everyone else counts.get(r.id, 0),
        )
        for r in _server_roles(session, server_id)
    ]


def get_role(session: Session, actor: User, server_id: str, role_id: str) -> RoleView:
    access = permissions.access_server(session, actor, server_id)
    return _view(session, access.server, _role(session, access.server, role_id))


def _changed(session: Session, server: Server, role: Role, op: str) -> None:
    permissions.bump_version(session, server)
    permissions.publish_server_event(
        session,
        server.id,
        type="role",
        op=op,
        data={"role": _view(session, server, role).model_dump()},
    )


# Roles ---------------------------------------------------------------------------------------


def do_create_role(
    session: Session,
    server: Server,
    actor_id: int | None,
    *,
    name: str,
    colour: str = "",
    permissions_bits: int = 0,
    mentionable: bool = False,
    hoist: bool = False,
) -> Role:
    """A new role just above @everyone (position 1), as Discord places them: the others move up."""
    _lock_positions(session, server)
    session.execute(
        sa.update(Role)
        .where(col(Role.server_id) == server.id, col(Role.position) >= 1)
        .values(position=col(Role.position) + 1)
    )
    role = Role(
        server_id=server.id,
        name=name,
        colour=colour,
        position=1,
        permissions=permissions_bits,
        mentionable=mentionable,
        hoist=hoist,
    )
    session.add(role)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "role_create",
        target_type="role",
        target_id=role.id,
        changes={
            "name": name,
            "colour": colour,
            "permissions": str(permissions_bits),
            "mentionable": mentionable,
            "hoist": hoist,
        },
    )
    _changed(session, server, role, "add")
    return role


def check_create_role(
    session: Session,
    actor: User,
    server_id: str,
    *,
    name: str,
    colour: str = "",
    permissions_bits: object = "0",
    mentionable: bool = False,
    hoist: bool = False,
) -> Role:
    access = _access(session, actor, server_id)
    clean_name = _name(name)
    clean_colour = _colour(colour)
    bits = permissions.parse_bits(permissions_bits, field="permissions")
    _require_grantable(access.bits, bits)
    count = len(access.snapshot.roles)
    if count > ROLES_MAX:
        raise Conflict(
            f"a server has at most {ROLES_MAX} roles",
            code="too_many_roles",
            details={"max": ROLES_MAX},
        )
    return do_create_role(
        session,
        access.server,
        actor.id,
        name=clean_name,
        colour=clean_colour,
        permissions_bits=bits,
        mentionable=mentionable,
        hoist=hoist,
    )


def do_update_role(
    session: Session, server: Server, role: Role, actor_id: int | None, changes: dict[str, Any]
) -> Role:
    """Apply `changes` (field -> new value; `permissions` as an int)."""
    audit: dict[str, Any] = {}
    for field, value in changes.items():
        old = getattr(role, field)
        if old == value:
            continue
        if field == "permissions":
            audit[field] = [str(old), str(value)]
        else:
            audit[field] = [old, value]
        setattr(role, field, value)
    if not audit:
        return role
    session.add(role)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "role_update",
        target_type="role",
        target_id=role.id,
        changes=audit,
    )
    _changed(session, server, role, "update")
    return role


def check_update_role(
    session: Session,
    actor: User,
    server_id: str,
    role_id: str,
    *,
    name: str | None = None,
    colour: str | None = None,
    permissions_bits: object | None = None,
    mentionable: bool | None = None,
    hoist: bool | None = None,
) -> Role:
    access = _access(session, actor, server_id)
    role = _role(session, access.server, role_id)
    _require_below(access, role.position)
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _name(name)
    if colour is not None:
        changes["colour"] = _colour(colour)
    if mentionable is not None:
        changes["mentionable"] = mentionable
    if hoist is not None:
        changes["hoist"] = hoist
    if role.is_everyone:
        fixed = [f for f, v in changes.items() if getattr(role, f) != v]
        if fixed:
            raise everyone_role(
                "only the permissions of @everyone can change", details={"fields": fixed}
            )
    if permissions_bits is not None:
        bits = permissions.parse_bits(permissions_bits, field="permissions")
        _require_grantable(access.bits, bits & ~role.permissions)
        changes["permissions"] = bits
    return do_update_role(session, access.server, role, actor.id, changes)


def do_delete_role(session: Session, server: Server, role: Role, actor_id: int | None) -> None:
    """The role goes, with its members' links and its overwrites; the roles above move down."""
    _lock_positions(session, server)
    holders = list(
        session.exec(select(MemberRoleLink.user_id).where(MemberRoleLink.role_id == role.id)).all()
    )
    session.execute(sa.delete(MemberRoleLink).where(col(MemberRoleLink.role_id) == role.id))
    session.execute(
        sa.delete(PermissionOverwrite).where(
            col(PermissionOverwrite.server_id) == server.id,
            col(PermissionOverwrite.target_type) == OverwriteTarget.role.value,
            col(PermissionOverwrite.target_id) == role.id,
        )
    )
    position = role.position
    session.delete(role)
    session.flush()
    session.execute(
        sa.update(Role)
        .where(col(Role.server_id) == server.id, col(Role.position) > position)
        .values(position=col(Role.position) - 1)
    )
    do_audit(
        session,
        server.id,
        actor_id,
        "role_delete",
        target_type="role",
        target_id=role.id,
        changes={"name": role.name, "members": len(holders)},
    )
    permissions.bump_version(session, server)
    permissions.publish_server_event(
        session, server.id, type="role", op="remove", data={"role_id": role.id}
    )


def check_delete_role(session: Session, actor: User, server_id: str, role_id: str) -> None:
    access = _access(session, actor, server_id)
    _lock_positions(session, access.server)
    role = _role(session, access.server, role_id)
    if role.is_everyone:
        raise everyone_role("@everyone cannot be deleted")
    _require_below(access, role.position)
    do_delete_role(session, access.server, role, actor.id)


def do_reorder_roles(
    session: Session, server: Server, actor_id: int | None, positions: dict[str, int]
) -> None:
    """Give roles new positions (role id -> position; only those that change)."""
    roles = {r.id: r for r in _server_roles(session, server.id)}
    moved: dict[str, list[int]] = {}
    for role_id, position in positions.items():
        role = roles[role_id]
        if role.position != position:
            moved[role_id] = [role.position, position]
            role.position = position
            session.add(role)
    if not moved:
        return
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "role_move",
        target_type="server",
        target_id=server.id,
        changes={"positions": moved},
    )
    permissions.bump_version(session, server)
    permissions.publish_server_event(
        session,
        server.id,
        type="role",
        op="move",
        data={"positions": {role_id: new for role_id, (_, new) in moved.items()}},
    )


def check_reorder_roles(
    session: Session, actor: User, server_id: str, role_ids: Sequence[str]
) -> None:
    """`role_ids`: every role but @everyone, most senior first (as the settings list shows them,
    dragged into their new order); @everyone may end the list and stays at 0. Roles at or above
    the actor's highest keep their places, and nothing moves into those places."""
    access = _access(session, actor, server_id)
    _lock_positions(session, access.server)
    roles = {r.id: r for r in _server_roles(session, server_id)}
    everyone_id = access.snapshot.everyone_id
    order = list(role_ids)
    if order and order[-1] == everyone_id:
        order.pop()
    if everyone_id in order:
        raise everyone_role("@everyone always stays at the bottom")
    expected = set(roles) - {everyone_id}
    if len(order) != len(set(order)) or set(order) != expected:
        raise InvalidInput(
            "list every role but @everyone once, most senior first",
            field="role_ids",
            code="bad_order",
        )
    positions = {role_id: len(order) - index for index, role_id in enumerate(order)}
    for role_id, position in positions.items():
        if roles[role_id].position != position:
            _require_below(access, roles[role_id].position)
            _require_below(access, position)
    do_reorder_roles(session, access.server, actor.id, positions)


# Members' roles --------------------------------------------------------------------------------


def _member(session: Session, server: Server, user_id: int) -> ServerMember:
    member = session.get(ServerMember, (server.id, user_id))
    if member is None:
        raise NotFound("no such member", code="member_not_found")
    return member


def _member_changed(session: Session, server: Server, user_id: int) -> None:
    # Members' roles are not part of the permission snapshot (each access reads the member's
    # own links), so nothing to bump: the event alone tells the tabs.
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="update",
        data={
            "user_id": user_id,
            "role_ids": sorted(permissions.member_roles(session, server.id, user_id)),
        },
    )


def do_add_member_role(
    session: Session, server: Server, member: ServerMember, role: Role, actor_id: int | None
) -> None:
    if session.get(MemberRoleLink, (server.id, member.user_id, role.id)) is not None:
        return
    session.add(MemberRoleLink(server_id=server.id, user_id=member.user_id, role_id=role.id))
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "member_role_add",
        target_type="member",
        target_id=member.user_id,
        changes={"role_id": role.id, "role_name": role.name},
    )
    _member_changed(session, server, member.user_id)


def do_remove_member_role(
    session: Session, server: Server, member: ServerMember, role: Role, actor_id: int | None
) -> None:
    link = session.get(MemberRoleLink, (server.id, member.user_id, role.id))
    if link is None:
        return
    session.delete(link)
    session.flush()
    do_audit(
        session,
        server.id,
        actor_id,
        "member_role_remove",
        target_type="member",
        target_id=member.user_id,
        changes={"role_id": role.id, "role_name": role.name},
    )
    _member_changed(session, server, member.user_id)


def _member_role_target(
    session: Session, actor: User, server_id: str, user_id: int, role_id: str
) -> tuple[ServerAccess, ServerMember, Role]:
    access = _access(session, actor, server_id)
    member = _member(session, access.server, user_id)
    role = _role(session, access.server, role_id)
    if role.is_everyone:
        raise everyone_role("every member has @everyone")
    # Discord's rule: the ROLE must be below the actor's highest (whoever the member is).
    _require_below(access, role.position)
    return access, member, role


def check_add_member_role(
    session: Session, actor: User, server_id: str, user_id: int, role_id: str
) -> None:
    access, member, role = _member_role_target(session, actor, server_id, user_id, role_id)
    do_add_member_role(session, access.server, member, role, actor.id)


def check_remove_member_role(
    session: Session, actor: User, server_id: str, user_id: int, role_id: str
) -> None:
    access, member, role = _member_role_target(session, actor, server_id, user_id, role_id)
    do_remove_member_role(session, access.server, member, role, actor.id)


# Overwrites ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """A channel or a category, with what the actor may do there."""

    kind: str
    id: str
    access: ServerAccess
    bits: int
    channel: Conversation | None = None
    category: ChannelCategory | None = None


def category_not_found() -> NotFound:
    return NotFound("no such category", code="category_not_found")


def _category_bits(access: ServerAccess, category_id: str) -> int:
    """What the member may do in a category: the permission function's steps, on the
    category's own overwrites (what its synced channels follow)."""
    snap, facts = access.snapshot, access.facts
    bits = permissions.base_permissions(snap, facts)
    if bits == permissions.ALL:
        return bits
    bits = permissions.apply_overwrites(
        bits, snap.overwrites.get(category_id, ()), snap.everyone_id, facts
    )
    if facts.timed_out():
        bits &= permissions.TIMEOUT_KEEPS
    return bits


def access_scope(session: Session, actor: User, kind: str, scope_id: str) -> Scope:
    """A channel the actor may view, or a category of a server they are in (NotFound
    otherwise, missing and forbidden alike)."""
    if kind == CHANNEL:
        channel = permissions.access_channel(session, actor, scope_id)
        return Scope(CHANNEL, scope_id, channel.server, channel.bits, channel=channel.channel)
    category = session.get(ChannelCategory, scope_id) if scope_id else None
    if category is None:
        raise category_not_found()
    try:
        access = permissions.access_server(session, actor, category.server_id)
    except NotFound as exc:
        raise category_not_found() from exc
    return Scope(CATEGORY, scope_id, access, _category_bits(access, scope_id), category=category)


def _require_manage(scope: Scope) -> None:
    if not scope.bits & Permission.MANAGE_ROLES:
        raise PermissionDenied(
            f"you need the Manage roles permission in this {scope.kind}",
            code="missing_permission",
            details={"permission": Permission.MANAGE_ROLES.name},
        )


def _rows(session: Session, scope_id: str) -> list[PermissionOverwrite]:
    return list(
        session.exec(
            select(PermissionOverwrite)
            .where(PermissionOverwrite.scope_id == scope_id)
            .order_by(col(PermissionOverwrite.id))
        ).all()
    )


def _overwrite_view(row: PermissionOverwrite, scope_type: str) -> OverwriteView:
    return OverwriteView(
        scope_id=row.scope_id,
        scope_type=scope_type,
        target_type=row.target_type,
        target_id=row.target_id,
        allow=str(row.allow),
        deny=str(row.deny),
    )


def scope_overwrites(session: Session, scope: Scope) -> ScopeOverwrites:
    own = [_overwrite_view(r, scope.kind) for r in _rows(session, scope.id)]
    effective = own
    synced = False
    category_id = None
    if scope.channel is not None:
        category_id = scope.channel.category_id
        synced = bool(scope.channel.synced and category_id)
        if synced and category_id:
            effective = [_overwrite_view(r, CATEGORY) for r in _rows(session, category_id)]
    return ScopeOverwrites(
        scope_id=scope.id,
        scope_type=scope.kind,
        synced=synced,
        category_id=category_id,
        overwrites=own,
        effective=effective,
    )


def list_overwrites(session: Session, actor: User, kind: str, scope_id: str) -> ScopeOverwrites:
    """A channel's or a category's overwrites, for those who manage its roles or channels."""
    scope = access_scope(session, actor, kind, scope_id)
    if not scope.bits & (Permission.MANAGE_ROLES | Permission.MANAGE_CHANNELS):
        _require_manage(scope)
    return scope_overwrites(session, scope)


def _unsync(session: Session, channel: Conversation) -> None:
    """Before a synced channel gets overwrites of its own, it takes a copy of its category's."""
    if not channel.synced:
        return
    if channel.category_id:
        session.execute(
            sa.delete(PermissionOverwrite).where(col(PermissionOverwrite.scope_id) == channel.id)
        )
        for row in _rows(session, channel.category_id):
            session.add(
                PermissionOverwrite(
                    server_id=row.server_id,
                    scope_id=channel.id,
                    target_type=row.target_type,
                    target_id=row.target_id,
                    allow=row.allow,
                    deny=row.deny,
                )
            )
    channel.synced = False
    session.add(channel)
    session.flush()


def _scope_changed(
    session: Session, scope: Scope, actor_id: int | None, action: str, changes: dict[str, Any]
) -> None:
    server = scope.access.server
    do_audit(
        session,
        server.id,
        actor_id,
        action,
        target_type=scope.kind,
        target_id=scope.id,
        changes=changes,
    )
    permissions.bump_version(session, server)
    # Every member hears it (their tabs re-read what they may see), so it names the scope and
    # nothing more: the overwrites of a channel some cannot view are for the settings page.
    data: dict[str, Any] = {f"{scope.kind}_id": scope.id}
    if scope.channel is not None:
        data["synced"] = scope.channel.synced
    permissions.publish_server_event(session, server.id, type=scope.kind, op="update", data=data)


def do_set_overwrite(
    session: Session,
    scope: Scope,
    actor_id: int | None,
    *,
    target_type: OverwriteTarget,
    target_id: str,
    allow: int,
    deny: int,
) -> PermissionOverwrite:
    if scope.channel is not None:
        _unsync(session, scope.channel)
    row = _find(session, scope.id, target_type, target_id)
    old = (row.allow, row.deny) if row is not None else None
    if row is None:
        row = PermissionOverwrite(
            server_id=scope.access.server.id,
            scope_id=scope.id,
            target_type=target_type.value,
            target_id=target_id,
        )
    row.allow, row.deny = allow, deny
    session.add(row)
    session.flush()
    changes: dict[str, Any] = {
        "target_type": target_type.value,
        "target_id": target_id,
        "allow": [str(old[0]) if old else None, str(allow)],
        "deny": [str(old[1]) if old else None, str(deny)],
    }
    _scope_changed(
        session, scope, actor_id, "overwrite_update" if old else "overwrite_create", changes
    )
    return row


def do_delete_overwrite(
    session: Session,
    scope: Scope,
    actor_id: int | None,
    *,
    target_type: OverwriteTarget,
    target_id: str,
) -> None:
    if scope.channel is not None:
        _unsync(session, scope.channel)
    row = _find(session, scope.id, target_type, target_id)
    if row is None:
        return
    changes = {
        "target_type": target_type.value,
        "target_id": target_id,
        "allow": [str(row.allow), None],
        "deny": [str(row.deny), None],
    }
    session.delete(row)
    session.flush()
    _scope_changed(session, scope, actor_id, "overwrite_delete", changes)


def _find(
    session: Session, scope_id: str, target_type: OverwriteTarget, target_id: str
) -> PermissionOverwrite | None:
    return session.exec(
        select(PermissionOverwrite).where(
            PermissionOverwrite.scope_id == scope_id,
            PermissionOverwrite.target_type == target_type.value,
            PermissionOverwrite.target_id == target_id,
        )
    ).first()


def _target(session: Session, scope: Scope, target_type: str, target_id: str) -> OverwriteTarget:
    """The overwrite's role (below the actor's highest) or member, in the scope's server."""
    try:
        kind = OverwriteTarget(target_type)
    except ValueError as exc:
        raise InvalidInput(
            "target_type must be role or member", field="target_type", code="bad_target"
        ) from exc
    server = scope.access.server
    if kind == OverwriteTarget.role:
        role = _role(session, server, target_id)
        _require_below(scope.access, role.position)
    else:
        if not target_id.isdigit() or len(target_id) > 18:
            raise NotFound("no such member", code="member_not_found")
        _member(session, server, int(target_id))
    return kind


def _effective_rows(session: Session, scope: Scope) -> list[PermissionOverwrite]:
    if scope.channel is not None and scope.channel.synced and scope.channel.category_id:
        return _rows(session, scope.channel.category_id)
    return _rows(session, scope.id)


def _current(
    session: Session, scope: Scope, kind: OverwriteTarget, target_id: str
) -> tuple[int, int]:
    for row in _effective_rows(session, scope):
        if row.target_type == kind.value and row.target_id == target_id:
            return row.allow, row.deny
    return 0, 0


def check_set_overwrite(
    session: Session,
    actor: User,
    kind: str,
    scope_id: str,
    target_type: str,
    target_id: str,
    *,
    allow: object = "0",
    deny: object = "0",
) -> ScopeOverwrites:
    scope = access_scope(session, actor, kind, scope_id)
    _require_manage(scope)
    target = _target(session, scope, target_type, target_id)
    allow_bits = permissions.parse_bits(allow, field="allow")
    deny_bits = permissions.parse_bits(deny, field="deny")
    for field, bits in (("allow", allow_bits), ("deny", deny_bits)):
        outside = bits & ~permissions.CHANNEL_SCOPED
        if outside:
            raise InvalidInput(
                f"{field} holds server-wide permissions, which overwrites cannot set",
                field=field,
                code="bad_bitmask",
                details={"permissions": permissions.names(outside)},
            )
    if allow_bits & deny_bits:
        raise InvalidInput(
            "a permission cannot be both allowed and denied",
            field="deny",
            code="allow_deny_overlap",
            details={"permissions": permissions.names(allow_bits & deny_bits)},
        )
    old_allow, old_deny = _current(session, scope, target, target_id)
    _require_grantable(scope.bits, (allow_bits ^ old_allow) | (deny_bits ^ old_deny))
    if _find(session, scope.id, target, target_id) is None and (
        len(_rows(session, scope.id)) >= OVERWRITES_MAX
    ):
        raise Conflict(
            f"at most {OVERWRITES_MAX} overwrites per {scope.kind}",
            code="too_many_overwrites",
        )
    do_set_overwrite(
        session,
        scope,
        actor.id,
        target_type=target,
        target_id=target_id,
        allow=allow_bits,
        deny=deny_bits,
    )
    return scope_overwrites(session, scope)


def check_delete_overwrite(
    session: Session, actor: User, kind: str, scope_id: str, target_type: str, target_id: str
) -> None:
    scope = access_scope(session, actor, kind, scope_id)
    _require_manage(scope)
    target = _target(session, scope, target_type, target_id)
    old_allow, old_deny = _current(session, scope, target, target_id)
    _require_grantable(scope.bits, old_allow | old_deny)
    do_delete_overwrite(session, scope, actor.id, target_type=target, target_id=target_id)


def do_sync_channel(session: Session, scope: Scope, actor_id: int | None) -> None:
    """The channel drops its own overwrites and follows its category's again."""
    channel = scope.channel
    assert channel is not None
    if channel.synced:
        return
    dropped = len(_rows(session, channel.id))
    session.execute(
        sa.delete(PermissionOverwrite).where(col(PermissionOverwrite.scope_id) == channel.id)
    )
    channel.synced = True
    session.add(channel)
    session.flush()
    _scope_changed(
        session,
        scope,
        actor_id,
        "channel_sync",
        {"category_id": channel.category_id, "overwrites_dropped": dropped},
    )


def check_sync_channel(session: Session, actor: User, channel_id: str) -> ScopeOverwrites:
    scope = access_scope(session, actor, CHANNEL, channel_id)
    _require_manage(scope)
    assert scope.channel is not None
    if not scope.channel.category_id:
        raise InvalidInput("the channel is in no category", code="no_category")
    do_sync_channel(session, scope, actor.id)
    return scope_overwrites(session, scope)
