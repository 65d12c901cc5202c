"""The same reads without a token: public posts, profiles, explore, hashtags, trending and
comments; followers-only content, everything else and every write stay behind login."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.api.conftest import Signup, Tokens, bearer
from tests.conftest import reset_settings

API = "/api/v1"


@pytest.fixture
async def posted(client: httpx.AsyncClient, signup: Signup) -> dict[str, object]:
    """Alice has a public post (with a comment and a reply) and a followers-only one."""
    alice = await signup("alice")
    created = {}
    for body, visibility in (("hello #news", "public"), ("secret #news", "followers")):
        response = await client.post(
            f"{API}/posts",
            data={"body": body, "visibility": visibility},
            headers=bearer(alice),
        )
        assert response.status_code == 201, response.text
        created[visibility] = response.json()["id"]
    comment = await client.post(
        f"{API}/posts/{created['public']}/comments", json={"body": "first"}, headers=bearer(alice)
    )
    assert comment.status_code == 201
    reply = await client.post(
        f"{API}/posts/{created['public']}/comments",
        json={"body": "a reply", "reply_to_id": comment.json()["id"]},
        headers=bearer(alice),
    )
    assert reply.status_code == 201
    return {"alice": alice, "comment": comment.json()["id"], **created}


@pytest.fixture
def reads_closed(database_url: str) -> Iterator[None]:
    reset_settings(PUBLIC_READS="false")
    yield
    reset_settings(PUBLIC_READS=None)


def public_reads(posted: dict[str, object]) -> list[str]:
    return [
        f"{API}/posts/{posted['public']}",
        f"{API}/posts/{posted['public']}/comments",
        f"{API}/comments/{posted['comment']}/replies",
        f"{API}/users/alice",
        f"{API}/users/alice/posts",
        f"{API}/feed/explore",
        f"{API}/tags/news/posts",
        f"{API}/trending",
    ]


async def test_visitors_read_public_content(
    client: httpx.AsyncClient, posted: dict[str, object]
) -> None:
    for path in public_reads(posted):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
    post = (await client.get(f"{API}/posts/{posted['public']}")).json()
    assert post["body"] == "hello #news"
    assert post["liked_by_me"] is False
    assert post["is_mine"] is False
    profile = (await client.get(f"{API}/users/alice")).json()
    assert profile["username"] == "alice"
    assert "email" not in profile
    comments = (await client.get(f"{API}/posts/{posted['public']}/comments")).json()
    assert [c["body"] for c in comments["comments"]] == ["first"]
    assert [r["body"] for r in comments["comments"][0]["replies"]] == ["a reply"]


async def test_followers_only_posts_are_not_shown_to_visitors(
    client: httpx.AsyncClient, posted: dict[str, object]
) -> None:
    hidden = await client.get(f"{API}/posts/{posted['followers']}")
    assert hidden.status_code == 404
    assert hidden.json()["error"]["code"] == "post_not_found"
    assert (await client.get(f"{API}/posts/{posted['followers']}/comments")).status_code == 404
    for path in (f"{API}/users/alice/posts", f"{API}/tags/news/posts", f"{API}/feed/explore"):
        bodies = [p["body"] for p in (await client.get(path)).json()["posts"]]
        assert bodies == ["hello #news"], path
    # Alice herself still sees both.
    mine = await client.get(f"{API}/users/alice/posts", headers=bearer(posted["alice"]))  # type: ignore[arg-type]
    assert len(mine.json()["posts"]) == 2


async def test_private_reads_and_writes_need_an_account(
    client: httpx.AsyncClient, posted: dict[str, object]
) -> None:
    public = posted["public"]
    for method, path in (
        ("GET", f"{API}/users/me"),
        ("GET", f"{API}/feed/home"),
        ("GET", f"{API}/chats"),
        ("GET", f"{API}/users/alice/presence"),
        ("GET", f"{API}/users/alice/followers"),
        ("GET", f"{API}/posts/{public}/likes"),
        ("POST", f"{API}/posts/{public}/like"),
        ("POST", f"{API}/posts/{public}/comments"),
        ("POST", f"{API}/posts/{public}/repost"),
        ("POST", f"{API}/users/alice/follow"),
    ):
        response = await client.request(method, path, json={"body": "x"})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_authenticated"


async def test_a_bad_token_is_refused_not_read_as_a_visitor(
    client: httpx.AsyncClient, posted: dict[str, object]
) -> None:
    response = await client.get(
        f"{API}/posts/{posted['public']}", headers={"Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 401


async def test_public_reads_off_puts_every_read_behind_login(
    client: httpx.AsyncClient, posted: dict[str, object], reads_closed: None
) -> None:
    alice: Tokens = posted["alice"]  # type: ignore[assignment]
    for path in public_reads(posted):
        response = await client.get(path)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"]["code"] == "not_authenticated"
        assert (await client.get(path, headers=bearer(alice))).status_code == 200, path


async def test_the_schema_documents_anonymous_reads(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    operation = schema["paths"]["/api/v1/posts/{post_id}"]["get"]
    assert "401" in operation["responses"]
    assert "404" in operation["responses"]
    assert "Without a token" in operation["description"]
