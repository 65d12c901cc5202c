"""/api/v1/people (mentions, search, suggestions) and GET /api/v1/invites/{code}: answers,
401 anonymous, 422 on bad input, 404 for chats and links one cannot see."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Signup, Tokens, bearer


def usernames(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["username"] for p in response.json()]


def error_code(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


@pytest.fixture
async def trio(client: httpx.AsyncClient, signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    """Alice, who follows Carla; Carl; Carla."""
    alice, carl, carla = await signup("alice"), await signup("carl"), await signup("carla")
    followed = await client.post("/api/v1/users/carla/follow", headers=bearer(alice))
    assert followed.status_code == 200
    return alice, carl, carla


async def test_mentions_chat_members_first(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice = trio[0]
    assert usernames(
        await client.get("/api/v1/people/mentions", params={"q": "@car"}, headers=bearer(alice))
    ) == ["carla", "carl"]
    group = await client.post(
        "/api/v1/chats", json={"title": "Pals", "usernames": ["carl"]}, headers=bearer(alice)
    )
    chat = group.json()["id"]
    found = await client.get(
        "/api/v1/people/mentions",
        params={"q": "car", "conversation_id": chat},
        headers=bearer(alice),
    )
    assert usernames(found) == ["carl", "carla"]
    assert [(p["in_chat"], p["is_following"]) for p in found.json()] == [
        (True, False),
        (False, True),
    ]
    stranger = await client.get(
        "/api/v1/people/mentions",
        params={"q": "car", "conversation_id": "nope"},
        headers=bearer(alice),
    )
    assert (stranger.status_code, error_code(stranger)) == (404, "chat_not_found")


async def test_search_and_suggestions(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, carl, _ = trio
    assert usernames(
        await client.get("/api/v1/people/search", params={"q": "Car"}, headers=bearer(alice))
    ) == ["carla", "carl"]
    blocked = await client.put("/api/v1/blocks/alice", headers=bearer(carl))
    assert blocked.status_code == 204
    assert usernames(
        await client.get("/api/v1/people/search", params={"q": "car"}, headers=bearer(alice))
    ) == ["carla"]
    assert usernames(await client.get("/api/v1/people/suggestions", headers=bearer(carl))) == [
        "carla"
    ]


async def test_invite_preview_then_join(client: httpx.AsyncClient, signup: Signup) -> None:
    owner, guest = await signup("owner"), await signup("guest")
    group = await client.post("/api/v1/chats", json={"title": "Hikers"}, headers=bearer(owner))
    chat = group.json()["id"]
    invite = await client.post(f"/api/v1/chats/{chat}/invites", json={}, headers=bearer(owner))
    code = invite.json()["code"]
    preview = await client.get(f"/api/v1/invites/{code}", headers=bearer(guest))
    assert preview.status_code == 200
    assert preview.json() == {
        "code": code,
        "title": "Hikers",
        "picture_url": None,
        "member_count": 1,
        "is_member": False,
    }
    joined = await client.post(f"/api/v1/invites/{code}/join", headers=bearer(guest))
    assert joined.status_code == 200
    again = await client.get(f"/api/v1/invites/{code}", headers=bearer(guest))
    assert (again.json()["member_count"], again.json()["is_member"]) == (2, True)
    revoked = await client.delete(f"/api/v1/invites/{code}", headers=bearer(owner))
    assert revoked.status_code == 204
    for dead in (code, "unknown"):
        gone = await client.get(f"/api/v1/invites/{dead}", headers=bearer(guest))
        assert (gone.status_code, error_code(gone)) == (404, "invite_not_found")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/mentions?q=a",
        "/api/v1/people/search?q=a",
        "/api/v1/people/suggestions",
        "/api/v1/invites/abc",
    ],
)
async def test_anonymous_callers_are_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert (response.status_code, error_code(response)) == (401, "not_authenticated")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/people/mentions?q=" + "a" * 51,
        "/api/v1/people/mentions?q=a&limit=0",
        "/api/v1/people/search",
        "/api/v1/people/search?q=a&limit=51",
        "/api/v1/people/suggestions?limit=x",
        "/api/v1/invites/" + "c" * 33,
    ],
)
async def test_bad_input_is_422(client: httpx.AsyncClient, signup: Signup, path: str) -> None:
    response = await client.get(path, headers=bearer(await signup("alice")))
    assert response.status_code == 422, response.text
    assert error_code(response) in {"validation_error", "missing_field"}


async def test_documented_in_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    for path in ("/people/mentions", "/people/search", "/people/suggestions"):
        assert {"200", "401", "422"} <= set(paths[f"/api/v1{path}"]["get"]["responses"])
    assert "404" in paths["/api/v1/invites/{code}"]["get"]["responses"]
