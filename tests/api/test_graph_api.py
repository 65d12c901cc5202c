"""/api/v1 follows, friends and relations: every endpoint and its bad inputs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code

Tokens = dict[str, str]
USERS = "/api/v1/users"


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("alice"), await signup("bob"), await signup("carol")


async def ok(response: Any) -> dict[str, Any]:
    result: httpx.Response = await response
    assert result.status_code == 200, result.text
    body: dict[str, Any] = result.json()
    return body


def usernames(page: dict[str, Any]) -> list[str]:
    return [p["username"] for p in page["people"]]


async def test_follow_unfollow_and_lists(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    followed = await ok(client.post(f"{USERS}/alice/follow", headers=bearer(bob)))
    assert followed["is_following"] is True
    assert followed["followers_count"] == 1
    again = await ok(client.post(f"{USERS}/alice/follow", headers=bearer(bob)))
    assert again == followed
    await ok(client.post(f"{USERS}/alice/follow", headers=bearer(carol)))
    await ok(client.post(f"{USERS}/bob/follow", headers=bearer(alice)))

    first = await ok(client.get(f"{USERS}/alice/followers?limit=1", headers=bearer(bob)))
    assert usernames(first) == ["carol"]
    row = first["people"][0]
    assert set(row) == {
        "id",
        "username",
        "display_name",
        "avatar_small_url",
        "is_bot",
        "since",
        "is_self",
        "is_following",
        "follows_you",
        "friend_status",
    }
    assert (row["is_self"], row["is_following"], row["follows_you"]) == (False, False, False)
    rest = await ok(
        client.get(
            f"{USERS}/alice/followers",
            params={"cursor": first["next_cursor"], "limit": 1},
            headers=bearer(bob),
        )
    )
    assert usernames(rest) == ["bob"]
    assert rest["people"][0]["is_self"] is True
    assert rest["next_cursor"] is None
    following = await ok(client.get(f"{USERS}/alice/following", headers=bearer(bob)))
    assert usernames(following) == ["bob"]

    relation = await ok(client.get(f"{USERS}/alice/relation", headers=bearer(bob)))
    assert relation == {
        "user_id": relation["user_id"],
        "followers_count": 2,
        "following_count": 1,
        "friends_count": 0,
        "is_self": False,
        "is_following": True,
        "follows_you": True,
        "friend_status": "none",
        "blocked": False,
        "you_block": False,
        "blocks_you": False,
    }
    unfollowed = await ok(client.delete(f"{USERS}/alice/follow", headers=bearer(bob)))
    assert (unfollowed["is_following"], unfollowed["followers_count"]) == (False, 1)
    assert await ok(client.delete(f"{USERS}/alice/follow", headers=bearer(bob))) == unfollowed


async def test_friend_request_flow(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    sent = await ok(client.post(f"{USERS}/bob/friend-request", headers=bearer(alice)))
    assert sent["friend_status"] == "request_sent"
    await ok(client.post(f"{USERS}/carol/friend-request", headers=bearer(alice)))

    incoming = await ok(client.get("/api/v1/me/friend-requests", headers=bearer(bob)))
    assert usernames(incoming) == ["alice"]
    assert incoming["people"][0]["friend_status"] == "request_received"
    outgoing = await ok(
        client.get(
            "/api/v1/me/friend-requests", params={"direction": "outgoing"}, headers=bearer(alice)
        )
    )
    assert usernames(outgoing) == ["carol", "bob"]
    paged = await ok(
        client.get(
            "/api/v1/me/friend-requests",
            params={"direction": "outgoing", "limit": 1},
            headers=bearer(alice),
        )
    )
    assert usernames(paged) == ["carol"]
    assert paged["next_cursor"]

    accepted = await ok(client.post(f"{USERS}/alice/friend-request/accept", headers=bearer(bob)))
    assert (accepted["friend_status"], accepted["friends_count"]) == ("friends", 1)
    friends = await ok(client.get("/api/v1/me/friends", headers=bearer(alice)))
    assert usernames(friends) == ["bob"]
    assert friends["people"][0]["friend_status"] == "friends"
    assert friends["next_cursor"] is None

    declined = await ok(client.post(f"{USERS}/alice/friend-request/decline", headers=bearer(carol)))
    assert declined["friend_status"] == "none"
    again = await ok(client.post(f"{USERS}/carol/friend-request", headers=bearer(alice)))
    assert again["friend_status"] == "request_sent"
    cancelled = await ok(client.delete(f"{USERS}/carol/friend-request", headers=bearer(alice)))
    assert cancelled["friend_status"] == "none"
    assert await ok(client.delete(f"{USERS}/carol/friend-request", headers=bearer(alice))) == (
        cancelled
    )

    # Asking someone who already asked you accepts their request.
    await ok(client.post(f"{USERS}/alice/friend-request", headers=bearer(carol)))
    crossed = await ok(client.post(f"{USERS}/carol/friend-request", headers=bearer(alice)))
    assert crossed["friend_status"] == "friends"

    unfriended = await ok(client.delete(f"{USERS}/alice/friend", headers=bearer(bob)))
    assert (unfriended["friend_status"], unfriended["friends_count"]) == ("none", 1)
    assert usernames(await ok(client.get("/api/v1/me/friends", headers=bearer(alice)))) == ["carol"]


async def test_blocking_cuts_ties_and_refuses_new_ones(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = trio
    await ok(client.post(f"{USERS}/alice/follow", headers=bearer(bob)))
    await ok(client.post(f"{USERS}/alice/friend-request", headers=bearer(bob)))
    await ok(client.post(f"{USERS}/bob/friend-request/accept", headers=bearer(alice)))
    blocked = await client.put("/api/v1/blocks/bob", headers=bearer(alice))
    assert blocked.status_code == 204

    mine = await ok(client.get(f"{USERS}/bob/relation", headers=bearer(alice)))
    assert (mine["blocked"], mine["you_block"], mine["blocks_you"]) == (True, True, False)
    assert (mine["friend_status"], mine["follows_you"]) == ("none", False)
    theirs = await ok(client.get(f"{USERS}/alice/relation", headers=bearer(bob)))
    assert (theirs["blocks_you"], theirs["followers_count"], theirs["friends_count"]) == (
        True,
        0,
        0,
    )
    assert usernames(await ok(client.get(f"{USERS}/alice/followers", headers=bearer(bob)))) == []
    for method, url, actor in (
        ("POST", f"{USERS}/alice/follow", bob),
        ("POST", f"{USERS}/bob/follow", alice),
        ("POST", f"{USERS}/alice/friend-request", bob),
        ("POST", f"{USERS}/bob/friend-request", alice),
    ):
        refused = await client.request(method, url, headers=bearer(actor))
        assert (refused.status_code, error_code(refused)) == (403, "blocked"), url


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("POST", "/users/nobody/follow", 404, "user_not_found"),
        ("DELETE", "/users/nobody/follow", 404, "user_not_found"),
        ("GET", "/users/nobody/relation", 404, "user_not_found"),
        ("GET", "/users/nobody/followers", 404, "user_not_found"),
        ("GET", "/users/nobody/following", 404, "user_not_found"),
        ("POST", "/users/nobody/friend-request", 404, "user_not_found"),
        ("DELETE", "/users/nobody/friend-request", 404, "user_not_found"),
        ("POST", "/users/nobody/friend-request/accept", 404, "user_not_found"),
        ("POST", "/users/nobody/friend-request/decline", 404, "user_not_found"),
        ("DELETE", "/users/nobody/friend", 404, "user_not_found"),
        ("POST", "/users/alice/follow", 422, "follow_self"),
        ("POST", "/users/alice/friend-request", 422, "friend_self"),
        ("POST", "/users/bob/friend-request/accept", 404, "friend_request_not_found"),
        ("POST", "/users/bob/friend-request/decline", 404, "friend_request_not_found"),
        ("GET", "/users/alice/followers?cursor=nope", 422, "bad_cursor"),
        ("GET", "/users/alice/following?cursor=1-x", 422, "bad_cursor"),
        ("GET", "/me/friends?cursor=nope", 422, "bad_cursor"),
        ("GET", "/me/friend-requests?cursor=nope", 422, "bad_cursor"),
        ("GET", "/users/alice/followers?limit=0", 422, "validation_error"),
        ("GET", "/users/alice/following?limit=101", 422, "validation_error"),
        ("GET", "/me/friends?limit=0", 422, "validation_error"),
        ("GET", "/me/friend-requests?limit=101", 422, "validation_error"),
        ("GET", "/me/friend-requests?direction=sideways", 422, "validation_error"),
    ],
)
async def test_bad_inputs(
    client: httpx.AsyncClient,
    trio: tuple[Tokens, Tokens, Tokens],
    method: str,
    url: str,
    status: int,
    code: str,
) -> None:
    alice, _, _ = trio
    response = await client.request(method, f"/api/v1{url}", headers=bearer(alice))
    assert response.status_code == status, response.text
    assert error_code(response) == code


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/users/bob/follow"),
        ("GET", "/users/bob/relation"),
        ("GET", "/users/bob/followers"),
        ("POST", "/users/bob/friend-request"),
        ("GET", "/me/friends"),
        ("GET", "/me/friend-requests"),
    ],
)
async def test_anonymous_callers_are_refused(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], method: str, url: str
) -> None:
    response = await client.request(method, f"/api/v1{url}")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


async def test_endpoints_are_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    paths = schema["paths"]
    for path, method in (
        ("/api/v1/users/{username}/follow", "post"),
        ("/api/v1/users/{username}/follow", "delete"),
        ("/api/v1/users/{username}/followers", "get"),
        ("/api/v1/users/{username}/following", "get"),
        ("/api/v1/users/{username}/relation", "get"),
        ("/api/v1/users/{username}/friend-request", "post"),
        ("/api/v1/users/{username}/friend-request", "delete"),
        ("/api/v1/users/{username}/friend-request/accept", "post"),
        ("/api/v1/users/{username}/friend-request/decline", "post"),
        ("/api/v1/users/{username}/friend", "delete"),
        ("/api/v1/me/friends", "get"),
        ("/api/v1/me/friend-requests", "get"),
    ):
        operation = paths[path][method]
        assert operation["description"], path
        assert "200" in operation["responses"], path
