"""Multipart uploads (avatars, pictures, stickers, story images) are authenticated before their
body is read.

FastAPI parses a form body before it resolves any dependency, so without this a 60 MB anonymous
POST is read in full and only then answered 401. This middleware looks at the headers alone: a
multipart request to the API without a valid bearer token gets its 401 at once, and one whose
declared size is over the largest upload limit its 413, both without a byte of the body read.
The route authenticates again (its own dependency, in its own transaction): a second token check
for these few requests is the price of not touching every upload route.
`POST /api/v1/uploads` reads its raw body itself, after its own check (socialhub/api/uploads.py).
"""

from __future__ import annotations

import anyio.to_thread
from fastapi.security import HTTPAuthorizationCredentials
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from socialhub.api.deps import current_caller
from socialhub.api.errors import error_response
from socialhub.config import get_settings
from socialhub.domain.errors import NotAuthenticated

WRITES = frozenset({"POST", "PUT", "PATCH"})
# A form's boundaries and other fields beside its files.
FORM_OVERHEAD = 1024 * 1024


def _largest_upload() -> int:
    settings = get_settings()
    return FORM_OVERHEAD + max(
        settings.avatar_max_bytes,
        settings.upload_max_image_bytes,
        settings.upload_max_video_bytes,
        settings.upload_max_audio_bytes,
        settings.upload_max_document_bytes,
        settings.upload_max_file_bytes,
    )


def refusal(headers: Headers) -> Response | None:
    """The answer a multipart request gets before its body, or None to let it through."""
    declared = headers.get("content-length", "")
    limit = _largest_upload()
    if declared.isdigit() and int(declared) > limit:
        return error_response(
            413, "too_large", "the upload is too large", {"max_bytes": limit - FORM_OVERHEAD}
        )
    scheme, _, token = headers.get("authorization", "").partition(" ")
    try:
        current_caller(
            HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
            if scheme and token.strip()
            else None
        )
    except NotAuthenticated as exc:
        response = error_response(401, exc.code, exc.message, exc.details)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    return None


class AuthBeforeBody:
    def __init__(self, app: ASGIApp, *, prefix: str) -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in WRITES
            and scope["path"].startswith(self.prefix)
        ):
            headers = Headers(scope=scope)
            if headers.get("content-type", "").lower().startswith("multipart/"):
                refused = await anyio.to_thread.run_sync(refusal, headers)
                if refused is not None:
                    await refused(scope, receive, send)
                    return
        await self.app(scope, receive, send)
