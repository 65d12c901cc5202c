"""The FastAPI application that Reflex serves beside the web app (`api_transformer`)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socialhub.api import (
    auth,
    chats,
    events,
    graph,
    interactions,
    media,
    moderation,
    people,
    polls,
    posts,
    previews,
    reports,
    roles,
    stories,
    unread,
    uploads,
    users,
)
from socialhub.api import bots as bots_api
from socialhub.api import channels as channels_api
from socialhub.api import commands as commands_api
from socialhub.api import custom_emoji as custom_emoji_api
from socialhub.api import pins as pins_api
from socialhub.api import servers as servers_api
from socialhub.api import threads as threads_api
from socialhub.api import webhooks as webhooks_api
from socialhub.api.caching import CacheFingerprinted
from socialhub.api.errors import error_response, install_error_handlers
from socialhub.api.intake import AuthBeforeBody
from socialhub.db import get_engine
from socialhub.logs import get_logger
from socialhub.realtime.hub import RedisHub, get_hub

API_PREFIX = "/api/v1"
log = get_logger("socialhub.api")


class Health(BaseModel):
    status: str
    database: str
    redis: str


health_router = APIRouter(tags=["operations"])


@health_router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(response: Response) -> Health:
    """Liveness of the database and, when configured, Redis."""
    try:
        with get_engine().connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "error"
    redis = "not_configured"
    hub = get_hub()
    if isinstance(hub, RedisHub):
        try:
            redis = "ok" if hub.ping() else "error"
        except Exception:
            redis = "error"
    healthy = database == "ok" and redis in ("ok", "not_configured")
    response.status_code = 200 if healthy else 503
    return Health(status="ok" if healthy else "error", database=database, redis=redis)


def create_api() -> FastAPI:
    api = FastAPI(
        title="SocialHub API",
        version="1.0.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="Every action of the web app, for bots, scripts and mobile clients. "
        "Authenticate with `Authorization: Bearer <access token>` from `POST /api/v1/auth/login`. "
        'Errors are `{"error": {"code", "message", "details"}}`.',
    )
    install_error_handlers(api)
    for router in (
        auth.router,
        users.router,
        unread.router,
        chats.router,
        graph.router,
        people.router,
        posts.router,
        interactions.router,
        polls.router,
        stories.router,
        reports.router,
        media.router,
        servers_api.router,
        moderation.router,
        events.router,
        roles.router,
        health_router,
        channels_api.router,
        pins_api.router,
        webhooks_api.router,
        threads_api.router,
        custom_emoji_api.router,
        bots_api.router,
        commands_api.router,
        uploads.router,
    ):
        api.include_router(router, prefix=API_PREFIX)
    # The HTML of /p/<id> and /u/<name> with their previews, before Reflex's static files.
    api.include_router(previews.router)

    @api.api_route(
        API_PREFIX + "/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        include_in_schema=False,
    )
    def unknown(rest: str) -> Response:
        return error_response(404, "not_found", "no such endpoint")

    api.add_middleware(AccessLog)
    api.add_middleware(CacheFingerprinted)
    # Outermost: a multipart body is not read for a caller who will be refused anyway.
    api.add_middleware(AuthBeforeBody, prefix=API_PREFIX + "/")
    return api


class AccessLog:
    """Logs every API request and turns an unexpected exception into our 500 error body.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware wraps `receive`, which kept
    long-lived event streams from seeing their client leave.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            log.exception("request failed", method=scope["method"], path=scope["path"])
            if status:
                raise  # the response has begun: nothing better to send
            status = 500
            response = error_response(500, "internal_error", "something went wrong on our side")
            await response(scope, receive, send)
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
