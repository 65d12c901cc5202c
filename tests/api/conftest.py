"""An httpx client on the ASGI app, plus helpers to sign users up through the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from socialhub.api.app import create_api
from tests.conftest import PASSWORD

Signup = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_api(), client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def signup(client: httpx.AsyncClient) -> Signup:
    async def make(username: str, **extra: str) -> dict[str, str]:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        body.update(extra)
        response = await client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.text
        data: dict[str, str] = response.json()
        return data

    return make


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


Tokens = dict[str, str]


@pytest.fixture
async def follow_trio(client: httpx.AsyncClient, signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    """Alice, Bob (follows Alice) and Carol (a stranger)."""
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    followed = await client.post("/api/v1/users/alice/follow", headers=bearer(bob))
    assert followed.status_code == 200
    return alice, bob, carol
