"""The slash commands' deadlines, kept by one timer thread per process.

An invocation committed in this process is scheduled here; at its deadline the thread times it
out (`commands.expire_due` with `only`, a conditional UPDATE: an answer that got in first wins)
and the invoker hears "the bot did not answer" at once. What a process did not live to time out
(a restart, a crash) the periodic job `backend_jobs.servers.expire_commands` does, a minute late
at most. One thread and a heap, not a thread or a task per invocation: a quiet process holds a
sleeping thread, a busy one a list.
"""

from __future__ import annotations

import heapq
import threading
from datetime import datetime

from socialhub.logs import get_logger
from socialhub.models.base import utcnow

log = get_logger("socialhub.deadlines")

_lock = threading.Condition()
_heap: list[tuple[datetime, str]] = []
_thread: threading.Thread | None = None


def schedule(at: datetime, invocation_id: str) -> None:
    global _thread
    with _lock:
        heapq.heappush(_heap, (at, invocation_id))
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="command-deadlines", daemon=True)
            _thread.start()
        _lock.notify()


def forget() -> None:
    """Drop every deadline kept here (the periodic job still times them out): for a database
    that is going away, such as a test's."""
    with _lock:
        _heap.clear()


def _due() -> list[str]:
    """Waits for the next deadline; the ids due by then."""
    with _lock:
        while True:
            if not _heap:
                _lock.wait()
                continue
            wait = (_heap[0][0] - utcnow()).total_seconds()
            if wait > 0:
                _lock.wait(timeout=wait)
                continue
            now, due = utcnow(), []
            while _heap and _heap[0][0] <= now:
                due.append(heapq.heappop(_heap)[1])
            return due


def _run() -> None:
    from socialhub.db import transaction
    from socialhub.domain import commands

    while True:
        for invocation_id in _due():
            try:
                with transaction() as session:
                    commands.expire_due(session, only=invocation_id)
            except Exception:  # the next deadline must still be kept
                log.exception("timing out a command failed", invocation_id=invocation_id)
