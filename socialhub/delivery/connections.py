"""Live clients per user in this worker process (browser tab listeners and API event streams),
and the user's presence that follows from them.

Opening and closing a client and recording the user's resulting presence happen under one lock,
so a tab that replaces another (a page change) can never be recorded as offline after the new
one was recorded online. Across workers, each records its own row (`PresenceConnection`): a user
goes offline only when no worker holds a live client of theirs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from collections import Counter

from socialhub.db import transaction
from socialhub.domain import auth, presence

# This process among the backend workers, in the database's presence rows.
WORKER_ID = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
log = logging.getLogger(__name__)
_locks_lock = threading.Lock()
_locks: dict[int, threading.Lock] = {}
_clients: Counter[int] = Counter()
# Live clients (tabs and API streams) one user may hold on one worker.
MAX_CLIENTS_PER_USER = 32


class TooManyClients(Exception):
    pass


def _lock(user_id: int) -> threading.Lock:
    """One lock per user: different users' clients come and go in parallel."""
    with _locks_lock:
        return _locks.setdefault(user_id, threading.Lock())


def opened(user_id: int) -> None:
    """Count a new client and record the user online here (blocking: run it in a thread).

    Raises TooManyClients past MAX_CLIENTS_PER_USER: each costs a queue and a subscription."""
    with _lock(user_id):
        if _clients[user_id] >= MAX_CLIENTS_PER_USER:
            raise TooManyClients(user_id)
        _clients[user_id] += 1
        with transaction() as session:
            presence.do_connected(session, user_id, worker=WORKER_ID)


async def heartbeat() -> None:
    """This worker's heartbeat (a lifespan task): one write every HEARTBEAT refreshes every user
    it holds a client of, instead of one write per client, and records which sessions were
    active."""
    while True:
        await asyncio.sleep(presence.HEARTBEAT.total_seconds())
        try:
            await asyncio.to_thread(_refresh)
        except Exception:
            log.exception("presence heartbeat failed")


def _refresh() -> None:
    with transaction() as session:
        presence.do_worker_heartbeat(session, worker=WORKER_ID)
        auth.do_flush_activity(session)


def closed(user_id: int) -> None:
    """Forget a client; after the user's last one here, they may go offline."""
    with _lock(user_id):
        _clients[user_id] -= 1
        if _clients[user_id] <= 0:
            del _clients[user_id]
            with transaction() as session:
                presence.do_disconnected(session, user_id, worker=WORKER_ID)
