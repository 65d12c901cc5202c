"""The per-tab realtime listener: one background task per tab, draining the hub into state.

Each batch of events is applied in ONE `async with self:` (one state push per batch, not per
event). The task ends when its tab disconnects or a newer listener for the same tab takes over.
Subscriptions are kept per process, so page handlers can change what a tab watches (the profile
it has open) without waking the listener.
"""

from __future__ import annotations

import itertools
from typing import Any

import reflex as rx

from socialhub.realtime.events import current_position, events_since, topic_key, user_key
from socialhub.realtime.hub import Event, Subscription, get_hub
from socialhub.state.base import in_transaction
from socialhub.state.session import SessionState

LIVENESS_SECONDS = 5.0
_listener_ids = itertools.count(1)
_active: dict[str, int] = {}
_subscriptions: dict[str, Subscription] = {}
_watched: dict[str, set[str]] = {}


def _tab_connected(token: str) -> bool:
    from socialhub.socialhub import app

    namespace = app.event_namespace
    return namespace is not None and token in namespace.token_to_sid


def watch_topics(token: str, topics: set[str]) -> None:
    """Make `token`'s listener receive these topics (replacing the previous page's topics)."""
    _watched[token] = {topic_key(t) for t in topics}
    subscription = _subscriptions.get(token)
    if subscription is not None:
        base = {k for k in subscription.keys if k.startswith("user:")}
        subscription.set_keys(base | _watched[token])


class RealtimeState(rx.State):
    _position: int = 0
    connected: bool = False

    @rx.event(background=True)
    async def listen(self) -> Any:
        token = self.router.session.client_token
        listener_id = next(_listener_ids)
        _active[token] = listener_id
        async with self:
            session_state = await self.get_state(SessionState)
            if not session_state._user_id:
                await session_state.resolve()
            user_id = session_state._user_id
        if not user_id:
            return
        subscription = get_hub().subscribe({user_key(user_id), *_watched.get(token, set())})
        previous = _subscriptions.pop(token, None)
        if previous is not None:
            previous.close()
        _subscriptions[token] = subscription
        try:
            async with self:
                self.connected = True
                if self._position == 0:
                    self._position = await in_transaction(lambda s: current_position(s, user_id))
                since = self._position
            backlog = await in_transaction(lambda s: events_since(s, user_id, since))
            if backlog:
                result = await self._apply([(user_key(user_id), e) for e in backlog])
                if result is not None:
                    yield result
                    return
            while _active.get(token) == listener_id and _tab_connected(token):
                batch = await subscription.next_batch(wait=LIVENESS_SECONDS)
                if batch:
                    result = await self._apply(batch)
                    if result is not None:
                        yield result
                        return
        finally:
            subscription.close()
            if _subscriptions.get(token) is subscription:
                del _subscriptions[token]
            if _active.get(token) == listener_id:
                del _active[token]
                _watched.pop(token, None)

    async def _apply(self, batch: list[tuple[str, Event]]) -> Any:
        """Apply a batch in one state update; returns an event to send (e.g. a redirect)."""
        from socialhub.state.profile import ProfileState

        async with self:
            session_state = await self.get_state(SessionState)
            profile = await self.get_state(ProfileState)
            for key, event in batch:
                position = event.get("position")
                if position is not None:
                    if position <= self._position:
                        continue
                    self._position = position
                kind = (event["type"], event["op"])
                data = event["data"]
                if kind == ("session", "revoke") and key.startswith("user:"):
                    if data.get("session_id") == session_state._session_id:
                        return session_state.session_ended()
                elif kind == ("user", "update"):
                    session_state.apply_user_view(data)
                    profile.apply_user_view(data)
        return None
