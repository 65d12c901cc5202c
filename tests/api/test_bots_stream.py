"""A bot's event stream (/api/v1/events, authenticated with its token through deps): it hears
its server's channel messages live, and the stream ends when its token is regenerated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi.security import HTTPAuthorizationCredentials

from socialhub import db
from socialhub.api.deps import current_caller
from socialhub.domain import bots
from tests.api.test_event_stream import collect, ends_within, live, open_stream
from tests.support.chat import load_user, send
from tests.support.servers import general, make_server


async def test_a_bot_hears_its_channels_and_its_stream_ends_on_regenerate(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice)
    with db.transaction() as s:
        bot = bots.check_create_bot(s, load_user(s, alice), name="Listener")
        bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=bot.id)
        channel_id = general(s, server_id).id
    caller = current_caller(HTTPAuthorizationCredentials(scheme="Bearer", credentials=bot.token))
    assert caller.user_id == bot.id
    response = await open_stream(caller)

    async def speak() -> None:
        await live(bot.id)
        await asyncio.to_thread(send, alice, channel_id, "hello bot")

    got, _ = await asyncio.gather(
        collect(response, lambda g: any(n == "message" and d.get("op") == "add" for n, d, _ in g)),
        speak(),
    )
    [added] = [d for n, d, _ in got if n == "message" and d.get("op") == "add"]
    assert added["data"]["body"] == "hello bot"
    await response.body_iterator.aclose()

    again = await open_stream(caller)

    def regenerate() -> None:
        with db.transaction() as s:
            bots.check_regenerate_token(s, load_user(s, alice), bot.id)

    assert await ends_within(again, 2, regenerate) == "session_revoked"
