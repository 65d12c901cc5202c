"""Delivery and read receipts noted by this worker's live clients, written together.

Every client that receives a message acknowledges it; written one by one, a group of n costs n
writes per message. Here every client of the worker notes what it received (and, for a tab
showing the chat, read), and one transaction per interval writes the highest positions.
A server channel's read markers (no ticks: only the reader's own other tabs and badges follow
them) are written every CHANNEL_INTERVAL instead: a busy channel's 200 viewers would otherwise
write 200 markers, and wake 200 listeners, every second.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from socialhub.db import transaction
from socialhub.domain import messages
from socialhub.realtime.events import delivered_positions
from socialhub.realtime.hub import Event

log = logging.getLogger(__name__)
INTERVAL = 1.0
CHANNEL_INTERVAL = 5.0

Receipts = dict[tuple[int, str], int]


class ReceiptBuffer:
    def __init__(self, interval: float = INTERVAL, channel_interval: float = CHANNEL_INTERVAL):
        self.interval = interval
        self.channel_interval = channel_interval
        self._lock = threading.Lock()
        self._delivered: Receipts = {}
        self._read: Receipts = {}
        self._channel_read: Receipts = {}
        self._channel_due = 0.0
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
                if chat in channels:
                    if chat == reading:
                        self._channel_read[key] = max(self._channel_read.get(key, 0), seq)
                    continue
                self._delivered[key] = max(self._delivered.get(key, 0), seq)
                if chat == reading:
                    self._read[key] = max(self._read.get(key, 0), seq)
        self._ensure_flusher()

    def take_channel_reads(self, user_id: int) -> Receipts:
        """The user's channel read markers not written yet, taken out of the buffer: for a page
        about to show their badges to write first (a reload must not light what they read)."""
        with self._lock:
            mine = {key: seq for key, seq in self._channel_read.items() if key[0] == user_id}
            for key in mine:
                del self._channel_read[key]
        return mine

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
            if not written and not self._channel_read:
                return  # idle: the next note starts a new flusher

    def flush(self, *, everything: bool = False) -> int:
        """Write what was noted since the last flush, in one transaction (the channels' read
        markers only once they are due, or `everything`); how many entries."""
        with self._lock:
            delivered, self._delivered = self._delivered, {}
            read, self._read = self._read, {}
            now = time.monotonic()
            if self._channel_read and (everything or now >= self._channel_due):
                read.update(self._channel_read)  # channel keys: never among the chats'
                self._channel_read = {}
                self._channel_due = now + self.channel_interval
        if not delivered and not read:
            return 0
        with transaction() as session:
            messages.do_record_receipts(session, delivered, read)
        return len(delivered) + len(read)


receipts = ReceiptBuffer()
