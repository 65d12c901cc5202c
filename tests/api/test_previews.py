"""The HTML the server sends for /p/<id> and /u/<name>: title, description and Open Graph tags for
link crawlers (which run no JavaScript), user text escaped, hidden pages not described."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from socialhub.api import previews
from tests.api.conftest import Signup, bearer
from tests.conftest import reset_settings

NASTY = 'Al "the <script>alert(1)</script>" & co'


def meta(page: str, key: str) -> str | None:
    """The content of the meta tag named or with property `key` (unescaped), if exactly one."""
    found = re.findall(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)">', page)
    assert len(found) <= 1, (key, found)
    return html.unescape(found[0]) if found else None


@pytest.fixture
async def alice_posts(client: httpx.AsyncClient, signup: Signup) -> dict[str, str]:
    alice = await signup("alice", display_name="Alice <b>")
    changed = await client.patch("/api/v1/users/me", json={"bio": NASTY}, headers=bearer(alice))
    assert changed.status_code == 200
    ids = {}
    for body, visibility in ((f"Look {NASTY}\nsecond line", "public"), ("secret", "followers")):
        response = await client.post(
            "/api/v1/posts", data={"body": body, "visibility": visibility}, headers=bearer(alice)
        )
        assert response.status_code == 201
        ids[visibility] = response.json()["id"]
    return ids


async def test_a_public_post_carries_its_preview(
    client: httpx.AsyncClient, alice_posts: dict[str, str]
) -> None:
    response = await client.get(f"/p/{alice_posts['public']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "<script>alert(1)</script>" not in page
    assert meta(page, "og:title") == f"Alice <b> on SocialHub: “Look {NASTY} second line”"
    assert meta(page, "og:description") == f"Look {NASTY} second line"
    assert meta(page, "description") == f"Look {NASTY} second line"
    assert meta(page, "og:type") == "article"
    assert meta(page, "og:url") == f"http://localhost:3000/p/{alice_posts['public']}"
    assert meta(page, "robots") is None
    assert re.search(r"<title>Alice &lt;b&gt; on SocialHub: ", page)


async def test_a_profile_carries_its_preview(
    client: httpx.AsyncClient, alice_posts: dict[str, str]
) -> None:
    page = (await client.get("/u/alice")).text
    assert "<script>alert(1)</script>" not in page
    assert meta(page, "og:title") == "Alice <b> (@alice) · SocialHub"
    assert meta(page, "og:description") == NASTY
    assert meta(page, "og:type") == "profile"


async def test_hidden_and_missing_pages_describe_nothing(
    client: httpx.AsyncClient, alice_posts: dict[str, str]
) -> None:
    for path in (f"/p/{alice_posts['followers']}", "/p/nope", "/u/nobody"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "secret" not in response.text
        assert meta(response.text, "robots") == "noindex"
        assert meta(response.text, "og:title") in ("Post · SocialHub", "Profile · SocialHub")


@pytest.fixture
def reads_closed(database_url: str) -> Iterator[None]:
    reset_settings(PUBLIC_READS="false")
    yield
    reset_settings(PUBLIC_READS=None)


async def test_with_public_reads_off_nothing_is_described(
    client: httpx.AsyncClient, alice_posts: dict[str, str], reads_closed: None
) -> None:
    for path in (f"/p/{alice_posts['public']}", "/u/alice"):
        response = await client.get(path)
        assert response.status_code == 404
        assert "Look" not in response.text
        assert NASTY not in html.unescape(response.text)


def test_the_shells_own_tags_give_way_to_the_previews() -> None:
    shell = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Not found</title>'
        '<meta name="description" content="old"><meta property="og:title" content="old">'
        '<link rel="canonical" href="/old"><script src="/app.js"></script></head>'
        '<body><div id="root"></div></body></html>'
    )
    preview = previews.Preview(title="T <&>", description='D "q"', path="/p/1")
    page = previews.render(preview, shell)
    assert page.count("<title>") == 1
    assert "<title>T &lt;&amp;&gt;</title>" in page
    assert meta(page, "description") == 'D "q"'
    assert meta(page, "og:title") == "T <&>"
    assert "old" not in page
    assert '<script src="/app.js"></script>' in page
    assert page.endswith('<body><div id="root"></div></body></html>')
