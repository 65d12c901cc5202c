"""Keyset cursors: by (time, id) for relations, by UUIDv7 id for posts and comments."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col

from socialhub.domain.errors import InvalidInput
from socialhub.models import User


def time_cursor(moment: datetime, row_id: int) -> str:
    return f"{round(moment.timestamp() * 1_000_000)}-{row_id}"


def parse_time_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        micros, row_id = (int(part) for part in cursor.split("-", 1))
        if not 0 <= row_id <= _ROW_ID_MAX:
            raise ValueError(row_id)
        return datetime.fromtimestamp(micros / 1_000_000, UTC), row_id
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInput("bad cursor", field="cursor", code="bad_cursor") from exc


# The shapes of the two cursors, also the API's documented patterns. A time cursor's micros stay
# below year 5000, so any cursor of this shape parses.
ROW_ID_PATTERN = r"^[0-9a-f]{32}$"
TIME_CURSOR_PATTERN = r"^[0-9]{1,17}-[0-9]{1,9}$"
# User ids are 32-bit integers on PostgreSQL: a larger one in a cursor fails the query.
_ROW_ID_MAX = 2**31 - 1
_ROW_ID = re.compile(ROW_ID_PATTERN)


def id_cursor(value: str | None, field: str) -> str | None:
    """A post or comment id given as a cursor (None when absent); anything else is refused."""
    if value is None or value == "":
        return None
    if not _ROW_ID.match(value):
        raise InvalidInput("bad cursor", field=field, code="bad_cursor")
    return value


def newest_people(
    session: Session,
    query: Any,
    moment: Any,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[User, datetime]], str | None]:
    """A page of `query` (selecting a User and `moment`), newest first, and the next page's
    cursor (None on the last page): keyset pagination by (moment, user id)."""
    user_id = col(User.id)
    if cursor:
        after, last_id = parse_time_cursor(cursor)
        query = query.where((moment < after) | ((moment == after) & (user_id < last_id)))
    rows: list[tuple[User, datetime]] = list(
        session.exec(query.order_by(moment.desc(), user_id.desc()).limit(limit + 1)).all()
    )
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last, since = page[-1]
        next_cursor = time_cursor(since, last.id or 0)
    return page, next_cursor
