"""/api/v1 roles, members' roles and permission overwrites of servers, and the permission
catalogue. Bitmasks are decimal strings, as Discord sends them (JavaScript numbers lose bits
above 2^53); a string that is not one is 422 `bad_bitmask`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, text_rules
from socialhub.db import transaction
from socialhub.domain import roles
from socialhub.models import OverwriteTarget
from socialhub.models.role_views import PermissionInfo, RoleView, ScopeOverwrites

router = APIRouter(tags=["roles"], responses=ERROR_RESPONSES)

# Documented here, checked by the domain (422 `bad_bitmask`: also for unknown bits).
BITMASK: dict[str, Any] = {"pattern": r"^[0-9]{1,20}$"}
COLOUR: dict[str, Any] = {"pattern": roles.COLOUR_PATTERN}
NAME = text_rules(roles.NAME_MAX, visible=True)


def _errors(forbidden: str, missing: str) -> dict[int | str, dict[str, Any]]:
    return {
        403: {"model": ErrorResponse, "description": forbidden},
        404: {"model": ErrorResponse, "description": missing},
    }


ROLE_ERRORS = _errors(
    "No MANAGE_ROLES (`missing_permission`), the role is at or above your highest "
    "(`role_above_you`), granting permissions you lack (`cannot_grant`)",
    "Unknown server or not a member (`server_not_found`), unknown role (`role_not_found`)",
)
MEMBER_ROLE_ERRORS = _errors(
    "No MANAGE_ROLES (`missing_permission`), the role is at or above your highest "
    "(`role_above_you`)",
    "Unknown server (`server_not_found`), member (`member_not_found`) or role (`role_not_found`)",
)
CHANNEL_ERRORS = _errors(
    "No MANAGE_ROLES in the channel (`missing_permission`), a role at or above your highest "
    "(`role_above_you`), setting bits you lack there (`cannot_grant`)",
    "Unknown or invisible channel (`channel_not_found`), unknown role or member target",
)
CATEGORY_ERRORS = _errors(
    "No MANAGE_ROLES in the category (`missing_permission`), a role at or above your highest "
    "(`role_above_you`), setting bits you lack there (`cannot_grant`)",
    "Unknown category or not a member of its server (`category_not_found`), unknown target",
)


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class RoleCreate(BaseModel):
    name: str = Field(json_schema_extra=NAME)
    colour: str = Field(default="", description="#rrggbb, or empty", json_schema_extra=COLOUR)
    permissions: str = Field(
        default="0", description="a decimal string bitmask", json_schema_extra=BITMASK
    )
    mentionable: bool = False
    hoist: bool = False


class RoleUpdate(BaseModel):
    name: str | None = Field(default=None, json_schema_extra=NAME)
    colour: str | None = Field(default=None, json_schema_extra=COLOUR)
    permissions: str | None = Field(
        default=None, description="a decimal string bitmask", json_schema_extra=BITMASK
    )
    mentionable: bool | None = None
    hoist: bool | None = None


class RoleOrder(BaseModel):
    role_ids: list[Annotated[str, Field(json_schema_extra=AN_ID)]] = Field(
        description="every role but @everyone, most senior first (@everyone may end the list)",
        max_length=roles.ROLES_MAX + 1,
    )


class OverwriteSet(BaseModel):
    allow: str = Field(
        default="0",
        description="a decimal string bitmask of channel permissions",
        json_schema_extra=BITMASK,
    )
    deny: str = Field(
        default="0",
        description="a decimal string bitmask of channel permissions",
        json_schema_extra=BITMASK,
    )


@router.get("/permissions", response_model=list[PermissionInfo])
def permission_catalogue() -> list[PermissionInfo]:
    """Every permission: its name, bit (a decimal string) and what it lets a member do."""
    return roles.permission_catalogue()


@router.get("/servers/{server_id}/roles", response_model=list[RoleView])
def list_roles(server_id: str, caller: CurrentCaller) -> list[RoleView]:
    """The server's roles, most senior first, @everyone last; for any member."""
    with transaction() as db:
        return roles.list_roles(db, caller.user(db), server_id)


@router.post(
    "/servers/{server_id}/roles",
    response_model=RoleView,
    status_code=status.HTTP_201_CREATED,
    responses=ROLE_ERRORS,
)
def create_role(server_id: str, body: RoleCreate, caller: CurrentCaller) -> RoleView:
    """A new role, placed just above @everyone (MANAGE_ROLES; only permissions you have)."""
    with transaction() as db:
        user = caller.user(db)
        role = roles.check_create_role(
            db,
            user,
            server_id,
            name=body.name,
            colour=body.colour,
            permissions_bits=body.permissions,
            mentionable=body.mentionable,
            hoist=body.hoist,
        )
        return roles.get_role(db, user, server_id, role.id)


@router.put(
    "/servers/{server_id}/roles/order", response_model=list[RoleView], responses=ROLE_ERRORS
)
def reorder_roles(server_id: str, body: RoleOrder, caller: CurrentCaller) -> list[RoleView]:
    """Drag to reorder: every role but @everyone, most senior first. Roles at or above your
    highest keep their places (the owner moves any)."""
    with transaction() as db:
        user = caller.user(db)
        roles.check_reorder_roles(db, user, server_id, body.role_ids)
        return roles.list_roles(db, user, server_id)


@router.patch(
    "/servers/{server_id}/roles/{role_id}", response_model=RoleView, responses=ROLE_ERRORS
)
def update_role(server_id: str, role_id: str, body: RoleUpdate, caller: CurrentCaller) -> RoleView:
    """Edit a role below your highest. @everyone: only its permissions (`everyone_role`)."""
    with transaction() as db:
        user = caller.user(db)
        roles.check_update_role(
            db,
            user,
            server_id,
            role_id,
            name=body.name,
            colour=body.colour,
            permissions_bits=body.permissions,
            mentionable=body.mentionable,
            hoist=body.hoist,
        )
        return roles.get_role(db, user, server_id, role_id)


@router.delete(
    "/servers/{server_id}/roles/{role_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ROLE_ERRORS,
)
def delete_role(server_id: str, role_id: str, caller: CurrentCaller) -> Response:
    """Delete a role below your highest (not @everyone: `everyone_role`)."""
    with transaction() as db:
        roles.check_delete_role(db, caller.user(db), server_id, role_id)
    return no_content()


@router.put(
    "/servers/{server_id}/members/{user_id}/roles/{role_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=MEMBER_ROLE_ERRORS,
)
def add_member_role(server_id: str, user_id: int, role_id: str, caller: CurrentCaller) -> Response:
    """Give a member a role below your highest (idempotent)."""
    with transaction() as db:
        roles.check_add_member_role(db, caller.user(db), server_id, user_id, role_id)
    return no_content()


@router.delete(
    "/servers/{server_id}/members/{user_id}/roles/{role_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=MEMBER_ROLE_ERRORS,
)
def remove_member_role(
    server_id: str, user_id: int, role_id: str, caller: CurrentCaller
) -> Response:
    """Take a role below your highest away from a member (idempotent)."""
    with transaction() as db:
        roles.check_remove_member_role(db, caller.user(db), server_id, user_id, role_id)
    return no_content()


def _overwrite_routes(
    scope: str, plural: str, errors: dict[int | str, dict[str, Any]], docs: tuple[str, str]
) -> None:
    """List, set and delete the permission overwrites of a channel or a category: the same
    three routes under /channels/{channel_id} and /categories/{category_id}."""
    param = f"{scope}_id"
    base = f"/{plural}/{{{param}}}/overwrites"
    listed, set_doc = docs

    @router.get(
        base,
        response_model=ScopeOverwrites,
        responses=errors,
        name=f"list_{scope}_overwrites",
        description=listed,
    )
    def list_overwrites(
        caller: CurrentCaller, scope_id: str = Path(alias=param)
    ) -> ScopeOverwrites:
        with transaction() as db:
            return roles.list_overwrites(db, caller.user(db), scope, scope_id)

    @router.put(
        f"{base}/{{target_type}}/{{target_id}}",
        response_model=ScopeOverwrites,
        responses=errors,
        name=f"set_{scope}_overwrite",
        description=set_doc,
    )
    def set_overwrite(
        target_type: OverwriteTarget,
        target_id: str,
        body: OverwriteSet,
        caller: CurrentCaller,
        scope_id: str = Path(alias=param),
    ) -> ScopeOverwrites:
        with transaction() as db:
            return roles.check_set_overwrite(
                db,
                caller.user(db),
                scope,
                scope_id,
                target_type.value,
                target_id,
                allow=body.allow,
                deny=body.deny,
            )

    @router.delete(
        f"{base}/{{target_type}}/{{target_id}}",
        status_code=status.HTTP_204_NO_CONTENT,
        responses=errors,
        name=f"delete_{scope}_overwrite",
    )
    def delete_overwrite(
        target_type: OverwriteTarget,
        target_id: str,
        caller: CurrentCaller,
        scope_id: str = Path(alias=param),
    ) -> Response:
        with transaction() as db:
            roles.check_delete_overwrite(
                db, caller.user(db), scope, scope_id, target_type.value, target_id
            )
        return no_content()


_overwrite_routes(
    roles.CHANNEL,
    "channels",
    CHANNEL_ERRORS,
    (
        "The channel's own overwrites and, when it is synced, its category's (`effective`); "
        "for MANAGE_ROLES or MANAGE_CHANNELS in the channel.",
        "Set a role's (id) or a member's (user id) allow and deny bits in the channel. A "
        "synced channel first takes a copy of its category's overwrites and stops following "
        "them.",
    ),
)
_overwrite_routes(
    roles.CATEGORY,
    "categories",
    CATEGORY_ERRORS,
    (
        "The category's overwrites, which its synced channels follow.",
        "Set a role's or a member's allow and deny bits in the category (and so in every "
        "channel synced with it).",
    ),
)


@router.post(
    "/channels/{channel_id}/sync", response_model=ScopeOverwrites, responses=CHANNEL_ERRORS
)
def sync_channel(channel_id: str, caller: CurrentCaller) -> ScopeOverwrites:
    """Sync with the category: drop the channel's own overwrites and follow its category's
    (422 `no_category` for a channel outside any category)."""
    with transaction() as db:
        return roles.check_sync_channel(db, caller.user(db), channel_id)
