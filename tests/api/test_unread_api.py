"""/api/v1/users/me/unread: the counts behind the badge, for API clients too."""

from __future__ import annotations

import httpx

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code


async def test_the_unread_counts_follow_messages_reads_and_mutes(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice, bob = await signup("alice"), await signup("bob")
    dm = await client.post("/api/v1/chats/dm", headers=bearer(bob), json={"username": "alice"})
    chat = dm.json()["id"]

    async def unread() -> dict[str, object]:
        response = await client.get("/api/v1/users/me/unread", headers=bearer(alice))
        assert response.status_code == 200
        body: dict[str, object] = response.json()
        return body

    assert await unread() == {
        "total": 0,
        "chats": [
            {"id": chat, "kind": "dm", "unread": 0, "last_seq": 0, "read_seq": 0, "muted": False}
        ],
    }
    for text in ("one", "two"):
        sent = await client.post(
            f"/api/v1/chats/{chat}/messages", headers=bearer(bob), json={"body": text}
        )
        assert sent.status_code == 201
    body = await unread()
    assert (body["total"], body["chats"][0]["unread"]) == (2, 2)  # type: ignore[index]

    muted = await client.patch(
        f"/api/v1/chats/{chat}/settings", headers=bearer(alice), json={"muted": True}
    )
    assert muted.status_code == 200
    body = await unread()
    assert (body["total"], body["chats"][0]["unread"]) == (0, 2)  # type: ignore[index]

    read = await client.post(f"/api/v1/chats/{chat}/read", headers=bearer(alice), json={"seq": 2})
    assert read.status_code == 204
    body = await unread()
    assert body["chats"][0]["unread"] == 0  # type: ignore[index]


async def test_the_unread_counts_need_a_signed_in_caller(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/users/me/unread")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"
    bad = await client.get("/api/v1/users/me/unread", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


async def test_the_unread_counts_are_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    operation = schema["paths"]["/api/v1/users/me/unread"]["get"]
    assert set(operation["responses"]) >= {"200", "401"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/UnreadView"}
    chat = schema["components"]["schemas"]["ChatUnread"]
    assert set(chat["required"]) == {"id", "kind", "unread", "last_seq", "read_seq", "muted"}
