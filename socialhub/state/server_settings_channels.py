"""The channels section of the server settings: channels by category; create, rename, delete;
topic and slow mode; each channel's permission overwrites (per role or member, allow / neutral /
deny for each channel-scoped permission) and "sync with category"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import channels as channels_domain
from socialhub.domain import roles as roles_domain
from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.models.role_views import ScopeOverwrites
from socialhub.state.base import Failed, run_as_user
from socialhub.state.server_settings import ServerSettingsState

SLOW_MODE_LABELS: dict[int, str] = {
    0: "Off",
    5: "5 seconds",
    10: "10 seconds",
    15: "15 seconds",
    30: "30 seconds",
    60: "1 minute",
    120: "2 minutes",
    300: "5 minutes",
    600: "10 minutes",
    900: "15 minutes",
    1800: "30 minutes",
    3600: "1 hour",
    7200: "2 hours",
    21600: "6 hours",
}
SLOW_MODES: list[tuple[str, str]] = [
    (str(s), SLOW_MODE_LABELS.get(s, f"{s} seconds")) for s in channels_domain.SLOW_MODES
]
CHANNEL_TYPES: list[tuple[str, str]] = [
    ("text", "Text"),
    ("announcement", "Announcement"),
    ("posts", "Posts"),
]
CHANNEL_SCOPED = [p for p in roles_domain.permission_catalogue() if p.channel_scoped]
NO_CATEGORY = "none"


class ChannelRow(BaseModel):
    id: str
    name: str
    channel_type: str
    topic: str
    slow_mode: str
    synced: bool
    category_id: str


class CategoryRow(BaseModel):
    id: str
    name: str
    channels: list[ChannelRow]


class TargetRow(BaseModel):
    """Someone a channel's overwrite is for: a role or a member."""

    key: str
    target_type: str
    target_id: str
    label: str
    allow: str
    deny: str


class OverwriteCell(BaseModel):
    name: str
    label: str
    description: str
    bit: str
    # allow, neutral or deny
    value: str


class RoleChoice(BaseModel):
    id: str
    name: str


def _rows(listing: Any) -> list[CategoryRow]:
    by_category: dict[str, list[ChannelRow]] = {}
    for c in listing.channels:
        by_category.setdefault(c.category_id or "", []).append(
            ChannelRow(
                id=c.id,
                name=c.name,
                channel_type=c.channel_type,
                topic=c.topic,
                slow_mode=str(c.slow_mode_seconds),
                synced=c.synced,
                category_id=c.category_id or "",
            )
        )
    rows = []
    if by_category.get(""):
        rows.append(CategoryRow(id="", name="No category", channels=by_category[""]))
    rows += [
        CategoryRow(id=cat.id, name=cat.name, channels=by_category.get(cat.id, []))
        for cat in listing.categories
    ]
    return rows


def _targets(
    session: Session, scope: ScopeOverwrites, role_names: dict[str, str]
) -> list[TargetRow]:
    rows = []
    for o in scope.overwrites:
        if o.target_type == "role":
            label = role_names.get(o.target_id, "a deleted role")
        else:
            member = session.get(User, int(o.target_id))
            label = "@" + member.username if member else "a former member"
        rows.append(
            TargetRow(
                key=f"{o.target_type}:{o.target_id}",
                target_type=o.target_type,
                target_id=o.target_id,
                label=label,
                allow=o.allow,
                deny=o.deny,
            )
        )
    return rows


class ChannelSettingsState(rx.State):
    categories: list[CategoryRow] = []
    roles: list[RoleChoice] = []
    selected_id: str = ""
    edit_name: str = ""
    edit_topic: str = ""
    slow_mode: str = "0"
    synced: bool = True
    in_category: bool = False
    targets: list[TargetRow] = []
    target_key: str = ""
    new_type: str = "text"
    new_category: str = NO_CATEGORY

    @rx.var
    def selected_target(self) -> TargetRow | None:
        return next((t for t in self.targets if t.key == self.target_key), None)

    @rx.var
    def cells(self) -> list[OverwriteCell]:
        target = self.selected_target
        allow = int(target.allow) if target else 0
        deny = int(target.deny) if target else 0
        return [
            OverwriteCell(
                name=p.name,
                label=p.title,
                description=p.description,
                bit=p.bit,
                value="allow" if allow & int(p.bit) else "deny" if deny & int(p.bit) else "neutral",
            )
            for p in CHANNEL_SCOPED
        ]

    @rx.var
    def category_choices(self) -> list[RoleChoice]:
        return [RoleChoice(id=c.id, name=c.name) for c in self.categories if c.id]

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _load_section(self, server_id: str) -> Failed | None:
        def work(session: Session, user: User) -> tuple[list[CategoryRow], list[RoleChoice]]:
            listing = channels_domain.list_channels(session, user, server_id)
            roles = roles_domain.list_roles(session, user, server_id)
            return _rows(listing), [RoleChoice(id=r.id, name=r.name) for r in roles]

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result
        self.categories, self.roles = result
        channel = self._channel()
        if channel is None:
            self.selected_id, self.targets, self.target_key = "", [], ""
            return None
        return await self._load_channel(channel)

    def _channel(self) -> ChannelRow | None:
        return next(
            (c for cat in self.categories for c in cat.channels if c.id == self.selected_id),
            None,
        )

    async def _load_channel(self, channel: ChannelRow) -> Failed | None:
        self.edit_name, self.edit_topic = channel.name, channel.topic
        self.slow_mode, self.synced = channel.slow_mode, channel.synced
        self.in_category = bool(channel.category_id)
        role_names = {r.id: r.name for r in self.roles}
        channel_id = channel.id

        def work(session: Session, user: User) -> list[TargetRow]:
            scope = roles_domain.list_overwrites(session, user, roles_domain.CHANNEL, channel_id)
            return _targets(session, scope, role_names)

        targets = await run_as_user(self, work)
        if isinstance(targets, Failed):
            return targets
        self.targets = targets
        if self.selected_target is None:
            self.target_key = targets[0].key if targets else ""
        return None

    async def _change(self, work: Callable[[Session, User], object], success: str) -> Any:
        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(await self._server_id())
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    async def select_channel(self, channel_id: str) -> Any:
        self.selected_id, self.target_key = channel_id, ""
        channel = self._channel()
        if channel is None:
            return None
        failed = await self._load_channel(channel)
        return failed.toast if failed else None

    @rx.event
    def close_channel(self) -> None:
        self.selected_id = ""

    @rx.event
    def set_edit_name(self, value: str) -> None:
        self.edit_name = value

    @rx.event
    def set_edit_topic(self, value: str) -> None:
        self.edit_topic = value

    @rx.event
    def set_new_type(self, value: str) -> None:
        self.new_type = value

    @rx.event
    def set_new_category(self, value: str) -> None:
        self.new_category = value

    @rx.event
    def select_target(self, key: str) -> None:
        self.target_key = key

    @rx.event
    async def create_channel(self, form: dict[str, Any]) -> Any:
        name, channel_type = str(form.get("name", "")), self.new_type
        category_id = None if self.new_category == NO_CATEGORY else self.new_category
        server_id = await self._server_id()
        return await self._change(
            lambda s, u: channels_domain.check_create_channel(
                s, u, server_id, name=name, channel_type=channel_type, category_id=category_id
            ),
            "Channel created",
        )

    @rx.event
    async def create_category(self, form: dict[str, Any]) -> Any:
        name = str(form.get("name", ""))
        server_id = await self._server_id()
        return await self._change(
            lambda s, u: channels_domain.check_create_category(s, u, server_id, name=name),
            "Category created",
        )

    @rx.event
    async def delete_category(self, category_id: str) -> Any:
        return await self._change(
            lambda s, u: channels_domain.check_delete_category(s, u, category_id),
            "Category deleted",
        )

    @rx.event
    async def save_channel(self) -> Any:
        channel_id, name, topic = self.selected_id, self.edit_name, self.edit_topic
        return await self._change(
            lambda s, u: channels_domain.check_update_channel(
                s, u, channel_id, name=name, topic=topic
            ),
            "Channel saved",
        )

    @rx.event
    async def set_slow_mode(self, value: str) -> Any:
        if not value.isdigit():
            return None
        channel_id, seconds = self.selected_id, int(value)
        self.slow_mode = value
        return await self._change(
            lambda s, u: channels_domain.check_update_channel(
                s, u, channel_id, slow_mode_seconds=seconds
            ),
            "Slow mode " + ("off" if not seconds else "set to " + SLOW_MODE_LABELS[seconds]),
        )

    @rx.event
    async def move_channel(self, channel_id: str, direction: str) -> Any:
        return await self._change(
            lambda s, u: channels_domain.check_move_channel(s, u, channel_id, direction),
            "Channel moved",
        )

    @rx.event
    async def delete_channel(self, channel_id: str) -> Any:
        if channel_id == self.selected_id:
            self.selected_id = ""
        return await self._change(
            lambda s, u: channels_domain.check_delete_channel(s, u, channel_id),
            "Channel deleted",
        )

    @rx.event
    async def sync_channel(self) -> Any:
        channel_id = self.selected_id
        return await self._change(
            lambda s, u: roles_domain.check_sync_channel(s, u, channel_id),
            "Permissions synced with the category",
        )

    async def _set_overwrite(self, target_type: str, target_id: str, allow: int, deny: int) -> Any:
        channel_id = self.selected_id
        self.target_key = f"{target_type}:{target_id}"
        return await self._change(
            lambda s, u: roles_domain.check_set_overwrite(
                s,
                u,
                roles_domain.CHANNEL,
                channel_id,
                target_type,
                target_id,
                allow=str(allow),
                deny=str(deny),
            ),
            "Permissions saved",
        )

    @rx.event
    async def add_role_target(self, role_id: str) -> Any:
        if any(t.key == f"role:{role_id}" for t in self.targets):
            self.target_key = f"role:{role_id}"
            return None
        return await self._set_overwrite("role", role_id, 0, 0)

    @rx.event
    async def add_member_target(self, form: dict[str, Any]) -> Any:
        username = str(form.get("username", "")).strip().lstrip("@")
        found = await run_as_user(self, lambda s, u: users_domain.access_user(s, username).id)
        if isinstance(found, Failed):
            return found.toast
        if found is None:
            return Failed(NotFound("no such user", code="user_not_found")).toast
        return await self._set_overwrite("member", str(found), 0, 0)

    @rx.event
    async def set_cell(self, bit: str, value: str) -> Any:
        """allow / neutral / deny for one permission of the selected role or member."""
        target = self.selected_target
        if target is None or not bit.isdigit():
            return None
        flag = int(bit)
        allow, deny = int(target.allow) & ~flag, int(target.deny) & ~flag
        if value == "allow":
            allow |= flag
        elif value == "deny":
            deny |= flag
        return await self._set_overwrite(target.target_type, target.target_id, allow, deny)

    @rx.event
    async def remove_target(self) -> Any:
        target, channel_id = self.selected_target, self.selected_id
        if target is None:
            return None
        self.target_key = ""
        return await self._change(
            lambda s, u: roles_domain.check_delete_overwrite(
                s, u, roles_domain.CHANNEL, channel_id, target.target_type, target.target_id
            ),
            "Overwrite removed",
        )
