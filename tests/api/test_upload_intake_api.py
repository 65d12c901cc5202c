"""Multipart uploads are refused before their body is read: no token or a bad one (401), a
declared size over every upload limit (413). `api/intake.py`; a form from a signed-in user is
still read and stored as before."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_uploads_api import Body, error
from tests.support import files

FORM = {"Content-Type": "multipart/form-data; boundary=sh-boundary"}
ROUTES = [
    ("PUT", "/api/v1/users/me/avatar"),
    ("POST", "/api/v1/posts"),
    ("PUT", "/api/v1/bots/1/avatar"),
    ("POST", "/api/v1/stories"),
]


def form_head() -> bytes:
    return (
        b'--sh-boundary\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + files.image("PNG")
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
@pytest.mark.parametrize(
    ("headers", "code"),
    [({}, "not_authenticated"), ({"Authorization": "Bearer not-a-token"}, "invalid_token")],
    ids=["no-token", "bad-token"],
)
async def test_an_anonymous_form_is_refused_unread(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], code: str
) -> None:
    body = Body(form_head(), total=60 * 1024 * 1024)
    response = await client.request(method, path, content=body, headers={**headers, **FORM})
    assert error(response) == (401, code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert body.pulled == 0


async def test_a_form_declared_over_every_limit_is_refused_unread(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice = await signup("alice")
    body = Body(form_head(), total=300 * 1024 * 1024)
    headers = {**bearer(alice), **FORM, "Content-Length": str(body.total)}
    response = await client.put("/api/v1/users/me/avatar", content=body, headers=headers)
    assert error(response) == (413, "too_large")
    assert body.pulled == 0


async def test_a_signed_in_form_is_read_as_before(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice = await signup("alice")
    response = await client.put(
        "/api/v1/users/me/avatar",
        files={"file": ("me.png", files.image("PNG"), "image/png")},
        headers=bearer(alice),
    )
    assert response.status_code == 200, response.text
    assert response.json()["avatar_url"]
