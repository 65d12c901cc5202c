"""/api/v1 likes and comments: every endpoint and its bad inputs (follows: test_graph_api.py;
posts, feeds and polls: test_posts_api.py, test_polls_api.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code

Tokens = dict[str, str]


async def publish(client: httpx.AsyncClient, me: Tokens, body: str, **form: str) -> httpx.Response:
    return await client.post("/api/v1/posts", data={"body": body, **form}, headers=bearer(me))


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("alice"), await signup("bob"), await signup("carol")


async def test_likes_and_comments(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    post = (await publish(client, alice, "colour?")).json()
    url = f"/api/v1/posts/{post['id']}"
    liked = await client.post(f"{url}/like", headers=bearer(bob))
    assert (liked.json()["like_count"], liked.json()["liked_by_me"]) == (1, True)
    likers = await client.get(f"{url}/likes", headers=bearer(carol))
    assert [p["username"] for p in likers.json()["people"]] == ["bob"]
    assert (await client.delete(f"{url}/like", headers=bearer(bob))).json()["like_count"] == 0

    comment = await client.post(f"{url}/comments", json={"body": "nice"}, headers=bearer(bob))
    assert comment.status_code == 201
    reply = await client.post(
        f"{url}/comments",
        json={"body": "thanks", "reply_to_id": comment.json()["id"]},
        headers=bearer(alice),
    )
    assert reply.json()["parent_id"] == comment.json()["id"]
    listed = await client.get(f"{url}/comments", headers=bearer(carol))
    assert [r["body"] for r in listed.json()["comments"][0]["replies"]] == ["thanks"]
    replies = await client.get(
        f"/api/v1/comments/{comment.json()['id']}/replies", headers=bearer(carol)
    )
    assert len(replies.json()["comments"]) == 1
    edit = await client.patch(
        f"/api/v1/comments/{comment.json()['id']}", json={"body": "very nice"}, headers=bearer(bob)
    )
    assert edit.json()["edited"] is True
    for response, status, code in (
        (
            await client.post(f"{url}/comments", json={"body": ""}, headers=bearer(bob)),
            422,
            "empty",
        ),
        (
            await client.post(f"{url}/comments", json={"body": "x" * 2001}, headers=bearer(bob)),
            422,
            "too_long",
        ),
        (
            await client.post(
                "/api/v1/posts/" + "0" * 32 + "/comments", json={"body": "hi"}, headers=bearer(bob)
            ),
            404,
            "post_not_found",
        ),
        (
            await client.patch(
                f"/api/v1/comments/{comment.json()['id']}",
                json={"body": "carol"},
                headers=bearer(carol),
            ),
            403,
            "not_author",
        ),
        (
            await client.delete(f"/api/v1/comments/{comment.json()['id']}", headers=bearer(carol)),
            403,
            "not_author",
        ),
        (await client.get(f"{url}/comments?after=zzz", headers=bearer(bob)), 422, "bad_cursor"),
    ):
        assert response.status_code == status, response.text
        assert error_code(response) == code
    assert (
        await client.delete(f"/api/v1/comments/{comment.json()['id']}", headers=bearer(alice))
    ).status_code == 204
