"""The channels section of the server settings: channels by category; create, rename, delete;
topic and slow mode; each channel's and each category's permission overwrites (per role or
member, allow / neutral / deny for each channel-scoped permission), and "sync with category"
(a synced channel shows its category's overwrites, the ones that apply to it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import channels as channels_domain
from socialhub.domain import roles as roles_domain
from socialhub.domain import servers as servers_domain
from socialhub.domain import users as users_domain
from socialhub.domain.errors import DomainError, NotFound
from socialhub.models import User
from socialhub.models.role_views import OverwriteView
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
    session: Session, server_id: str, overwrites: list[OverwriteView], role_names: dict[str, str]
) -> list[TargetRow]:
    """The overwrites' targets in words: a role by its name, a member by the name the server
    shows for them (`servers.member_names`)."""
    member_ids = [int(o.target_id) for o in overwrites if o.target_type == "member"]
    names = servers_domain.member_names(session, server_id, member_ids)
    return [
        TargetRow(
            key=f"{o.target_type}:{o.target_id}",
            target_type=o.target_type,
            target_id=o.target_id,
            label=role_names.get(o.target_id, "a deleted role")
            if o.target_type == "role"
            else names.get(int(o.target_id), "a former member"),
            allow=o.allow,
            deny=o.deny,
        )
        for o in overwrites
    ]


def read_layout(
    session: Session, user: User, server_id: str
) -> tuple[list[CategoryRow], list[RoleChoice]]:
    """The channels by category and the roles an overwrite may be for."""
    listing = channels_domain.list_channels(session, user, server_id)
    roles = roles_domain.list_roles(session, user, server_id)
    return _rows(listing), [RoleChoice(id=r.id, name=r.name) for r in roles]


def read_targets(
    session: Session,
    user: User,
    server_id: str,
    kind: str,
    scope_id: str,
    role_names: dict[str, str],
) -> list[TargetRow]:
    scope = roles_domain.list_overwrites(session, user, kind, scope_id)
    # A synced channel follows its category's overwrites: those are what apply there.
    return _targets(session, server_id, scope.effective, role_names)


def _channel_in(categories: list[CategoryRow], kind: str, scope_id: str) -> ChannelRow | None:
    if kind != roles_domain.CHANNEL:
        return None
    return next((c for cat in categories for c in cat.channels if c.id == scope_id), None)


def _category_in(categories: list[CategoryRow], kind: str, scope_id: str) -> CategoryRow | None:
    if kind != roles_domain.CATEGORY:
        return None
    return next((c for c in categories if c.id and c.id == scope_id), None)


class ChannelSettingsState(rx.State):
    categories: list[CategoryRow] = []
    roles: list[RoleChoice] = []
    # What the editor has open: a channel or a category (roles_domain.CHANNEL / CATEGORY).
    scope_kind: str = roles_domain.CHANNEL
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
    def category_synced(self) -> list[str]:
        """The open category's channels that follow its overwrites."""
        category = self._category()
        return [c.name for c in category.channels if c.synced] if category else []

    @rx.var
    def category_choices(self) -> list[RoleChoice]:
        return [RoleChoice(id=c.id, name=c.name) for c in self.categories if c.id]

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _load_section(self, server_id: str) -> Failed | None:
        result = await run_as_user(self, lambda s, u: read_layout(s, u, server_id))
        if isinstance(result, Failed):
            return result
        self.categories, self.roles = result
        return await self._load_selected(server_id)

    def _channel(self) -> ChannelRow | None:
        return _channel_in(self.categories, self.scope_kind, self.selected_id)

    def _category(self) -> CategoryRow | None:
        return _category_in(self.categories, self.scope_kind, self.selected_id)

    def _show_selected(self, *, fields: bool) -> bool:
        """The open channel's or category's state (and, with `fields`, what the editor's inputs
        hold); False, and nothing open, once it is gone."""
        channel, category = self._channel(), self._category()
        if channel is not None:
            if fields:
                self.edit_name, self.edit_topic = channel.name, channel.topic
            self.slow_mode, self.synced = channel.slow_mode, channel.synced
            self.in_category = bool(channel.category_id)
        elif category is not None:
            if fields:
                self.edit_name, self.edit_topic = category.name, ""
            self.synced, self.in_category = False, False
        else:
            self.selected_id, self.targets, self.target_key = "", [], ""
            return False
        return True

    def _show_targets(self, targets: list[TargetRow]) -> None:
        self.targets = targets
        if self.selected_target is None:
            self.target_key = targets[0].key if targets else ""

    async def _load_selected(self, server_id: str) -> Failed | None:
        """The open channel's or category's fields and overwrites (nothing open once it is gone)."""
        if not self._show_selected(fields=True):
            return None
        role_names = {r.id: r.name for r in self.roles}
        kind, scope_id = self.scope_kind, self.selected_id
        targets = await run_as_user(
            self, lambda s, u: read_targets(s, u, server_id, kind, scope_id, role_names)
        )
        if isinstance(targets, Failed):
            return targets
        self._show_targets(targets)
        return None

    # The live protocol (server_settings_live.LiveSection): what someone else changed shows,
    # and what the editor's inputs hold stays as typed.
    def _live_args(self) -> Any:
        return self.scope_kind, self.selected_id

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        kind, scope_id = args
        categories, roles = read_layout(session, user, server_id)
        targets = None
        open_one = _channel_in(categories, kind, scope_id) or _category_in(
            categories, kind, scope_id
        )
        if open_one is not None:
            role_names = {r.id: r.name for r in roles}
            try:
                targets = read_targets(session, user, server_id, kind, scope_id, role_names)
            except DomainError:
                targets = None
        return categories, roles, targets

    def _live_show(self, data: Any) -> None:
        self.categories, self.roles, targets = data
        if targets is None:
            self.selected_id = ""
        if self._show_selected(fields=False):
            self._show_targets(targets)

    async def _change(self, work: Callable[[Session, User], object], success: str) -> Any:
        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(await self._server_id())
        return failed.toast if failed else rx.toast.success(success)

    async def _select(self, kind: str, scope_id: str) -> Any:
        self.scope_kind, self.selected_id, self.target_key = kind, scope_id, ""
        failed = await self._load_selected(await self._server_id())
        return failed.toast if failed else None

    @rx.event
    async def select_channel(self, channel_id: str) -> Any:
        return await self._select(roles_domain.CHANNEL, channel_id)

    @rx.event
    async def select_category(self, category_id: str) -> Any:
        return await self._select(roles_domain.CATEGORY, category_id)

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
    async def save_category(self) -> Any:
        category_id, name = self.selected_id, self.edit_name
        return await self._change(
            lambda s, u: channels_domain.check_rename_category(s, u, category_id, name=name),
            "Category saved",
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
        kind, scope_id = self.scope_kind, self.selected_id
        self.target_key = f"{target_type}:{target_id}"
        return await self._change(
            lambda s, u: roles_domain.check_set_overwrite(
                s,
                u,
                kind,
                scope_id,
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
        target, kind, scope_id = self.selected_target, self.scope_kind, self.selected_id
        if target is None:
            return None
        self.target_key = ""
        return await self._change(
            lambda s, u: roles_domain.check_delete_overwrite(
                s, u, kind, scope_id, target.target_type, target.target_id
            ),
            "Overwrite removed",
        )
