"""The roles section of the server settings: the list by position, one role open for editing
(name, colour, mentionable, hoist, a toggle per permission with its plain-language
description), reordering by drag or up/down, create and delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import permissions
from socialhub.domain import roles as roles_domain
from socialhub.domain.permissions import Permission
from socialhub.models import User
from socialhub.state.base import Failed, run_as_user
from socialhub.state.server_settings import ServerSettingsState


class RoleRow(BaseModel):
    id: str
    name: str
    colour: str
    position: int
    # Decimal string, as the API sends bitmasks.
    permissions: str
    mentionable: bool
    hoist: bool
    is_everyone: bool
    member_count: int
    # Whether the tab's user ranks above it (the domain's hierarchy), so may edit it.
    editable: bool


class PermissionToggle(BaseModel):
    name: str
    label: str
    description: str
    bit: str
    on: bool


CATALOGUE = roles_domain.permission_catalogue()


def role_rows(session: Session, user: User, server_id: str) -> list[RoleRow]:
    """The server's roles, most senior first (@everyone last), each saying whether the tab's
    user ranks above it (the domain's hierarchy) and so may edit it."""
    access = permissions.access_server(session, user, server_id)
    manages = access.can(Permission.MANAGE_ROLES)
    return [
        RoleRow(
            id=r.id,
            name=r.name,
            colour=r.colour,
            position=r.position,
            permissions=r.permissions,
            mentionable=r.mentionable,
            hoist=r.hoist,
            is_everyone=r.is_everyone,
            member_count=r.member_count,
            editable=manages
            and (
                r.is_everyone or permissions.above_role(access.snapshot, access.facts, r.position)
            ),
        )
        for r in roles_domain.list_roles(session, user, server_id)
    ]


def reordered(ids: list[str], moved: str, target_index: int) -> list[str]:
    """`ids` with `moved` taken out and put back at `target_index`."""
    rest = [i for i in ids if i != moved]
    target_index = max(0, min(target_index, len(rest)))
    return [*rest[:target_index], moved, *rest[target_index:]]


class RoleSettingsState(rx.State):
    roles: list[RoleRow] = []
    selected_id: str = ""
    edit_name: str = ""
    edit_colour: str = ""
    edit_mentionable: bool = False
    edit_hoist: bool = False
    edit_bits: str = "0"
    saving: bool = False

    @rx.var
    def selected(self) -> RoleRow | None:
        return next((r for r in self.roles if r.id == self.selected_id), None)

    @rx.var
    def toggles(self) -> list[PermissionToggle]:
        bits = int(self.edit_bits or "0")
        return [
            PermissionToggle(
                name=p.name,
                label=p.title,
                description=p.description,
                bit=p.bit,
                on=bool(bits & int(p.bit)),
            )
            for p in CATALOGUE
        ]

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _load_section(self, server_id: str) -> Failed | None:
        rows = await run_as_user(self, lambda s, u: role_rows(s, u, server_id))
        if isinstance(rows, Failed):
            return rows
        self.roles = rows
        if self.selected is None:
            self.selected_id = ""
        self._fill_editor()
        return None

    # The live protocol (server_settings_live.LiveSection): the list follows what others
    # change; the open role's editor keeps what is being typed in it.
    def _live_args(self) -> Any:
        return None

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        return role_rows(session, user, server_id)

    def _live_show(self, data: Any) -> None:
        self.roles = data
        if self.selected is None:
            self.selected_id = ""

    def _fill_editor(self) -> None:
        role = self.selected
        if role is None:
            return
        self.edit_name = role.name
        self.edit_colour = role.colour
        self.edit_mentionable = role.mentionable
        self.edit_hoist = role.hoist
        self.edit_bits = role.permissions

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(server_id)
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    def select_role(self, role_id: str) -> None:
        self.selected_id = role_id
        self._fill_editor()

    @rx.event
    def close_editor(self) -> None:
        self.selected_id = ""

    @rx.event
    def set_edit_name(self, value: str) -> None:
        self.edit_name = value

    @rx.event
    def set_edit_colour(self, value: str) -> None:
        self.edit_colour = value

    @rx.event
    def set_edit_mentionable(self, value: bool) -> None:
        self.edit_mentionable = value

    @rx.event
    def set_edit_hoist(self, value: bool) -> None:
        self.edit_hoist = value

    @rx.event
    def toggle_permission(self, bit: str, on: bool) -> None:
        if not bit.isdigit():
            return
        bits = int(self.edit_bits or "0")
        self.edit_bits = str(bits | int(bit) if on else bits & ~int(bit))

    @rx.event
    async def create_role(self, form: dict[str, Any]) -> Any:
        name = str(form.get("name", ""))
        server_id = await self._server_id()
        role = await run_as_user(
            self, lambda s, u: roles_domain.check_create_role(s, u, server_id, name=name)
        )
        if isinstance(role, Failed):
            return role.toast
        failed = await self._load_section(server_id)
        if failed is not None:
            return failed.toast
        self.selected_id = role.id
        self._fill_editor()
        return rx.toast.success(f"Role {role.name} created")

    @rx.event
    async def save_role(self) -> Any:
        role = self.selected
        if role is None:
            return None
        name = None if role.is_everyone else self.edit_name
        colour = None if role.is_everyone else self.edit_colour
        bits, mentionable, hoist = self.edit_bits, self.edit_mentionable, self.edit_hoist
        self.saving = True
        try:
            return await self._change(
                lambda s, u, server_id: roles_domain.check_update_role(
                    s,
                    u,
                    server_id,
                    role.id,
                    name=name,
                    colour=colour,
                    permissions_bits=bits,
                    mentionable=None if role.is_everyone else mentionable,
                    hoist=None if role.is_everyone else hoist,
                ),
                "Role saved",
            )
        finally:
            self.saving = False

    @rx.event
    async def delete_role(self, role_id: str) -> Any:
        self.selected_id = ""
        return await self._change(
            lambda s, u, server_id: roles_domain.check_delete_role(s, u, server_id, role_id),
            "Role deleted",
        )

    async def _reorder(self, ids: list[str]) -> Any:
        return await self._change(
            lambda s, u, server_id: roles_domain.check_reorder_roles(s, u, server_id, ids),
            "Roles reordered",
        )

    def _custom_ids(self) -> list[str]:
        return [r.id for r in self.roles if not r.is_everyone]

    @rx.event
    async def move_role(self, role_id: str, delta: int) -> Any:
        """The up (-1) and down (+1) buttons: one place more or less senior."""
        ids = self._custom_ids()
        if role_id not in ids:
            return None
        index = ids.index(role_id) + delta
        if not 0 <= index < len(ids):
            return None
        return await self._reorder(reordered(ids, role_id, index))

    @rx.event
    async def drop_role(self, value: str) -> Any:
        """A drag ended on another role (assets/server_settings.js): the dragged role takes
        that role's place."""
        moved, _, rest = value.partition(":")
        target = rest.partition(":")[0]
        ids = self._custom_ids()
        if moved not in ids or moved == target:
            return None
        index = ids.index(target) if target in ids else len(ids) - 1
        return await self._reorder(reordered(ids, moved, index))
