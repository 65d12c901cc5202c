"""Two backend worker processes on one Redis: users connected to different workers chat live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
import sqlalchemy as sa

from tests.conftest import IN_CI
from tests.e2e.conftest import register
from tests.support.database import migrate

ROOT = Path(__file__).resolve().parent.parent
PORTS = (
    int(os.environ.get("E2E_WORKER_PORT", "3121")),
    int(os.environ.get("E2E_WORKER_PORT", "3121")) + 1,
)
REDIS_URL = "redis://127.0.0.1:6379/3"

pytestmark = [pytest.mark.redis, pytest.mark.e2e]


@pytest.fixture(scope="module")
def worker_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite database both workers share."""
    return f"sqlite:///{tmp_path_factory.mktemp('workers') / 'socialhub.db'}"


@pytest.fixture(scope="module")
def workers(worker_database: str) -> Iterator[list[str]]:
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError:
        if IN_CI:
            pytest.fail("Redis at 127.0.0.1:6379 is required in CI (CI=true)")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    database = worker_database
    data = Path(database.removeprefix("sqlite:///")).parent
    migrate(database)
    processes: list[subprocess.Popen[bytes]] = []
    urls = [f"http://localhost:{port}" for port in PORTS]
    try:
        # One after the other: `reflex run` clears the shared .states folder as it starts.
        for port, url in zip(PORTS, urls, strict=True):
            env = {
                **os.environ,
                "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
                "REFLEX_USE_NPM": "1",
                "PORT": str(port),
                "DATA_DIR": str(data),
                "DATABASE_URL": database,
                "REDIS_URL": REDIS_URL,
                "REFLEX_BACKEND_ONLY": "true",
                # One worker process each: the two must meet through Redis, not shared memory.
                "GRANIAN_WORKERS": "1",
                "BCRYPT_ROUNDS": "4",
                "LOG_LEVEL": "WARNING",
            }
            log_path = data / f"worker-{port}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [
                        "reflex",
                        "run",
                        "--env",
                        "prod",
                        "--backend-only",
                        "--backend-port",
                        str(port),
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            processes.append(process)
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log_path.read_text()[-3000:]
                try:
                    if httpx.get(f"{url}/api/v1/health", timeout=2).json()["redis"] == "ok":
                        break
                except (httpx.HTTPError, ValueError, KeyError):
                    pass
                assert time.monotonic() < deadline, "workers did not start"
                time.sleep(1)
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def _first_message(
    url: str, tokens: dict[str, str], box: list[dict[str, object]], ready: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.stream("GET", f"{url}/api/v1/events", headers=headers, timeout=30) as response:
        ready.set()
        for line in response.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                author = event["data"].get("author") or {}
                mine = author.get("id") == tokens["user"]["id"]  # type: ignore[index]
                if (event["type"], event["op"]) == ("message", "add") and not mine:
                    box.append(event)
                    return


def test_users_on_different_workers_chat_live(workers: list[str]) -> None:
    first, second = workers
    alice = register("mw_alice", base=first)
    bob = register("mw_bob", base=second)
    chat = httpx.post(
        f"{first}/api/v1/chats/dm",
        json={"username": "mw_bob"},
        headers={"Authorization": f"Bearer {alice['access_token']}"},
        timeout=10,
    ).json()["id"]

    for sender, sender_url, receiver, receiver_url, text in (
        (alice, first, bob, second, "from worker one"),
        (bob, second, alice, first, "from worker two"),
    ):
        box: list[dict[str, object]] = []
        ready = threading.Event()
        listener = threading.Thread(
            target=_first_message, args=(receiver_url, receiver, box, ready)
        )
        listener.start()
        assert ready.wait(10)
        time.sleep(0.3)
        sent = httpx.post(
            f"{sender_url}/api/v1/chats/{chat}/messages",
            json={"body": text},
            headers={"Authorization": f"Bearer {sender['access_token']}"},
            timeout=10,
        )
        assert sent.status_code == 201
        listener.join(15)
        assert box, f"{text!r} did not reach the other worker"
        assert box[0]["data"]["body"] == text  # type: ignore[index]


def _hold_stream(
    url: str, tokens: dict[str, str], opened: threading.Event, done: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    with httpx.stream("GET", f"{url}/api/v1/events", headers=headers, timeout=30) as response:
        assert response.status_code == 200
        opened.set()
        done.wait(30)


def _status_until(url: str, viewer: dict[str, str], username: str, wanted: str) -> str:
    """The presence `viewer` sees, polled until it is `wanted` (or 10 s pass)."""
    deadline = time.monotonic() + 10
    status = ""
    while time.monotonic() < deadline:
        status = httpx.get(
            f"{url}/api/v1/users/{username}/presence",
            headers={"Authorization": f"Bearer {viewer['access_token']}"},
            timeout=10,
        ).json()["status"]
        if status == wanted:
            break
        time.sleep(0.2)
    return status


def _workers_holding(database: str, user_id: int, count: int) -> None:
    """Wait until exactly `count` workers hold a client of the user (a worker notices a closed
    stream at its next keep-alive, within 15 s)."""
    engine = sa.create_engine(database)
    deadline = time.monotonic() + 25
    try:
        while True:
            with engine.connect() as conn:
                held = conn.execute(
                    sa.text("SELECT count(*) FROM presence_connections WHERE user_id = :u"),
                    {"u": user_id},
                ).scalar_one()
            if held == count or time.monotonic() > deadline:
                break
            time.sleep(0.3)
    finally:
        engine.dispose()
    assert held == count


def test_presence_holds_while_any_worker_has_a_client(
    workers: list[str], worker_database: str
) -> None:
    first, second = workers
    carol = register("mw_carol", base=first)
    dave = register("mw_dave", base=second)
    httpx.post(
        f"{first}/api/v1/chats/dm",
        json={"username": "mw_dave"},
        headers={"Authorization": f"Bearer {carol['access_token']}"},
        timeout=10,
    ).raise_for_status()
    streams = []
    for url in (first, second):
        opened, done = threading.Event(), threading.Event()
        thread = threading.Thread(target=_hold_stream, args=(url, carol, opened, done))
        thread.start()
        assert opened.wait(10)
        streams.append((thread, done))
    carol_id = int(carol["user"]["id"])  # type: ignore[index]
    _workers_holding(worker_database, carol_id, 2)
    assert _status_until(second, dave, "mw_carol", "online") == "online"

    thread, done = streams[1]  # Carol closes her stream on the second worker only
    done.set()
    thread.join(10)
    _workers_holding(worker_database, carol_id, 1)
    assert _status_until(second, dave, "mw_carol", "offline") == "online"

    thread, done = streams[0]
    done.set()
    thread.join(10)
    _workers_holding(worker_database, carol_id, 0)
    assert _status_until(second, dave, "mw_carol", "offline") == "offline"
