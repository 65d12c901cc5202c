"""The one reader of a user's event streams, behind both the SSE endpoint and the tab listener.

It subscribes to the user's keys, replays the stored backlog after the client's token in pages,
then delivers live events in order: each publishing process pushes in position order and the
token records how far each one was heard, so nothing is lost or repeated between the backlog
and the live pushes. Membership changes move the subscription (a conversation joined is
subscribed and its events since the join are read back from the database; one left is dropped
at once). The stream ends when its session is revoked or expires, or when its consumer stops
reading (its queue overflows).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from socialhub.db import read_session
from socialhub.models.base import utcnow
from socialhub.realtime.events import (
    StreamToken,
    conversation_key,
    head,
    member_conversations,
    read_stream,
    user_key,
)
from socialhub.realtime.hub import Event, Subscription, get_hub

PAGE = 500
# Events that may change which server streams and channels a client may follow: after one, the
# reader asks the database again (`member_conversations`) and moves its subscription.
VISIBILITY_TYPES = frozenset({"server", "role", "channel", "category"})
# An event and the token to resume from once it has been delivered.
Delivered = tuple[Event, StreamToken]


class StreamReader:
    """One client's view of the streams: `open`, then `backlog`, then `next` until `ended`."""

    def __init__(
        self,
        user_id: int,
        session_id: str,
        token: StreamToken,
        *,
        expires_at: datetime | None = None,
        topics: Iterable[str] = (),
        page: int = PAGE,
    ) -> None:
        self.user_id = user_id
        self.session_id = session_id
        self.token = token
        self.expires_at = expires_at
        self.page = page
        self.ended = ""
        self._topics = frozenset(topics)
        self._sub: Subscription | None = None
        # Once subscribed: whatever is published from then on reaches this reader.
        self.live = False
        self._conversations: set[str] = set()
        self._joined: list[str] = []
        self._restream = False
        self._backfilled: set[int] = set()
        self._upto = 0
        self._active_at = time.monotonic()

    async def _read(self, work: Any) -> Any:
        def run() -> Any:
            with read_session() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def open(self) -> None:
        """Subscribe first, then read how far the database is: whatever commits after that
        read arrives live, whatever committed before it is in the backlog."""
        self._conversations = set(await self._read(lambda s: member_conversations(s, self.user_id)))
        self._sub = get_hub().subscribe(self._keys())
        await self._sub.ready()
        self.live = True
        self._upto = await self._read(head)

    def _keys(self) -> set[str]:
        return {
            user_key(self.user_id),
            *(conversation_key(c) for c in self._conversations),
            *self._topics,
        }

    def watch(self, topics: Iterable[str]) -> None:
        """Replace the unstored topics this client watches (the page it has open)."""
        self._topics = frozenset(topics)
        if self._sub is not None:
            self._sub.set_keys(self._keys())

    @property
    def subscription(self) -> Subscription:
        assert self._sub is not None
        return self._sub

    def behind(self) -> bool:
        """Whether the client is more than a page behind (a tab then replays from its page's
        own read instead: the page was just read afresh)."""
        return self._upto - self.token.floor > self.page

    async def backlog(self) -> AsyncIterator[list[Delivered]]:
        """The stored events after the token, up to the position read at `open`, in pages."""
        while True:
            token, upto, page = self.token, self._upto, self.page

            def work(
                s: Session, token: StreamToken = token, upto: int = upto, page: int = page
            ) -> list[Event]:
                return read_stream(s, self.user_id, token, upto=upto, limit=page)

            events: list[Event] = await self._read(work)
            more = len(events) > page
            delivered = []
            for event in events[:page]:
                self._follow_membership(event)
                # Complete up to here: everything of the client's streams at or below it.
                delivered.append((event, self.token.at_least(event["position"])))
            self.token = self.token.at_least(events[page - 1]["position"] if more else upto)
            if delivered:
                yield delivered
            if not more:
                break
        backfilled = await self._backfill()
        if backfilled:
            yield backfilled

    async def next(self, wait: float) -> list[Delivered]:
        """Live events in order (waiting at most `wait` seconds); sets `ended` when the stream
        must stop."""
        if self.expires_at is not None:
            left = (self.expires_at - utcnow()).total_seconds()
            if left <= 0:
                self.ended = "session_expired"
                return []
            wait = min(wait, left)
        batch = await self.subscription.next_batch(wait)
        delivered: list[Delivered] = []
        for key, event in batch:
            if event.get("type") == "overflow":
                self.ended = "overflow"
                break
            if event.get("type") == "resync":
                delivered += await self._reread()
                continue
            if "position" not in event:
                # Typing, presence, topics: not stored, not ordered.
                delivered.append((event, self.token))
                continue
            if self.token.covers(event) or event["position"] <= self._upto:
                continue
            chat = key.removeprefix("conv:") if key.startswith("conv:") else None
            if chat is not None and chat not in self._conversations:
                continue  # left meanwhile
            self.token = self.token.after(event)
            if event["position"] in self._backfilled:
                self._backfilled.discard(event["position"])
                continue
            delivered.append((event, self.token))
            self._follow_membership(event)
            if self.ended:
                break
        delivered += await self._backfill()
        if delivered:
            self._active_at = time.monotonic()
        return delivered

    def idle_for(self, seconds: float) -> bool:
        """True once nothing was delivered for `seconds` (then counts again from now)."""
        now = time.monotonic()
        if now - self._active_at < seconds:
            return False
        self._active_at = now
        return True

    @property
    def opened_at(self) -> int:
        """The database's position when the stream opened."""
        return self._upto

    def restart_from(self, position: int) -> None:
        """Replay from `position` instead of the token: the client's screen was read afresh
        after it (everything before is on screen already)."""
        self.token = StreamToken(position)

    async def _reread(self) -> list[Delivered]:
        """Pushes were lost (the hub's connection dropped): read what the token has not seen,
        up to the head, then go on live from there."""

        def work(session: Session) -> tuple[list[Event], int]:
            upto = head(session)
            return read_stream(session, self.user_id, self.token, upto=upto, limit=10**6), upto

        events, upto = await self._read(work)
        delivered: list[Delivered] = []
        for event in events:
            self._follow_membership(event)
            delivered.append((event, self.token))
        self.token = self.token.at_least(upto)
        self._upto = max(self._upto, upto)
        delivered += await self._backfill()
        return delivered

    def _follow_membership(self, event: Event) -> None:
        kind, data = (event["type"], event["op"]), event.get("data") or {}
        chat = str(data.get("conversation_id", ""))
        if event["type"] in VISIBILITY_TYPES or (
            event["type"] == "server_member" and data.get("user_id") == self.user_id
        ):
            self._restream = True
        if kind == ("session", "revoke") and data.get("session_id") == self.session_id:
            self.ended = "session_revoked"
        elif kind == ("chat", "add") and chat and chat not in self._conversations:
            self._conversations.add(chat)
            self._joined.append(chat)
        elif kind in (("chat", "remove"), ("member", "remove")) and chat:
            if kind == ("member", "remove") and self.user_id not in data.get("user_ids", []):
                return
            self._conversations.discard(chat)
            if self._sub is not None:
                self._sub.remove_keys([conversation_key(chat)])

    async def _refresh_streams(self) -> None:
        """Roles, channels or a server membership changed: follow what may be seen now."""
        self._restream = False
        now = set(await self._read(lambda s: member_conversations(s, self.user_id)))
        gone, new = self._conversations - now, now - self._conversations
        self._conversations = now
        if gone and self._sub is not None:
            self._sub.remove_keys([conversation_key(c) for c in gone])
        self._joined += sorted(new)

    async def _backfill(self) -> list[Delivered]:
        """Subscribe to the conversations just joined, then read what they published before the
        subscription took effect (a later live copy of the same event is skipped)."""
        if self._restream:
            await self._refresh_streams()
        if not self._joined or self._sub is None:
            return []
        joined, self._joined = [c for c in self._joined if c in self._conversations], []
        if not joined:
            return []
        self._sub.add_keys(conversation_key(c) for c in joined)
        await self._sub.ready()
        token, floor = self.token, self._upto

        def work(session: Session) -> list[Event]:
            return read_stream(
                session,
                self.user_id,
                token.at_least(floor),
                upto=head(session),
                limit=10 * self.page,
                conversations=joined,
            )

        events: list[Event] = await self._read(work)
        self._backfilled.update(event["position"] for event in events)
        # Not yet covered by the token: until their live copies pass, a resume replays them.
        return [(event, self.token) for event in events]

    def close(self) -> None:
        if self._sub is not None:
            self._sub.close()
