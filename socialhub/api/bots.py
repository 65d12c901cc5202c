"""/api/v1/bots (your bot accounts: create, list, set or remove the avatar, regenerate the
token, delete) and /api/v1/servers/{id}/bots (list, add and remove a server's bots), on the
domain's functions.

A bot calls the same API as everyone with `Authorization: Bearer <its token>` (`bot_...`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import A_USERNAME, AN_ID, ROW_MAX, BotId, ServerId, text_rules
from socialhub.api.users import read_limited
from socialhub.db import transaction
from socialhub.domain import bots, moderation
from socialhub.models.bots import BotView, BotWithToken, ServerBotView

router = APIRouter(tags=["bots"], responses=ERROR_RESPONSES)


def _error(description: str, status_code: int) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorResponse, "description": description}}


NOT_YOURS = _error("No such bot of yours (`bot_not_found`; someone else's bot alike)", 404)


class BotCreateBody(BaseModel):
    name: str = Field(
        json_schema_extra=text_rules(bots.NAME_MAX, min_length=bots.NAME_MIN, visible=True)
    )
    description: str = Field(default="", json_schema_extra=text_rules(bots.DESCRIPTION_MAX))


class ServerBotBody(BaseModel):
    # One of the two names the bot (a body with neither is refused: 422 `missing`).
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["bot_id"], "properties": {"bot_id": {"type": "integer"}}},
                {"required": ["username"], "properties": {"username": {"type": "string"}}},
            ]
        }
    )

    bot_id: int | None = Field(default=None, ge=1, le=ROW_MAX, description="the bot's user id")
    username: str | None = Field(
        default=None, description="or the bot's username", json_schema_extra=A_USERNAME
    )
    role_id: str | None = Field(
        default=None,
        description="a role the bot gets on joining (needs MANAGE_ROLES, a role below yours)",
        json_schema_extra=AN_ID,
    )


class ServerBotAdded(BaseModel):
    server_id: str
    user_id: int


@router.post(
    "/bots",
    response_model=BotWithToken,
    status_code=status.HTTP_201_CREATED,
    summary="Create a bot account",
    responses={
        **_error("A bot cannot create bots (`bot_cannot_create_bots`)", 403),
        **_error(f"You own {bots.MAX_BOTS_PER_OWNER} bots already (`too_many_bots`)", 409),
        **_error(
            f"A name of {bots.NAME_MIN}-{bots.NAME_MAX} characters (`invalid_name`, `too_long`)",
            422,
        ),
    },
)
def create_bot(body: BotCreateBody, caller: CurrentCaller) -> BotWithToken:
    """A bot account owned by you, with its `token`: shown this once (only its hash is kept).
    The bot gets a generated username; `name` is its display name."""
    with transaction() as db:
        return bots.check_create_bot(
            db, caller.user(db), name=body.name, description=body.description
        )


@router.get("/bots", response_model=list[BotView], summary="List your bots")
def list_bots(caller: CurrentCaller) -> list[BotView]:
    """Your bot accounts, oldest first (without their tokens)."""
    with transaction() as db:
        return bots.list_my_bots(db, caller.user(db))


@router.post(
    "/bots/{bot_id}/token",
    response_model=BotWithToken,
    summary="Regenerate a bot's token",
    responses=NOT_YOURS,
)
def regenerate_token(bot_id: BotId, caller: CurrentCaller) -> BotWithToken:
    """A new token, shown this once; the old one stops working at once."""
    with transaction() as db:
        return bots.check_regenerate_token(db, caller.user(db), bot_id)


@router.put(
    "/bots/{bot_id}/avatar",
    response_model=BotView,
    summary="Set a bot's avatar",
    responses={
        **NOT_YOURS,
        **_error("The file is larger than the avatar limit (`too_large`)", 413),
        **_error(
            "Not a JPEG, PNG, WebP or GIF image (`unsupported_media`, `corrupt_image`, "
            "`image_too_large`)",
            415,
        ),
        **_error("The file is empty (`empty_file`)", 422),
        **_error("Too many avatar uploads (`rate_limited`)", 429),
    },
)
def set_bot_avatar(
    bot_id: BotId,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF, <= 10 MB")],
    caller: CurrentCaller,
) -> BotView:
    """Your bot's avatar, as a user's: re-encoded to WebP (400 and 64 px) with all metadata
    removed."""
    data = read_limited(file)
    with transaction() as db:
        return bots.check_set_bot_avatar(db, caller.user(db), bot_id, data)


@router.delete(
    "/bots/{bot_id}/avatar",
    response_model=BotView,
    summary="Remove a bot's avatar",
    responses=NOT_YOURS,
)
def remove_bot_avatar(bot_id: BotId, caller: CurrentCaller) -> BotView:
    """Back to no avatar (the bot's initials stand in)."""
    with transaction() as db:
        return bots.check_remove_bot_avatar(db, caller.user(db), bot_id)


@router.delete(
    "/bots/{bot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a bot",
    responses=NOT_YOURS,
)
def delete_bot(bot_id: BotId, caller: CurrentCaller) -> Response:
    """The bot leaves its servers and its token stops working; its messages stay, shown as a
    deleted bot's."""
    with transaction() as db:
        bots.check_delete_bot(db, caller.user(db), bot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/servers/{server_id}/bots",
    response_model=ServerBotAdded,
    status_code=status.HTTP_201_CREATED,
    summary="Add a bot to a server",
    responses={
        **_error(
            "You lack MANAGE_SERVER, or MANAGE_ROLES for a role (`missing_permission`); the "
            "role is above yours (`role_above_you`); the bot is banned (`banned`)",
            403,
        ),
        **_error(
            "No such server (`server_not_found`), bot (`bot_not_found`) or role (`role_not_found`)",
            404,
        ),
        **_error("The bot is a member already (`already_member`)", 409),
        **_error("Neither `bot_id` nor `username` given (`missing`)", 422),
    },
)
def add_bot_to_server(
    server_id: ServerId, body: ServerBotBody, caller: CurrentCaller
) -> ServerBotAdded:
    """MANAGE_SERVER: any bot whose id or username you know joins as a member (it is then
    under the server's permissions like everyone), optionally with a role."""
    with transaction() as db:
        member = bots.check_add_bot_to_server(
            db,
            caller.user(db),
            server_id,
            bot_id=body.bot_id,
            username=body.username,
            role_id=body.role_id,
        )
        return ServerBotAdded(server_id=member.server_id, user_id=member.user_id)


@router.get(
    "/servers/{server_id}/bots",
    response_model=list[ServerBotView],
    summary="List a server's bots",
    responses=_error("No such server of yours (`server_not_found`)", 404),
)
def list_server_bots(server_id: ServerId, caller: CurrentCaller) -> list[ServerBotView]:
    """The server's bot members by shown name, each with its roles (highest first); any
    member may read it, as the member list shows them."""
    with transaction() as db:
        return bots.list_server_bots(db, caller.user(db), server_id)


@router.delete(
    "/servers/{server_id}/bots/{bot_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a bot from a server",
    responses={
        **_error(
            "You lack KICK_MEMBERS (`missing_permission`), or the bot's highest role is not "
            "below yours (`role_hierarchy`)",
            403,
        ),
        **_error("No such server (`server_not_found`), or bot member (`bot_not_found`)", 404),
    },
)
def remove_bot_from_server(
    server_id: ServerId,
    bot_id: BotId,
    caller: CurrentCaller,
    reason: Annotated[
        str,
        Query(description="for the audit log", json_schema_extra=text_rules(moderation.REASON_MAX)),
    ] = "",
) -> Response:
    """A kick: the bot leaves (adding it again brings it back), written in the audit log."""
    with transaction() as db:
        bots.check_remove_bot_from_server(db, caller.user(db), server_id, bot_id, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
