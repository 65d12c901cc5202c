"""/api/v1 stories: every endpoint, its answers and its bad inputs."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import bearer
from tests.api.test_auth_api import error_code
from tests.support import images

Tokens = dict[str, str]
MISSING = "0" * 32


async def publish(client: httpx.AsyncClient, me: Tokens, **form: str) -> dict[str, Any]:
    response = await client.post("/api/v1/stories", data=form, headers=bearer(me))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_post_watch_and_list_viewers(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, carol = follow_trio
    text = await publish(client, alice, body="<b>hi</b>", background="crimson")
    assert (text["kind"], text["body"], text["background"], text["view_count"]) == (
        "text",
        "<b>hi</b>",
        "crimson",
        0,
    )
    pictured = await client.post(
        "/api/v1/stories",
        data={"body": "sunset"},
        files={"image": ("a.jpg", images.photo_with_exif(size=(1200, 1600)), "image/jpeg")},
        headers=bearer(alice),
    )
    assert pictured.status_code == 201, pictured.text
    picture = pictured.json()
    assert picture["kind"] == "image"
    assert (picture["image"]["width"], picture["image"]["height"]) == (1200, 1600)
    shown = await client.get(picture["image"]["full_url"])
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/webp"

    tray = (await client.get("/api/v1/stories", headers=bearer(bob))).json()["rings"]
    assert [(r["author"]["username"], r["count"], r["unseen"]) for r in tray] == [
        ("alice", 2, True)
    ]
    listed = (await client.get("/api/v1/users/alice/stories", headers=bearer(bob))).json()
    assert [s["id"] for s in listed["stories"]] == [text["id"], picture["id"]]
    assert [s["view_count"] for s in listed["stories"]] == [None, None]
    for story in (text, picture):
        seen = await client.post(f"/api/v1/stories/{story['id']}/view", headers=bearer(bob))
        assert seen.status_code == 200
        assert seen.json()["seen"] is True
    tray = (await client.get("/api/v1/stories", headers=bearer(bob))).json()["rings"]
    assert tray[0]["unseen"] is False

    viewers = await client.get(f"/api/v1/stories/{text['id']}/viewers", headers=bearer(alice))
    assert viewers.status_code == 200
    assert [v["user"]["username"] for v in viewers.json()["viewers"]] == ["bob"]
    # A stranger sees nothing and cannot open a story by its id.
    stranger = (await client.get("/api/v1/users/alice/stories", headers=bearer(carol))).json()
    assert stranger["stories"] == []
    hidden = await client.post(f"/api/v1/stories/{text['id']}/view", headers=bearer(carol))
    assert (hidden.status_code, error_code(hidden)) == (404, "story_not_found")


async def test_bad_stories_are_refused(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, _, _ = follow_trio
    cases: list[tuple[dict[str, str], Any, int, str]] = [
        ({"body": ""}, None, 422, "empty"),
        ({"body": "x" * 501}, None, 422, "too_long"),
        ({"body": "hi", "background": "red; x"}, None, 422, "bad_background"),
        ({}, ("x.png", images.SCRIPT_AS_PNG, "image/png"), 415, "unsupported_media"),
        ({}, ("big.png", b"\x89PNG" + b"0" * (11 * 1024 * 1024), "image/png"), 413, "too_large"),
    ]
    for form, image, status, code in cases:
        response = await client.post(
            "/api/v1/stories",
            data=form,
            files={"image": image} if image else None,
            headers=bearer(alice),
        )
        assert (response.status_code, error_code(response)) == (status, code), form
    tray = (await client.get("/api/v1/stories", headers=bearer(alice))).json()
    assert tray["rings"] == []


async def test_viewers_and_deletion_belong_to_the_author(
    client: httpx.AsyncClient, follow_trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = follow_trio
    story = await publish(client, alice, body="mine")
    for method, path in (("GET", "/viewers"), ("DELETE", "")):
        refused = await client.request(
            method, f"/api/v1/stories/{story['id']}{path}", headers=bearer(bob)
        )
        assert (refused.status_code, error_code(refused)) == (403, "not_author")
        missing = await client.request(
            method, f"/api/v1/stories/{MISSING}{path}", headers=bearer(alice)
        )
        assert (missing.status_code, error_code(missing)) == (404, "story_not_found")
    bad = await client.get(
        f"/api/v1/stories/{story['id']}/viewers?cursor=nope", headers=bearer(alice)
    )
    assert (bad.status_code, error_code(bad)) == (422, "bad_cursor")
    deleted = await client.delete(f"/api/v1/stories/{story['id']}", headers=bearer(alice))
    assert deleted.status_code == 204
    gone = await client.post(f"/api/v1/stories/{story['id']}/view", headers=bearer(bob))
    assert (gone.status_code, error_code(gone)) == (404, "story_not_found")
    unknown = await client.get("/api/v1/users/nobody/stories", headers=bearer(bob))
    assert (unknown.status_code, error_code(unknown)) == (404, "user_not_found")
    anonymous = await client.get("/api/v1/stories")
    assert anonymous.status_code == 401
