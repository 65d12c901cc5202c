"""The features that follow the event stream in a tab, registered with the listener.

Each adapter says which events concern it (so a batch loads only the states it touches), what
it reads from its state under the lock, what it loads from the database outside the lock, and
how it applies the result.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from socialhub.models import User
from socialhub.realtime.hub import Event
from socialhub.state.conversation import ConversationState, for_open_chat
from socialhub.state.feed import FEED_TYPES, FeedState
from socialhub.state.profile import ProfileState
from socialhub.state.realtime import RealtimeState, register_feature
from socialhub.state.session import SessionState
from socialhub.state.stories import StoryState

CHAT_TYPES = frozenset({"message", "receipt", "typing", "presence", "chat", "member"})


def _types(events: list[Event]) -> set[str]:
    return {str(event.get("type")) for event in events}


class FromEventsAlone:
    """A feature applied from the events themselves: nothing to observe first, nothing to load
    (its batches take one locked step)."""

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Any:
        return None

    def needs_database(self, observed: Any) -> bool:
        return False

    def load(self, session: Session, user: User, observed: Any) -> Any:
        return None


class OpenChat(FromEventsAlone):
    """The chat on screen gets every event of its conversation in full (the list rows of the
    other chats are coalesced by the listener)."""

    def wants(self, events: list[Event]) -> bool:
        return bool(_types(events) & CHAT_TYPES)

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        chat = await listener.get_state(ConversationState)
        open_id = chat.open_id
        # Only what concerns the chat on screen (its events and presence): a tab elsewhere in
        # a busy server reads no window, no receipts and no clock for the others' messages.
        mine = [e for e in events if e.get("type") in CHAT_TYPES and for_open_chat(e, open_id)]
        if mine:
            await chat._apply_events(mine, me)


class Feed:
    def wants(self, events: list[Event]) -> bool:
        return bool(_types(events) & FEED_TYPES)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Any:
        feed = await listener.get_state(FeedState)
        return feed._feed_change(events, me), feed._open_post_id()

    def needs_database(self, observed: Any) -> bool:
        return bool(observed[0].needs_database())

    def load(self, session: Session, user: User, observed: Any) -> Any:
        change, open_post = observed
        return FeedState._load_change(session, user, change, open_post)

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        change, _ = observed
        if change.touches_screen():
            views, thread = loaded or ([], None)
            feed = await listener.get_state(FeedState)
            feed._apply_change(change, views, thread)


class Stories:
    def wants(self, events: list[Event]) -> bool:
        return "story" in _types(events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Any:
        story = await listener.get_state(StoryState)
        return story._story_change(events), story._load_args()

    def needs_database(self, observed: Any) -> bool:
        return bool(observed[0].needs_database())

    def load(self, session: Session, user: User, observed: Any) -> Any:
        change, (author, story_id) = observed
        return StoryState._load_change(session, user, change, author, story_id)

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        change, _ = observed
        if change.added or loaded is not None:
            story = await listener.get_state(StoryState)
            story._apply_change(change, loaded, me)


class Profile(FromEventsAlone):
    """Your own name and avatar in the header; the profile on screen."""

    def wants(self, events: list[Event]) -> bool:
        return any(
            (e.get("type"), e.get("op")) in (("user", "update"), ("profile", "counts"))
            for e in events
        )

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> None:
        session_state = await listener.get_state(SessionState)
        profile = await listener.get_state(ProfileState)
        for event in events:
            kind = (event.get("type"), event.get("op"))
            if kind == ("user", "update"):
                session_state._apply_user_view(event["data"])
                profile._apply_user_view(event["data"])
            elif kind == ("profile", "counts"):
                profile._apply_counts(event["data"])


for _feature in (OpenChat(), Feed(), Stories(), Profile()):
    register_feature(_feature)
