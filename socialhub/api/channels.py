"""/api/v1/servers/{id}/channels, /channels, /categories, notification levels and the unread
badges of servers: thin calls to domain/channels.py and domain/notify_levels.py."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, one_of, text_rules
from socialhub.db import transaction
from socialhub.domain import channels, notify_levels
from socialhub.models.channel_views import (
    CategoryView,
    ChannelList,
    ChannelView,
    NotificationLevelView,
    ServerBadge,
    ServerNotifications,
)

router = APIRouter(tags=["channels"], responses=ERROR_RESPONSES)

CHANNEL_NAME = text_rules(channels.NAME_MAX, visible=True)
CATEGORY_NAME = text_rules(channels.CATEGORY_NAME_MAX, visible=True)
TOPIC = text_rules(channels.TOPIC_MAX)
SLOW_MODE: dict[str, Any] = {"enum": list(channels.SLOW_MODES)}
CHANNELS_MAX = 500


def _answers(
    not_found: str, forbidden: str = "You lack MANAGE_CHANNELS (`missing_permission`)"
) -> dict[int | str, dict[str, Any]]:
    return {
        403: {"model": ErrorResponse, "description": forbidden},
        404: {"model": ErrorResponse, "description": not_found},
    }


SERVER_404 = "No such server, or you are not a member (`server_not_found`)"
CHANNEL_404 = "No such channel, or not one you may see (`channel_not_found`)"
CATEGORY_404 = "No such category, or not in a server of yours (`category_not_found`)"


class ChannelCreate(BaseModel):
    name: str = Field(
        description="lower-cased, spaces become dashes (1-100 characters)",
        json_schema_extra=CHANNEL_NAME,
    )
    channel_type: str = Field(
        default="text",
        description="text, announcement (only roles allowed to post there may) or posts",
        json_schema_extra=one_of(c.value for c in channels.CREATABLE),
    )
    category_id: str | None = Field(default=None, json_schema_extra=AN_ID)
    topic: str = Field(default="", json_schema_extra=TOPIC)


class ChannelUpdate(BaseModel):
    name: str | None = Field(default=None, json_schema_extra=CHANNEL_NAME)
    topic: str | None = Field(default=None, json_schema_extra=TOPIC)
    slow_mode_seconds: int | None = Field(
        default=None,
        description="seconds between a member's messages: 0 (off), 5 s to 6 h",
        json_schema_extra=SLOW_MODE,
    )
    category_id: str | None = Field(
        default=None,
        description="move to the end of this category; null: out of any category; absent: stays",
        json_schema_extra=AN_ID,
    )


class ChannelMove(BaseModel):
    direction: str = Field(
        description="one place up or down; past the end of its category, into the next one",
        json_schema_extra=one_of(["up", "down"]),
    )


class OrderGroup(BaseModel):
    category_id: str | None = Field(
        default=None, description="null: the channels in no category", json_schema_extra=AN_ID
    )
    channel_ids: list[Annotated[str, Field(json_schema_extra=AN_ID)]] = Field(
        default_factory=list, max_length=CHANNELS_MAX
    )


class ChannelOrder(BaseModel):
    groups: list[OrderGroup] = Field(
        max_length=CHANNELS_MAX + 1,
        description="every category of the server in order, each with the channels you see "
        "in it in order (the uncategorised first, as category null)",
    )


class CategoryCreate(BaseModel):
    name: str = Field(json_schema_extra=CATEGORY_NAME)


class NotificationUpdate(BaseModel):
    level: str | None = Field(
        default=None,
        description="all, mentions or nothing; on a channel, null: as the server; absent: "
        "unchanged",
        json_schema_extra=one_of(notify_levels.LEVELS, nullable=True),
    )
    mute: str | None = Field(
        default=None,
        description="mute for 1h, 8h or 24h, forever (until turned back on), or off",
        json_schema_extra=one_of(notify_levels.MUTE_CHOICES, nullable=True),
    )


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Channels --------------------------------------------------------------------------------------


@router.get(
    "/servers/{server_id}/channels",
    response_model=ChannelList,
    responses={404: {"model": ErrorResponse, "description": SERVER_404}},
)
def list_channels(server_id: str, caller: CurrentCaller) -> ChannelList:
    """The sidebar: the channels you may see, by category, in order, with what you may do in
    each (`can_*`)."""
    with transaction() as db:
        return channels.list_channels(db, caller.user(db), server_id)


@router.post(
    "/servers/{server_id}/channels",
    response_model=ChannelView,
    status_code=status.HTTP_201_CREATED,
    responses=_answers(SERVER_404 + "; no such category (`category_not_found`)"),
)
def create_channel(server_id: str, body: ChannelCreate, caller: CurrentCaller) -> ChannelView:
    """A text, announcement or posts channel, at the end of its category (synced with it).
    An announcement channel denies @everyone SEND_MESSAGES: allow it to the roles that post.
    Needs MANAGE_CHANNELS (server-wide, or in the category). 422: `bad_channel_type`,
    `empty`, `too_long`."""
    with transaction() as db:
        user = caller.user(db)
        made = channels.check_create_channel(
            db,
            user,
            server_id,
            name=body.name,
            channel_type=body.channel_type,
            category_id=body.category_id,
            topic=body.topic,
        )
        return channels.get_channel(db, user, made.id)


@router.put(
    "/servers/{server_id}/channels/order",
    response_model=ChannelList,
    responses=_answers(SERVER_404 + "; a channel you cannot see; an unknown category"),
)
def reorder(server_id: str, body: ChannelOrder, caller: CurrentCaller) -> ChannelList:
    """The whole order at once (a drag and drop): categories and channels. Channels you cannot
    see keep their category, after the ones listed. 422: `order_incomplete`,
    `duplicate_channel`, `duplicate_category`."""
    with transaction() as db:
        user = caller.user(db)
        channels.check_reorder(
            db,
            user,
            server_id,
            [channels.Group(g.category_id, g.channel_ids) for g in body.groups],
        )
        return channels.list_channels(db, user, server_id)


@router.get(
    "/channels/{channel_id}",
    response_model=ChannelView,
    responses={404: {"model": ErrorResponse, "description": CHANNEL_404}},
)
def get_channel(channel_id: str, caller: CurrentCaller) -> ChannelView:
    """A channel you may see. Its messages are at /chats/{id}/messages, like any chat's."""
    with transaction() as db:
        return channels.get_channel(db, caller.user(db), channel_id)


@router.patch(
    "/channels/{channel_id}",
    response_model=ChannelView,
    responses=_answers(CHANNEL_404 + "; no such category (`category_not_found`)"),
)
def update_channel(channel_id: str, body: ChannelUpdate, caller: CurrentCaller) -> ChannelView:
    """Rename, set the topic or slow mode, or move to another category. Needs MANAGE_CHANNELS
    in the channel. 422: `bad_slow_mode`, `empty`, `too_long`."""
    moves = "category_id" in body.model_fields_set
    with transaction() as db:
        user = caller.user(db)
        kwargs: dict[str, Any] = {"category_id": body.category_id} if moves else {}
        channels.check_update_channel(
            db,
            user,
            channel_id,
            name=body.name,
            topic=body.topic,
            slow_mode_seconds=body.slow_mode_seconds,
            **kwargs,
        )
        return channels.get_channel(db, user, channel_id)


@router.post(
    "/channels/{channel_id}/move",
    response_model=ChannelView,
    responses=_answers(CHANNEL_404),
)
def move_channel(channel_id: str, body: ChannelMove, caller: CurrentCaller) -> ChannelView:
    """One place up or down among the channels you see (at the very top or bottom: stays).
    422: `bad_direction`."""
    with transaction() as db:
        user = caller.user(db)
        channels.check_move_channel(db, user, channel_id, body.direction)
        return channels.get_channel(db, user, channel_id)


@router.delete(
    "/channels/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_answers(CHANNEL_404),
)
def delete_channel(channel_id: str, caller: CurrentCaller) -> Response:
    """Delete the channel with all its messages (for good: ask first). Needs MANAGE_CHANNELS
    in the channel."""
    with transaction() as db:
        channels.check_delete_channel(db, caller.user(db), channel_id)
    return no_content()


# Categories ------------------------------------------------------------------------------------


@router.post(
    "/servers/{server_id}/categories",
    response_model=CategoryView,
    status_code=status.HTTP_201_CREATED,
    responses=_answers(SERVER_404),
)
def create_category(server_id: str, body: CategoryCreate, caller: CurrentCaller) -> CategoryView:
    """A category, last. Needs MANAGE_CHANNELS. 422: `empty`, `too_long`."""
    with transaction() as db:
        category = channels.check_create_category(db, caller.user(db), server_id, name=body.name)
        access = channels.access_category(db, caller.user(db), category.id)[1]
        return channels.category_view(category, access)


@router.patch(
    "/categories/{category_id}",
    response_model=CategoryView,
    responses=_answers(CATEGORY_404),
)
def rename_category(category_id: str, body: CategoryCreate, caller: CurrentCaller) -> CategoryView:
    with transaction() as db:
        user = caller.user(db)
        category = channels.check_rename_category(db, user, category_id, name=body.name)
        return channels.category_view(category, channels.access_category(db, user, category.id)[1])


@router.delete(
    "/categories/{category_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_answers(CATEGORY_404),
)
def delete_category(category_id: str, caller: CurrentCaller) -> Response:
    """Delete a category: its channels move out of any category, keeping who may see them."""
    with transaction() as db:
        channels.check_delete_category(db, caller.user(db), category_id)
    return no_content()


# Notification levels and badges ---------------------------------------------------------------


def _level(body: NotificationUpdate) -> Any:
    return body.level if "level" in body.model_fields_set else notify_levels.KEEP


@router.get(
    "/servers/{server_id}/notifications",
    response_model=ServerNotifications,
    responses={404: {"model": ErrorResponse, "description": SERVER_404}},
)
def get_notifications(server_id: str, caller: CurrentCaller) -> ServerNotifications:
    """Your notification level and mute for the server, and the channels' own settings."""
    with transaction() as db:
        return notify_levels.get_notifications(db, caller.user(db), server_id)


@router.put(
    "/servers/{server_id}/notifications",
    response_model=NotificationLevelView,
    responses={404: {"model": ErrorResponse, "description": SERVER_404}},
)
def set_server_notifications(
    server_id: str, body: NotificationUpdate, caller: CurrentCaller
) -> NotificationLevelView:
    """Your level for the server (all, mentions, nothing) and/or a mute. 422: `bad_level`
    (null is not a server level), `bad_mute`."""
    with transaction() as db:
        return notify_levels.check_set_server_notifications(
            db, caller.user(db), server_id, level=_level(body), mute=body.mute
        )


@router.put(
    "/channels/{channel_id}/notifications",
    response_model=NotificationLevelView,
    responses={404: {"model": ErrorResponse, "description": CHANNEL_404}},
)
def set_channel_notifications(
    channel_id: str, body: NotificationUpdate, caller: CurrentCaller
) -> NotificationLevelView:
    """Your level for one channel (null: as the server) and/or a mute. 422: `bad_level`,
    `bad_mute`."""
    with transaction() as db:
        return notify_levels.check_set_channel_notifications(
            db, caller.user(db), channel_id, level=_level(body), mute=body.mute
        )


@router.get("/users/me/server-badges", response_model=list[ServerBadge])
def server_badges(caller: CurrentCaller) -> list[ServerBadge]:
    """For the server rail and sidebars: per server you are in, its unread dot and mention
    count, and each channel's, as your notification levels and mutes make them."""
    with transaction() as db:
        return notify_levels.all_server_badges(db, caller.user(db))
