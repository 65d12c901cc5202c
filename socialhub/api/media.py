"""/api/v1/media: stored files behind signed, expiring URLs (Range requests supported).

The file is streamed from whichever storage holds it (local disk or an S3 bucket): the URL is
always ours, so what a viewer may see is decided here, never by the bucket.
"""

from __future__ import annotations

import re
from email.utils import formatdate
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import Response, StreamingResponse

from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse, error_response
from socialhub.domain import media
from socialhub.domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/media", tags=["media"], responses=ERROR_RESPONSES)

_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")


class _Unsatisfiable(Exception):
    pass


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The [start, end) a Range header asks for, or None to send the whole file.

    One range is served; anything else (several ranges, another unit, bad syntax) is ignored,
    as RFC 9110 lets a server do: the client gets the whole file. A range starting past the end
    raises _Unsatisfiable (416).
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(size - suffix, 0), size
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise _Unsatisfiable
    return start, size if not last else min(int(last) + 1, size)


@router.get(
    "/{key:path}",
    response_class=StreamingResponse,
    responses={
        200: {"description": "the whole file", "content": {"application/octet-stream": {}}},
        206: {
            "description": "the byte range asked for (`Content-Range` says which)",
            "content": {"application/octet-stream": {}},
        },
        416: {"model": ErrorResponse, "description": "the range starts past the end"},
    },
)
def get_media(
    key: Annotated[str, Path(pattern=media.MEDIA_KEY_PATTERN)],
    exp: Annotated[int, Query(ge=0, description="expiry, Unix seconds")],
    sig: Annotated[str, Query(pattern=media.SIGNATURE_PATTERN)],
    range_header: Annotated[
        str | None, Header(alias="range", max_length=200, description="one byte range")
    ] = None,
    if_range: Annotated[
        str | None,
        Header(alias="if-range", max_length=200, description="ETag or Last-Modified"),
    ] = None,
) -> Response:
    """A stored file, by the signed URL that a view gave you (404 `media_not_found` once the
    URL has expired or was not signed by us). `Range: bytes=...` gets 206 with that part."""
    if not media.verify_signature(key, exp, sig):
        raise NotFound("no such file", code="media_not_found")
    storage = media.get_storage()
    try:
        stored = storage.stat(key)
    except InvalidInput as exc:
        raise NotFound("no such file", code="media_not_found") from exc
    if stored is None:
        raise NotFound("no such file", code="media_not_found")
    headers = {
        "Cache-Control": "private, max-age=86400",
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
        "ETag": stored.etag,
        "Last-Modified": formatdate(stored.modified, usegmt=True),
    }
    # A resumed download of a file that has changed since gets the whole new file.
    honour_range = if_range is None or if_range in (headers["ETag"], headers["Last-Modified"])
    try:
        part = byte_range(range_header, stored.size) if honour_range else None
    except _Unsatisfiable:
        response = error_response(
            416, "range_not_satisfiable", "the range starts past the end of the file"
        )
        response.headers["Content-Range"] = f"bytes */{stored.size}"
        return response
    start, end = part or (0, stored.size)
    try:
        chunks = storage.read(key, start, end)
    except FileNotFoundError as exc:
        raise NotFound("no such file", code="media_not_found") from exc
    headers["Content-Length"] = str(end - start)
    status = 200
    if part is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{stored.size}"
    return StreamingResponse(
        chunks,
        status_code=status,
        media_type="image/webp" if key.endswith(".webp") else "application/octet-stream",
        headers=headers,
    )
