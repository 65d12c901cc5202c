"""Messaging load through Reflex's browser protocol: N tabs (bench/reflex_client.py) on a
production build of SocialHub on a fresh database (bench/load_chat.py's Server).

Every tab is signed in through the web log-in (the HttpOnly cookie), opens its chat
(/messages/<id>: hydrate, on_load, its realtime listener) and keeps its websocket open. A message
is sent from a tab (the composer's typing and send events, `--via tab`) or through the REST API
(`--via api`, receivers still tabs). Latency: from the send event (or the POST) leaving this
process to the frame whose delta carries the message (with its server id) reaching the
receiving tab. Server CPU is read from /proc for the server's whole process group; each send
phase also reports server RSS and the event rows written per message, and `--profile SECONDS`
runs py-spy over the server meanwhile (load_chat.SendPhase).

    .venv/bin/python bench/load_browser.py dm --tabs 200 --rate 20,50,100 --seconds 20
    .venv/bin/python bench/load_browser.py dm --tabs 200 --rate 20,50 --via api
    .venv/bin/python bench/load_browser.py dm --tabs 8 --tabs-per-user 4 --rate 50,200
    .venv/bin/python bench/load_browser.py group --members 50 --rate 20 --seconds 20
    .venv/bin/python bench/load_browser.py biggroup --members 1000 --online 200 --rate 10
    .venv/bin/python bench/load_browser.py idle --users 200 --tabs 2000 --seconds 30
    .venv/bin/python bench/load_browser.py reconnect --tabs 500 --missed 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import resource
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import reflex_client as rc
import websockets
from load_chat import (
    PASSWORD,
    SendPhase,
    Server,
    auth,
    dm_pairs,
    make_group,
    make_users,
    percentiles_ms,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from socialhub.state.message_window import TAIL_CHUNKS

T = TypeVar("T")


def ms(name: str, values: list[float], points: tuple[int, ...]) -> dict[str, float]:
    return {k: round(v, 1) for k, v in percentiles_ms(name, values, points).items()}


OPEN_CONCURRENCY = 20
SIGN_IN_CONCURRENCY = 8
# Where a tab's open chat gets message rows: the window (read when it opened) and the live tail.
# (The tail goes in chunks of TAIL_CHUNK rows, one var each: `rows_0` ... .)
MESSAGE_LISTS = (
    (rc.CHAT_STATE, "messages"),
    *((rc.state_name("conversation", "ChatTailState"), f"rows_{n}") for n in range(TAIL_CHUNKS)),
)


@dataclass
class Member:
    """A user and their open tabs."""

    tokens: dict[str, str]
    tabs: list[rc.Tab] = field(default_factory=list)
    sends: int = 0

    def next_tab(self) -> rc.Tab:
        """The member's tabs send in turn: one tab's events run one at a time on the server."""
        self.sends += 1
        return self.tabs[self.sends % len(self.tabs)]

    @property
    def user_id(self) -> int:
        return int(self.tokens["user_id"])


def delivered_rows(update: rc.Update) -> list[dict[str, Any]]:
    """The open chat's message rows this update brought to the tab (rows the server has stored:
    with an id). The one place that knows where a delta carries them: the window read when the
    chat opened, and the live tail."""
    rows = [
        row
        for state, name in MESSAGE_LISTS
        for row in update.delta.get(state, {}).get(rc.var(name)) or ()
    ]
    return [row for row in rows if row.get("id")]


def screen_rows(tab: rc.Tab) -> list[dict[str, Any]]:
    """The stored message rows the tab shows now, in order (window, then tail)."""
    rows = [row for state, name in MESSAGE_LISTS for row in tab.get(state, name, [])]
    return [r for r in rows if r.get("id")]


@dataclass
class Deliveries:
    """Sent messages waiting for their receivers, and what arrived."""

    sent_at: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    send_acks: list[float] = field(default_factory=list)
    # body -> the tabs that should show it and have not yet.
    awaited: dict[str, set[int]] = field(default_factory=dict)
    # Sends the server confirmed (the stored row back in the sender's tab, or HTTP 201).
    confirmed: set[str] = field(default_factory=set)
    # body -> the message's number in its chat, as any tab first got it.
    seq_of: dict[str, int] = field(default_factory=dict)
    # body -> the tab it was sent from (the sender's other tabs get it too: not its ack).
    sent_from: dict[str, int] = field(default_factory=dict)

    def watch(self, tab: rc.Tab, me: int) -> None:
        """Count each bench message once per tab, when its stored row first reaches the tab."""
        seen: set[str] = set()

        def on_update(update: rc.Update) -> None:
            for row in delivered_rows(update):
                body = row.get("body", "")
                self.seq_of.setdefault(body, int(row.get("seq", 0)))
                # Only this run's messages (awaited), not late ones from the run before.
                if body in seen or body not in self.awaited:
                    continue
                seen.add(body)
                elapsed = update.received - self.sent_at[body]
                if row.get("author_id") == me:
                    if self.sent_from.get(body) == id(tab):
                        self.send_acks.append(elapsed)
                        self.confirmed.add(body)
                else:
                    self.latencies.append(elapsed)
                    self.awaited.get(body, set()).discard(id(tab))

        tab.on_update = on_update


async def bounded(limit: int, jobs: list[Callable[[], Awaitable[T]]]) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await job()

    return await asyncio.gather(*(one(job) for job in jobs))


async def open_tabs(
    server: Server, members: list[Member], chat_of: Callable[[Member], str], tabs_each: int
) -> None:
    """Sign every member in through the web form, then open `tabs_each` tabs on their chat."""
    bundle = await rc.load_bundle(server.url)
    progress(f"signing in {len(members)} users")
    cookies = await bounded(
        SIGN_IN_CONCURRENCY,
        [
            lambda m=m: rc.sign_in(server.url, m.tokens["user"]["username"], PASSWORD)  # type: ignore[index]
            for m in members
        ],
    )
    jobs = []
    for member, cookie in zip(members, cookies, strict=True):
        for _ in range(tabs_each):
            tab = rc.Tab(server.url, bundle, cookie=cookie)
            member.tabs.append(tab)
            jobs.append(lambda t=tab, m=member: rc.open_chat(t, chat_of(m), within=120))
    progress(f"opening {len(jobs)} tabs")
    await bounded(OPEN_CONCURRENCY, jobs)
    progress("tabs open")


async def close_all(members: list[Member]) -> None:
    await asyncio.gather(*(tab.close() for m in members for tab in m.tabs))


def passed(tab: rc.Tab, seq: int | None) -> bool:
    """Whether the tab's screen starts after message number `seq` of its chat."""
    rows = screen_rows(tab)
    return seq is not None and bool(rows) and int(rows[0].get("seq", 0)) > seq


def shown(tab: rc.Tab) -> set[str]:
    return {r.get("body", "") for r in screen_rows(tab)}


def progress(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def harness_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def offer(
    server: Server,
    senders: list[tuple[Member, str]],
    deliveries: Deliveries,
    *,
    rate: float,
    seconds: float,
    via: str,
    receivers: Callable[[Member, str], list[rc.Tab]],
    drain: float,
    profile: float = 0,
) -> dict[str, Any]:
    """Send at `rate` for `seconds` (round-robin over `senders`: member and chat; each member's
    tabs in turn), then wait at most `drain` seconds for what is still in flight."""
    deliveries.latencies.clear()
    deliveries.send_acks.clear()
    deliveries.awaited.clear()
    deliveries.confirmed.clear()
    deliveries.sent_from.clear()
    progress(f"sending {rate} msg/s for {seconds} s via {via}")
    tabs_by_id: dict[int, rc.Tab] = {}
    expected = sent = errors = 0
    phase = SendPhase(server, profile)
    phase.begin()
    harness0 = harness_cpu()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:

        async def send_one(member: Member, chat_id: str, body: str) -> None:
            nonlocal sent, errors, expected
            targets = receivers(member, chat_id)
            tabs_by_id.update((id(t), t) for t in targets)
            deliveries.awaited[body] = {id(t) for t in targets}
            try:
                if via == "api":
                    deliveries.sent_at[body] = time.monotonic()
                    response = await client.post(
                        f"/api/v1/chats/{chat_id}/messages",
                        json={"body": body, "client_id": uuid.uuid4().hex},
                        headers=auth(member.tokens),
                    )
                    if response.status_code != 201:
                        errors += 1
                        return
                    deliveries.send_acks.append(time.monotonic() - deliveries.sent_at[body])
                    deliveries.confirmed.add(body)
                else:
                    tab = member.next_tab()
                    deliveries.sent_from[body] = id(tab)
                    # Noted before the await returns: the reply can beat the return.
                    deliveries.sent_at[body] = time.monotonic()
                    deliveries.sent_at[body] = await rc.send_message(tab, body)
            except (httpx.HTTPError, OSError):
                errors += 1
                deliveries.awaited.pop(body, None)
                return
            sent += 1
            expected += len(targets)

        interval = 1.0 / rate
        began = time.monotonic()
        tasks = []
        n = 0
        while time.monotonic() - began < seconds and n < rate * seconds:
            member, chat_id = senders[n % len(senders)]
            body = f"b{uuid.uuid4().hex[:12]}"
            tasks.append(asyncio.create_task(send_one(member, chat_id, body)))
            n += 1
            await asyncio.sleep(max(0.0, began + n * interval - time.monotonic()))
        # The rate the sends left at: below the offered one, the harness itself is the limit.
        issued_rate = n / (time.monotonic() - began)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - began
    deadline = time.monotonic() + drain
    while (  # noqa: ASYNC110 (polls the tabs' counters)
        len(deliveries.latencies) < expected and time.monotonic() < deadline
    ):
        await asyncio.sleep(0.2)
    drained = time.monotonic() - began - elapsed
    cost = phase.end(sent)
    # A missing delivery: is the message on the tab's screen after all (the harness missed the
    # frame), and is the tab still connected?
    late = [(b, tabs_by_id[t]) for b, ts in deliveries.awaited.items() for t in ts]
    return {
        "offered_rate": rate,
        "issued_rate": round(issued_rate, 1),
        "achieved_send_rate": round(sent / elapsed, 1),
        "sent": sent,
        "send_errors": errors,
        "deliveries": len(deliveries.latencies),
        "missing": expected - len(deliveries.latencies),
        "sends_confirmed": len(deliveries.confirmed),
        "missing_send_never_confirmed": sum(1 for b, _t in late if b not in deliveries.confirmed),
        "missing_but_on_screen": sum(1 for b, t in late if b in shown(t)),
        "missing_tab_disconnected": sum(1 for _b, t in late if not t.connected),
        # The tab's window (its latest 100 rows) moved past the message in one push: more
        # arrived in one batch than the window holds; the reader sees it by scrolling up.
        "missing_scrolled_past": sum(1 for b, t in late if passed(t, deliveries.seq_of.get(b))),
        "missing_tabs": len({id(t) for _b, t in late}),
        "tabs_told_to_reload": sum(
            1 for t in tabs_by_id.values() if any("reload" in code for code in t.scripts_seen)
        ),
        "tabs_with_errors": len({id(t) for t in tabs_by_id.values() if t.errors}),
        "drained_after_s": round(drained, 1),
        **ms("delivery", deliveries.latencies, (50, 95, 99)),
        **ms("send_ack", deliveries.send_acks, (50, 99)),
        "harness_cpu_s": round(harness_cpu() - harness0, 1),
        **cost,
    }


async def scenario_dm(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """DM pairs, each user with --tabs-per-user tabs on the chat; both sides send in turn, each
    from its tabs in turn, and every message counts once per tab of the partner.

    One 2-member room at a high rate is `--tabs 8 --tabs-per-user 4`: a tab's events run one at
    a time on the server, so one tab cannot send 200 msg/s; four tabs per member share the
    sending. Their other tabs get each message too (not counted, but they cost the server)."""
    users, chats = await dm_pairs(server, "bdm", args.tabs // args.tabs_per_user)
    members = [Member(u) for u in users]
    chat_of: dict[int, str] = {}
    partner: dict[int, Member] = {}
    senders: list[tuple[Member, str]] = []
    for (chat_id, _first), a, b in zip(chats, members[::2], members[1::2], strict=False):
        chat_of[a.user_id] = chat_of[b.user_id] = chat_id
        partner[a.user_id], partner[b.user_id] = b, a
        senders += [(a, chat_id), (b, chat_id)]
    random.shuffle(senders)
    rss0 = server.rss_mb()
    opened = time.monotonic()
    await open_tabs(server, members, lambda m: chat_of[m.user_id], args.tabs_per_user)
    result: dict[str, Any] = {
        "tabs": sum(len(m.tabs) for m in members),
        "open_all_s": round(time.monotonic() - opened, 1),
        "rss_before_tabs_mb": round(rss0),
        "rss_tabs_open_mb": round(server.rss_mb()),
        "runs": [],
    }
    deliveries = Deliveries()
    for member in members:
        for tab in member.tabs:
            deliveries.watch(tab, member.user_id)
    for rate in args.rates:
        await asyncio.sleep(2)
        result["runs"].append(
            await offer(
                server,
                senders,
                deliveries,
                rate=rate,
                seconds=args.seconds,
                via=args.via,
                receivers=lambda m, _c: partner[m.user_id].tabs,
                drain=args.drain,
                profile=args.profile,
            )
        )
    await close_all(members)
    return result


async def scenario_group(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """A group of --members, every member with its tabs on the chat and sending in turn."""
    users = await make_users(server, "bgm", args.members)
    chat_id = await make_group(server, users)
    return await group_runs(server, args, chat_id, [Member(u) for u in users])


async def scenario_biggroup(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """A group of --members of whom --online have a tab open on it (the others are offline);
    the online members send in turn."""
    users = await make_users(server, "bbg", args.members)
    chat_id = await make_group(server, users)
    online = [Member(u) for u in users[: args.online]]
    return {
        "members": len(users),
        "online": len(online),
        **await group_runs(server, args, chat_id, online),
    }


async def group_runs(
    server: Server, args: argparse.Namespace, chat_id: str, members: list[Member]
) -> dict[str, Any]:
    """Open `members`' tabs on the group, then a send phase per rate among them."""
    rss0 = server.rss_mb()
    opened = time.monotonic()
    await open_tabs(server, members, lambda _m: chat_id, args.tabs_per_user)
    deliveries = Deliveries()
    for member in members:
        for tab in member.tabs:
            deliveries.watch(tab, member.user_id)
    result: dict[str, Any] = {
        "tabs": sum(len(m.tabs) for m in members),
        "open_all_s": round(time.monotonic() - opened, 1),
        "rss_before_tabs_mb": round(rss0),
        "rss_tabs_open_mb": round(server.rss_mb()),
        "runs": [],
    }
    for rate in args.rates:
        await asyncio.sleep(2)
        result["runs"].append(
            await offer(
                server,
                [(m, chat_id) for m in members],
                deliveries,
                rate=rate,
                seconds=args.seconds,
                via=args.via,
                receivers=lambda m, _c: [t for o in members if o is not m for t in o.tabs],
                drain=args.drain,
                profile=args.profile,
            )
        )
    await close_all(members)
    return result


async def scenario_idle(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """--tabs tabs of --users users (DM pairs), open and doing nothing for --seconds."""
    users, chats = await dm_pairs(server, "bid", args.users)
    members = [Member(u) for u in users]
    chat_of: dict[int, str] = {}
    for (chat_id, _first), a, b in zip(chats, members[::2], members[1::2], strict=False):
        chat_of[a.user_id] = chat_of[b.user_id] = chat_id
    await asyncio.sleep(2)
    rss0, cpu0 = server.rss_mb(), server.cpu_seconds()
    opened = time.monotonic()
    await open_tabs(server, members, lambda m: chat_of[m.user_id], args.tabs // args.users)
    open_s = time.monotonic() - opened
    tabs = sum(len(m.tabs) for m in members)
    cpu1, rss1 = server.cpu_seconds(), server.rss_mb()
    await asyncio.sleep(args.seconds)
    cpu2, rss2 = server.cpu_seconds(), server.rss_mb()
    connected = sum(1 for m in members for t in m.tabs if t._connected.is_set())
    await close_all(members)
    return {
        "users": len(members),
        "tabs": tabs,
        "still_connected": connected,
        "open_all_s": round(open_s, 1),
        "server_cpu_s_opening": round(cpu1 - cpu0, 1),
        "server_cpu_ms_per_tab_opened": round((cpu1 - cpu0) / tabs * 1000, 1),
        "idle_s": args.seconds,
        "server_cpu_s_idle": round(cpu2 - cpu1, 2),
        "rss_before_mb": round(rss0),
        "rss_tabs_open_mb": round(rss1),
        "rss_after_idle_mb": round(rss2),
        "rss_kb_per_tab": round((rss2 - rss0) * 1024 / tabs, 1),
    }


async def scenario_reconnect(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """Every tab drops; each DM side sends --missed messages (API); every tab reconnects at
    once (same token, as after a network drop) and must show every missed one, in order."""
    users, chats = await dm_pairs(server, "brc", args.tabs)
    members = [Member(u) for u in users]
    chat_of: dict[int, str] = {}
    pairs = []
    partner: dict[int, Member] = {}
    for (chat_id, _first), a, b in zip(chats, members[::2], members[1::2], strict=False):
        chat_of[a.user_id] = chat_of[b.user_id] = chat_id
        partner[a.user_id], partner[b.user_id] = b, a
        pairs.append((chat_id, a, b))
    await open_tabs(server, members, lambda m: chat_of[m.user_id], 1)
    rss0 = server.rss_mb()
    await asyncio.gather(*(tab.drop() for m in members for tab in m.tabs))
    progress("tabs dropped; sending what they miss")
    missed: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:

        async def away(chat_id: str, a: Member, b: Member) -> None:
            for i in range(args.missed):
                for sender in (a, b):
                    body = f"missed-{i}-{uuid.uuid4().hex[:8]}"
                    response = await client.post(
                        f"/api/v1/chats/{chat_id}/messages",
                        json={"body": body},
                        headers=auth(sender.tokens),
                    )
                    response.raise_for_status()
                    missed.setdefault(chat_id, []).append(body)

        await bounded(20, [lambda p=p: away(*p) for p in pairs])
    progress("reconnecting every tab")
    cpu0 = server.cpu_seconds()
    started = time.monotonic()
    caught_up: list[float] = []
    out_of_order = failed = 0

    async def come_back(member: Member) -> None:
        nonlocal out_of_order, failed
        tab = member.tabs[0]
        wanted = missed[chat_of[member.user_id]]

        def has_all(_update: rc.Update) -> bool:
            return set(wanted) <= shown(tab)

        try:
            done = tab.expect(has_all)
            await tab.reconnect(within=args.storm_timeout)
            await asyncio.wait_for(done, args.storm_timeout)
        except (TimeoutError, OSError, RuntimeError, websockets.WebSocketException):
            failed += 1
            return
        caught_up.append(time.monotonic() - started)
        order = [r.get("body") for r in screen_rows(tab)]
        if [b for b in order if b in set(wanted)] != wanted:
            out_of_order += 1

    await asyncio.gather(*(come_back(m) for m in members))
    storm_s = time.monotonic() - started
    storm_cpu = server.cpu_seconds() - cpu0
    # The server right after the storm: live messages between the tabs.
    deliveries = Deliveries()
    for member in members:
        deliveries.watch(member.tabs[0], member.user_id)
    live = await offer(
        server,
        [(a, chat_id) for chat_id, a, _b in pairs],
        deliveries,
        rate=min(20.0, len(pairs) / 2),
        seconds=5,
        via="tab",
        receivers=lambda m, _c: partner[m.user_id].tabs,
        drain=args.drain,
        profile=args.profile,
    )
    await close_all(members)
    return {
        "tabs": len(members),
        "missed_per_tab": 2 * args.missed,
        "caught_up": len(caught_up),
        "failed": failed,
        "out_of_order": out_of_order,
        "all_caught_up_s": round(storm_s, 1),
        **ms("caught_up", caught_up, (50, 95, 99)),
        "server_cpu_s_storm": round(storm_cpu, 1),
        "server_cpu_ms_per_tab": round(storm_cpu / len(members) * 1000, 1),
        "rss_before_mb": round(rss0),
        "rss_after_storm_mb": round(server.rss_mb()),
        "live_after": live,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["dm", "group", "biggroup", "idle", "reconnect"])
    parser.add_argument("--tabs", type=int, default=200)
    parser.add_argument("--tabs-per-user", type=int, default=1)
    parser.add_argument("--users", type=int, default=200, help="idle: users owning the tabs")
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--online", type=int, default=200, help="biggroup: members with a tab")
    parser.add_argument("--rate", default="20", help="msg/s, comma-separated for several runs")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--via", choices=["tab", "api"], default="tab")
    parser.add_argument("--missed", type=int, default=5, help="reconnect: per side and chat")
    parser.add_argument("--drain", type=float, default=30, help="max wait for late deliveries")
    parser.add_argument("--storm-timeout", type=float, default=120)
    parser.add_argument("--port", type=int, default=3301)
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="py-spy the server for SECONDS from the start of each send phase",
    )
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rate.split(",")]
    args.seconds = min(args.seconds, 60)  # keep every run short on the shared machine
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", args.port)) == 0:
            sys.exit(f"port {args.port} is taken: stop the server there first")
    server = Server(args.port, Path(tempfile.mkdtemp(prefix="socialhub-bench-browser-")))
    scenarios = {
        "dm": scenario_dm,
        "group": scenario_group,
        "biggroup": scenario_biggroup,
        "idle": scenario_idle,
        "reconnect": scenario_reconnect,
    }
    try:
        server.start()
        result = asyncio.run(scenarios[args.scenario](server, args))
    finally:
        group = server.process.pid if server.process is not None else 0
        with contextlib.suppress(Exception):
            server.stop()
        # `reflex run` may exit on SIGTERM and leave its worker holding the port.
        with contextlib.suppress(OSError):
            if group:
                os.killpg(group, signal.SIGKILL)
    settings = {k: v for k, v in vars(args).items() if k != "rates"}
    print(json.dumps({"scenario": args.scenario, **settings, **result}, indent=2))


if __name__ == "__main__":
    main()
