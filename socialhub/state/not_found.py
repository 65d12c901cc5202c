"""The 404 page's on_load: who is looking, without sending anyone to /login (a visitor gets the
public shell, a signed-in user the app's)."""

from __future__ import annotations

import reflex as rx

from socialhub.state.session import SessionState


class NotFoundState(rx.State):
    @rx.event
    async def load(self) -> None:
        await (await self.get_state(SessionState))._resolve()
