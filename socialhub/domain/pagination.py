"""Keyset cursors: by (time, id) for relations, by UUIDv7 id for posts and comments."""

from __future__ import annotations

import re
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


_ROW_ID = re.compile(r"^[0-9a-f]{32}$")


def id_cursor(value: str | None, field: str) -> str | None:
    """A post or comment id given as a cursor (None when absent); anything else is refused."""
    if value is None or value == "":
        return None
    if not _ROW_ID.match(value):
        raise InvalidInput("bad cursor", field=field, code="bad_cursor")
    return value
