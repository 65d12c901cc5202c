"""/api/v1/chats/{chat_id}/pins and /messages/{message_id}/pin: pinned messages in DMs, groups
and server channels (a channel's id is its chat id)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.db import transaction
from socialhub.domain import pins
from socialhub.models.channel_views import PinView

router = APIRouter(tags=["chats"], responses=ERROR_RESPONSES)

PIN_ANSWERS: dict[int | str, dict[str, Any]] = {
    403: {
        "model": ErrorResponse,
        "description": "In a channel without MANAGE_MESSAGES (`missing_permission`); in a group "
        "where only admins send (`admins_only`)",
    },
    404: {"model": ErrorResponse, "description": "No such message, or not yours to see"},
}


@router.get(
    "/chats/{chat_id}/pins",
    response_model=list[PinView],
    responses={404: {"model": ErrorResponse, "description": "No such chat, or not yours"}},
)
def list_pins(chat_id: str, caller: CurrentCaller) -> list[PinView]:
    """The pinned messages, newest pin first (deleted messages are no longer pinned)."""
    with transaction() as db:
        return pins.list_pins(db, caller.user(db), chat_id)


@router.put(
    "/messages/{message_id}/pin",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **PIN_ANSWERS,
        409: {
            "model": ErrorResponse,
            "description": f"Already {pins.PINS_MAX} pinned here (`too_many_pins`)",
        },
    },
)
def pin(message_id: str, caller: CurrentCaller) -> Response:
    """Pin a message (again: nothing changes); "X pinned a message" appears in the chat.
    422: `message_deleted`, `system_message`."""
    with transaction() as db:
        pins.check_pin(db, caller.user(db), message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/messages/{message_id}/pin", status_code=status.HTTP_204_NO_CONTENT, responses=PIN_ANSWERS
)
def unpin(message_id: str, caller: CurrentCaller) -> Response:
    """Unpin a message (not pinned: nothing changes)."""
    with transaction() as db:
        pins.check_unpin(db, caller.user(db), message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
