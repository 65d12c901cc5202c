"""The API on the real server: the live event stream and the CORS policy."""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest

from tests.e2e.conftest import BASE, register, unique

pytestmark = pytest.mark.e2e


def test_event_stream_delivers_live_and_resumes(server: str) -> None:
    tokens = register(unique("sse"))
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    received: list[dict[str, object]] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{BASE}/api/v1/events", headers=headers, timeout=20) as r:
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            ready.set()
            for line in r.iter_lines():
                if line.startswith("data: "):
                    received.append(json.loads(line[6:]))
                    return

    thread = threading.Thread(target=listen)
    thread.start()
    assert ready.wait(10)
    patched = httpx.patch(
        f"{BASE}/api/v1/users/me", headers=headers, json={"display_name": "Live One"}, timeout=10
    )
    assert patched.status_code == 200
    thread.join(15)
    assert received, "no event arrived"
    event = received[0]
    assert (event["type"], event["op"]) == ("user", "update")
    assert event["data"]["display_name"] == "Live One"  # type: ignore[index]

    # A client that missed everything replays from the start and gets the same event, with
    # the token to resume from after it as its id; resuming from that id replays nothing.
    with httpx.stream("GET", f"{BASE}/api/v1/events?since=", headers=headers, timeout=10) as r:
        ident = ""
        for line in r.iter_lines():
            if line.startswith("id: "):
                ident = line[4:]
            elif line.startswith("data: "):
                assert json.loads(line[6:]) == event
                break
    assert ident == f"s{event['position']}"


def test_event_stream_needs_a_token(server: str) -> None:
    response = httpx.get(f"{BASE}/api/v1/events", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/auth/login"])
def test_cors_only_for_the_apps_own_origin(server: str, path: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    foreign = httpx.options(
        BASE + path, headers={"Origin": "https://evil.example", **preflight}, timeout=5
    )
    assert foreign.headers.get("access-control-allow-origin") != "https://evil.example"
    assert "access-control-allow-origin" not in foreign.headers or (
        foreign.headers["access-control-allow-origin"] != "*"
    )
    own = httpx.options(BASE + path, headers={"Origin": BASE, **preflight}, timeout=5)
    assert own.headers.get("access-control-allow-origin") == BASE


def test_fingerprinted_chunks_are_cached_for_a_year_and_pages_are_not(server: str) -> None:
    page = httpx.get(f"{BASE}/login/", timeout=10)
    assert page.status_code == 200
    assert "immutable" not in page.headers.get("cache-control", "")
    chunks = re.findall(r'"(/assets/[^"]+\.(?:js|css))"', page.text)
    assert chunks, "the page links no build chunk"
    chunk = httpx.get(BASE + chunks[0], timeout=10)
    assert chunk.status_code == 200
    assert chunk.headers["cache-control"] == "public, max-age=31536000, immutable"
    missing = httpx.get(f"{BASE}/assets/no-such-chunk-0000.js", timeout=10)
    assert "immutable" not in missing.headers.get("cache-control", "")
    styles = httpx.get(f"{BASE}/styles.css", timeout=10)
    assert "immutable" not in styles.headers.get("cache-control", "")
