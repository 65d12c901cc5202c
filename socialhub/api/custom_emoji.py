"""/api/v1/servers/{id}/emoji, /stickers, /emoji-settings and /channels/{id}/sticker-messages:
a server's custom emoji and stickers (MANAGE_EMOJI manages them) and sending a sticker.

A message names a custom emoji as `<:name:id>` (the `token` of an emoji); `:name:` in a sent
text becomes that token when the sender may use the emoji there (domain/custom_emoji.py). A
reaction with one is `custom:<id>` (`PUT /messages/{id}/reactions/custom:<id>`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, text_rules
from socialhub.db import transaction
from socialhub.domain import custom_emoji, messages
from socialhub.models import CustomEmoji, Sticker
from socialhub.models.chat import MessageView
from socialhub.models.custom_emoji import CustomEmojiView, EmojiCatalogue, StickerView

router = APIRouter(tags=["emoji"], responses=ERROR_RESPONSES)
_Item = TypeVar("_Item", CustomEmoji, Sticker)


def _error(description: str, status_code: int) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorResponse, "description": description}}


NOT_FOUND = _error("No such server, or you are not a member (`server_not_found`)", 404)
ITEM_NOT_FOUND = _error(
    "No such server (`server_not_found`), emoji (`emoji_not_found`) or sticker "
    "(`sticker_not_found`) in it",
    404,
)
FORBIDDEN = _error("You lack MANAGE_EMOJI (`missing_permission`, `details.permission`)", 403)
BAD_NAME = _error(
    "The name is not 2-32 of a-z, 0-9 and _ (`invalid_name`); an empty file (`empty_file`)", 422
)
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **FORBIDDEN,
    **BAD_NAME,
    **_error(
        "The name is taken in this server (`name_taken`), or the server has as many as it may "
        "(`emoji_limit_reached`: 50 still and 50 animated; `sticker_limit_reached`: 30)",
        409,
    ),
    **_error("The file is too large (`too_large`, `details.max_bytes`)", 413),
    **_error(
        "Not a PNG, GIF, WebP or JPEG image (`unsupported_media`), unreadable (`corrupt_image`), "
        "too many pixels (`image_too_large`) or frames (`too_many_frames`)",
        415,
    ),
}
NAME_RULES: dict[str, Any] = {"pattern": custom_emoji.NAME_PATTERN}


class Rename(BaseModel):
    name: str = Field(json_schema_extra=NAME_RULES)


class EmojiSettings(BaseModel):
    share_emoji: bool = Field(
        description="members may use this server's emoji in other servers and in DMs"
    )


class StickerSend(BaseModel):
    sticker_id: str = Field(json_schema_extra=AN_ID)
    client_id: str | None = Field(
        default=None,
        description="your id for this send: retrying with it never duplicates",
        json_schema_extra=text_rules(messages.CLIENT_ID_MAX),
    )


Name = Annotated[str, Form(description="2-32 of a-z, 0-9 and _", json_schema_extra=NAME_RULES)]


def _read(file: UploadFile, max_bytes: int) -> bytes:
    """No further than one byte past the limit: a bigger file is refused unread."""
    return file.file.read(max_bytes + 1)


@dataclass(frozen=True)
class _ItemRoutes(Generic[_Item]):
    """The create, rename and delete routes of one kind (emoji or stickers): its paths, view
    and documentation."""

    kind: custom_emoji.ItemKind[_Item]
    collection: str  # /servers/{server_id}/<collection>
    id_name: str  # the path parameter naming one
    view_model: type[BaseModel]
    view: Callable[[_Item], BaseModel]
    file_doc: str
    create_doc: str
    rename_doc: str
    delete_doc: str


def _add_item_routes(routes: _ItemRoutes[_Item]) -> None:
    kind, collection, one = (
        routes.kind,
        f"/servers/{{server_id}}/{routes.collection}",
        routes.kind.name,
    )
    ItemId = Annotated[str, Path(alias=routes.id_name)]

    def create(
        server_id: str,
        name: Name,
        file: Annotated[UploadFile, File(description=routes.file_doc)],
        caller: CurrentCaller,
    ) -> Any:
        data = _read(file, kind.max_bytes)
        with transaction() as db:
            row = custom_emoji.check_create_item(
                db, caller.user(db), kind, server_id, name=name, data=data
            )
            return routes.view(row)

    def rename(server_id: str, item_id: ItemId, body: Rename, caller: CurrentCaller) -> Any:
        with transaction() as db:
            row = custom_emoji.check_rename_item(
                db, caller.user(db), kind, server_id, item_id, name=body.name
            )
            return routes.view(row)

    def delete(server_id: str, item_id: ItemId, caller: CurrentCaller) -> Response:
        with transaction() as db:
            custom_emoji.check_delete_item(db, caller.user(db), kind, server_id, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    router.post(
        collection,
        name=f"create_{one}",
        description=routes.create_doc,
        response_model=routes.view_model,
        status_code=status.HTTP_201_CREATED,
        responses={**NOT_FOUND, **UPLOAD_ERRORS},
    )(create)
    router.patch(
        f"{collection}/{{{routes.id_name}}}",
        name=f"rename_{one}",
        description=routes.rename_doc,
        response_model=routes.view_model,
        responses={
            **ITEM_NOT_FOUND,
            **FORBIDDEN,
            **BAD_NAME,
            **_error("Name taken (`name_taken`)", 409),
        },
    )(rename)
    router.delete(
        f"{collection}/{{{routes.id_name}}}",
        name=f"delete_{one}",
        description=routes.delete_doc,
        status_code=status.HTTP_204_NO_CONTENT,
        responses={**ITEM_NOT_FOUND, **FORBIDDEN},
    )(delete)


@router.get("/servers/{server_id}/emoji", response_model=EmojiCatalogue, responses=NOT_FOUND)
def list_emoji(server_id: str, caller: CurrentCaller) -> EmojiCatalogue:
    """A member lists the server's custom emoji and stickers, its limits and its settings."""
    with transaction() as db:
        return custom_emoji.get_catalogue(db, caller.user(db), server_id)


_add_item_routes(
    _ItemRoutes(
        custom_emoji.EMOJI,
        collection="emoji",
        id_name="emoji_id",
        view_model=CustomEmojiView,
        view=custom_emoji.emoji_view,
        file_doc="PNG, GIF or WebP, <= 256 KB; animated kept",
        create_doc="MANAGE_EMOJI adds an emoji: sniffed, re-encoded to WebP within 128 x 128, "
        "no metadata.",
        rename_doc="MANAGE_EMOJI renames an emoji; messages that use it show it under its new "
        "name.",
        delete_doc="MANAGE_EMOJI deletes an emoji; messages that used it show `:name:` as text.",
    )
)


@router.put(
    "/servers/{server_id}/emoji-settings",
    response_model=EmojiCatalogue,
    responses={**NOT_FOUND, **FORBIDDEN},
)
def set_emoji_settings(
    server_id: str, body: EmojiSettings, caller: CurrentCaller
) -> EmojiCatalogue:
    """MANAGE_EMOJI: whether members may use the server's emoji elsewhere (default: yes)."""
    with transaction() as db:
        user = caller.user(db)
        custom_emoji.check_set_share_emoji(db, user, server_id, share=body.share_emoji)
        return custom_emoji.get_catalogue(db, user, server_id)


_add_item_routes(
    _ItemRoutes(
        custom_emoji.STICKER,
        collection="stickers",
        id_name="sticker_id",
        view_model=StickerView,
        view=custom_emoji.sticker_view,
        file_doc="PNG, GIF or WebP, <= 512 KB; animated kept",
        create_doc="MANAGE_EMOJI adds a sticker: re-encoded to WebP within 320 x 320, no metadata.",
        rename_doc="MANAGE_EMOJI renames a sticker.",
        delete_doc="MANAGE_EMOJI deletes a sticker; the messages that sent it say it was deleted.",
    )
)


@router.post(
    "/channels/{channel_id}/sticker-messages",
    response_model=MessageView,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_error(
            "No such channel (`chat_not_found`), or the sticker is not one of its server's "
            "(`sticker_not_found`)",
            404,
        ),
        **_error("You may not send here (`missing_permission`, `timed_out`)", 403),
    },
)
def send_sticker(channel_id: str, body: StickerSend, caller: CurrentCaller) -> MessageView:
    """Send one of the channel's server's stickers as a message (`sticker` in the view; `html`
    shows it). The channel's rules for messages apply: SEND_MESSAGES, slow mode, timeouts."""
    with transaction() as db:
        message = messages.check_send_message(
            db,
            caller.user(db),
            channel_id,
            body="",
            client_id=body.client_id,
            sticker_id=body.sticker_id,
        )
        return messages.message_view(db, message)
