"""Delivery and read receipts noted by this worker's live clients, written together.

Every client that receives a message acknowledges it; written one by one, a group of n costs n
writes per message. Here every client of the worker notes what it received (and, for a tab
showing the chat, read), and one transaction per interval writes the highest positions.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from socialhub.db import transaction
from socialhub.domain import messages
from socialhub.realtime.events import delivered_positions
from socialhub.realtime.hub import Event

log = logging.getLogger(__name__)
INTERVAL = 1.0

Receipts = dict[tuple[int, str], int]


class ReceiptBuffer:
    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self._lock = threading.Lock()
        self._delivered: Receipts = {}
        self._read: Receipts = {}
        self._flusher: asyncio.Task[None] | None = None

    def note(self, user_id: int, events: list[Event], *, reading: str = "") -> None:
        """`user_id`'s client received `events`; those in chat `reading` were also seen."""
        arrived = delivered_positions(events, user_id)
        if not arrived:
            return
        # Server channels keep no delivery receipts: only the channel on screen is noted (read).
        channels = {
            str(e["data"].get("conversation_id"))
            for e in events
            if isinstance(e.get("data"), dict) and e["data"].get("server_id")
        }
        with self._lock:
            for chat, seq in arrived.items():
                key = (user_id, chat)
                if chat not in channels:
                    self._delivered[key] = max(self._delivered.get(key, 0), seq)
                if chat == reading:
                    self._read[key] = max(self._read.get(key, 0), seq)
        self._ensure_flusher()

    def _ensure_flusher(self) -> None:
        if self._flusher is None or self._flusher.done():
            try:
                self._flusher = asyncio.get_running_loop().create_task(self._run())
            except RuntimeError:  # no loop here (a thread): write now
                self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                written = await asyncio.to_thread(self.flush)
            except Exception:
                log.exception("writing receipts failed")
                continue
            if not written:
                return  # idle: the next note starts a new flusher

    def flush(self) -> int:
        """Write what was noted since the last flush, in one transaction; how many entries."""
        with self._lock:
            delivered, self._delivered = self._delivered, {}
            read, self._read = self._read, {}
        if not delivered and not read:
            return 0
        with transaction() as session:
            messages.do_record_receipts(session, delivered, read)
        return len(delivered) + len(read)


receipts = ReceiptBuffer()
