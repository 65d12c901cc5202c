"""The cost of one message send, in-process: CPU time and SQL statements per `POST .../messages`.

Runs the real API (FastAPI app, real database migrated by alembic) through an in-process ASGI
client, so the figure is the server's own work per send, without network or a load generator.

    .venv/bin/python bench/send_path.py --sends 500
    .venv/bin/python bench/send_path.py --sends 500 --postgres
    .venv/bin/python bench/send_path.py --sends 200 --members 50     (a group send)
    .venv/bin/python bench/send_path.py --sends 2000 --domain       (what a tab's composer runs)

`--domain` times what the web composer's handler runs in its worker thread: one transaction
with `check_send_message` and the message's view, no HTTP, no token check.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from throwaway import create_database  # noqa: E402 (bench/ is the script's folder)

PASSWORD = "bench-password-4821"  # noqa: S105 (throwaway accounts on a throwaway database)


async def run(sends: int, members: int, concurrency: int = 1) -> None:
    import httpx
    import sqlalchemy as sa

    from socialhub.api.app import create_api
    from socialhub.db import get_engine

    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    sa.event.listen(get_engine(), "before_cursor_execute", count)
    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        tokens: list[str] = []
        names: list[str] = []
        for _ in range(max(members, 2)):
            name = f"u{uuid.uuid4().hex[:10]}"
            response = await client.post(
                "/api/v1/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            response.raise_for_status()
            tokens.append(response.json()["access_token"])
            names.append(name)
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        if members > 2:
            created = await client.post(
                "/api/v1/chats", json={"title": "bench", "usernames": names[1:]}, headers=headers
            )
        else:
            created = await client.post(
                "/api/v1/chats/dm", json={"username": names[1]}, headers=headers
            )
        created.raise_for_status()
        chat = created.json()["id"]

        async def send(i: int) -> None:
            response = await client.post(
                f"/api/v1/chats/{chat}/messages",
                json={"body": f"message {i}", "client_id": uuid.uuid4().hex},
                headers=headers,
            )
            response.raise_for_status()

        for i in range(20):  # warm-up: caches, prepared statements
            await send(i)
        statements = 0
        durations = []
        cpu_start = time.process_time()
        wall_start = time.perf_counter()

        async def timed(i: int) -> None:
            started = time.perf_counter()
            await send(i)
            durations.append(time.perf_counter() - started)

        for first in range(0, sends, concurrency):
            await asyncio.gather(*(timed(i) for i in range(first, min(sends, first + concurrency))))
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
    durations.sort()
    print(
        f"{'group of ' + str(members) if members > 2 else 'DM'} sends: {sends} "
        f"({concurrency} at a time), "
        f"wall {wall / sends * 1000:.2f} ms/send, CPU {cpu / sends * 1000:.2f} ms/send, "
        f"p50 {statistics.median(durations) * 1000:.2f} ms, "
        f"p99 {durations[int(len(durations) * 0.99) - 1] * 1000:.2f} ms, "
        f"SQL statements/send {statements / sends:.1f}, "
        f"throughput {sends / wall:.0f} sends/s, CPU-bound limit {sends / cpu:.0f} sends/s"
    )


def run_domain(sends: int, members: int) -> None:
    import sqlalchemy as sa

    from socialhub.db import get_engine, transaction
    from socialhub.domain import chats, messages, users
    from socialhub.models import User

    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    ids = []
    with transaction() as s:
        for _ in range(max(members, 2)):
            name = f"u{uuid.uuid4().hex[:10]}"
            ids.append(
                users.check_register_user(
                    s, username=name, email=f"{name}@example.com", password=PASSWORD
                ).id
            )
    with transaction() as s:
        author = s.get(User, ids[0])
        assert author is not None
        others = [s.get(User, i) for i in ids[1:]]
        if members > 2:
            chat = chats.check_create_group(
                s, author, title="bench", usernames=[u.username for u in others if u]
            ).id
        else:
            chat = chats.check_open_dm(s, author, others[0].username if others[0] else "").id

    def send(i: int) -> None:
        with transaction() as s:
            user = s.get(User, ids[0])
            assert user is not None
            message = messages.check_send_message(
                s, user, chat, body=f"message {i}", client_id=uuid.uuid4().hex
            )
            messages.message_view(s, message)

    for i in range(20):
        send(i)
    sa.event.listen(get_engine(), "before_cursor_execute", count)
    cpu_start, wall_start = time.process_time(), time.perf_counter()
    for i in range(sends):
        send(i)
    wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    print(
        f"domain {'group of ' + str(members) if members > 2 else 'DM'} sends: {sends}, "
        f"wall {wall / sends * 1000:.2f} ms/send, CPU {cpu / sends * 1000:.2f} ms/send, "
        f"SQL statements/send {statements / sends:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=500)
    parser.add_argument("--members", type=int, default=2, help="above 2: a group of this size")
    parser.add_argument("--postgres", action="store_true", help="a fresh PostgreSQL database")
    parser.add_argument("--concurrency", type=int, default=1, help="sends in flight at once")
    parser.add_argument("--domain", action="store_true", help="the domain call alone (no HTTP)")
    args = parser.parse_args()
    create_database(
        "sendpath",
        postgres=args.postgres,
        BCRYPT_ROUNDS="4",
        RATE_LIMIT_SIGNUP="100000/minute",
        RATE_LIMIT_LOGIN="100000/minute",
        RATE_LIMIT_MESSAGE="100000/minute",
    )
    if args.domain:
        run_domain(args.sends, args.members)
    else:
        asyncio.run(run(args.sends, args.members, args.concurrency))


if __name__ == "__main__":
    main()
