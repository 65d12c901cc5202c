"""Servers at scale: a generated server of 10,000 members and 100 channels.

    .venv/bin/python bench/servers.py perm   [--members 10000 --channels 100 --roles 30]
    .venv/bin/python bench/servers.py open   [--members 10000 --channels 100 --runs 50]
    .venv/bin/python bench/servers.py send   [--members 10000 --runs 50]   (and --members 100)
    .venv/bin/python bench/servers.py fanout [--online 1000 --viewers 200 --rate 10,1 --seconds 20]
    .venv/bin/python bench/servers.py fanout --path sse [--online 1000 --viewers 200 --rate 10]

`perm`: the permission function for one send, in-process: the pure computation on a cached
snapshot, the whole `access_channel` (membership and the member's roles read from the
database, snapshot from the cache), and the same with the cache emptied before each call.

`open`: a production server on the generated database; p50/p95 over `--runs` of what a member
opening the server waits for, through the REST API: the server read (channels by category with
badges), a channel's first page of messages, the member list's first page.

`send`: one send into the busy channel in-process (the transaction a tab's composer runs),
nobody connected: CPU, statements and rows written per send; with 10,000 members against 100,
what offline members cost per message.

`fanout` (`--path tabs`, the default): `--online` members each hold ONE browser tab on the
server's pages, speaking Reflex's websocket protocol (bench/reflex_client.py): `--viewers` of
them on the busy channel, the others on the server's other channels; every member may view every
channel, the rest of the `--members` are offline. The viewers post into the busy channel at
`--rate` (from their tabs' composers, or `--via api`; comma-separated rates run one after the
other on the same tabs): delivery p50/p95/p99 to the viewers' tabs (send event leaving the
harness to the frame carrying the stored row), the pushes and characters each group of tabs
received per message, the server's CPU per message, and the rows written per message per table
and operation (counting triggers on the throwaway SQLite database: updates too).

`fanout --path sse`: the same through the live event stream (`GET /api/v1/events`, SSE) and
REST sends; there `--viewers` may view the busy channel and the others may not (an overwrite
hides it: an SSE stream carries every event of every channel its member may view).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_chat import (
    ROOT,
    SendPhase,
    Server,
    auth,
    percentile,
    percentiles_ms,
)

PASSWORD = "bench-password-4821"  # noqa: S105 (throwaway accounts on a throwaway database)


def _prepare(data: Path, database_url: str) -> None:
    os.environ["DATA_DIR"] = str(data)
    os.environ["DATABASE_URL"] = database_url
    os.environ["BCRYPT_ROUNDS"] = "4"
    sys.path.insert(0, str(ROOT))


def generate(members: int, channels: int, roles: int, messages: int) -> dict[str, Any]:
    """A server of `members` (user 0 owns it), `roles` roles (each member holds one or two),
    `channels` text channels in 10 categories, a third of them with overwrites, and `messages`
    in the first channel. Bulk inserts: the send path is measured elsewhere."""
    import random

    import sqlalchemy as sa

    from socialhub.db import get_engine, transaction
    from socialhub.domain import permissions, servers
    from socialhub.domain.users import hash_password
    from socialhub.models import (
        ChannelCategory,
        Conversation,
        MemberRoleLink,
        Message,
        PermissionOverwrite,
        Role,
        ServerMember,
        User,
    )
    from socialhub.models import (
        Server as ServerRow,
    )
    from socialhub.models.base import new_id, utcnow
    from socialhub.models.servers import member_sort_name

    random.seed(7)
    hashed, now = hash_password(PASSWORD), utcnow()
    engine = get_engine()
    with engine.begin() as c:
        c.execute(
            sa.insert(User),
            [
                {
                    "username": f"m{i}",
                    "username_lower": f"m{i}",
                    "email": f"m{i}@bench.example",
                    "email_lower": f"m{i}@bench.example",
                    "password_hash": hashed,
                    "display_name": f"Member {i}",
                    "display_name_lower": f"member {i}",
                    "bio": "",
                    "status_text": "",
                    "presence": "online",
                    "presence_visibility": "everyone",
                    "online": i % 10 == 0,
                    "role": "user",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(members)
            ],
        )
    with transaction() as s:
        owner = s.exec(sa.select(User).where(User.username == "m0")).scalar_one()  # type: ignore[call-overload]
        server = servers.do_create_server(s, owner, name="Bench guild", is_public=True)
        server_id = server.id
        everyone = s.exec(
            sa.select(Role).where(Role.server_id == server_id, Role.is_everyone)  # type: ignore[call-overload]
        ).scalar_one()
        role_rows = [
            Role(server_id=server_id, name=f"role {r}", position=r + 1, permissions=0)
            for r in range(roles)
        ]
        s.add_all(role_rows)
        categories = [
            ChannelCategory(server_id=server_id, name=f"category {k}", position=k + 1)
            for k in range(10)
        ]
        s.add_all(categories)
        s.flush()
        first = s.exec(
            sa.select(Conversation.id).where(Conversation.server_id == server_id)  # type: ignore[call-overload]
        ).scalar_one()
        channel_ids = [first]
        for k in range(channels - 1):
            channel = Conversation(
                kind="channel",
                server_id=server_id,
                channel_type="text",
                category_id=categories[k % 10].id,
                position=k,
                title=f"channel-{k}",
                synced=k % 3 != 0,
            )
            s.add(channel)
            s.flush()
            channel_ids.append(channel.id)
            if k % 3 == 0:
                for role in random.sample(role_rows, 3):
                    s.add(
                        PermissionOverwrite(
                            server_id=server_id,
                            scope_id=channel.id,
                            target_type="role",
                            target_id=role.id,
                            allow=int(permissions.Permission.SEND_MESSAGES),
                            deny=int(permissions.Permission.ATTACH_FILES),
                        )
                    )
        permissions.bump_version(s, server)
        role_ids = [r.id for r in role_rows]
        everyone_id = everyone.id
    shown = {
        int(u): name
        for u, name in engine.connect().execute(
            sa.select(User.id, User.display_name).order_by(User.id)  # type: ignore[call-overload]
        )
    }
    user_ids = list(shown)
    with engine.begin() as c:
        c.execute(
            sa.insert(ServerMember),
            [
                {
                    "server_id": server_id,
                    "user_id": u,
                    "joined_at": now,
                    "joined_position": 0,
                    "nickname": "",
                    # As the domain stores it, so the member list pages through its index.
                    "sort_name": member_sort_name(shown[u]),
                }
                for u in user_ids[1:]
            ],
        )
        links = []
        for u in user_ids[1:]:
            for role_id in random.sample(role_ids, random.choice((1, 2))):
                links.append({"server_id": server_id, "user_id": u, "role_id": role_id})
        c.execute(sa.insert(MemberRoleLink), links)
        c.execute(
            sa.update(ServerRow).where(ServerRow.id == server_id).values(member_count=members)  # type: ignore[arg-type]
        )
        rows = [
            {
                "id": new_id(),
                "conversation_id": channel_ids[0],
                "seq": i,
                "author_id": user_ids[i % len(user_ids)],
                "kind": "text",
                "body": f"history {i}",
                "forwarded": False,
                "attachments": [],
                "created_at": now,
            }
            for i in range(1, messages + 1)
        ]
        for start in range(0, len(rows), 5000):
            c.execute(sa.insert(Message), rows[start : start + 5000])
        c.execute(
            sa.update(Conversation)
            .where(Conversation.id == channel_ids[0])  # type: ignore[arg-type]
            .values(last_seq=messages)
        )
    return {
        "server_id": server_id,
        "channel_ids": channel_ids,
        "user_ids": user_ids,
        "everyone_id": everyone_id,
        "role_ids": role_ids,
    }


def _timed(fn: Any, runs: int) -> list[float]:
    values = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        values.append(time.perf_counter() - started)
    return values


def _us(values: list[float]) -> dict[str, float]:
    return {
        "p50_us": round(statistics.median(values) * 1e6, 1),
        "p95_us": round(percentile(values, 95) * 1e6, 1),
    }


def scenario_perm(args: argparse.Namespace, data: Path, database_url: str) -> dict[str, Any]:
    _prepare(data, database_url)
    subprocess_alembic(data, database_url)
    made = generate(args.members, args.channels, args.roles, 0)
    from socialhub.db import read_session
    from socialhub.domain import permissions
    from socialhub.models import Server as ServerRow
    from socialhub.models import User

    member_id = made["user_ids"][len(made["user_ids"]) // 2]
    channel = made["channel_ids"][1]
    with read_session() as s:
        actor = s.get(User, member_id)
        server = s.get(ServerRow, made["server_id"])
        assert actor is not None
        assert server is not None
        snap = permissions.snapshot(s, server)
        facts = permissions.member_facts(
            s,
            s.get(permissions.ServerMember, (server.id, member_id)),  # type: ignore[arg-type]
        )
        pure = _timed(lambda: permissions.channel_permissions(snap, facts, channel), args.runs * 20)
        cached = _timed(lambda: permissions.access_channel(s, actor, channel), args.runs)

        def uncached() -> None:
            permissions._cache.snapshots.clear()
            permissions.access_channel(s, actor, channel)

        cold = _timed(uncached, args.runs)
    return {
        "members": args.members,
        "channels": args.channels,
        "roles": args.roles,
        "compute_on_snapshot": _us(pure),
        "access_channel_cached": _us(cached),
        "access_channel_uncached": _us(cold),
    }


def scenario_send(args: argparse.Namespace, data: Path, database_url: str) -> dict[str, Any]:
    """What one send into a channel of the generated server costs in-process (the transaction
    a tab's composer runs: `check_send_message` and the message's view), with `--members`
    members of whom none is connected: run with 10,000 and with 100 to see whether offline
    members cost anything per message."""
    import uuid

    import sqlalchemy as sa

    os.environ["RATE_LIMIT_MESSAGE"] = "100000/minute"
    _prepare(data, database_url)
    subprocess_alembic(data, database_url)
    made = generate(args.members, args.channels, args.roles, 100)
    count_writes(database_url)
    from socialhub.db import get_engine, transaction
    from socialhub.domain import messages
    from socialhub.models import User

    author_id, channel = made["user_ids"][1], made["channel_ids"][0]
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    def send(i: int) -> None:
        with transaction() as s:
            user = s.get(User, author_id)
            assert user is not None
            message = messages.check_send_message(
                s, user, channel, body=f"message {i}", client_id=uuid.uuid4().hex
            )
            messages.message_view(s, message)

    for i in range(20):
        send(i)
    before = writes(database_url)
    sa.event.listen(get_engine(), "before_cursor_execute", count)
    times = []
    cpu0 = time.process_time()
    for i in range(args.runs):
        started = time.perf_counter()
        send(i)
        times.append(time.perf_counter() - started)
    cpu = time.process_time() - cpu0
    sa.event.remove(get_engine(), "before_cursor_execute", count)
    return {
        "members": args.members,
        "connected": 0,
        "sends": args.runs,
        "cpu_ms_per_send": round(cpu / args.runs * 1000, 2),
        **{k: round(v, 2) for k, v in percentiles_ms("wall", times, (50, 95)).items()},
        "statements_per_send": round(statements / args.runs, 1),
        "rows_written_per_send": _per_message(before, writes(database_url), args.runs),
        "load": _load(),
    }


def subprocess_alembic(data: Path, database_url: str) -> None:
    import subprocess

    env = {**os.environ, "DATA_DIR": str(data), "DATABASE_URL": database_url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True
    )


def _tokens(user_ids: list[int]) -> list[dict[str, str]]:
    from socialhub.db import transaction
    from socialhub.domain import auth as auth_domain
    from socialhub.models import User

    out = []
    with transaction() as s:
        for user_id in user_ids:
            user = s.get(User, user_id)
            assert user is not None
            pair = auth_domain.do_login_api(s, user, device="bench", ip="127.0.0.1")
            out.append({"access_token": pair.access_token, "user_id": str(user_id)})
    return out


async def _get_times(url: str, token: dict[str, str], path: str, runs: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        times = []
        status = 0
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get(path, headers=auth(token))
            times.append(time.perf_counter() - started)
            status = response.status_code
    return {
        "status": status,
        **{k: round(v, 1) for k, v in percentiles_ms("", times, (50, 95)).items()},
    }


def _start(
    args: argparse.Namespace, data: Path, database_url: str, made_args: tuple[int, int, int, int]
) -> tuple[Server, dict[str, Any]]:
    _prepare(data, database_url)
    subprocess_alembic(data, database_url)
    made = generate(*made_args)
    count_writes(database_url)
    server = Server(args.port, data, database_url)
    server.env["RATE_LIMIT_MESSAGE"] = "100000/minute"
    server.start()
    return server, made


def scenario_open(args: argparse.Namespace, data: Path, database_url: str) -> dict[str, Any]:
    server, made = _start(args, data, database_url, (args.members, args.channels, args.roles, 5000))
    try:
        member = _tokens([made["user_ids"][len(made["user_ids"]) // 2]])[0]
        sid, channel = made["server_id"], made["channel_ids"][0]
        paths = {
            "server": f"/api/v1/servers/{sid}",
            "channel_first_page": f"/api/v1/chats/{channel}/messages?limit=50",
            "members_first_page": f"/api/v1/servers/{sid}/members?limit=50",
        }
        result: dict[str, Any] = {"members": args.members, "channels": args.channels}
        for name, path in paths.items():
            result[name] = asyncio.run(_get_times(server.url, member, path, args.runs))
        return result
    finally:
        server.stop()


async def _listen(
    url: str, token: dict[str, str], channel: str, got: list[float], ready: asyncio.Event
) -> None:
    async with (
        httpx.AsyncClient(base_url=url, timeout=None) as client,
        client.stream("GET", "/api/v1/events", headers=auth(token)) as response,
    ):
        ready.set()
        async for line in response.aiter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if (event["type"], event["op"]) != ("message", "add"):
                continue
            data = event["data"]
            if data.get("conversation_id") != channel:
                continue
            try:
                got.append(time.time() - float(data["body"].split("|", 1)[0]))
            except ValueError:
                continue


def scenario_fanout(args: argparse.Namespace, data: Path, database_url: str) -> dict[str, Any]:
    history = 100 if args.path == "tabs" else 0
    server, made = _start(
        args, data, database_url, (args.members, args.channels, args.roles, history)
    )
    try:
        run = _fanout_tabs if args.path == "tabs" else _fanout
        return {
            "path": args.path,
            "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
            **asyncio.run(run(server, made, args)),
        }
    finally:
        group = server.process.pid if server.process is not None else 0
        with contextlib.suppress(Exception):
            server.stop()
        # `reflex run` may exit on SIGTERM and leave its worker holding the port.
        with contextlib.suppress(OSError):
            if group:
                os.killpg(group, signal.SIGKILL)


def _cookies(user_ids: list[int]) -> list[str]:
    """Browser sessions for `user_ids`, made as the web log-in makes them (a one-time ticket
    traded for the `sh_session` cookie), in this process: signing 1,000 users in through the
    form would take minutes of the run and is measured elsewhere."""
    import reflex_client as rc

    from socialhub.db import transaction
    from socialhub.domain import auth as auth_domain
    from socialhub.models import User

    device = auth_domain.device_label(rc.USER_AGENT)
    out = []
    with transaction() as s:
        for user_id in user_ids:
            user = s.get(User, user_id)
            assert user is not None
            ticket = auth_domain.do_issue_login_ticket(s, user, device=device, ip="127.0.0.1")
            out.append(f"sh_session={auth_domain.check_redeem_login_ticket(s, ticket)}")
    return out


def _mark_read(channel_id: str, user_ids: list[int]) -> None:
    """The online members have read the channel's history (a tab would otherwise open at the
    first unread message, scrolled up, and show new ones only after "Jump to latest")."""
    import sqlalchemy as sa

    from socialhub.db import get_engine
    from socialhub.models import ChannelState, Conversation

    with get_engine().begin() as c:
        last = c.execute(
            sa.select(Conversation.last_seq).where(Conversation.id == channel_id)  # type: ignore[arg-type]
        ).scalar_one()
        c.execute(
            sa.insert(ChannelState),
            [{"conversation_id": channel_id, "user_id": u, "read_seq": last} for u in user_ids],
        )


WRITES_TABLE = "bench_writes"


def count_writes(database_url: str) -> None:
    """Triggers on every table of the (throwaway) SQLite database counting the rows each
    statement inserts, updates and deletes, in `bench_writes`: rows written per message,
    updates included, whatever code path writes them."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as c:
        tables = [
            name
            for name, sql in c.execute(
                sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            )
            if not name.startswith("sqlite_") and "VIRTUAL" not in (sql or "").upper()
        ]
        c.execute(
            sa.text(
                f"CREATE TABLE {WRITES_TABLE} (tbl TEXT, op TEXT, n INTEGER NOT NULL DEFAULT 0,"
                " PRIMARY KEY (tbl, op))"
            )
        )
        for table in tables:
            for op in ("insert", "update", "delete"):
                c.execute(
                    sa.text(f"INSERT INTO {WRITES_TABLE} (tbl, op) VALUES (:t, :o)"),  # noqa: S608
                    {"t": table, "o": op},
                )
                # Our own table names, from sqlite_master.
                head = f'CREATE TRIGGER "bench_{op}_{table}" AFTER {op.upper()} ON "{table}"'
                body = f"UPDATE {WRITES_TABLE} SET n = n + 1 WHERE tbl = '{table}' AND op = '{op}'"  # noqa: S608
                trigger = f"{head} BEGIN {body}; END"
                try:
                    with c.begin_nested():
                        c.execute(sa.text(trigger))
                except sa.exc.OperationalError:  # an FTS shadow table
                    continue
    engine.dispose()


def writes(database_url: str) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as c:
            return {
                f"{t}.{o}": int(n)
                for t, o, n in c.execute(sa.text(f"SELECT tbl, op, n FROM {WRITES_TABLE}"))  # noqa: S608
            }
    finally:
        engine.dispose()


def _per_message(before: dict[str, int], after: dict[str, int], sent: int) -> dict[str, float]:
    return {
        k: round((after[k] - before.get(k, 0)) / max(sent, 1), 2)
        for k in sorted(after)
        if after[k] != before.get(k, 0)
    }


def _sched(server: Server) -> tuple[float, float]:
    """Seconds the server's threads (its whole process group) ran on a CPU, and seconds they
    were ready to run but waited for one (/proc/.../schedstat): the second is what other work
    on the machine took from the server."""
    if server.process is None:
        return 0.0, 0.0
    ran = waited = 0
    for pid_dir in Path("/proc").iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            if os.getpgid(int(pid_dir.name)) != server.process.pid:
                continue
            for task in (pid_dir / "task").iterdir():
                fields = (task / "schedstat").read_text().split()
                ran, waited = ran + int(fields[0]), waited + int(fields[1])
        except (OSError, ProcessLookupError):
            continue
    return ran / 1e9, waited / 1e9


def _load() -> dict[str, float]:
    one, five, fifteen = os.getloadavg()
    return {"1min": round(one, 2), "5min": round(five, 2), "15min": round(fifteen, 2)}


async def _fanout_tabs(
    server: Server, made: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """`--online` members each with ONE browser tab (bench/reflex_client.py: Reflex's own
    websocket protocol) on the server: `--viewers` of them on the busy channel
    (/servers/<server>/<busy>), the others on the other channels of the same server, spread
    evenly; every member may view every channel (Discord's case: the others are in the server,
    looking elsewhere). The viewers send in turn (from their tabs' composers, or through the REST
    API with --via api); the other members of the server are offline."""
    import load_browser as lb
    import reflex_client as rc

    sid, busy = made["server_id"], made["channel_ids"][0]
    elsewhere = made["channel_ids"][1:]
    online = made["user_ids"][1 : args.online + 1]
    n_viewers = min(args.viewers, len(online))
    lb.progress(f"sessions for {len(online)} members")
    cookies = _cookies(online)
    _mark_read(busy, online)
    api = {t["user_id"]: t for t in _tokens(online[:n_viewers])}
    bundle = await rc.load_bundle(server.url)
    members: list[lb.Member] = []
    where: list[str] = []
    for i, (user_id, cookie) in enumerate(zip(online, cookies, strict=True)):
        member = lb.Member(api.get(str(user_id), {"user_id": str(user_id)}))
        member.tabs.append(rc.Tab(server.url, bundle, cookie=cookie))
        members.append(member)
        where.append(busy if i < n_viewers else elsewhere[i % len(elsewhere)])
    viewers, others = members[:n_viewers], members[n_viewers:]
    lb.progress(f"opening {len(members)} tabs")
    cpu0, opened = server.cpu_seconds(), time.monotonic()
    await lb.bounded(
        lb.OPEN_CONCURRENCY,
        [
            lambda m=m, c=c: rc.open_channel(m.tabs[0], sid, c, within=300)
            for m, c in zip(members, where, strict=True)
        ],
    )
    open_s, open_cpu = time.monotonic() - opened, server.cpu_seconds() - cpu0
    lb.progress(f"tabs open in {open_s:.0f} s")
    # The other tabs' pushes are counted, not read; a sample of them is read to say what is in
    # their pushes (substate -> pushes, characters).
    sample = [m.tabs[0] for m in others[: args.sample]]
    for m in others[args.sample :]:
        m.tabs[0].parse = False
    seen: dict[str, list[int]] = {}

    def note(update: rc.Update) -> None:
        for substate, values in update.delta.items():
            entry = seen.setdefault(substate.rsplit(".", 1)[-1], [0, 0])
            entry[0] += 1
            entry[1] += len(json.dumps(values))

    for tab in sample:
        tab.on_update = note
    deliveries = lb.Deliveries()
    for m in viewers:
        deliveries.watch(m.tabs[0], m.user_id)
    await server.settle()
    viewer_tabs = [m.tabs[0] for m in viewers]
    other_tabs = [m.tabs[0] for m in others]

    def pushes(tabs: list[rc.Tab]) -> tuple[int, int]:
        return sum(t.frames_in for t in tabs), sum(t.chars_in for t in tabs)

    # What the open tabs cost doing nothing (listeners waking to check their tab, pings).
    await server.settle()
    idle0 = server.cpu_seconds()
    await asyncio.sleep(args.idle)
    idle_cores = (server.cpu_seconds() - idle0) / args.idle
    runs = []
    for rate in args.rates:
        seen.clear()
        await server.settle()
        before = (pushes(viewer_tabs), pushes(other_tabs), writes(server.database_url))
        load_before, sched0, began = _load(), _sched(server), time.monotonic()
        run = await lb.offer(
            server,
            [(m, busy) for m in viewers],
            deliveries,
            rate=rate,
            seconds=args.seconds,
            via=args.via,
            receivers=lambda m, _c: [t for o in viewers if o is not m for t in o.tabs],
            drain=args.drain,
            profile=args.profile,
        )
        sched1, elapsed = _sched(server), time.monotonic() - began
        # Pushes still on their way to the other tabs once the viewers' deliveries are in.
        await asyncio.sleep(2)
        after = (pushes(viewer_tabs), pushes(other_tabs), writes(server.database_url))
        sent = max(run["sent"], 1)

        def per(
            tabs: list[rc.Tab], i: int, sent: int = sent, a: Any = after, b: Any = before
        ) -> Any:
            frames, chars = a[i][0] - b[i][0], a[i][1] - b[i][1]
            return {
                "pushes_per_message": round(frames / sent, 1),
                "pushes_per_tab_per_message": round(frames / sent / max(len(tabs), 1), 3),
                "kb_pushed_per_message": round(chars / sent / 1024, 1),
                "chars_per_push": round(chars / max(frames, 1)),
            }

        runs.append(
            {
                "load_before": load_before,
                "load_after": _load(),
                # Over the send phase and its drain: the server's threads on a CPU, and ready
                # but waiting for one (taken by the other work on the machine), in cores.
                "server_cores_running": round((sched1[0] - sched0[0]) / elapsed, 2),
                "server_cores_waiting_for_cpu": round((sched1[1] - sched0[1]) / elapsed, 2),
                **run,
                "viewer_tabs": per(viewer_tabs, 0),
                "other_tabs": per(other_tabs, 1),
                "other_tabs_sample": {
                    "tabs": len(sample),
                    "by_substate_per_tab_per_message": {
                        k: {
                            "pushes": round(v[0] / sent / max(len(sample), 1), 3),
                            "chars": round(v[1] / max(v[0], 1)),
                        }
                        for k, v in sorted(seen.items())
                    },
                },
                "rows_written_per_message": _per_message(before[2], after[2], sent),
            }
        )
        lb.progress(
            json.dumps(
                {
                    k: runs[-1][k]
                    for k in (
                        "achieved_send_rate",
                        "delivery_p50_ms",
                        "delivery_p99_ms",
                        "missing",
                        "server_cpu_ms_per_message",
                    )
                }
            )
        )
    connected = sum(1 for m in members if m.tabs[0].connected)
    await lb.close_all(members)
    return {
        "members": args.members,
        "online_tabs": len(members),
        "viewers": len(viewers),
        "others": len(others),
        "offline_members": args.members - len(members) - 1,
        "via": args.via,
        "open_all_s": round(open_s, 1),
        "server_cpu_ms_per_tab_opened": round(open_cpu / len(members) * 1000, 1),
        "tabs_connected_at_end": connected,
        "idle_server_cores": round(idle_cores, 3),
        "runs": runs,
    }


async def _fanout(server: Server, made: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    import random

    import sqlalchemy as sa

    from socialhub.db import transaction
    from socialhub.domain import permissions
    from socialhub.models import Conversation, MemberRoleLink, PermissionOverwrite, Role
    from socialhub.models import Server as ServerRow

    sid, busy = made["server_id"], made["channel_ids"][0]
    online = made["user_ids"][1 : args.online + 1]
    viewers = online[: args.viewers]
    with transaction() as s:
        row = s.get(ServerRow, sid)
        assert row is not None
        # The channel's own overwrites rule only once it no longer syncs with its category.
        s.execute(sa.update(Conversation).where(Conversation.id == busy).values(synced=False))  # type: ignore[arg-type]
        role = Role(server_id=sid, name="viewers", position=90)
        s.add(role)
        s.flush()
        s.add(
            PermissionOverwrite(
                server_id=sid,
                scope_id=busy,
                target_type="role",
                target_id=made["everyone_id"],
                deny=int(permissions.Permission.VIEW_CHANNEL),
            )
        )
        s.add(
            PermissionOverwrite(
                server_id=sid,
                scope_id=busy,
                target_type="role",
                target_id=role.id,
                allow=int(permissions.Permission.VIEW_CHANNEL),
            )
        )
        s.execute(
            sa.insert(MemberRoleLink),
            [{"server_id": sid, "user_id": u, "role_id": role.id} for u in viewers],
        )
        permissions.bump_version(s, row)
    tokens = _tokens(online)
    viewer_lat: list[float] = []
    other_lat: list[float] = []
    readies = [asyncio.Event() for _ in tokens]
    tasks = [
        asyncio.create_task(
            _listen(server.url, t, busy, viewer_lat if i < len(viewers) else other_lat, r)
        )
        for i, (t, r) in enumerate(zip(tokens, readies, strict=True))
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 300)
    await server.settle()
    senders = tokens[: len(viewers)]
    phase = SendPhase(server, args.profile)
    load_before = _load()
    phase.begin()
    sent = errors = 0
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as client:

        async def send_one(token: dict[str, str]) -> None:
            nonlocal sent, errors
            try:
                response = await client.post(
                    f"/api/v1/chats/{busy}/messages",
                    json={
                        "body": f"{time.time()}|load",
                        "client_id": f"f{random.getrandbits(60):x}",
                    },
                    headers=auth(token),
                )
            except httpx.HTTPError:
                errors += 1
                return
            if response.status_code == 201:
                sent += 1
            else:
                errors += 1

        began, n, pending = time.monotonic(), 0, []
        while time.monotonic() - began < args.seconds:
            pending.append(asyncio.create_task(send_one(senders[n % len(senders)])))
            n += 1
            await asyncio.sleep(max(0.0, began + n / args.rate - time.monotonic()))
        await asyncio.gather(*pending)
    expected = sent * (len(viewers) - 1)
    deadline = time.monotonic() + 60
    while len(viewer_lat) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    cost = phase.end(sent)
    for task in tasks:
        task.cancel()
    return {
        "members": args.members,
        "online": len(online),
        "viewers": len(viewers),
        "rate": args.rate,
        "sent": sent,
        "send_errors": errors,
        "expected_viewer_deliveries": expected,
        "viewer_deliveries": len(viewer_lat),
        "other_streams_deliveries": len(other_lat),
        "load_before": load_before,
        "load_after": _load(),
        **{k: round(v, 1) for k, v in percentiles_ms("delivery", viewer_lat, (50, 95, 99)).items()},
        **cost,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["perm", "open", "fanout", "send"])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--roles", type=int, default=30)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--online", type=int, default=1000)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--rate", default="10", help="msg/s; fanout: comma-separated runs")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=3160)
    parser.add_argument("--path", choices=["tabs", "sse"], default="tabs", help="fanout")
    parser.add_argument("--via", choices=["tab", "api"], default="tab", help="fanout: senders")
    parser.add_argument("--drain", type=float, default=60, help="fanout: max wait, s")
    parser.add_argument("--sample", type=int, default=10, help="fanout: other tabs read")
    parser.add_argument("--idle", type=float, default=10, help="fanout: idle seconds measured")
    parser.add_argument("--profile", type=float, default=0, metavar="SECONDS")
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rate.split(",")]
    args.rate = args.rates[0]
    data = Path(tempfile.mkdtemp(prefix="socialhub-bench-servers-"))
    database_url = f"sqlite:///{data / 'socialhub.db'}"
    scenario = {
        "perm": scenario_perm,
        "open": scenario_open,
        "fanout": scenario_fanout,
        "send": scenario_send,
    }
    result = scenario[args.scenario](args, data, database_url)
    print(json.dumps({"scenario": args.scenario, **result}, indent=2))


if __name__ == "__main__":
    main()
