"""The per-tab realtime listener: one background task per tab, draining the hub into state.

Each batch of events is applied in ONE `async with self:` (one state push per batch, not per
event). The task ends when its tab disconnects or a newer listener for the same tab takes over.
Subscriptions are kept per process, so page handlers can change what a tab watches (the profile
it has open) without waking the listener.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.domain import messages as messages_domain
from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.models.chat import ChatSummary
from socialhub.models.interaction_views import CommentView
from socialhub.models.post_views import PostView
from socialhub.realtime import connections
from socialhub.realtime.events import (
    DeliveryAcks,
    current_position,
    events_since,
    in_stream_order,
    topic_key,
    user_key,
)
from socialhub.realtime.hub import Event, Subscription, get_hub
from socialhub.state.base import in_transaction
from socialhub.state.session import SessionState

ChatListLoad = tuple[list[ChatSummary], set[str]]
FeedLoad = tuple[list[PostView], list[CommentView] | None]
LIVENESS_SECONDS = 5.0
DISCONNECT_GRACE = 15.0
_listener_ids = itertools.count(1)
_active: dict[str, int] = {}
_subscriptions: dict[str, Subscription] = {}
# token -> who asked (a state's name) -> the topics it watches for that tab.
_watched: dict[str, dict[str, set[str]]] = {}
_gone_since: dict[str, float] = {}


def _tab_connected(token: str) -> bool:
    from socialhub.socialhub import app

    namespace = app.event_namespace
    return namespace is not None and token in namespace.token_to_sid


def _topics(token: str) -> set[str]:
    return set().union(*_watched.get(token, {}).values())


def watch_topics(token: str, topics: set[str], *, owner: str) -> None:
    """Make `token`'s listener receive these topics; each owner (a page's state) replaces only
    its own set, so a profile page's header and timeline can watch side by side."""
    _watched.setdefault(token, {})[owner] = {topic_key(t) for t in topics}
    subscription = _subscriptions.get(token)
    if subscription is not None:
        base = {k for k in subscription.keys if k.startswith("user:")}
        subscription.set_keys(base | _topics(token))


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
        subscription = get_hub().subscribe({user_key(user_id), *_topics(token)})
        previous = _subscriptions.pop(token, None)
        if previous is not None:
            previous.close()
        _subscriptions[token] = subscription
        await asyncio.to_thread(connections.opened, user_id)
        try:
            async with self:
                self.connected = True
                if self._position == 0:
                    self._position = await in_transaction(lambda s: current_position(s, user_id))
                since = self._position
            acks = DeliveryAcks(user_id)
            backlog = await in_transaction(lambda s: events_since(s, user_id, since))
            if backlog:
                result = await self._apply([(user_key(user_id), e) for e in backlog], acks)
                if result is not None:
                    yield result
                    return
            typing = False
            while _active.get(token) == listener_id and self._still_wanted(token):
                # While someone is shown typing, wake up often enough to let the indicator expire.
                soon = typing or bool(acks.pending)
                batch = await subscription.next_batch(wait=1.0 if soon else LIVENESS_SECONDS)
                if batch:
                    result = await self._apply(batch, acks)
                    if result is not None:
                        yield result
                        return
                if acks.due(time.monotonic()):
                    await self._flush_acks(acks)
                typing = typing or any(event["type"] == "typing" for _, event in batch)
                if typing:
                    typing = await self._expire_typing()
        finally:
            await asyncio.to_thread(connections.closed, user_id)
            subscription.close()
            if _subscriptions.get(token) is subscription:
                del _subscriptions[token]
            if _active.get(token) == listener_id:
                del _active[token]
                _watched.pop(token, None)
                _gone_since.pop(token, None)

    def _still_wanted(self, token: str) -> bool:
        """False once the tab has been gone for DISCONNECT_GRACE seconds.

        A reconnecting tab may not be registered yet when its new listener starts, and a short
        network drop should not cost the tab its listener, so one missed check is forgiven.
        """
        if _tab_connected(token):
            _gone_since.pop(token, None)
            return True
        first_miss = _gone_since.setdefault(token, time.monotonic())
        return time.monotonic() - first_miss < DISCONNECT_GRACE

    async def _expire_typing(self) -> bool:
        """Drop stale typists; True while anyone is still shown typing."""
        from socialhub.state.chat import ChatState

        async with self:
            chat = await self.get_state(ChatState)
            if not chat._typing:
                return False
            chat.prune_typing(time.monotonic())
            return bool(chat._typing)

    @staticmethod
    def _acknowledge(
        session: Session, user_id: int, reading: str, delivered: dict[str, int]
    ) -> None:
        """Record deliveries; in the chat the tab shows (`reading`), arrivals are also read."""
        if not delivered:
            return
        messages_domain.do_acknowledge_delivery(session, user_id, delivered)
        user = session.get(User, user_id)
        if user is not None and reading in delivered:
            messages_domain.check_mark_read(session, user, reading, delivered[reading])

    async def _flush_acks(self, acks: DeliveryAcks) -> None:
        from socialhub.state.chat import ChatState, read_in_chat

        async with self:
            reading = read_in_chat(await self.get_state(ChatState))
        delivered = acks.take(time.monotonic())
        await in_transaction(lambda s: self._acknowledge(s, acks.user_id, reading, delivered))

    async def _apply(self, batch: list[tuple[str, Event]], acks: DeliveryAcks) -> Any:
        """Apply a batch: read what is needed under the lock, do database work outside it, then
        change the state in one more locked step (one push to the browser per batch)."""
        from socialhub.state.chat import ChatListChange, ChatState, chat_list_change, read_in_chat
        from socialhub.state.feed import FEED_TYPES, FeedChange, FeedState
        from socialhub.state.profile import ProfileState
        from socialhub.state.stories import StoryChange, StoryLoad, StoryState

        async def observe(events: list[Event], user_id: int) -> Any:
            """What the events change on screen (under the lock, no database). The feed's and
            the stories' states are loaded only for a batch that concerns them."""
            chat = await self.get_state(ChatState)
            types = {event["type"] for event in events}
            feed_change, open_post = FeedChange(), ""
            if types & FEED_TYPES:
                feed = await self.get_state(FeedState)
                feed_change, open_post = feed.feed_change(events, user_id), feed._open_post_id()
            story_change, story_args = StoryChange(), ("", "")
            if "story" in types:
                story = await self.get_state(StoryState)
                story_change, story_args = story.story_change(events), story.load_args()
            return (
                chat.loaded,
                read_in_chat(chat),
                feed_change,
                open_post,
                story_change,
                *story_args,
            )

        async with self:
            fresh, self._position, gap = in_stream_order(batch, self._position)
            since = self._position
            session_state = await self.get_state(SessionState)
            user_id, session_id = session_state._user_id, session_state._session_id
            if not gap:
                seen = await observe([event for _, event in fresh], user_id)
        if gap:  # pushed out of order: the database has them in order
            missed = await in_transaction(lambda s: events_since(s, user_id, since))
            async with self:
                missed = [e for e in missed if e["position"] > self._position]
                if missed:
                    self._position = missed[-1]["position"]
                fresh += [(user_key(user_id), event) for event in missed]
                seen = await observe([event for _, event in fresh], user_id)
        events = [event for _, event in fresh]
        chats_loaded, reading, feed_change, open_post, story_change, story_author, story_id = seen
        if not fresh:
            return None
        for key, event in fresh:
            revoked = (event["type"], event["op"]) == ("session", "revoke")
            if (
                revoked
                and key.startswith("user:")
                and event["data"].get("session_id") == session_id
            ):
                async with self:
                    session_state = await self.get_state(SessionState)
                    return session_state.session_ended()

        acks.add(events)
        change = chat_list_change(events, user_id) if chats_loaded else ChatListChange()
        now = time.monotonic()
        delivered = acks.take(now) if acks.due(now) else {}

        def work(
            session: Session,
        ) -> tuple[ChatListLoad | None, FeedLoad | None, StoryLoad | None]:
            self._acknowledge(session, user_id, reading, delivered)
            user = session.get(User, user_id)
            if user is None:
                return None, None, None
            feed_loaded = (
                FeedState.load_change(session, user, feed_change, open_post)
                if feed_change.needs_database()
                else None
            )
            story_loaded = (
                StoryState.load_change(session, user, story_change, story_author, story_id)
                if story_change.needs_database()
                else None
            )
            if not change:
                return None, feed_loaded, story_loaded
            if change.everything:
                return (chats_domain.list_chats(session, user), set()), feed_loaded, story_loaded
            summaries, gone = [], set()
            for chat_id in sorted(change.chats):
                try:
                    summaries.append(chats_domain.get_chat(session, user, chat_id))
                except NotFound:
                    gone.add(chat_id)
            return (summaries, gone), feed_loaded, story_loaded

        needed = (
            delivered or change or feed_change.needs_database() or story_change.needs_database()
        )
        chat_list, feed_loaded, story_loaded = (
            await in_transaction(work) if needed else (None, None, None)
        )
        async with self:
            session_state = await self.get_state(SessionState)
            profile = await self.get_state(ProfileState)
            chat = await self.get_state(ChatState)
            for _key, event in fresh:
                kind = (event["type"], event["op"])
                if kind == ("user", "update"):
                    session_state.apply_user_view(event["data"])
                    profile.apply_user_view(event["data"])
                elif kind == ("profile", "counts"):
                    profile.apply_counts(event["data"])
                else:
                    chat.apply_event(event, user_id)
            if chat_list is not None:
                summaries, gone = chat_list
                chat.apply_chat_list(summaries, change, gone)
            if feed_change.touches_screen():
                views, thread = feed_loaded or ([], None)
                feed = await self.get_state(FeedState)
                feed.apply_change(feed_change, views, thread)
            if story_change.added or story_loaded is not None:
                story = await self.get_state(StoryState)
                story.apply_change(story_change, story_loaded, user_id)
        return None
