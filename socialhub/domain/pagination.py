"""Keyset cursors for lists ordered by (time, id), newest first."""

from __future__ import annotations

from datetime import UTC, datetime

from socialhub.domain.errors import InvalidInput


def time_cursor(moment: datetime, row_id: int) -> str:
    return f"{round(moment.timestamp() * 1_000_000)}-{row_id}"


def parse_time_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, row_id = (int(part) for part in cursor.split("-", 1))
        return datetime.fromtimestamp(micros / 1_000_000, UTC), row_id
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInput("bad cursor", field="cursor", code="bad_cursor") from exc
