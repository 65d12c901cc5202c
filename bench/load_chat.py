"""Messaging load harness.

Starts a production build of SocialHub on a fresh database (or uses --url), signs up users through
the API and measures send-to-delivery latency.

Receivers are real clients of the live event stream (`GET /api/v1/events`, Server-Sent Events,
the same events a browser tab's listener applies); senders call `POST /api/v1/chats/{id}/messages`.
Every message carries its send time; latency is measured when the recipient's stream yields it.
Each send phase also reports the server's CPU per message, its RSS and the rows written to the
event tables per message; `--profile SECONDS` runs py-spy over the server meanwhile.

    .venv/bin/python bench/load_chat.py dm --clients 1000 --rate 100 --seconds 20
    .venv/bin/python bench/load_chat.py dm --clients 2 --rate 200 --seconds 20
    .venv/bin/python bench/load_chat.py group --members 50 --rate 20 --seconds 20
    .venv/bin/python bench/load_chat.py biggroup --members 1000 --online 200 --rate 10
    .venv/bin/python bench/load_chat.py history --messages 100000
    .venv/bin/python bench/load_chat.py reconnect --clients 500 --missed 5
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import profile_top
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-password-4821"  # noqa: S105 (throwaway accounts on a throwaway database)
# How long to wait, after the last send, for deliveries still in flight.
DRAIN_SECONDS = 60
# The tables a message's events are written to (stored once per conversation, or per user).
EVENT_TABLES = ("conversation_events", "user_events")
# Usernames per request creating or filling a group (the API takes at most 300).
GROUP_CHUNK = 200


class Server:
    def __init__(self, port: int, data: Path, database_url: str = "") -> None:
        self.port = port
        self.data = data
        self.url = f"http://localhost:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
            "REFLEX_USE_NPM": "1",
            "PORT": str(port),
            "DATA_DIR": str(data),
            "BCRYPT_ROUNDS": "4",
            "RATE_LIMIT_LOGIN": "100000/minute",
            "RATE_LIMIT_SIGNUP": "100000/minute",
            "RATE_LIMIT_MESSAGE": "100000/minute",
            "RATE_LIMIT_TYPING": "100000/minute",
            "RATE_LIMIT_GROUP": "100000/hour",
            "RATE_LIMIT_MEMBER_ADD": "100000/hour",
            "GROUP_MAX_MEMBERS": "1000",
            "LOG_LEVEL": "WARNING",
        }
        if database_url:
            self.env["DATABASE_URL"] = database_url
        self.database_url = database_url or f"sqlite:///{data / 'socialhub.db'}"

    def start(self) -> None:
        subprocess.run(["alembic", "upgrade", "head"], cwd=ROOT, env=self.env, check=True)
        log = (self.data / "server.log").open("wb")
        self.process = subprocess.Popen(
            ["reflex", "run", "--env", "prod", "--single-port"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise RuntimeError("server did not start")

    def rss_mb(self) -> float:
        """Resident memory of the whole server process group."""
        if self.process is None:
            return 0.0
        total = 0
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                if os.getpgid(int(pid_dir.name)) != self.process.pid:
                    continue
                for line in (pid_dir / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (OSError, ProcessLookupError):
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU time used so far by the whole server process group (live
        processes only: read before and after a phase, the difference is that phase's cost)."""
        if self.process is None:
            return 0.0
        ticks = 0
        for pid_dir in Path("/proc").iterdir():
            if not pid_dir.name.isdigit():
                continue
            try:
                if os.getpgid(int(pid_dir.name)) != self.process.pid:
                    continue
                fields = (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, ProcessLookupError):
                continue
            # After the command name: state is field 3, utime and stime are fields 14 and 15.
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    async def settle(self, within: float = 120) -> None:
        """Wait until the server is nearly idle (below a fifth of a core over half a second):
        new streams first replay their backlog, which must not overlap the measured phase."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            await asyncio.sleep(0.5)
            if self.cpu_seconds() - before < 0.1:
                return

    def table_rows(self, tables: tuple[str, ...] = EVENT_TABLES) -> dict[str, int]:
        """How many rows each table holds now, read straight from the server's database."""
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return {
                    t: int(connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one())  # noqa: S608 (our own table names)
                    for t in tables
                }
        finally:
            engine.dispose()

    def stop(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class SendPhase:
    """What the server spends on one send phase: CPU, memory and event rows per message, and
    a py-spy record of it when `profile_seconds` is set (both harnesses measure through this)."""

    def __init__(self, server: Server, profile_seconds: float = 0) -> None:
        self.server = server
        self.profile_seconds = profile_seconds
        self._cpu = 0.0
        self._rows: dict[str, int] = {}
        self._recording: subprocess.Popen[bytes] | None = None
        self._raw = server.data / f"profile-{time.time_ns()}.raw"

    def begin(self) -> None:
        self._rows = self.server.table_rows()
        self._cpu = self.server.cpu_seconds()
        if self.profile_seconds and self.server.process is not None:
            self._recording = profile_top.start(
                self.server.process.pid, self.profile_seconds, self._raw
            )

    def end(self, sent: int) -> dict[str, Any]:
        """Call once the phase's deliveries are in (or given up on)."""
        cpu = self.server.cpu_seconds() - self._cpu
        rows = self.server.table_rows()
        result: dict[str, Any] = {
            "server_cpu_s": round(cpu, 1),
            "server_cpu_ms_per_message": round(cpu / max(sent, 1) * 1000, 1),
            "server_rss_mb": round(self.server.rss_mb()),
        }
        for table, before in self._rows.items():
            result[f"{table}_rows_per_message"] = round((rows[table] - before) / max(sent, 1), 2)
        if self._recording is not None:
            result["profile"] = profile_top.finish(self._recording, self._raw)
        return result


async def register(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": name, "email": f"{name}@bench.example", "password": PASSWORD},
    )
    response.raise_for_status()
    data: dict[str, str] = response.json()
    return data


def auth(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def listen(
    url: str,
    tokens: dict[str, str],
    latencies: list[float],
    ready: asyncio.Event,
    stop: asyncio.Event,
) -> None:
    """One receiving client: an SSE stream; records latency of each message others sent."""
    me = int(tokens["user_id"])
    async with (
        httpx.AsyncClient(base_url=url, timeout=None) as client,
        client.stream("GET", "/api/v1/events", headers=auth(tokens)) as response,
    ):
        ready.set()
        async for line in response.aiter_lines():
            if stop.is_set():
                return
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if (event["type"], event["op"]) != ("message", "add"):
                continue
            data = event["data"]
            if (data.get("author") or {}).get("id") == me:
                continue
            try:
                sent_at = float(data["body"].split("|", 1)[0])
            except ValueError:
                continue
            latencies.append(time.time() - sent_at)


def percentiles_ms(name: str, values: list[float], points: tuple[int, ...]) -> dict[str, float]:
    """{"<name>_p50_ms": ..., ...} for latencies given in seconds."""
    return {f"{name}_p{p}_ms": percentile(values, p) * 1000 for p in points}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run_load(
    server: Server,
    users: list[dict[str, str]],
    chats: list[tuple[str, dict[str, str]]],
    *,
    rate: float,
    seconds: float,
    expected_per_message: int,
    profile: float = 0,
) -> dict[str, Any]:
    """Every user listens on its stream; `chats` (chat and sender) send in turn at `rate`."""
    latencies: list[float] = []
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in users]
    listeners = [
        asyncio.create_task(listen(server.url, u, latencies, r, stop))
        for u, r in zip(users, readies, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 120)
    await asyncio.sleep(1)
    await server.settle()
    rss_idle = server.rss_mb()
    sent = 0
    errors = 0
    send_times: list[float] = []
    phase = SendPhase(server, profile)
    phase.begin()
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:

        async def send_one(chat_id: str, tokens: dict[str, str]) -> None:
            nonlocal sent, errors
            started = time.time()
            try:
                response = await client.post(
                    f"/api/v1/chats/{chat_id}/messages",
                    json={"body": f"{started}|load", "client_id": f"b{random.getrandbits(60):x}"},
                    headers=auth(tokens),
                )
            except httpx.HTTPError:
                errors += 1
                return
            send_times.append(time.time() - started)
            if response.status_code == 201:
                sent += 1
            else:
                errors += 1

        interval = 1.0 / rate
        began = time.monotonic()
        tasks = []
        n = 0
        while time.monotonic() - began < seconds:
            chat_id, tokens = chats[n % len(chats)]
            tasks.append(asyncio.create_task(send_one(chat_id, tokens)))
            n += 1
            await asyncio.sleep(max(0.0, began + n * interval - time.monotonic()))
        # The rate the sends left at: below the offered one, the harness itself is the limit.
        issued_rate = n / (time.monotonic() - began)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - began
    # Wait for what is still in flight (not a fixed grace: a late delivery left out would make
    # the percentiles look better than they are); whatever has not come after a minute counts
    # as undelivered.
    deadline = time.monotonic() + DRAIN_SECONDS
    while len(latencies) < sent * expected_per_message and time.monotonic() < deadline:  # noqa: ASYNC110 (polls the listeners' list)
        await asyncio.sleep(0.2)
    drained = time.monotonic() - began - elapsed
    cost = phase.end(sent)
    stop.set()
    for task in listeners:
        task.cancel()
    delivered = len(latencies)
    return {
        "offered_rate": rate,
        "issued_rate": round(issued_rate, 1),
        "achieved_send_rate": round(sent / elapsed, 1),
        "sent": sent,
        "send_errors": errors,
        "deliveries": delivered,
        "expected_deliveries": sent * expected_per_message,
        "missing": sent * expected_per_message - delivered,
        "drained_after_s": round(drained, 1),
        **{k: round(v, 1) for k, v in percentiles_ms("delivery", latencies, (50, 95, 99)).items()},
        **{k: round(v, 1) for k, v in percentiles_ms("send", send_times, (50, 99)).items()},
        "rss_idle_mb": round(rss_idle),
        **cost,
    }


async def make_users(server: Server, prefix: str, count: int) -> list[dict[str, str]]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        users: list[dict[str, str]] = []
        for start in range(0, count, 50):
            batch = await asyncio.gather(
                *(register(client, f"{prefix}{i}") for i in range(start, min(count, start + 50)))
            )
            users.extend(batch)
    for user in users:
        user["user_id"] = str(user["user"]["id"])  # type: ignore[index]
    return users


async def dm_pairs(
    server: Server, prefix: str, clients: int
) -> tuple[list[dict[str, str]], list[tuple[str, dict[str, str]]]]:
    """`clients` users in DM pairs: the users, and each chat with its first member."""
    users = await make_users(server, prefix, clients)
    chats: list[tuple[str, dict[str, str]]] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for a, b in zip(users[::2], users[1::2], strict=False):
            response = await client.post(
                "/api/v1/chats/dm",
                json={"username": b["user"]["username"]},
                headers=auth(a),  # type: ignore[index]
            )
            chats.append((response.json()["id"], a))
    return users, chats


async def make_group(server: Server, users: list[dict[str, str]]) -> str:
    """A group of `users`, created by the first: the others are added in chunks through the
    add-members endpoint, as an admin filling a big group would."""
    names = [u["user"]["username"] for u in users[1:]]  # type: ignore[index]
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        response = await client.post(
            "/api/v1/chats",
            json={"title": "bench", "usernames": names[:GROUP_CHUNK]},
            headers=auth(users[0]),
        )
        response.raise_for_status()
        chat_id: str = response.json()["id"]
        for start in range(GROUP_CHUNK, len(names), GROUP_CHUNK):
            response = await client.post(
                f"/api/v1/chats/{chat_id}/members",
                json={"usernames": names[start : start + GROUP_CHUNK]},
                headers=auth(users[0]),
            )
            response.raise_for_status()
    return chat_id


async def scenario_dm(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """DM pairs, every user on its stream; both sides of each pair send in turn (`--clients 2`:
    one 2-member room, its two members sending alternately through the REST API, many sends in
    flight at once, so the sender is not what limits the rate)."""
    users, chats = await dm_pairs(server, "dm", args.clients)
    senders = []
    for (chat_id, first), second in zip(chats, users[1::2], strict=False):
        senders += [(chat_id, first), (chat_id, second)]
    return await run_load(
        server,
        users,
        senders,
        rate=args.rate,
        seconds=args.seconds,
        expected_per_message=1,
        profile=args.profile,
    )


async def scenario_group(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """A group of --members, every member on its stream and sending in turn."""
    users = await make_users(server, "gm", args.members)
    chat_id = await make_group(server, users)
    return await run_load(
        server,
        users,
        [(chat_id, u) for u in users],
        rate=args.rate,
        seconds=args.seconds,
        expected_per_message=len(users) - 1,
        profile=args.profile,
    )


async def scenario_biggroup(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    """A group of --members of whom only --online have a stream open (the others offline);
    the online members send in turn. Rows written per message show what the offline members
    cost the send."""
    users = await make_users(server, "bg", args.members)
    chat_id = await make_group(server, users)
    online = users[: args.online]
    result = await run_load(
        server,
        online,
        [(chat_id, u) for u in online],
        rate=args.rate,
        seconds=args.seconds,
        expected_per_message=len(online) - 1,
        profile=args.profile,
    )
    return {"members": len(users), "online": len(online), **result}


async def scenario_history(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """Open a chat of N messages (inserted directly) vs a small one: latest page and a jump."""
    users = await make_users(server, "hist", 3)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        big = (
            await client.post(
                "/api/v1/chats/dm",
                json={"username": users[1]["user"]["username"]},
                headers=auth(users[0]),  # type: ignore[index]
            )
        ).json()["id"]
        small = (
            await client.post(
                "/api/v1/chats/dm",
                json={"username": users[2]["user"]["username"]},
                headers=auth(users[0]),  # type: ignore[index]
            )
        ).json()["id"]
        for i in range(20):
            await client.post(
                f"/api/v1/chats/{small}/messages", json={"body": f"s{i}"}, headers=auth(users[0])
            )
    fill_messages(server, big, int(users[0]["user_id"]), args.messages)
    results: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for label, chat in (("small", small), ("big", big)):
            samples = []
            for _ in range(30):
                started = time.perf_counter()
                response = await client.get(
                    f"/api/v1/chats/{chat}/messages?limit=50", headers=auth(users[0])
                )
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200
            results[f"open_{label}_p50_ms"] = statistics.median(samples) * 1000
            results[f"open_{label}_p95_ms"] = percentile(samples, 95) * 1000
        middle = (
            await client.get(
                f"/api/v1/chats/{big}/messages?before={args.messages // 2}&limit=1",
                headers=auth(users[0]),
            )
        ).json()[0]["id"]
        samples = []
        for _ in range(30):
            started = time.perf_counter()
            await client.get(
                f"/api/v1/chats/{big}/messages?around={middle}&limit=50", headers=auth(users[0])
            )
            samples.append(time.perf_counter() - started)
        results["jump_big_p50_ms"] = statistics.median(samples) * 1000
    return results


async def reconnecting_client(
    url: str,
    tokens: dict[str, str],
    missed: int,
    started: float,
    caught_up: list[tuple[float, float]],
    live: list[float],
    stop: asyncio.Event,
    everyone: tuple[asyncio.Event, int],
) -> None:
    """A tab coming back: resumes its stream from position 0 (everything it missed), records
    when the stream opened and when the last missed message arrived, then stays for live ones."""
    me = int(tokens["user_id"])
    got = 0
    opened_after = 0.0
    async with (
        httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(120.0)) as client,
        client.stream("GET", "/api/v1/events?since=0", headers=auth(tokens)) as response,
    ):
        opened_after = time.monotonic() - started
        async for line in response.aiter_lines():
            if stop.is_set():
                return
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            data = event["data"]
            if (event["type"], event["op"]) != ("message", "add"):
                continue
            if (data.get("author") or {}).get("id") == me:
                continue
            head = data["body"].split("|", 1)[0]
            if head == "missed":
                got += 1
                if got == missed:
                    caught_up.append((opened_after, time.monotonic() - started))
                    all_done, total = everyone
                    if len(caught_up) == total:
                        all_done.set()
            else:
                live.append(time.time() - float(head))


async def scenario_reconnect(server: Server, args: argparse.Namespace) -> dict[str, float]:
    """Every tab reconnects at once after each missed `--missed` messages from its partner."""
    users, chats = await dm_pairs(server, "rc", args.clients)
    partner = {a["user_id"]: b for a, b in zip(users[::2], users[1::2], strict=False)}
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        for _ in range(args.missed):
            for chat_id, first in chats:
                for sender in (first, partner[first["user_id"]]):
                    response = await client.post(
                        f"/api/v1/chats/{chat_id}/messages",
                        json={"body": "missed|while away"},
                        headers=auth(sender),
                    )
                    response.raise_for_status()
    rss_idle = server.rss_mb()
    caught_up: list[tuple[float, float]] = []
    live: list[float] = []
    stop, all_done = asyncio.Event(), asyncio.Event()
    cpu0 = server.cpu_seconds()
    started = time.monotonic()
    clients = [
        asyncio.create_task(
            reconnecting_client(
                server.url, u, args.missed, started, caught_up, live, stop, (all_done, len(users))
            )
        )
        for u in users
    ]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_done.wait(), 180)
    storm_seconds = time.monotonic() - started
    storm_cpu = server.cpu_seconds() - cpu0
    rss_peak = server.rss_mb()
    # The server after the storm: a few live messages, one per chat, over five seconds.
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for chat_id, first in chats[: max(1, min(len(chats), 50))]:
            await client.post(
                f"/api/v1/chats/{chat_id}/messages",
                json={"body": f"{time.time()}|live"},
                headers=auth(first),
            )
            await asyncio.sleep(5 / max(1, min(len(chats), 50)))
    await asyncio.sleep(2)
    stop.set()
    for task in clients:
        task.cancel()
    failed = sum(1 for t in clients if t.done() and not t.cancelled() and t.exception())
    opened = [o for o, _ in caught_up]
    done = [d for _, d in caught_up]
    return {
        "tabs": len(users),
        "caught_up": len(caught_up),
        "failed": failed,
        "all_caught_up_s": storm_seconds,
        **percentiles_ms("stream_open", opened, (50, 99)),
        **percentiles_ms("caught_up", done, (50, 95, 99)),
        **percentiles_ms("live_after", live, (50, 99)),
        "server_cpu_s_storm": round(storm_cpu, 1),
        "server_cpu_ms_per_client": round(storm_cpu / max(len(users), 1) * 1000, 1),
        "rss_before_mb": round(rss_idle),
        "rss_after_storm_mb": round(rss_peak),
    }


def fill_messages(server: Server, chat_id: str, author: int, count: int) -> None:
    """Bulk-insert history straight into the database (the send path is measured elsewhere)."""
    code = f"""
import sqlalchemy as sa
from socialhub.db import get_engine
from socialhub.models.base import new_id, utcnow
rows = [dict(id=new_id(), conversation_id={chat_id!r}, seq=i, author_id={author}, kind="text",
             body=f"history {{i}}", forwarded=False, attachments=[], created_at=utcnow())
        for i in range(1, {count} + 1)]
from socialhub.models import Message, Conversation
with get_engine().begin() as c:
    for start in range(0, len(rows), 5000):
        c.execute(sa.insert(Message), rows[start:start + 5000])
    c.execute(sa.update(Conversation).where(Conversation.id == {chat_id!r})
              .values(last_seq={count}))
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=server.env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["dm", "group", "biggroup", "history", "reconnect"])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--online", type=int, default=200, help="biggroup: members connected")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--missed", type=int, default=5, help="reconnect: messages missed per tab")
    parser.add_argument("--port", type=int, default=3150)
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="py-spy the server for SECONDS from the start of the send phase",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="use a fresh PostgreSQL database on 127.0.0.1 instead of SQLite",
    )
    args = parser.parse_args()
    database_url = ""
    if args.postgres:
        name = f"socialhub_bench_{os.getpid()}"
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"],
            check=True,
        )
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    server = Server(args.port, Path(tempfile.mkdtemp(prefix="socialhub-bench-")), database_url)
    server.start()
    try:
        scenario = {
            "dm": scenario_dm,
            "group": scenario_group,
            "biggroup": scenario_biggroup,
            "history": scenario_history,
            "reconnect": scenario_reconnect,
        }
        result = asyncio.run(scenario[args.scenario](server, args))
    finally:
        server.stop()
    print(json.dumps({"scenario": args.scenario, **vars(args), **result}, indent=2))


if __name__ == "__main__":
    main()
