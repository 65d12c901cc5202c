"""Regression tests for what the API fuzzer (test_fuzz_api.py) found: each was a 500."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import pytest

from socialhub.domain import media, pagination
from socialhub.domain.errors import InvalidInput
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code


async def test_new_posts_count_with_an_empty_since_is_refused(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    me = await signup("alice")
    for since in ("", "not-an-id"):
        response = await client.get(
            "/api/v1/feed/home/new-count", params={"since": since}, headers=bearer(me)
        )
        assert response.status_code == 422, response.text


@pytest.mark.parametrize("key", ["é.webp", "avatars/ü/1.webp", "a\x00b.webp"])
async def test_a_media_key_out_of_ascii_is_not_found(client: httpx.AsyncClient, key: str) -> None:
    expires = int(time.time()) + 3600
    for sig in (media._signature(key, expires), "ü" * 32):
        response = await client.get(
            f"/api/v1/media/{quote(key)}", params={"exp": expires, "sig": sig}
        )
        assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize("seconds", [0, 10**12, 10**30, -5])
async def test_an_invite_expiry_of_zero_or_beyond_a_year_is_refused(
    client: httpx.AsyncClient, signup: Signup, seconds: int
) -> None:
    admin = await signup("alice")
    await signup("bob")
    group = await client.post(
        "/api/v1/chats", json={"title": "g", "usernames": ["bob"]}, headers=bearer(admin)
    )
    response = await client.post(
        f"/api/v1/chats/{group.json()['id']}/invites",
        json={"expires_in_seconds": seconds},
        headers=bearer(admin),
    )
    assert response.status_code == 422, response.text
    assert error_code(response) == "invalid_input"
    listed = await client.get(f"/api/v1/chats/{group.json()['id']}/invites", headers=bearer(admin))
    assert listed.json() == []


async def test_a_people_cursor_past_a_32_bit_user_id_is_a_bad_cursor(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    """PostgreSQL refused the comparison with a 500 (SQLite's integers are wider)."""
    me = await signup("alice")
    response = await client.get(
        "/api/v1/me/friend-requests",
        params={"cursor": "9978806-85050115530"},
        headers=bearer(me),
    )
    assert (response.status_code, error_code(response)) == (422, "bad_cursor")
    with pytest.raises(InvalidInput):
        pagination.parse_time_cursor("9978806-85050115530")
