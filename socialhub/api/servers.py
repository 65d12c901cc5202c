"""/api/v1/servers, /server-invites: servers' lifecycle, discovery, joining (open, by invite,
by request), the member list and the rail, on the domain's functions. Permission bitmasks are
decimal strings; `flags` carry what the caller may do (the permission function decided)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller, OptionalCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, TimeCursor, one_of, text_rules
from socialhub.api.users import read_limited
from socialhub.db import transaction
from socialhub.domain import servers
from socialhub.models import JoinMode
from socialhub.models.server_views import (
    DiscoveryPage,
    InvitePreview,
    JoinRequestPage,
    JoinRequestView,
    MemberPage,
    MyServer,
    ServerDetail,
    ServerInviteView,
    ServerMemberView,
)

router = APIRouter(tags=["servers"], responses=ERROR_RESPONSES)


def _error(description: str, status_code: int) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorResponse, "description": description}}


NOT_FOUND = _error("No such server, deleted, or you are not a member (`server_not_found`)", 404)
MISSING = "You lack the permission (`missing_permission`, `details.permission`)"
INVITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_error("No such invite, or its server is gone (`invite_not_found`)", 404),
    **_error(
        "Banned from the server (`banned`); the invite expired (`invite_expired`), was used up "
        "(`invite_used_up`) or revoked (`invite_revoked`)",
        403,
    ),
}

NAME = text_rules(servers.NAME_MAX, visible=True)
DESCRIPTION = text_rules(servers.DESCRIPTION_MAX)
JOIN_MODE = one_of([m.value for m in JoinMode], nullable=True)
InviteCode = Annotated[str, Field(json_schema_extra={"pattern": servers.INVITE_CODE_PATTERN})]
Limit = Annotated[int, Query(ge=1, le=100)]
# User ids are 32-bit integers on PostgreSQL.
USER_ID_MAX = 2**31 - 1
UserId = Annotated[int, Path(ge=1, le=USER_ID_MAX)]


def _rate_limited(setting: str) -> dict[int | str, dict[str, Any]]:
    return {
        429: {
            **ERROR_RESPONSES[429],
            "description": f"Over {setting} (`rate_limited`, `details.retry_after`; see "
            "Retry-After)",
        }
    }


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class ServerCreate(BaseModel):
    name: str = Field(json_schema_extra=NAME)
    description: str = Field(default="", json_schema_extra=DESCRIPTION)
    is_public: bool = Field(default=False, description="listed in discovery")
    join_mode: str | None = Field(
        default=None,
        description="open (anyone joins), invite, or request (moderators accept); "
        "default: open when public, invite otherwise",
        json_schema_extra=JOIN_MODE,
    )


class ServerUpdate(BaseModel):
    name: str | None = Field(default=None, json_schema_extra=NAME)
    description: str | None = Field(default=None, json_schema_extra=DESCRIPTION)
    is_public: bool | None = None
    join_mode: str | None = Field(default=None, json_schema_extra=JOIN_MODE)


class Transfer(BaseModel):
    user_id: int = Field(
        description="a current member, who becomes the owner", ge=1, le=USER_ID_MAX
    )


class InviteCreate(BaseModel):
    expires_in_seconds: int | None = Field(
        default=86400,
        description="1800, 3600, 21600, 43200, 86400 or 604800 (30 min to 7 days); "
        "null: never expires",
        json_schema_extra={"enum": [*servers.INVITE_EXPIRIES, None]},
    )
    max_uses: int | None = Field(
        default=None,
        description="1-100; null: unlimited",
        json_schema_extra={"minimum": 1, "maximum": servers.INVITE_MAX_USES},
    )
    channel_id: str | None = Field(
        default=None, description="the channel the invite opens on", json_schema_extra=AN_ID
    )


class NicknameUpdate(BaseModel):
    nickname: str = Field(
        description='the name shown in this server; "" clears it (the display name shows)',
        json_schema_extra={
            **text_rules(servers.NICKNAME_MAX),
            "pattern": servers.NICKNAME_PATTERN,
        },
    )


NICKNAME_INVALID = _error(
    "Longer than 32 characters (`too_long`) or holding control characters (`control_characters`)",
    422,
)


class JoinRequestCreate(BaseModel):
    message: str = Field(default="", json_schema_extra=text_rules(servers.JOIN_MESSAGE_MAX))


def _detail(caller: CurrentCaller, server_id: str) -> ServerDetail:
    with transaction() as db:
        return servers.get_server(db, caller.user(db), server_id)


@router.get("/servers", response_model=list[MyServer])
def list_my_servers(caller: CurrentCaller) -> list[MyServer]:
    """Your servers for the server rail, in the order you joined them, each with your
    permissions there (`permissions`, a decimal string) and the `flags` they give."""
    with transaction() as db:
        return servers.list_my_servers(db, caller.user(db))


@router.post("/servers", response_model=ServerDetail, status_code=status.HTTP_201_CREATED)
def create_server(body: ServerCreate, caller: CurrentCaller) -> ServerDetail:
    """Create a server: you own it; it starts with @everyone, a category and #general."""
    with transaction() as db:
        user = caller.user(db)
        server = servers.check_create_server(
            db,
            user,
            name=body.name,
            description=body.description,
            is_public=body.is_public,
            join_mode=body.join_mode,
        )
        return servers.get_server(db, user, server.id)


@router.get("/servers/discover", response_model=DiscoveryPage)
def discover(
    caller: CurrentCaller,
    q: Annotated[str, Query(description="part of the name", max_length=servers.SEARCH_MAX)] = "",
    cursor: Annotated[
        str | None,
        Query(
            pattern=servers.DISCOVERY_CURSOR_PATTERN,
            description="next_cursor from the previous page",
        ),
    ] = None,
    limit: Limit = 20,
) -> DiscoveryPage:
    """Public servers whose name contains `q`, biggest first, with member and online counts
    (online: members who show their presence to everyone)."""
    with transaction() as db:
        return servers.discover_servers(db, caller.user(db), query=q, cursor=cursor, limit=limit)


@router.get("/servers/{server_id}", response_model=ServerDetail, responses=NOT_FOUND)
def get_server(server_id: str, caller: CurrentCaller) -> ServerDetail:
    """The server with the channels you may view, grouped by category, each with your
    permissions there and `can_send` / `can_manage` flags."""
    return _detail(caller, server_id)


@router.patch(
    "/servers/{server_id}",
    response_model=ServerDetail,
    responses={**NOT_FOUND, **_error(MISSING + ": MANAGE_SERVER", 403)},
)
def update_server(server_id: str, body: ServerUpdate, caller: CurrentCaller) -> ServerDetail:
    """MANAGE_SERVER: change the name, description, listing and join mode (audit log entry
    `server_update` with the changes)."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_update_server(
            db,
            user,
            server_id,
            name=body.name,
            description=body.description,
            is_public=body.is_public,
            join_mode=body.join_mode,
        )
        return servers.get_server(db, user, server_id)


@router.delete(
    "/servers/{server_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **NOT_FOUND,
        **_error("Only the owner deletes (`not_owner`)", 403),
        **_error("`confirm_name` is not the server's exact name (`name_mismatch`)", 422),
    },
)
def delete_server(
    server_id: str,
    caller: CurrentCaller,
    confirm_name: Annotated[
        str, Query(description="the server's exact name", max_length=servers.NAME_MAX)
    ],
) -> Response:
    """The owner deletes the server: gone at once for everyone; a job removes its rows."""
    with transaction() as db:
        servers.check_delete_server(db, caller.user(db), server_id, confirm_name=confirm_name)
    return no_content()


@router.put(
    "/servers/{server_id}/icon",
    response_model=ServerDetail,
    responses={**NOT_FOUND, **_error(MISSING + ": MANAGE_SERVER", 403)},
)
def set_icon(
    server_id: str,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF, <= 10 MB")],
    caller: CurrentCaller,
) -> ServerDetail:
    """MANAGE_SERVER: the server's icon (cropped square, re-encoded to WebP, no metadata)."""
    data = read_limited(file)
    with transaction() as db:
        user = caller.user(db)
        servers.check_set_server_icon(db, user, server_id, data)
        return servers.get_server(db, user, server_id)


@router.delete(
    "/servers/{server_id}/icon",
    response_model=ServerDetail,
    responses={**NOT_FOUND, **_error(MISSING + ": MANAGE_SERVER", 403)},
)
def remove_icon(server_id: str, caller: CurrentCaller) -> ServerDetail:
    """MANAGE_SERVER: back to no icon (the UI shows the name's initials)."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_remove_server_icon(db, user, server_id)
        return servers.get_server(db, user, server_id)


@router.post(
    "/servers/{server_id}/transfer",
    response_model=ServerDetail,
    responses={
        **_error("No such server (`server_not_found`) or member (`member_not_found`)", 404),
        **_error("Only the owner transfers (`not_owner`)", 403),
    },
)
def transfer(server_id: str, body: Transfer, caller: CurrentCaller) -> ServerDetail:
    """The owner hands the server to a current member (audit log `server_transfer`)."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_transfer_ownership(db, user, server_id, body.user_id)
        return servers.get_server(db, user, server_id)


@router.post(
    "/servers/{server_id}/leave",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **_error("The owner must transfer first (`owner_cannot_leave`)", 409)},
)
def leave(server_id: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        servers.check_leave_server(db, caller.user(db), server_id)
    return no_content()


@router.post(
    "/servers/{server_id}/join",
    response_model=ServerDetail,
    responses={
        **_error("No such public server (`server_not_found`)", 404),
        **_error(
            "Banned (`banned`); the server takes invites (`invite_only`) or requests "
            "(`request_required`)",
            403,
        ),
    },
)
def join(server_id: str, caller: CurrentCaller) -> ServerDetail:
    """Join a public, open server (from discovery). Already a member: the server."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_join_server(db, user, server_id)
        return servers.get_server(db, user, server_id)


@router.get("/servers/{server_id}/members", response_model=MemberPage, responses=NOT_FOUND)
def list_members(
    server_id: str,
    caller: CurrentCaller,
    cursor: Annotated[
        str | None,
        Query(
            pattern=servers.MEMBER_CURSOR_PATTERN,
            description="next_cursor from the previous page",
        ),
    ] = None,
    limit: Limit = 50,
) -> MemberPage:
    """A page of members in name order, each with presence (as their settings allow you),
    role ids and the hoisted role they are listed under; `hoisted_roles` are the groups."""
    with transaction() as db:
        return servers.list_members(db, caller.user(db), server_id, cursor=cursor, limit=limit)


@router.patch(
    "/servers/{server_id}/members/@me",
    response_model=ServerMemberView,
    summary="Set your nickname in a server",
    responses={
        **NOT_FOUND,
        **_error(MISSING + ": CHANGE_NICKNAME", 403),
        **NICKNAME_INVALID,
    },
)
def set_my_nickname(
    server_id: str, body: NicknameUpdate, caller: CurrentCaller
) -> ServerMemberView:
    """CHANGE_NICKNAME: the name you go by in this server ("" clears it); the member list and
    the names on messages follow (audit log `member_nickname`)."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_set_nickname(db, user, server_id, None, body.nickname)
        return servers.get_member(db, user, server_id, caller.user_id)


@router.patch(
    "/servers/{server_id}/members/{user_id}",
    response_model=ServerMemberView,
    summary="Set a member's nickname",
    responses={
        **_error("No such server (`server_not_found`) or member (`member_not_found`)", 404),
        **_error(
            MISSING + ": MANAGE_NICKNAMES (CHANGE_NICKNAME for yourself); the member's highest "
            "role is not below yours (`role_hierarchy`); the owner's nickname is the owner's "
            "(`cannot_rename_owner`)",
            403,
        ),
        **NICKNAME_INVALID,
    },
)
def set_member_nickname(
    server_id: str, user_id: UserId, body: NicknameUpdate, caller: CurrentCaller
) -> ServerMemberView:
    """MANAGE_NICKNAMES: set or clear ("") a member's nickname, for members below your highest
    role (the owner: anyone's). Your own id works like `@me` (audit log `member_nickname`)."""
    with transaction() as db:
        user = caller.user(db)
        servers.check_set_nickname(db, user, server_id, user_id, body.nickname)
        return servers.get_member(db, user, server_id, user_id)


# Invites -----------------------------------------------------------------------------------------


@router.post(
    "/servers/{server_id}/invites",
    response_model=ServerInviteView,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_error("No such server (`server_not_found`) or channel (`channel_not_found`)", 404),
        **_error(MISSING + ": CREATE_INVITE", 403),
        **_rate_limited("RATE_LIMIT_SERVER_INVITE, per account"),
    },
)
def create_invite(server_id: str, body: InviteCreate, caller: CurrentCaller) -> ServerInviteView:
    """CREATE_INVITE: an invite link (`code`), expiring or not, limited in uses or not."""
    with transaction() as db:
        invite = servers.check_create_server_invite(
            db,
            caller.user(db),
            server_id,
            expires_in_seconds=body.expires_in_seconds,
            max_uses=body.max_uses,
            channel_id=body.channel_id,
        )
        return servers.invite_view(db, invite)


@router.get(
    "/servers/{server_id}/invites",
    response_model=list[ServerInviteView],
    responses={**NOT_FOUND, **_error(MISSING + ": CREATE_INVITE", 403)},
)
def list_invites(server_id: str, caller: CurrentCaller) -> list[ServerInviteView]:
    """The live invites with who made them and their uses: all of them with MANAGE_SERVER,
    your own with CREATE_INVITE."""
    with transaction() as db:
        return servers.list_server_invites(db, caller.user(db), server_id)


@router.get("/server-invites/{code}", response_model=InvitePreview, responses=INVITE_ERRORS)
def preview_invite(code: str, caller: OptionalCaller) -> InvitePreview:
    """What an invite leads to (name, icon, member and online counts), without joining; no
    token needed."""
    with transaction() as db:
        return servers.preview_invite(db, caller.user_id if caller else None, code)


@router.post("/server-invites/{code}/join", response_model=ServerDetail, responses=INVITE_ERRORS)
def join_by_invite(code: str, caller: CurrentCaller) -> ServerDetail:
    """Join the invite's server (each join takes one use, counted atomically). Already a
    member: the server, no use taken."""
    with transaction() as db:
        user = caller.user(db)
        server = servers.check_join_by_server_invite(db, user, code)
        return servers.get_server(db, user, server.id)


@router.delete(
    "/server-invites/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **_error("No such invite in a server of yours (`invite_not_found`)", 404),
        **_error("Neither its creator nor MANAGE_SERVER (`missing_permission`)", 403),
    },
)
def revoke_invite(code: str, caller: CurrentCaller) -> Response:
    """Its creator, or MANAGE_SERVER, revokes an invite (audit log `invite_revoke`)."""
    with transaction() as db:
        servers.check_revoke_server_invite(db, caller.user(db), code)
    return no_content()


# Join requests -----------------------------------------------------------------------------------


@router.post(
    "/servers/{server_id}/join-requests",
    response_model=JoinRequestView,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_error("No such server taking requests (`server_not_found`)", 404),
        **_error("Banned (`banned`), or requests are closed (`requests_closed`)", 403),
        **_error("Already a member (`already_member`)", 409),
        **_rate_limited("RATE_LIMIT_JOIN_REQUEST, per account over all servers"),
    },
)
def request_join(server_id: str, body: JoinRequestCreate, caller: CurrentCaller) -> JoinRequestView:
    """Ask to join a server whose join mode is `request`; asking again updates your request.
    You hear the decision as a `join_request`/`update` event."""
    with transaction() as db:
        request = servers.check_request_join(db, caller.user(db), server_id, message=body.message)
        return servers.join_request_view(db, request)


@router.delete(
    "/servers/{server_id}/join-requests/mine",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_error(
        "You have no pending request to this server, or there is no such server "
        "(`join_request_not_found`)",
        404,
    ),
)
def cancel_join_request(server_id: str, caller: CurrentCaller) -> Response:
    """Withdraw your pending request to join (asking again later starts a new one). Those who
    review requests hear a `join_request`/`remove` event, and so do you."""
    with transaction() as db:
        servers.check_cancel_join_request(db, caller.user(db), server_id)
    return no_content()


@router.get(
    "/servers/{server_id}/join-requests",
    response_model=JoinRequestPage,
    responses={**NOT_FOUND, **_error(MISSING + ": MANAGE_SERVER", 403)},
)
def list_join_requests(
    server_id: str, caller: CurrentCaller, cursor: TimeCursor = None, limit: Limit = 50
) -> JoinRequestPage:
    """MANAGE_SERVER: the pending requests, oldest first."""
    with transaction() as db:
        return servers.list_join_requests(
            db, caller.user(db), server_id, cursor=cursor, limit=limit
        )


DECIDE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_error(
        "No such server (`server_not_found`) or pending request (`join_request_not_found`)", 404
    ),
    **_error(MISSING + ": MANAGE_SERVER; or the requester is banned (`banned`)", 403),
}


@router.post(
    "/servers/{server_id}/join-requests/{user_id}/accept",
    response_model=JoinRequestView,
    responses=DECIDE_ERRORS,
)
def accept_join_request(server_id: str, user_id: UserId, caller: CurrentCaller) -> JoinRequestView:
    """MANAGE_SERVER: the requester becomes a member (audit log `join_request_accept`)."""
    with transaction() as db:
        request = servers.check_decide_join_request(
            db, caller.user(db), server_id, user_id, accept=True
        )
        return servers.join_request_view(db, request)


@router.post(
    "/servers/{server_id}/join-requests/{user_id}/decline",
    response_model=JoinRequestView,
    responses=DECIDE_ERRORS,
)
def decline_join_request(server_id: str, user_id: UserId, caller: CurrentCaller) -> JoinRequestView:
    """MANAGE_SERVER: turn the request down (audit log `join_request_decline`)."""
    with transaction() as db:
        request = servers.check_decide_join_request(
            db, caller.user(db), server_id, user_id, accept=False
        )
        return servers.join_request_view(db, request)
