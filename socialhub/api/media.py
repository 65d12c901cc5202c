"""/api/v1/media: stored files behind signed, expiring URLs (Range requests supported)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from socialhub.api.errors import ERROR_RESPONSES
from socialhub.domain import media
from socialhub.domain.errors import InvalidInput, NotFound

router = APIRouter(prefix="/media", tags=["media"], responses=ERROR_RESPONSES)


@router.get("/{key:path}", response_class=FileResponse)
def get_media(
    key: Annotated[str, Path(pattern=media.MEDIA_KEY_PATTERN)],
    exp: Annotated[int, Query(ge=0, description="expiry, Unix seconds")],
    sig: Annotated[str, Query(pattern=media.SIGNATURE_PATTERN)],
) -> FileResponse:
    """A stored file, by the signed URL that a view gave you (404 `media_not_found` once the
    URL has expired or was not signed by us)."""
    if not media.verify_signature(key, exp, sig):
        raise NotFound("no such file", code="media_not_found")
    try:
        path = media.get_storage().path(key)
    except InvalidInput as exc:
        raise NotFound("no such file", code="media_not_found") from exc
    if not path.is_file():
        raise NotFound("no such file", code="media_not_found")
    return FileResponse(
        path,
        media_type="image/webp" if key.endswith(".webp") else "application/octet-stream",
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
