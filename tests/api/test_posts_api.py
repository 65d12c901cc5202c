"""/api/v1 posts, reposts and feeds: every endpoint, its answers and its bad inputs."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support import images

Tokens = dict[str, str]
MISSING = "0" * 32


async def publish(
    client: httpx.AsyncClient, me: Tokens, body: str = "hello", **form: str
) -> dict[str, Any]:
    response = await client.post("/api/v1/posts", data={"body": body, **form}, headers=bearer(me))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def bodies(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["body"] or p["repost_of"]["body"] for p in response.json()["posts"]]


async def test_create_with_images_a_poll_and_a_quote(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = follow_trio
    poll = {"options": ["tea", "coffee"], "multiple": True, "closes_in_minutes": 60}
    created = await client.post(
        "/api/v1/posts",
        data={"body": "Morning @bob #Coffee", "visibility": "followers", "poll": json.dumps(poll)},
        files=[
            ("images", ("a.png", images.png(), "image/png")),
            ("images", ("b.jpg", images.photo_with_exif(size=(2000, 1000)), "image/jpeg")),
        ],
        headers=bearer(alice),
    )
    assert created.status_code == 201, created.text
    post = created.json()
    assert (post["body"], post["visibility"], post["is_mine"]) == (
        "Morning @bob #Coffee",
        "followers",
        True,
    )
    assert '<a href="/u/bob" class="mention"' in post["html"]
    assert '<a href="/tag/coffee" class="hashtag"' in post["html"]
    assert [(i["width"], i["height"]) for i in post["images"]] == [(64, 48), (2000, 1000)]
    assert "-640.webp" in post["images"][1]["url"]
    assert "-1600.webp" in post["images"][1]["full_url"]
    picture = await client.get(post["images"][1]["url"])
    assert (picture.status_code, picture.headers["content-type"]) == (200, "image/webp")
    assert post["has_poll"] is True
    assert [o["text"] for o in post["poll"]["options"]] == ["tea", "coffee"]

    original = await publish(client, alice, "quotable")
    quote = await publish(client, bob, "", quote_of_id=original["id"])
    assert (quote["body"], quote["quote_of"]["id"]) == ("", original["id"])
    assert quote["quote_unavailable"] is False


async def test_read_edit_and_delete(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = follow_trio
    post = await publish(client, alice, "first")
    url = f"/api/v1/posts/{post['id']}"
    shown = await client.get(url, headers=bearer(carol))
    assert (shown.status_code, shown.json()["author"]["username"]) == (200, "alice")

    edited = await client.patch(url, json={"body": "second #edit"}, headers=bearer(alice))
    assert edited.status_code == 200, edited.text
    assert (edited.json()["body"], edited.json()["edited"]) == ("second #edit", True)
    assert edited.json()["edited_at"] is not None
    tagged = await client.get("/api/v1/tags/edit/posts", headers=bearer(carol))
    assert bodies(tagged) == ["second #edit"]

    narrowed = await client.patch(url, json={"visibility": "followers"}, headers=bearer(alice))
    assert narrowed.json()["visibility"] == "followers"
    assert (await client.get(url, headers=bearer(bob))).status_code == 200
    hidden = await client.get(url, headers=bearer(carol))
    assert (hidden.status_code, error_code(hidden)) == (404, "post_not_found")

    # Someone else's post: 403 when you can see it, 404 when you cannot (nothing leaks).
    for method, who, status, code in (
        ("PATCH", bob, 403, "not_author"),
        ("DELETE", bob, 403, "not_author"),
        ("PATCH", carol, 404, "post_not_found"),
        ("DELETE", carol, 404, "post_not_found"),
    ):
        kwargs: dict[str, Any] = {"json": {"body": "mine"}} if method == "PATCH" else {}
        response = await client.request(method, url, headers=bearer(who), **kwargs)
        assert (response.status_code, error_code(response)) == (status, code), method

    deleted = await client.delete(url, headers=bearer(alice))
    assert (deleted.status_code, deleted.content) == (204, b"")
    for who in (alice, bob):
        gone = await client.get(url, headers=bearer(who))
        assert (gone.status_code, error_code(gone)) == (404, "post_not_found")
    again = await client.delete(url, headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (404, "post_not_found")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({}, 422, "nothing_to_change"),
        ({"body": "   "}, 422, "empty"),
        ({"body": "x" * 5001}, 422, "too_long"),
        ({"visibility": "friends"}, 422, "bad_visibility"),
        ({"body": 5}, 422, "validation_error"),
    ],
    ids=["nothing", "empty", "long", "visibility", "type"],
)
async def test_bad_edits(
    client: httpx.AsyncClient,
    signup: Signup,
    change: dict[str, Any],
    status: int,
    code: str,
) -> None:
    me = await signup("poster")
    post = await publish(client, me, "original")
    response = await client.patch(f"/api/v1/posts/{post['id']}", json=change, headers=bearer(me))
    assert (response.status_code, error_code(response)) == (status, code)
    unknown = await client.patch(f"/api/v1/posts/{MISSING}", json={"body": "x"}, headers=bearer(me))
    assert (unknown.status_code, error_code(unknown)) == (404, "post_not_found")


@pytest.mark.parametrize(
    ("form", "files", "status", "code"),
    [
        ({"body": "x" * 5001}, 0, 422, "too_long"),
        ({"body": " \n "}, 0, 422, "empty"),
        ({"body": "hi", "visibility": "secret"}, 0, 422, "bad_visibility"),
        ({"body": "hi"}, 5, 422, "too_many_images"),
        ({"body": "hi", "poll": "{not json"}, 0, 422, "invalid_input"),
        ({"body": "hi", "poll": json.dumps({"options": "a,b"})}, 0, 422, "invalid_input"),
        ({"body": "hi", "poll": json.dumps({"options": ["a"]})}, 0, 422, "poll_option_count"),
        (
            {"body": "hi", "poll": json.dumps({"options": ["a", "a"]})},
            0,
            422,
            "poll_duplicate_option",
        ),
        (
            {"body": "hi", "poll": json.dumps({"options": ["a", "b"], "closes_in_minutes": 1})},
            0,
            422,
            "poll_duration",
        ),
        ({"body": "hi", "quote_of_id": MISSING}, 0, 404, "post_not_found"),
    ],
    ids=[
        "long",
        "empty",
        "visibility",
        "images",
        "polljson",
        "pollshape",
        "poll1",
        "polldup",
        "pollshort",
        "quote",
    ],
)
async def test_bad_posts_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient,
    signup: Signup,
    form: dict[str, str],
    files: int,
    status: int,
    code: str,
) -> None:
    me = await signup("poster")
    uploads = [("images", (f"{i}.png", images.png(), "image/png")) for i in range(files)]
    response = await client.post(
        "/api/v1/posts", data=form, files=uploads or None, headers=bearer(me)
    )
    assert (response.status_code, error_code(response)) == (status, code), response.text
    assert bodies(await client.get("/api/v1/feed/home", headers=bearer(me))) == []


async def test_non_images_and_oversized_images_are_refused(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    me = await signup("poster")
    for name, data, status, code in (
        ("x.png", images.SCRIPT_AS_PNG, 415, "unsupported_media"),
        ("notes.txt", b"just text", 415, "unsupported_media"),
        ("big.png", b"\x89PNG" + b"0" * (11 * 1024 * 1024), 413, "too_large"),
    ):
        response = await client.post(
            "/api/v1/posts",
            data={"body": "see"},
            files=[("images", ("ok.png", images.png(), "image/png")), ("images", (name, data))],
            headers=bearer(me),
        )
        assert (response.status_code, error_code(response)) == (status, code), name
    assert bodies(await client.get("/api/v1/feed/home", headers=bearer(me))) == []
    anonymous = await client.post("/api/v1/posts", data={"body": "hi"})
    assert anonymous.status_code == 401


async def test_reposts_and_quotes_of_followers_only_posts(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = follow_trio
    public = await publish(client, alice, "share me")
    url = f"/api/v1/posts/{public['id']}/repost"
    shared = await client.post(url, headers=bearer(carol))
    assert shared.status_code == 200, shared.text
    assert (shared.json()["repost_of"]["id"], shared.json()["author"]["username"]) == (
        public["id"],
        "carol",
    )
    assert shared.json()["repost_of"]["reposted_by_me"] is True
    again = await client.post(url, headers=bearer(carol))
    assert again.json()["id"] == shared.json()["id"]
    counted = await client.get(f"/api/v1/posts/{public['id']}", headers=bearer(bob))
    assert counted.json()["repost_count"] == 1
    assert bodies(await client.get("/api/v1/users/carol/posts", headers=bearer(bob))) == [
        "share me"
    ]

    undone = await client.delete(url, headers=bearer(carol))
    assert undone.status_code == 204
    assert (await client.delete(url, headers=bearer(carol))).status_code == 204
    counted = await client.get(f"/api/v1/posts/{public['id']}", headers=bearer(bob))
    assert counted.json()["repost_count"] == 0

    private = await publish(client, alice, "followers only", visibility="followers")
    for who, status, code in ((bob, 403, "not_public"), (carol, 404, "post_not_found")):
        response = await client.post(f"/api/v1/posts/{private['id']}/repost", headers=bearer(who))
        assert (response.status_code, error_code(response)) == (status, code)
        quote = await client.post(
            "/api/v1/posts",
            data={"body": "look", "quote_of_id": private["id"]},
            headers=bearer(who),
        )
        assert (quote.status_code, error_code(quote)) == (status, code)
    for method in ("POST", "DELETE"):
        unknown = await client.request(
            method, f"/api/v1/posts/{MISSING}/repost", headers=bearer(bob)
        )
        assert (unknown.status_code, error_code(unknown)) == (404, "post_not_found")


async def test_feeds_and_the_new_posts_count(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = follow_trio
    first = await publish(client, alice, "public #News")
    await publish(client, alice, "followers #news", visibility="followers")
    await publish(client, carol, "carol #news")
    newest = await publish(client, bob, "bob")

    home = await client.get("/api/v1/feed/home?limit=2", headers=bearer(bob))
    assert bodies(home) == ["bob", "followers #news"]
    older = await client.get(
        f"/api/v1/feed/home?before={home.json()['next_cursor']}", headers=bearer(bob)
    )
    assert (bodies(older), older.json()["next_cursor"]) == (["public #News"], None)
    since = await client.get(f"/api/v1/feed/home?after={first['id']}", headers=bearer(bob))
    assert bodies(since) == ["bob", "followers #news"]

    count_url = f"/api/v1/feed/home/new-count?since={newest['id']}"
    assert (await client.get(count_url, headers=bearer(bob))).json() == {"count": 0}
    await publish(client, alice, "fresh")
    await publish(client, carol, "not followed")
    assert (await client.get(count_url, headers=bearer(bob))).json() == {"count": 1}

    explore = await client.get("/api/v1/feed/explore?limit=3", headers=bearer(carol))
    assert bodies(explore) == ["not followed", "fresh", "bob"]
    rest = await client.get(
        f"/api/v1/feed/explore?before={explore.json()['next_cursor']}", headers=bearer(carol)
    )
    assert bodies(rest) == ["carol #news", "public #News"]

    as_follower = await client.get("/api/v1/users/alice/posts", headers=bearer(bob))
    assert bodies(as_follower) == ["fresh", "followers #news", "public #News"]
    as_stranger = await client.get("/api/v1/users/alice/posts", headers=bearer(carol))
    assert bodies(as_stranger) == ["fresh", "public #News"]
    for who, expected in (
        (bob, ["carol #news", "followers #news", "public #News"]),
        (carol, ["carol #news", "public #News"]),
    ):
        assert bodies(await client.get("/api/v1/tags/NEWS/posts", headers=bearer(who))) == expected

    # Blocking hides the blocker's posts from the blocked, everywhere.
    blocked = await client.put("/api/v1/blocks/carol", headers=bearer(alice))
    assert blocked.status_code == 204
    assert "fresh" not in bodies(await client.get("/api/v1/feed/explore", headers=bearer(carol)))
    assert bodies(await client.get("/api/v1/users/alice/posts", headers=bearer(carol))) == []
    assert bodies(await client.get("/api/v1/tags/news/posts", headers=bearer(carol))) == [
        "carol #news"
    ]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/feed/home?before=nope", 422, "bad_cursor"),
        ("/api/v1/feed/home?after=nope", 422, "bad_cursor"),
        ("/api/v1/feed/home?limit=0", 422, "validation_error"),
        ("/api/v1/feed/home?limit=51", 422, "validation_error"),
        ("/api/v1/feed/home/new-count", 422, "missing_field"),
        ("/api/v1/feed/home/new-count?since=nope", 422, "bad_cursor"),
        ("/api/v1/feed/explore?before=" + "Z" * 32, 422, "bad_cursor"),
        ("/api/v1/users/nobody/posts", 404, "user_not_found"),
        ("/api/v1/users/alice/posts?after=1", 422, "bad_cursor"),
        ("/api/v1/tags/news/posts?before=x", 422, "bad_cursor"),
        (f"/api/v1/posts/{MISSING}", 404, "post_not_found"),
        ("/api/v1/posts/not-an-id", 404, "post_not_found"),
    ],
)
async def test_bad_reads(
    client: httpx.AsyncClient, signup: Signup, url: str, status: int, code: str
) -> None:
    alice = await signup("alice")
    response = await client.get(url, headers=bearer(alice))
    assert (response.status_code, error_code(response)) == (status, code), response.text
    if url.startswith("/api/v1/feed/home"):
        assert (await client.get(url.split("?")[0])).status_code == 401
    else:  # a public read: a visitor gets the answer a member gets
        anonymous = await client.get(url)
        assert (anonymous.status_code, error_code(anonymous)) == (status, code)


async def test_the_openapi_document_describes_the_post_form(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    create = spec["paths"]["/api/v1/posts"]["post"]
    assert "201" in create["responses"]
    form = create["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = spec["components"]["schemas"][form.rsplit("/", 1)[-1]]["properties"]
    assert set(fields) == {"body", "visibility", "images", "poll", "quote_of_id", "channel_id"}
    for path in (
        "/api/v1/posts/{post_id}",
        "/api/v1/posts/{post_id}/repost",
        "/api/v1/feed/home",
        "/api/v1/feed/home/new-count",
        "/api/v1/feed/explore",
        "/api/v1/users/{username}/posts",
        "/api/v1/tags/{tag}/posts",
    ):
        assert path in spec["paths"], path
