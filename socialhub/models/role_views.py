"""Roles, permission overwrites and the permission catalogue, as the API and the settings UI
show them. Bitmasks are decimal strings (JavaScript numbers lose bits above 2^53)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RoleView(BaseModel):
    id: str
    name: str
    colour: str = Field(description="#rrggbb, or empty for the default colour")
    position: int = Field(description="higher is more senior; @everyone is always 0")
    permissions: str = Field(description="the role's permission bitmask, a decimal string")
    mentionable: bool
    hoist: bool = Field(description="its members are listed under it in the member list")
    is_everyone: bool
    member_count: int


class OverwriteView(BaseModel):
    """Allow and deny bits for a role or a member on a channel or a category."""

    scope_id: str = Field(description="the channel's or the category's id")
    scope_type: str = Field(description="channel or category")
    target_type: str = Field(description="role or member")
    target_id: str = Field(description="a role id, or a member's user id")
    allow: str = Field(description="a decimal string bitmask")
    deny: str = Field(description="a decimal string bitmask")


class ScopeOverwrites(BaseModel):
    """A channel's or a category's own overwrites. A channel `synced` with its category follows
    the category's (`effective` says whose apply)."""

    scope_id: str
    scope_type: str
    synced: bool = Field(description="a channel following its category's overwrites")
    category_id: str | None = None
    overwrites: list[OverwriteView]
    effective: list[OverwriteView] = Field(
        description="the overwrites the permission function applies to this scope"
    )


class PermissionInfo(BaseModel):
    """One permission, with a plain-language description for the settings UI."""

    name: str = Field(description="e.g. SEND_MESSAGES")
    bit: str = Field(description="its bit, a decimal string")
    title: str
    description: str
    channel_scoped: bool = Field(description="may be set in a channel's or category's overwrites")
