"""Live clients per user in this worker process (browser tab listeners and API event streams).

Opening and closing a client and recording the user's resulting presence happen under one lock,
so a tab that replaces another (a page change) can never be recorded as offline after the new
one was recorded online.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

_lock = threading.Lock()
_clients: Counter[int] = Counter()


def opened(user_id: int, record: Callable[[], None]) -> None:
    """Count a new client, then `record` (which commits) while no other change can interleave."""
    with _lock:
        _clients[user_id] += 1
        record()


def closed(user_id: int, record_last: Callable[[], None]) -> None:
    """Forget a client; if it was the user's last one here, `record_last` (which commits)."""
    with _lock:
        _clients[user_id] -= 1
        if _clients[user_id] <= 0:
            del _clients[user_id]
            record_last()
