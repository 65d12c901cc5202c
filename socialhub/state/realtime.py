"""The per-tab realtime listener: one background task per tab, fed by the one stream reader.

The tab resumes from its stream token (kept in its state; read before the page's data by
`begin`, the first step of every page's on_load, so nothing committed between the page's read
and the listener's start is missed). Each batch is applied in ONE locked step per feature that
the batch concerns; features register what they read, load and apply (`LiveFeature`). Changes
to chats not on screen are coalesced into at most one chat-list push per `LIST_INTERVAL`.
The task ends when its tab disconnects, a newer listener for the tab takes over, or the
session ends.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from dataclasses import dataclass
from typing import Any, Protocol

import reflex as rx
from reflex.middleware.middleware import Middleware
from sqlmodel import Session

from socialhub.db import read_session
from socialhub.delivery import connections
from socialhub.delivery.receipts import receipts
from socialhub.domain import auth as auth_domain
from socialhub.models import User
from socialhub.realtime.events import StreamToken, head, topic_key
from socialhub.realtime.hub import Event, get_hub
from socialhub.realtime.stream import StreamReader
from socialhub.state.base import in_transaction
from socialhub.state.session import SessionState

LIVENESS_SECONDS = 5.0
DISCONNECT_GRACE = 15.0
# Chats not on screen: their list rows are refreshed at most this often (2 pushes a second).
LIST_INTERVAL = 0.5
# A tab's listener applies at most one batch per PUSH_GAP: a busy channel's messages that arrive
# closer together than this go to the tab in one push (each push costs the worker a lock, a
# delta and an emit per tab, whatever it carries), at the price of at most this much latency.
PUSH_GAP = 0.2
# "X is typing" shows this much later, so that a short message and its typing signal (sent just
# before it) reach a channel's viewers in one push instead of two.
TYPING_GAP = 0.5
_listener_ids = itertools.count(1)
_active: dict[str, int] = {}
_readers: dict[str, StreamReader] = {}
# token -> who asked (a state's name) -> the topics it watches for that tab.
_watched: dict[str, dict[str, set[str]]] = {}
_gone_since: dict[str, float] = {}
# token -> owner -> (the topic keys its page watches, the hub's position before the page's read,
# the handler that reads the page again): pages read while the tab had no live subscription.
_reloads: dict[str, dict[str, tuple[set[str], int, Any]]] = {}
# token -> how many events the tab has sent (counted by `TabActivity` before each one runs).
_tab_events: dict[str, int] = {}


class LiveFeature(Protocol):
    """How a feature's state follows the stream. `observe` runs under the state lock (no
    database), `load` in a worker thread (database, no state), `apply` under the lock again;
    what `apply` returns (a toast), if anything, is sent to the tab."""

    def wants(self, events: list[Event]) -> bool: ...

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Any: ...

    def needs_database(self, observed: Any) -> bool: ...

    def load(self, session: Session, user: User, observed: Any) -> Any: ...

    async def apply(
        self, listener: RealtimeState, events: list[Event], observed: Any, loaded: Any, me: int
    ) -> Any: ...


_features: list[LiveFeature] = []


def register_feature(feature: LiveFeature) -> None:
    _features.append(feature)


def _tab_connected(token: str) -> bool:
    """Whether the tab's socket is connected to this worker. Asked on every wake-up of every
    listener: the token manager's own dict, since Reflex 0.10.1's `token_to_sid` builds a copy
    of every connected token on each call (O(tabs) per wake-up, O(tabs^2) per message)."""
    from socialhub.socialhub import app

    namespace = app.event_namespace
    if namespace is None:
        return False
    sockets = getattr(getattr(namespace, "_token_manager", None), "token_to_socket", None)
    if isinstance(sockets, dict):
        return token in sockets
    return token in namespace.token_to_sid


def _topics(token: str) -> set[str]:
    return set().union(*_watched.get(token, {}).values())


def topics_position() -> int:
    """Now, for `watch_topics(since=...)`: take it before reading a page whose topics it watches."""
    return get_hub().position()


def watch_topics(
    token: str,
    topics: set[str],
    *,
    owner: str,
    since: int | None = None,
    reload: Any = None,
) -> list[Any]:
    """Make `token`'s listener receive these topics; each owner (a page's state) replaces only
    its own set, so a profile page's header and timeline can watch side by side.

    Topics are not stored: what is published to them before this call (or, on a page load or a
    reconnect, before the tab's subscription is live) reaches nobody, and the page read its data
    before. Given `since` (`topics_position()` taken before that read) and `reload` (the handler
    that reads the page again), returns `[reload]` when the topics were published to since
    then; while the tab has no live subscription, its listener sends the reload once it has."""
    keys = {topic_key(t) for t in topics}
    _watched.setdefault(token, {})[owner] = keys
    reader = _readers.get(token)
    if reader is not None:
        reader.watch(_topics(token))
    _reloads.get(token, {}).pop(owner, None)
    if reload is None or since is None or not keys:
        return []
    if reader is not None and reader.live:
        return [reload] if get_hub().published_since(keys, since) else []
    _reloads.setdefault(token, {})[owner] = (keys, since, reload)
    return []


def _missed(token: str) -> list[Any]:
    """The reloads of pages read before the tab's subscription was live whose topics were
    published to since their read began (asked once the subscription is live)."""
    waiting = _reloads.pop(token, {})
    hub = get_hub()
    return [reload for keys, since, reload in waiting.values() if hub.published_since(keys, since)]


class TabActivity(Middleware):
    """Counts every event a tab sends, before it runs (under the tab's state lock, before the
    handler reads anything): what a listener learnt of its tab's screen holds only while this
    count has not moved."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> None:
        token = state.router.session.client_token
        _tab_events[token] = _tab_events.get(token, 0) + 1


@dataclass(frozen=True)
class Screen:
    """What a tab shows that decides which server events change nothing on it, read under
    the lock (`ScreenReader`). A new message changes something in the open channel, in an
    unlit and unmuted channel of the server on screen (`loud`), and in any channel of a server
    elsewhere on the rail that is neither lit nor muted; another tab's read marker changes
    nothing in a channel of this server with no dot and no badge (`unlit`)."""

    open_id: str
    # The open chat when the tab is in the foreground ("" in the background: arrivals there
    # light its dot as anywhere else).
    reading: str
    server_id: str
    loud: frozenset[str]
    unlit: frozenset[str]
    # Channel -> its server, for every server on the rail (the state's own dict, never
    # changed in place), and the servers on the rail that are lit or muted.
    channel_servers: dict[str, str]
    quiet_servers: frozenset[str]

    def loud_message(self, channel: str) -> bool:
        if channel == self.open_id or channel in self.loud:
            return True
        server_id = self.channel_servers.get(channel)
        return (
            server_id is not None
            and server_id != self.server_id
            and (server_id not in self.quiet_servers)
        )


class ScreenReader(Protocol):
    async def __call__(self, listener: RealtimeState) -> Screen: ...


_screen_readers: list[ScreenReader] = []


def register_screen_reader(reader: ScreenReader) -> None:
    _screen_readers.append(reader)


def _inert(event: Event, screen: Screen) -> bool:
    """Whether this server channel event changes nothing on the tab: another channel's
    message into a lit or muted dot (or off the rail), another tab's read of a channel with no
    dot. Such events skip the tab's state entirely: at 1,000 tabs in a busy server they are
    nearly all of them."""
    data = event.get("data") or {}
    if not data.get("server_id"):
        return False
    channel = str(data.get("conversation_id", ""))
    kind = event.get("type")
    if kind == "message":
        return not screen.loud_message(channel)
    if (kind, event.get("op")) == ("channel_read", "update"):
        return data.get("server_id") == screen.server_id and channel in screen.unlit
    return False


def _shown_typing(event: Event, open_id: str) -> bool:
    """False for a typing signal of a chat not on screen (nothing shows it; it is never
    stored, so dropping it loses nothing), True for every other event."""
    if event.get("type") != "typing":
        return True
    return bool(open_id) and (event.get("data") or {}).get("conversation_id") == open_id


@dataclass
class _Pending:
    """Events that change rows of the chat list, waiting for the next coalesced update."""

    events: list[Event]
    due: float = 0.0
    # The chat on screen when the listener last looked (under the lock): others' typing
    # signals are dropped before waking the tab's state (a busy server's every typist).
    open_id: str = ""
    # What the tab showed at its listener's last locked step, and the tab's event count then:
    # while that count holds, the screen's inert events are dropped before the lock.
    screen: Screen | None = None
    screen_at: int = -1
    # When the listener last applied a batch (time.monotonic()).
    applied_at: float = 0.0
    # The listener waits for the next batch with nothing in hand: what the screen judges
    # inert may be dropped as it is queued, without waking the listener at all.
    waiting: bool = False

    def drops(self, token: str, key: str, event: Event) -> bool:
        """For `Subscription.drop` (on the listener's loop, the queue empty)."""
        if not self.waiting:
            return False
        screen = self.dropping(token)
        return screen is not None and (
            not _shown_typing(event, self.open_id) or _inert(event, screen)
        )

    def dropping(self, token: str) -> Screen | None:
        if self.screen is None or self.screen_at != _tab_events.get(token, 0):
            return None
        return self.screen


class RealtimeState(rx.State):
    _token: str = ""
    # The stream position read just before the page on screen read its data.
    _page_head: int = 0
    connected: bool = False

    @rx.event
    async def begin(self) -> None:
        """The first on_load step of a page: note the stream position BEFORE the page reads its
        data, so whatever commits in between is replayed by the listener (at worst twice,
        and applying is idempotent)."""

        def work() -> int:
            with read_session() as session:
                return head(session)

        self._page_head = await asyncio.to_thread(work)
        if not self._token:
            self._token = str(StreamToken(self._page_head))

    @rx.event
    def start(self) -> Any:
        """The last on_load step: the listener starts once the steps before it have run (a
        background event chained from here is queued after them)."""
        return RealtimeState.listen

    @rx.event(background=True)
    async def listen(self) -> Any:
        token = self.router.session.client_token
        listener_id = next(_listener_ids)
        _active[token] = listener_id
        async with self:
            session_state = await self.get_state(SessionState)
            if not session_state._user_id:
                await session_state._resolve()
            user_id, session_id = session_state._user_id, session_state._session_id
            parsed = StreamToken.parse(self._token) if self._token else None
            start, page_head = parsed or StreamToken(), self._page_head
        if not user_id:
            return
        expires_at = await in_transaction(lambda s: auth_domain.session_expiry(s, session_id))
        try:
            await asyncio.to_thread(connections.opened, user_id)
        except connections.TooManyClients:
            return
        reader = StreamReader(
            user_id, session_id, start, expires_at=expires_at, topics=_topics(token)
        )
        previous = _readers.pop(token, None)
        if previous is not None:
            previous.close()
        _readers[token] = reader
        pending = _Pending([])
        try:
            await reader.open()
            missed = _missed(token)
            from socialhub.state.conversation import ConversationState  # (it imports this)

            async with self:
                self.connected = True
                pending.open_id = (await self.get_state(ConversationState)).open_id
                await self._look(pending, token)
            if missed:
                yield missed
            if parsed is None or reader.behind():
                # No position, or too far behind to replay into the screen: the page was just
                # read afresh (on_load runs before the listener), so replay from its read.
                reader.restart_from(page_head or reader.opened_at)
            reader.subscription.drop = functools.partial(pending.drops, token)
            async for page in reader.backlog():
                shown = await self._deliver([event for event, _ in page], reader, pending, token)
                if shown:
                    yield shown
            typing = False
            while _active.get(token) == listener_id and self._still_wanted(token):
                # While someone is shown typing, wake up often enough to let it expire.
                soon = typing or bool(pending.events)
                pending.waiting = True
                try:
                    batch = await reader.next(LIST_INTERVAL if soon else LIVENESS_SECONDS)
                finally:
                    pending.waiting = False
                events = self._worth_showing(batch, pending, token)
                # A burst: what arrives within PUSH_GAP of the last push waits to go with it;
                # someone starting to type waits TYPING_GAP for the message that usually follows.
                arrived = time.monotonic()
                while events and not reader.ended:
                    typing_only = all(e.get("type") == "typing" for e in events)
                    due = arrived + TYPING_GAP if typing_only else pending.applied_at + PUSH_GAP
                    gap = due - time.monotonic()
                    if gap <= 0:
                        break
                    events += self._worth_showing(await reader.next(gap), pending, token)
                if reader.ended:
                    yield await self._ended(reader)
                    return
                if events:
                    pending.applied_at = time.monotonic()
                    shown = await self._deliver(events, reader, pending, token)
                    if shown:
                        yield shown
                if pending.events and time.monotonic() >= pending.due:
                    await self._refresh_chat_list(pending, user_id)
                typing = typing or any(event["type"] == "typing" for event in events)
                if typing:
                    typing = await self._expire_typing()
        finally:
            reader.close()
            await asyncio.to_thread(connections.closed, user_id)
            if _readers.get(token) is reader:
                del _readers[token]
            if _active.get(token) == listener_id:
                del _active[token]
                _watched.pop(token, None)
                _reloads.pop(token, None)
                _gone_since.pop(token, None)
                _tab_events.pop(token, None)

    @staticmethod
    def _worth_showing(batch: list[Any], pending: _Pending, token: str) -> list[Event]:
        """The batch without what changes nothing on the tab (others' typing elsewhere, the
        screen's inert server events), judged before taking the lock."""
        screen = pending.dropping(token)
        return [
            e
            for e, _ in batch
            if _shown_typing(e, pending.open_id) and not (screen and _inert(e, screen))
        ]

    async def _ended(self, reader: StreamReader) -> Any:
        async with self:
            if reader.ended == "overflow":
                self._token = ""
                return rx.call_script("window.location.reload()")
            session_state = await self.get_state(SessionState)
            return session_state._session_ended()

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
        from socialhub.state.conversation import ChatTailState

        async with self:
            tail = await self.get_state(ChatTailState)
            if not tail._typing:
                return False
            tail._prune_typing(time.monotonic())
            return bool(tail._typing)

    async def _refresh_chat_list(self, pending: _Pending, user_id: int) -> None:
        """One push for what the list's rows gained since the last: worked out from the events,
        the database read only for the rows the events cannot tell (`apply_to_rows`)."""
        from socialhub.state.chat_list import ChatListState, load_chat_rows

        events, pending.events = pending.events, []
        pending.due = time.monotonic() + LIST_INTERVAL
        async with self:
            chat_list = await self.get_state(ChatListState)
            reload = await chat_list._apply_live(events, user_id)
        if not reload:
            return
        summaries, gone = await in_transaction(lambda s: load_chat_rows(s, user_id, reload))
        async with self:
            chat_list = await self.get_state(ChatListState)
            await chat_list._apply_chat_list(summaries, gone)

    async def _deliver(
        self, events: list[Event], reader: StreamReader, pending: _Pending, token: str
    ) -> list[Any]:
        """Apply a batch in ONE locked step when no feature concerned needs the database (a
        message in the open chat: one state update, one push); otherwise observe under the
        lock, load outside it, and apply in a second locked step. Returns what the features
        send to the tab."""
        from socialhub.state.chat_list import ChatListState, list_changes
        from socialhub.state.conversation import ConversationState, read_in_chat

        me = reader.user_id
        concerned = [f for f in _features if f.wants(events)]
        async with self:
            self._token = str(reader.token)
            conversation = await self.get_state(ConversationState)
            pending.open_id = conversation.open_id
            reading = read_in_chat(conversation)
            changed = list_changes(events, me)
            if changed and (await self.get_state(ChatListState)).loaded:
                if not pending.events:
                    pending.due = max(pending.due, time.monotonic())
                pending.events += changed
            observed = [await feature.observe(self, events, me) for feature in concerned]
            needed = [f.needs_database(o) for f, o in zip(concerned, observed, strict=True)]
            shown: list[Any] = []
            if not any(needed):
                for feature, seen in zip(concerned, observed, strict=True):
                    shown += _sent(await feature.apply(self, events, seen, None, me))
                await self._look(pending, token, events)
        receipts.note(me, events, reading=reading)
        if not any(needed):
            return shown

        def work(session: Session) -> list[Any]:
            user = session.get(User, me)
            return [
                f.load(session, user, o) if need and user is not None else None
                for f, o, need in zip(concerned, observed, needed, strict=True)
            ]

        loaded = await in_transaction(work)
        async with self:
            for feature, seen, got in zip(concerned, observed, loaded, strict=True):
                shown += _sent(await feature.apply(self, events, seen, got, me))
            await self._look(pending, token, events)
        return shown

    async def _look(self, pending: _Pending, token: str, events: list[Event] | None = None) -> None:
        """Under the lock, after applying: note what the tab shows now, valid until it sends
        its next event (`TabActivity`). Events of the open chat alone change nothing it
        notes, so a channel's viewers keep the screen they had."""
        if events and pending.dropping(token) is not None:
            reading = pending.screen.reading if pending.screen else ""
            if reading and all(
                (e.get("data") or {}).get("conversation_id") == reading
                and e.get("type") in ("message", "typing")
                for e in events
            ):
                return
        pending.screen_at = _tab_events.get(token, 0)
        screens = [await read(self) for read in _screen_readers]
        pending.screen = screens[0] if len(screens) == 1 else None


def _sent(applied: Any) -> list[Any]:
    """What a feature's `apply` sends to the tab, as a list."""
    if applied is None:
        return []
    return list(applied) if isinstance(applied, list) else [applied]
