"""A small website on 127.0.0.1 for tests of link previews: pages a test sets by path, each
answered with its status, headers and body; every GET is recorded (path and headers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Website:
    base: str
    pages: dict[str, Page] = field(default_factory=dict)
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    # Bytes written for each path (a client that stops reading early gets fewer).
    sent: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.hits]


@contextmanager
def website() -> Iterator[Website]:
    site = Website(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            page = site.pages.get(self.path)
            if page is None:
                page = Page(b"not found", content_type="text/plain", status=404)
            self.send_response(page.status)
            self.send_header("Content-Type", page.content_type)
            for name, value in page.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            written = 0
            try:
                for start in range(0, len(page.body), 64 * 1024):
                    chunk = page.body[start : start + 64 * 1024]
                    self.wfile.write(chunk)
                    written += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            site.sent[self.path] = written

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
