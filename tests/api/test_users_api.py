"""/api/v1/users and /api/v1/media."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support import images

HOSTILE = [
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
]


async def test_get_and_patch_me(client: httpx.AsyncClient, signup: Signup) -> None:
    tokens = await signup("alice")
    response = await client.patch(
        "/api/v1/users/me",
        headers=bearer(tokens),
        json={"display_name": "Alice A", "bio": "line one\nline two", "presence": "idle"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["display_name"], body["bio"], body["presence"]) == (
        "Alice A",
        "line one\nline two",
        "idle",
    )
    assert body["status_text"] == ""


@pytest.mark.parametrize("payload", HOSTILE)
@pytest.mark.parametrize("field", ["display_name", "bio", "status_text"])
async def test_hostile_text_is_stored_verbatim(
    client: httpx.AsyncClient, signup: Signup, payload: str, field: str
) -> None:
    tokens = await signup("alice")
    response = await client.patch("/api/v1/users/me", headers=bearer(tokens), json={field: payload})
    assert response.status_code == 200
    assert response.json()[field] == payload
    public = await client.get("/api/v1/users/alice", headers=bearer(tokens))
    assert public.json()[field] == payload
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"display_name": "x" * 51}, "too_long"),
        ({"bio": "x" * 301}, "too_long"),
        ({"status_text": "x" * 101}, "too_long"),
        ({"display_name": ""}, "empty"),
        ({"presence": "away"}, "validation_error"),
    ],
    ids=["name", "bio", "status", "empty-name", "presence"],
)
async def test_patch_me_errors(
    client: httpx.AsyncClient, signup: Signup, body: dict[str, str], code: str
) -> None:
    tokens = await signup("alice")
    response = await client.patch("/api/v1/users/me", headers=bearer(tokens), json=body)
    assert response.status_code == 422
    assert error_code(response) == code
    me = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()
    assert me["display_name"] == "alice"
    assert me["bio"] == ""


async def test_patch_me_reports_every_wrong_field_and_changes_nothing(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    tokens = await signup("alice")
    response = await client.patch(
        "/api/v1/users/me",
        headers=bearer(tokens),
        json={"display_name": "", "bio": "x" * 301, "status_text": "fine"},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_fields"
    assert [(e["field"], e["code"]) for e in error["errors"]] == [
        ("display_name", "empty"),
        ("bio", "too_long"),
    ]
    me = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()
    assert (me["display_name"], me["status_text"]) == ("alice", "")


async def test_avatar_upload_and_signed_download(
    client: httpx.AsyncClient, signup: Signup, media_backend: str
) -> None:
    tokens = await signup("alice")
    response = await client.put(
        "/api/v1/users/me/avatar",
        headers=bearer(tokens),
        files={"file": ("me.txt", images.photo_with_exif(), "text/plain")},
    )
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    small = response.json()["avatar_small_url"]
    picture = await client.get(url)
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(picture.content)) as image:
        assert image.size == (400, 400)
        assert not image.getexif()
    with Image.open(io.BytesIO((await client.get(small)).content)) as image:
        assert image.size == (64, 64)
    partial = await client.get(url, headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206
    assert len(partial.content) == 10
    tampered = url.replace("-400.webp", "-64.webp")
    assert (await client.get(tampered)).status_code == 404
    escape = "/api/v1/media/../../secret_key?exp=9999999999&sig=x"
    assert (await client.get(escape)).status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("evil.png", images.SCRIPT_AS_PNG, 415, "unsupported_media"),
        ("bomb.png", images.decompression_bomb(), 415, "image_too_large"),
        ("big.png", images.png() + b"\x00" * (10 * 1024 * 1024), 413, "too_large"),
        ("empty.png", b"", 422, "empty_file"),
    ],
    ids=["script-as-png", "bomb", "oversized", "empty"],
)
async def test_avatar_upload_errors_store_nothing(
    client: httpx.AsyncClient, signup: Signup, name: str, data: bytes, status: int, code: str
) -> None:
    tokens = await signup("alice")
    response = await client.put(
        "/api/v1/users/me/avatar",
        headers=bearer(tokens),
        files={"file": (name, data, "image/png")},
    )
    assert response.status_code == status
    assert error_code(response) == code
    me = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()
    assert me["avatar_url"] is None


async def test_avatar_requires_a_file(client: httpx.AsyncClient, signup: Signup) -> None:
    tokens = await signup("alice")
    response = await client.put("/api/v1/users/me/avatar", headers=bearer(tokens))
    assert response.status_code == 422
    assert error_code(response) == "missing_field"


async def test_profile_and_search(client: httpx.AsyncClient, signup: Signup) -> None:
    tokens = await signup("alice", display_name="Wonder Alice")
    await signup("alfred")
    await signup("bob", display_name="Alan Bob")
    found = await client.get("/api/v1/users", params={"q": "AL"}, headers=bearer(tokens))
    assert [u["username"] for u in found.json()] == ["alfred", "alice", "bob"]
    by_name = await client.get("/api/v1/users", params={"q": "wonder"}, headers=bearer(tokens))
    assert [u["username"] for u in by_name.json()] == ["alice"]
    profile = await client.get("/api/v1/users/BOB", headers=bearer(tokens))
    assert profile.status_code == 200
    assert "email" not in profile.json()
    missing = await client.get("/api/v1/users/nobody", headers=bearer(tokens))
    assert missing.status_code == 404
    assert error_code(missing) == "user_not_found"
    too_long = await client.get("/api/v1/users", params={"q": "x" * 51}, headers=bearer(tokens))
    assert too_long.status_code == 422


@pytest.mark.parametrize("payload", HOSTILE)
async def test_hostile_text_in_login_and_search_is_just_text(
    client: httpx.AsyncClient, signup: Signup, payload: str
) -> None:
    tokens = await signup("alice")
    login = await client.post("/api/v1/auth/login", json={"login": payload, "password": payload})
    assert login.status_code == 401
    assert error_code(login) == "invalid_credentials"
    found = await client.get("/api/v1/users", params={"q": payload}, headers=bearer(tokens))
    assert found.status_code == 200
    assert found.json() == []
    profile = await client.get(f"/api/v1/users/{payload}", headers=bearer(tokens))
    assert profile.status_code == 404
    # Nothing was dropped or altered: the account still works.
    assert (await client.get("/api/v1/users/alice", headers=bearer(tokens))).status_code == 200


async def test_presence_endpoint(client: httpx.AsyncClient, signup: Signup) -> None:
    alice = await signup("alice")
    bob = await signup("bob")
    seen = await client.get("/api/v1/users/alice/presence", headers=bearer(bob))
    assert seen.json() == {"status": "offline", "last_seen_at": None}
    await client.patch(
        "/api/v1/users/me", json={"presence_visibility": "nobody"}, headers=bearer(alice)
    )
    hidden = await client.get("/api/v1/users/alice/presence", headers=bearer(bob))
    assert hidden.json()["status"] == "hidden"
    bad = await client.patch(
        "/api/v1/users/me", json={"presence_visibility": "friends"}, headers=bearer(alice)
    )
    assert bad.status_code == 422
    missing = await client.get("/api/v1/users/nobody/presence", headers=bearer(bob))
    assert missing.status_code == 404
