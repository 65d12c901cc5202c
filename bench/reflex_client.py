"""A browser tab, without the browser: Reflex 0.10.1's socket.io protocol as the compiled SPA
speaks it (`.web/utils/state.js`, `reflex/app.py` `EventNamespace`).

What a tab does, and so what this does:

- opens `ws://HOST/_event/?token=<tab uuid>&EIO=4&transport=websocket` (Engine.IO 4, websocket
  transport only, as `env.json` says), offering the subprotocol `0.10.1` and sending the page's
  Origin, User-Agent and cookies (the HttpOnly `sh_session` of a signed-in user);
- joins the socket.io namespace `/_event` with a CONNECT packet whose auth carries the hydrate
  event (`hydrate_and_load`, with the initial state hashes on a first connect, none on a
  reconnect) and the state schema, both read from the served JS bundle; the server then runs the
  page's on_load events itself;
- sends events as `42/_event,["event",{name, payload, router_data}]`, router data being the
  page's path, as-path and query (route parameters included);
- applies received deltas (`{"delta": {substate: {var: value}}, "events": [...]}`) to a local
  copy of the state, runs the `_call_script` callbacks the app relies on with the values a
  visible tab would produce, and answers Engine.IO pings.

`sign_in` logs in through the web form (the login state's submit event), trades the ticket for
the cookie at `POST /api/v1/auth/browser-session` as the page's script does, and returns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import websockets

REFLEX_VERSION = "0.10.1"
NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SocialHubBench/1.0 Safari/537.36"
)
# What the scripts the app sends evaluate to in a visible tab with nothing in its outbox.
SCRIPT_RESULTS: dict[str, Any] = {
    "document.hidden": False,
    "window.shOutbox ? shOutbox.list() : []": [],
}
TYPING_THROTTLE_MS = 2000  # components/chat.py: on_change=ConversationState.typing.throttle(2000)
_CALLBACK = re.compile(r'ReflexEvent\("([^"]+)", \{(\w+):_result\}\)')
# The script's body is JSON inside a JS string: {\"ticket\": \"...\"}.
_TICKET = re.compile(r'ticket\\": \\"([A-Za-z0-9_-]+)')


def state_name(module: str, cls: str) -> str:
    """The full name of a SocialHub substate, e.g. ("conversation", "ConversationState")."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls).lower()
    return f"{ROOT_STATE}.socialhub___state___{module}____{snake}"


# The open chat: its messages, its composer.
CHAT_STATE = state_name("conversation", "ConversationState")
REALTIME_STATE = state_name("realtime", "RealtimeState")
LOGIN_STATE = state_name("auth_forms", "LoginState")


def var(name: str) -> str:
    """A var's key in a delta."""
    return f"{name}_rx_state_"


def form_data(*fields: tuple[str, str]) -> dict[str, Any]:
    """A submitted form, encoded as the SPA encodes FormData (`encodeFormDataArgs`)."""
    return {"__reflex_form_data__": [list(f) for f in fields]}


@dataclass(frozen=True)
class Bundle:
    """What the compiled frontend sends on connect, read from the served JS."""

    state_schema: str
    hashes: list[str]


_bundles: dict[str, Bundle] = {}


async def load_bundle(base_url: str) -> Bundle:
    """Find the initial state hashes and the state schema in the page's preloaded modules."""
    if base_url in _bundles:
        return _bundles[base_url]
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        html = (await client.get("/login/")).text
        for src in re.findall(r'modulepreload" href="([^"]+\.js)"', html):
            text = (await client.get(src)).text
            # An array of strings, or (when the minifier packs it) one string split on dots.
            listed = re.search(r"initialStateHashes=\[([^\]]*)\]", text)
            packed = re.search(r"initialStateHashes=`([0-9a-f.]*)`\.split\(`\.`\)", text)
            schema = re.search(r"stateSchema=[`\"']([0-9a-f]+)[`\"']", text)
            if (listed or packed) and schema:
                hashes = (
                    re.findall(r"[`\"']([0-9a-f]+)[`\"']", listed[1])
                    if listed
                    else packed[1].split(".")  # type: ignore[index]
                )
                bundle = Bundle(schema.group(1), hashes)
                _bundles[base_url] = bundle
                return bundle
    raise RuntimeError("no initialStateHashes/stateSchema in the served bundle")


@dataclass
class Update:
    """One `event` packet from the server, with the time its frame arrived."""

    received: float
    delta: dict[str, dict[str, Any]]
    events: list[dict[str, Any]]


@dataclass
class Tab:
    """One browser tab: a token (kept across reconnects, like sessionStorage) and a page."""

    base_url: str
    bundle: Bundle
    cookie: str = ""
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_update: Callable[[Update], None] | None = None
    scripts_seen: list[str] = field(default_factory=list)
    # Every text frame this tab sent, when asked for (to compare with a real browser's).
    sent_frames: list[str] | None = None
    # What went wrong while reading (a refused connect, a closed socket, a bad frame).
    errors: list[str] = field(default_factory=list)
    # Every event frame received (a push of the server), and its characters.
    frames_in: int = 0
    chars_in: int = 0
    # False: event frames are counted, not parsed (a load generator holding many tabs whose
    # content it does not check); frames calling a script are still parsed and answered.
    parse: bool = True
    _ws: Any = None
    _reader: asyncio.Task[None] | None = None
    _waiters: list[tuple[Callable[[Update], bool], asyncio.Future[Update]]] = field(
        default_factory=list
    )
    _connected: asyncio.Event = field(default_factory=asyncio.Event)
    _last_typing: float = -1e9

    # Connecting -----------------------------------------------------------------------------

    def router_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"pathname": self.path, "asPath": self.path}
        if self.query:
            data["query"] = dict(self.query)
        return data

    async def open(
        self, path: str, query: dict[str, str] | None = None, within: float = 60
    ) -> None:
        """Load `path` (a new document: its route parameters in `query`), wait until hydrated."""
        self.path, self.query = path, dict(query or {})
        await self._hydrate(first=True, within=within)

    async def reconnect(self, within: float = 60) -> None:
        """Come back on the same page after a drop: the SPA's reconnect sends no state hashes."""
        await self._hydrate(first=False, within=within)

    async def _hydrate(self, *, first: bool, within: float) -> None:
        hydrated = self.expect(lambda u: _get(u.delta, ROOT_STATE, "is_hydrated") is True)
        await self._connect(first)
        await asyncio.wait_for(hydrated, within)

    async def _connect(self, first: bool) -> None:
        split = urlsplit(self.base_url)
        url = f"ws://{split.netloc}{NAMESPACE}/?token={self.token}&EIO=4&transport=websocket"
        headers = {"User-Agent": USER_AGENT}
        if self.cookie:
            headers["Cookie"] = self.cookie
        self._connected.clear()
        self._ws = await websockets.connect(
            url,
            origin=websockets.Origin(f"{split.scheme}://{split.netloc}"),
            subprotocols=[websockets.Subprotocol(REFLEX_VERSION)],
            additional_headers=headers,
            user_agent_header=None,
            max_size=None,
            ping_interval=None,  # Engine.IO pings at its own level
            open_timeout=60,
        )
        handshake = await asyncio.wait_for(self._ws.recv(), 60)
        if not str(handshake).startswith("0"):
            raise RuntimeError(f"unexpected Engine.IO handshake {handshake!r}")
        payload: dict[str, Any] = {"hashes": self.bundle.hashes} if first else {}
        boot: dict[str, Any] = {"name": f"{ROOT_STATE}.hydrate_and_load"}
        if payload:
            boot["payload"] = payload
        boot["router_data"] = self.router_data()
        auth = {"event": boot, "state_schema": self.bundle.state_schema}
        await self._send(f"40{NAMESPACE},{json.dumps(auth, separators=(',', ':'))}")
        self._reader = asyncio.create_task(self._read(self._ws))

    async def close(self) -> None:
        """Leave like a closing tab: a socket.io DISCONNECT, then the websocket closes."""
        ws, reader = self._ws, self._reader
        self._ws, self._reader = None, None
        if reader is not None:
            reader.cancel()
        if ws is not None:
            with contextlib.suppress(websockets.ConnectionClosed, OSError):
                await ws.send(f"41{NAMESPACE},")
                await ws.close()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader

    async def drop(self) -> None:
        """Lose the connection without a goodbye (a network drop)."""
        ws, reader = self._ws, self._reader
        self._ws, self._reader = None, None
        if reader is not None:
            reader.cancel()
        if ws is not None:
            ws.transport.abort()

    # Events ---------------------------------------------------------------------------------

    async def send_event(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        event_actions: dict[str, Any] | None = None,
    ) -> float:
        """Send one event (its full name); returns time.monotonic() once it left."""
        event: dict[str, Any] = {"name": name}
        if payload:
            event["payload"] = payload
        if event_actions:
            event["event_actions"] = event_actions
        event["router_data"] = self.router_data()
        await self._connected.wait()
        await self._send(f"42{NAMESPACE},{json.dumps(['event', event], separators=(',', ':'))}")
        return time.monotonic()

    async def _send(self, frame: str) -> None:
        if self.sent_frames is not None:
            self.sent_frames.append(frame)
        await self._ws.send(frame)

    def expect(self, predicate: Callable[[Update], bool]) -> asyncio.Future[Update]:
        """A future for the first update from now on matching `predicate`."""
        future: asyncio.Future[Update] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        return future

    async def wait_for(self, predicate: Callable[[Update], bool], within: float = 30) -> Update:
        return await asyncio.wait_for(self.expect(predicate), within)

    def get(self, substate: str, name: str, default: Any = None) -> Any:
        return self.state.get(substate, {}).get(var(name), default)

    # Receiving ------------------------------------------------------------------------------

    async def _read(self, ws: Any) -> None:
        try:
            async for frame in ws:
                received = time.monotonic()
                if str(frame).startswith("42"):
                    self.frames_in += 1
                    self.chars_in += len(frame)
                    if not self.parse and "_call_script" not in frame:
                        continue
                try:
                    await self._packet(ws, str(frame), received)
                except Exception as exc:  # a bad frame or callback must not deafen the tab
                    self.errors.append(repr(exc))
        except websockets.ConnectionClosed as exc:
            self.errors.append(f"closed: {exc}")
        finally:
            self._connected.clear()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def _packet(self, ws: Any, frame: str, received: float) -> None:
        if frame == "2":  # Engine.IO ping
            await ws.send("3")
            return
        if not frame.startswith("4"):
            return
        kind, body = frame[1], frame[2:]
        if body.startswith(NAMESPACE):
            body = body[len(NAMESPACE) :].removeprefix(",")
        if kind == "0":
            self._connected.set()
        elif kind == "4":
            raise RuntimeError(f"connection refused: {body}")
        elif kind == "2":
            name, data = json.loads(body)
            if name == "event":
                self._apply(Update(received, data.get("delta") or {}, data.get("events") or []))

    def _apply(self, update: Update) -> None:
        for substate, values in update.delta.items():
            self.state.setdefault(substate, {}).update(values)
        for event in update.events:
            self._run_frontend_event(event)
        if self.on_update is not None:
            self.on_update(update)
        keep = []
        for predicate, future in self._waiters:
            if future.done():
                continue
            if predicate(update):
                future.set_result(update)
            else:
                keep.append((predicate, future))
        self._waiters = keep

    def _run_frontend_event(self, event: dict[str, Any]) -> None:
        if event.get("name") != "_call_script":
            return
        payload = event.get("payload") or {}
        code = str(payload.get("javascript_code", ""))
        self.scripts_seen.append(code)
        callback = payload.get("callback")
        if not callback or code not in SCRIPT_RESULTS:
            return
        match = _CALLBACK.search(str(callback))
        if match is not None:
            asyncio.get_running_loop().create_task(
                self.send_event(match[1], {match[2]: SCRIPT_RESULTS[code]})
            )


def _get(delta: dict[str, dict[str, Any]], substate: str, name: str) -> Any:
    return delta.get(substate, {}).get(var(name))


async def sign_in(base_url: str, login: str, password: str) -> str:
    """Log in through the web form, as a person would; returns the `sh_session` cookie header."""
    tab = Tab(base_url, await load_bundle(base_url))
    await tab.open("/login/")
    try:
        submit = form_data(("login", login), ("password", password))
        answer = tab.expect(
            lambda u: any("browser-session" in str(e.get("payload")) for e in u.events)
        )
        await tab.send_event(f"{LOGIN_STATE}.submit", {"form": submit})
        update = await asyncio.wait_for(answer, 60)
    finally:
        await tab.close()
    script = next(
        str(e["payload"]["javascript_code"])
        for e in update.events
        if "browser-session" in str(e.get("payload"))
    )
    ticket = _TICKET.search(script)
    if ticket is None:
        raise RuntimeError(f"no log-in ticket in {script!r}")
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post(
            "/api/v1/auth/browser-session",
            json={"ticket": ticket[1]},
            headers={"Origin": base_url, "User-Agent": USER_AGENT},
        )
        response.raise_for_status()
        return f"sh_session={response.cookies['sh_session']}"


async def open_live(tab: Tab, path: str, query: dict[str, str], within: float = 60) -> None:
    """Open a page (its route parameters in `query`) and wait until the tab's realtime
    listener runs."""
    listening = tab.expect(lambda u: _get(u.delta, REALTIME_STATE, "connected") is True)
    await tab.open(path, query, within)
    if tab.get(REALTIME_STATE, "connected") is not True:
        await asyncio.wait_for(listening, within)
    else:
        listening.cancel()


async def open_chat(tab: Tab, chat_id: str, within: float = 60) -> None:
    """Open /messages/<chat id> and wait until the tab's realtime listener runs."""
    await open_live(tab, f"/messages/{chat_id}", {"chat_id": chat_id}, within)


async def open_channel(tab: Tab, server_id: str, channel_id: str, within: float = 60) -> None:
    """Open /servers/<server>/<channel> and wait until the tab's realtime listener runs."""
    await open_live(
        tab,
        f"/servers/{server_id}/{channel_id}",
        {"server_id": server_id, "channel_id": channel_id},
        within,
    )


async def send_message(tab: Tab, body: str, client_id: str = "") -> float:
    """Type and press Enter in the composer, as the SPA does: the input's on_change sends the
    typing event (throttled to one per 2 s, on the leading edge), then the form is submitted.
    Returns when the send event left."""
    now = time.monotonic()
    if now - tab._last_typing >= TYPING_THROTTLE_MS / 1000:
        tab._last_typing = now
        await tab.send_event(
            f"{CHAT_STATE}.typing", {"_value": body}, {"throttle": TYPING_THROTTLE_MS}
        )
    client_id = client_id or uuid.uuid4().hex
    form = form_data(("body", body), ("client_id", client_id), ("composer", body))
    return await tab.send_event(f"{CHAT_STATE}.send", {"form": form})
