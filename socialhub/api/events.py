"""/api/v1/events: the caller's event stream as Server-Sent Events, resumable from a position."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import read_session, transaction
from socialhub.domain import messages
from socialhub.realtime import connections
from socialhub.realtime.events import DeliveryAcks, events_since, in_stream_order, user_key
from socialhub.realtime.hub import Event, get_hub

router = APIRouter(tags=["events"], responses=ERROR_RESPONSES)
KEEPALIVE_SECONDS = 15.0


def _frame(event: Event) -> str:
    position = event.get("position")
    head = f"id: {position}\n" if position is not None else ""
    return f"{head}event: {event['type']}\ndata: {json.dumps(event)}\n\n"


async def _flush(acks: DeliveryAcks, *, force: bool = False) -> None:
    """Messages that reached this client count as delivered (coalesced, see DeliveryAcks)."""
    now = time.monotonic()
    if not (acks.due(now) or (force and acks.pending)):
        return
    positions = acks.take(now)

    def work() -> None:
        with transaction() as db:
            messages.do_acknowledge_delivery(db, acks.user_id, positions)

    await asyncio.to_thread(work)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE stream"}},
)
async def events(
    request: Request,
    caller: CurrentCaller,
    since: Annotated[int, Query(ge=0, description="last position the client has seen")] = 0,
) -> StreamingResponse:
    """Everything in the caller's stream after `since`, then live events as they happen.

    Each event's SSE `id` is its stream position: reconnect with `since=<last id>` to resume.
    """
    subscription = get_hub().subscribe([user_key(caller.user_id)])

    async def stored_after(position: int) -> list[Event]:
        with read_session() as db:
            return await asyncio.to_thread(events_since, db, caller.user_id, position)

    async def stream() -> AsyncIterator[str]:
        last = since
        acks = DeliveryAcks(caller.user_id)
        await asyncio.to_thread(connections.opened, caller.user_id)
        try:
            while True:
                backlog = await stored_after(last)
                for event in backlog:
                    last = event["position"]
                    yield _frame(event)
                acks.add(backlog)
                await _flush(acks, force=True)
                if len(backlog) < 500:
                    break
            while not await request.is_disconnected():
                wait = acks.interval if acks.pending else KEEPALIVE_SECONDS
                batch = await subscription.next_batch(wait=wait)
                if not batch and not acks.pending:
                    yield ": keepalive\n\n"
                ordered, last, gap = in_stream_order(batch, last)
                sent = [event for _key, event in ordered]
                if gap:  # pushed out of order: the database has them in order
                    missed = await stored_after(last)
                    sent += missed
                    last = missed[-1]["position"] if missed else last
                for event in sent:
                    yield _frame(event)
                acks.add(sent)
                await _flush(acks)
        finally:
            subscription.close()
            # A client that leaves cancels this stream; the bookkeeping must still finish.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(connections.closed, caller.user_id)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )
