"""Long cache lifetimes for the build's fingerprinted files.

Vite names every chunk under `/assets/` after a hash of its content, so a browser may keep it
for a year: a new build links new names. Everything else (pages, `/styles.css`, the scripts in
`assets/`, the API) keeps the server's default validation by ETag."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FINGERPRINTED_PREFIX = "/assets/"
IMMUTABLE = b"public, max-age=31536000, immutable"


class CacheFingerprinted:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(FINGERPRINTED_PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_cached(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                message["headers"] = [*headers, (b"cache-control", IMMUTABLE)]
            await send(message)

        await self.app(scope, receive, send_cached)
