"""/api/v1/events: the caller's event stream as Server-Sent Events, resumable from a token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, error_response
from socialhub.db import read_session
from socialhub.delivery import connections
from socialhub.delivery.receipts import receipts
from socialhub.domain import auth
from socialhub.realtime.events import StreamToken
from socialhub.realtime.hub import Event
from socialhub.realtime.stream import StreamReader

router = APIRouter(tags=["events"], responses=ERROR_RESPONSES)
KEEPALIVE_SECONDS = 15.0


def _frame(event: Event, token: StreamToken) -> str:
    head = f"id: {token}\n" if "position" in event else ""
    return f"{head}event: {event['type']}\ndata: {json.dumps(event)}\n\n"


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE stream"}},
)
async def events(
    request: Request,
    caller: CurrentCaller,
    since: Annotated[
        str,
        Query(
            max_length=400,
            description="the SSE `id` of the last event seen (empty: from the start)",
        ),
    ] = "",
) -> Response:
    """Everything in the caller's streams after `since`, then live events as they happen: the
    caller's own events and those of every conversation they are a member of, in order.

    Each stored event's SSE `id` is the token to resume from (`since=<last id>`). The stream
    replays the whole backlog in pages before going live, and ends (the connection closes)
    within two seconds of its session being revoked, logged out, expired or suspended.
    A client that stops reading is disconnected; each user may hold a bounded number of streams.
    """
    token = StreamToken.parse(since)
    if token is None:
        return error_response(400, "bad_token", "since is not a token from this stream")
    with read_session() as db:
        expires_at = auth.session_expiry(db, caller.session_id)
    try:
        await asyncio.to_thread(connections.opened, caller.user_id)
    except connections.TooManyClients:
        return error_response(429, "too_many_streams", "close another event stream first")
    reader = StreamReader(caller.user_id, caller.session_id, token, expires_at=expires_at)

    async def stream() -> AsyncIterator[str]:
        try:
            await reader.open()
            async for page in reader.backlog():
                for event, token in page:
                    yield _frame(event, token)
                receipts.note(caller.user_id, [event for event, _ in page])
            # A quiet stream wakes only for its keep-alive: revocations arrive as events, the
            # session's expiry bounds the wait, and Starlette ends the stream when the client
            # goes (1,000 idle streams polling every second cost a core's tenth for nothing).
            while not reader.ended and not await request.is_disconnected():
                batch = await reader.next(KEEPALIVE_SECONDS)
                for event, token in batch:
                    yield _frame(event, token)
                receipts.note(caller.user_id, [event for event, _ in batch])
                if not batch and reader.idle_for(KEEPALIVE_SECONDS):
                    yield ": keepalive\n\n"
            if reader.ended:
                yield f"event: end\ndata: {json.dumps({'reason': reader.ended})}\n\n"
        finally:
            reader.close()
            # A client that leaves cancels this stream; the bookkeeping must still finish.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(connections.closed, caller.user_id)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
