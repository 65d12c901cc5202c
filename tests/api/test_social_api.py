"""/api/v1 follows, posts, feeds, likes, comments and polls: every endpoint and its bad inputs."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support import images

Tokens = dict[str, str]


async def publish(client: httpx.AsyncClient, me: Tokens, body: str, **form: str) -> httpx.Response:
    return await client.post("/api/v1/posts", data={"body": body, **form}, headers=bearer(me))


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("alice"), await signup("bob"), await signup("carol")


async def test_follow_endpoints(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = trio
    followed = await client.post("/api/v1/users/alice/follow", headers=bearer(bob))
    assert followed.status_code == 200
    assert followed.json()["is_following"] is True
    again = await client.post("/api/v1/users/alice/follow", headers=bearer(bob))
    assert again.json()["followers_count"] == 1
    relation = await client.get("/api/v1/users/bob/relation", headers=bearer(alice))
    assert relation.json()["follows_you"] is True
    followers = await client.get("/api/v1/users/alice/followers", headers=bearer(alice))
    assert [p["username"] for p in followers.json()["people"]] == ["bob"]
    following = await client.get("/api/v1/users/bob/following?limit=1", headers=bearer(alice))
    assert following.json() == {"people": following.json()["people"], "next_cursor": None}
    unfollowed = await client.delete("/api/v1/users/alice/follow", headers=bearer(bob))
    assert unfollowed.json()["is_following"] is False

    for method, url, status, code in (
        ("POST", "/api/v1/users/alice/follow", 422, "follow_self"),
        ("POST", "/api/v1/users/nobody/follow", 404, "user_not_found"),
        ("GET", "/api/v1/users/alice/followers?cursor=nope", 422, "bad_cursor"),
        ("GET", "/api/v1/users/alice/followers?limit=0", 422, "validation_error"),
    ):
        response = await client.request(method, url, headers=bearer(alice))
        assert response.status_code == status, url
        assert error_code(response) == code
    blocked_ok = await client.put("/api/v1/blocks/bob", headers=bearer(alice))
    assert blocked_ok.status_code in (200, 204), blocked_ok.text
    blocked = await client.post("/api/v1/users/alice/follow", headers=bearer(bob))
    assert (blocked.status_code, error_code(blocked)) == (403, "blocked")


async def test_posts_and_feeds(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    await client.post("/api/v1/users/alice/follow", headers=bearer(bob))
    created = await client.post(
        "/api/v1/posts",
        data={"body": "hello #World", "visibility": "followers"},
        files=[("images", ("a.png", images.png(), "image/png"))],
        headers=bearer(alice),
    )
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["images"][0]["url"].startswith("/api/v1/media/posts/")
    assert '<a href="/tag/world" class="hashtag"' in post["html"]
    public = (await publish(client, alice, "for all")).json()

    home = await client.get("/api/v1/feed/home", headers=bearer(bob))
    assert [p["body"] for p in home.json()["posts"]] == ["for all", "hello #World"]
    count = await client.get(f"/api/v1/feed/home/new-count?since={post['id']}", headers=bearer(bob))
    assert count.json() == {"count": 1}
    explore = await client.get("/api/v1/feed/explore", headers=bearer(carol))
    assert [p["body"] for p in explore.json()["posts"]] == ["for all"]
    timeline = await client.get("/api/v1/users/alice/posts?limit=1", headers=bearer(bob))
    assert timeline.json()["next_cursor"] == public["id"]
    tagged = await client.get("/api/v1/tags/world/posts", headers=bearer(bob))
    assert len(tagged.json()["posts"]) == 1
    assert (await client.get("/api/v1/tags/world/posts", headers=bearer(carol))).json()[
        "posts"
    ] == []

    hidden = await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(carol))
    assert (hidden.status_code, error_code(hidden)) == (404, "post_not_found")
    edited = await client.patch(
        f"/api/v1/posts/{public['id']}", json={"body": "for everyone"}, headers=bearer(alice)
    )
    assert (edited.json()["body"], edited.json()["edited"]) == ("for everyone", True)
    foreign = await client.patch(
        f"/api/v1/posts/{public['id']}", json={"body": "mine"}, headers=bearer(bob)
    )
    assert (foreign.status_code, error_code(foreign)) == (403, "not_author")
    assert (
        await client.delete(f"/api/v1/posts/{public['id']}", headers=bearer(bob))
    ).status_code == 403

    shared = await client.post(f"/api/v1/posts/{public['id']}/repost", headers=bearer(carol))
    assert shared.json()["repost_of"]["id"] == public["id"]
    not_public = await client.post(f"/api/v1/posts/{post['id']}/repost", headers=bearer(bob))
    assert (not_public.status_code, error_code(not_public)) == (403, "not_public")
    assert (
        await client.delete(f"/api/v1/posts/{public['id']}/repost", headers=bearer(carol))
    ).status_code == 204
    assert (
        await client.delete(f"/api/v1/posts/{public['id']}", headers=bearer(alice))
    ).status_code == 204
    gone = await client.get(f"/api/v1/posts/{public['id']}", headers=bearer(alice))
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("form", "files", "status", "code"),
    [
        ({"body": "x" * 5001}, 0, 422, "too_long"),
        ({"body": " "}, 0, 422, "empty"),
        ({"body": "hi", "visibility": "secret"}, 0, 422, "bad_visibility"),
        ({"body": "hi"}, 5, 422, "too_many_images"),
        ({"body": "hi", "poll": "not json"}, 0, 422, "invalid_input"),
        ({"body": "hi", "poll": json.dumps({"options": ["a"]})}, 0, 422, "poll_option_count"),
        ({"body": "hi", "quote_of_id": "0" * 32}, 0, 404, "post_not_found"),
    ],
    ids=["long", "empty", "visibility", "images", "polljson", "poll1", "quote"],
)
async def test_bad_posts(
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
    assert response.status_code == status, response.text
    assert error_code(response) == code


async def test_a_non_image_is_refused(client: httpx.AsyncClient, signup: Signup) -> None:
    me = await signup("poster")
    response = await client.post(
        "/api/v1/posts",
        data={"body": "see"},
        files=[("images", ("x.png", images.SCRIPT_AS_PNG, "image/png"))],
        headers=bearer(me),
    )
    assert response.status_code == 415
    assert (await client.get("/api/v1/feed/home", headers=bearer(me))).json()["posts"] == []


async def test_likes_comments_and_votes(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = trio
    poll = json.dumps({"options": ["red", "blue"], "closes_in_minutes": 60})
    post = (await publish(client, alice, "colour?", poll=poll)).json()
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

    options = (await client.get(f"{url}/poll", headers=bearer(bob))).json()["options"]
    voted = await client.post(
        f"{url}/vote", json={"option_ids": [options[1]["id"]]}, headers=bearer(bob)
    )
    assert [o["votes"] for o in voted.json()["options"]] == [0, 1]
    twice = await client.post(
        f"{url}/vote", json={"option_ids": [o["id"] for o in options]}, headers=bearer(bob)
    )
    assert (twice.status_code, error_code(twice)) == (422, "single_choice")
    bad = await client.post(f"{url}/vote", json={"option_ids": [999999]}, headers=bearer(bob))
    assert (bad.status_code, error_code(bad)) == (422, "bad_option")
    assert (await client.delete(f"{url}/vote", headers=bearer(bob))).status_code == 204
    no_poll = (await publish(client, alice, "no poll")).json()["id"]
    missing = await client.get(f"/api/v1/posts/{no_poll}/poll", headers=bearer(bob))
    assert (missing.status_code, error_code(missing)) == (404, "poll_not_found")
