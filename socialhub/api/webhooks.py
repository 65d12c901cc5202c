"""/api/v1/servers/{id}/webhooks, /api/v1/webhooks/{id}/{token}: a server's incoming webhooks
(create, list, regenerate the URL, delete; posting through the secret URL needs no token) and
its channels' outgoing webhooks (set, list, new secret, remove), on the domain's functions."""

# No `from __future__ import annotations`: FastAPI reads the parameter types of the routes
# `_add_hook_routes` makes for each kind, which live in its closure, as objects.
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field
from sqlmodel import Session

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, text_rules
from socialhub.db import transaction
from socialhub.domain import messages, webhooks
from socialhub.models import User
from socialhub.models.chat import MessageView
from socialhub.models.webhooks import (
    IncomingWebhook,
    IncomingWebhookView,
    OutgoingWebhook,
    OutgoingWebhookView,
)

router = APIRouter(tags=["webhooks"], responses=ERROR_RESPONSES)
_Hook = TypeVar("_Hook", IncomingWebhook, OutgoingWebhook)
_View = TypeVar("_View", IncomingWebhookView, OutgoingWebhookView)


def _error(description: str, status_code: int) -> dict[int | str, dict[str, Any]]:
    return {status_code: {"model": ErrorResponse, "description": description}}


MISSING = _error(
    "You lack MANAGE_WEBHOOKS in the channel (`missing_permission`, `details.permission`)", 403
)
SERVER_OR_CHANNEL = _error(
    "No such server (`server_not_found`) or channel (`channel_not_found`)", 404
)
WEBHOOK = _error(
    "No such server (`server_not_found`), channel (`channel_not_found`) or webhook "
    "(`webhook_not_found`)",
    404,
)
POSTS_CHANNEL = _error(
    "A posts channel takes no webhooks (`posts_channel`); bad text (`empty`, `too_long`) or "
    "URL (`invalid_url`)",
    422,
)
Token = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class IncomingCreate(BaseModel):
    channel_id: str = Field(json_schema_extra=AN_ID)
    name: str = Field(json_schema_extra=text_rules(webhooks.NAME_MAX, visible=True))


class WebhookPost(BaseModel):
    content: str = Field(json_schema_extra=text_rules(messages.BODY_MAX, visible=True))
    username: str | None = Field(
        default=None,
        description="shown instead of the webhook's name for this message",
        json_schema_extra=text_rules(webhooks.NAME_MAX),
    )
    avatar_url: str | None = Field(
        default=None,
        description="an https:// picture shown for this message",
        json_schema_extra=text_rules(webhooks.AVATAR_URL_MAX),
    )


class OutgoingSet(BaseModel):
    url: str = Field(
        description="http(s) URL receiving the channel's new messages; it must resolve to a "
        "public address",
        json_schema_extra=text_rules(webhooks.URL_MAX, min_length=1),
    )


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Incoming ------------------------------------------------------------------------------------


@router.post(
    "/servers/{server_id}/webhooks",
    response_model=IncomingWebhookView,
    status_code=status.HTTP_201_CREATED,
    summary="Create an incoming webhook",
    responses={**SERVER_OR_CHANNEL, **MISSING, **POSTS_CHANNEL},
)
def create_incoming(
    server_id: str, body: IncomingCreate, caller: CurrentCaller
) -> IncomingWebhookView:
    """MANAGE_WEBHOOKS in the channel: a webhook with its secret `url`, which posts into the
    channel."""
    with transaction() as db:
        hook = webhooks.check_create_incoming(
            db, caller.user(db), server_id, channel_id=body.channel_id, name=body.name
        )
        return webhooks.incoming_views(db, [hook])[0]


@router.post(
    "/webhooks/{webhook_id}/{token}",
    response_model=MessageView,
    status_code=status.HTTP_201_CREATED,
    summary="Post a message through an incoming webhook",
    responses={
        **_error(
            "No such webhook, or a wrong secret in the URL (`webhook_not_found`)",
            404,
        ),
        **_error(
            "The channel is a posts channel (`posts_channel`), or a block rule of the "
            "server's automod matched (`automod_blocked`, `details.rule_id`, `details.kind`; "
            "nothing is stored)",
            403,
        ),
        **_error(
            "Bad content (`empty`, `too_long`), username (`empty`, `too_long`) or "
            "avatar_url (`invalid_input`, `too_long`)",
            422,
        ),
        429: {
            **ERROR_RESPONSES[429],
            "description": "Over RATE_LIMIT_WEBHOOK, per webhook (`rate_limited`, "
            "`details.retry_after`; see Retry-After)",
        },
    },
)
def execute_incoming(webhook_id: str, token: Token, body: WebhookPost) -> MessageView:
    """No bearer token: the URL's secret is the credential. The message reaches the channel's
    viewers live, shown with the webhook's name (or `username`) and marked as a webhook's.
    The server's automod screens it as a member's message (a flag rule files it for the
    moderators); its `@username` and `@role` mentions ping as a member's do, `@everyone` and
    `@here` only while the webhook's creator has MENTION_EVERYONE in the channel."""
    with transaction() as db:
        message = webhooks.check_execute_incoming(
            db,
            webhook_id,
            token,
            content=body.content,
            username=body.username,
            avatar_url=body.avatar_url,
        )
        return messages.message_view(db, message)


# Outgoing ------------------------------------------------------------------------------------


@router.put(
    "/servers/{server_id}/channels/{channel_id}/outgoing-webhook",
    response_model=OutgoingWebhookView,
    summary="Set a channel's outgoing webhook",
    responses={**SERVER_OR_CHANNEL, **MISSING, **POSTS_CHANNEL},
)
def set_outgoing(
    server_id: str, channel_id: str, body: OutgoingSet, caller: CurrentCaller
) -> OutgoingWebhookView:
    """MANAGE_WEBHOOKS in the channel: its new messages are POSTed to `url`, signed with the
    `secret` (header `X-SocialHub-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`,
    `X-SocialHub-Timestamp`). Setting it again re-enables a webhook disabled by failures."""
    with transaction() as db:
        hook = webhooks.check_set_outgoing(
            db, caller.user(db), server_id, channel_id=channel_id, url=body.url
        )
        return webhooks.outgoing_views(db, [hook])[0]


# Incoming and outgoing alike: list, new secret, delete ---------------------------------------


@dataclass(frozen=True)
class _Route:
    path: str
    name: str  # the operation's (its id and, without a summary, its title)
    summary: str
    doc: str | None = None


@dataclass(frozen=True)
class _HookRoutes(Generic[_Hook, _View]):
    """One kind's list, new-secret and delete routes: where they are, what they call and say.
    The one webhook that the last two act on is named in their paths by `key`."""

    key: str
    view_model: type[_View]
    views: Callable[[Session, Sequence[_Hook]], list[_View]]
    list_hooks: Callable[[Session, User, str], list[_View]]
    renew_hook: Callable[[Session, User, str, str], _Hook]
    delete_hook: Callable[[Session, User, str, str], None]
    listed: _Route
    renew: _Route
    delete: _Route


def _add_hook_routes(routes: _HookRoutes[_Hook, _View]) -> None:
    Key = Annotated[str, Path(alias=routes.key)]

    def listed(server_id: str, caller: CurrentCaller) -> Any:
        with transaction() as db:
            return routes.list_hooks(db, caller.user(db), server_id)

    def renew(server_id: str, key: Key, caller: CurrentCaller) -> Any:
        with transaction() as db:
            hook = routes.renew_hook(db, caller.user(db), server_id, key)
            return routes.views(db, [hook])[0]

    def delete(server_id: str, key: Key, caller: CurrentCaller) -> Response:
        with transaction() as db:
            routes.delete_hook(db, caller.user(db), server_id, key)
        return no_content()

    def documented(route: _Route) -> dict[str, Any]:
        return {"name": route.name, "summary": route.summary, "description": route.doc}

    router.get(
        routes.listed.path,
        response_model=list[routes.view_model],  # type: ignore[name-defined]
        responses={**_error("No such server (`server_not_found`)", 404), **MISSING},
        **documented(routes.listed),
    )(listed)
    router.post(
        routes.renew.path,
        response_model=routes.view_model,
        responses={**WEBHOOK, **MISSING},
        **documented(routes.renew),
    )(renew)
    router.delete(
        routes.delete.path,
        status_code=status.HTTP_204_NO_CONTENT,
        response_class=Response,
        responses={**WEBHOOK, **MISSING},
        **documented(routes.delete),
    )(delete)


_add_hook_routes(
    _HookRoutes(
        key="webhook_id",
        view_model=IncomingWebhookView,
        views=webhooks.incoming_views,
        list_hooks=webhooks.list_incoming,
        renew_hook=webhooks.check_regenerate_incoming,
        delete_hook=webhooks.check_delete_incoming,
        listed=_Route(
            "/servers/{server_id}/webhooks",
            "list_incoming",
            "List the incoming webhooks",
            "Those of the channels where you have MANAGE_WEBHOOKS, oldest first, with their URLs.",
        ),
        renew=_Route(
            "/servers/{server_id}/webhooks/{webhook_id}/regenerate",
            "regenerate_incoming",
            "Regenerate an incoming webhook's URL",
            "A new secret URL; the old one stops working at once.",
        ),
        delete=_Route(
            "/servers/{server_id}/webhooks/{webhook_id}",
            "delete_incoming",
            "Delete an incoming webhook",
        ),
    )
)
_add_hook_routes(
    _HookRoutes(
        key="channel_id",
        view_model=OutgoingWebhookView,
        views=webhooks.outgoing_views,
        list_hooks=webhooks.list_outgoing,
        renew_hook=webhooks.check_regenerate_outgoing_secret,
        delete_hook=webhooks.check_delete_outgoing,
        listed=_Route(
            "/servers/{server_id}/outgoing-webhooks",
            "list_outgoing",
            "List the outgoing webhooks",
            "Those of the channels where you have MANAGE_WEBHOOKS, with their state: `enabled`,\n"
            "`consecutive_failures`, `disabled_reason`, `last_error`.",
        ),
        renew=_Route(
            "/servers/{server_id}/channels/{channel_id}/outgoing-webhook/regenerate-secret",
            "regenerate_outgoing_secret",
            "Regenerate an outgoing webhook's secret",
        ),
        delete=_Route(
            "/servers/{server_id}/channels/{channel_id}/outgoing-webhook",
            "delete_outgoing",
            "Remove a channel's outgoing webhook",
        ),
    )
)
