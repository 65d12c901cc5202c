"""/api/v1/uploads: files sent as the raw request body, streamed to disk as they arrive.

The body is read by hand (`request.stream()`), not by FastAPI: an endpoint with a body or
`UploadFile` parameter has its whole body read (and spooled) before its dependencies run, so an
anonymous 60 MB upload would be read in full before its 401. Here the bearer token, the quota
and the rate are checked first, and the body is refused as soon as it passes a limit.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from socialhub.api.deps import Caller, CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, error_response
from socialhub.api.params import AN_ID
from socialhub.db import transaction
from socialhub.domain import uploads
from socialhub.models.uploads import UploadView

router = APIRouter(prefix="/uploads", tags=["uploads"], responses=ERROR_RESPONSES)

_MB = 1024 * 1024
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, as they are (no multipart). Its type is sniffed from "
        "them, whatever the name or the Content-Type say.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _declared_size(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    return int(raw) if raw is not None and raw.isascii() and raw.isdigit() else None


def _start(caller: Caller, declared: int | None) -> uploads.UploadPlan:
    with transaction() as db:
        return uploads.check_start_upload(db, caller.user(db), declared)


def _keep(
    caller: Caller, received: uploads.Received, name: str | None, keep_original: bool
) -> UploadView:
    with transaction() as db:
        upload = uploads.check_create_upload(
            db, caller.user(db), received, name, keep_original=keep_original
        )
        return uploads.upload_view(upload)


@router.post("", status_code=201, response_model=UploadView, openapi_extra=_BODY)
async def create_upload(
    request: Request,
    caller: CurrentCaller,
    name: Annotated[
        str | None,
        Query(
            max_length=uploads.NAME_INPUT_MAX,
            description="the file's name as the user knows it (a path keeps its last part; "
            f"control characters are dropped; at most {uploads.NAME_MAX} characters are kept)",
        ),
    ] = None,
    keep_original: Annotated[
        bool,
        Query(
            description='"send as file": keep the original as sent once processed (a photo in '
            "full quality, with its metadata); otherwise only the processed renditions stay",
        ),
    ] = False,
) -> UploadView | JSONResponse:
    """Upload one file as the raw body (`Content-Type: application/octet-stream`).

    Its kind (`image`, `video`, `audio`, `document`, `file`) and MIME type are sniffed from its
    bytes. Limits by kind (defaults): images 16 MB, videos 100 MB, voice notes and audio 16 MB,
    documents (PDF) and other files 100 MB; all of an account's uploads together within its
    storage quota; a rate per account. Refusals: 401 before any of the body is read; 413
    `too_large` (a Content-Length over the limit before reading, otherwise as soon as the
    limit is passed) and `quota_exceeded`; 415 `unsupported_media` (a type we do not take, HTML
    and SVG among them), `image_too_large` (the image's header claims too many pixels) and
    `corrupt_image`; 422 `empty_file`; 429 `rate_limited`. The upload starts as `received`.

    An image is then processed by a job (`processing`, then `ready` or `failed` with
    `failure_reason` `corrupt_image` or `image_too_large`; each change is pushed to you as a
    user event `upload`/`update`): WebP renditions `thumb` (320), `medium` (1280) and `large`
    (2048 px longest side, never upscaled; an animation stays animated but for `thumb`) with all
    metadata removed, its `width`/`height`, a `placeholder_color` and a `blurhash`. The original
    is deleted then, unless `keep_original`.
    """
    plan = await run_in_threadpool(_start, caller, _declared_size(request))
    with uploads.Intake(plan) as intake:
        try:
            async for chunk in request.stream():
                intake.feed(chunk)
        except ClientDisconnect:
            # Cancelled by the client (or its connection lost): nobody reads this answer.
            return error_response(400, "upload_cancelled", "the upload was cancelled")
        received = await run_in_threadpool(intake.finish)
        return await run_in_threadpool(_keep, caller, received, name, keep_original)


@router.get("/{upload_id}", response_model=UploadView)
def get_upload(
    upload_id: Annotated[str, Path(json_schema_extra=AN_ID)], caller: CurrentCaller
) -> UploadView:
    """One of your uploads and its status (404 `upload_not_found` for anyone else's); once
    `ready`, an image's renditions with signed URLs, issued afresh on every read."""
    with transaction() as db:
        return uploads.upload_view(uploads.access_upload(db, caller.user(db), upload_id))
