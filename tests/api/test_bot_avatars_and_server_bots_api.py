"""/api/v1/bots/{id}/avatar and /api/v1/servers/{id}/bots (list, remove): every endpoint
with its bad inputs."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_bots_api import new_bot
from tests.api.test_channels_api import user_id
from tests.support import images
from tests.support.servers import make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
API = "/api/v1"


def upload(data: bytes, name: str = "a.png") -> dict[str, Any]:
    return {"file": (name, data, "image/png")}


@SQLITE
async def test_the_owner_sets_and_removes_a_bots_avatar(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice, bob = await signup("alice"), await signup("bob")
    bot = await new_bot(client, alice)
    path = f"{API}/bots/{bot['id']}/avatar"
    assert bot["avatar_url"] is None

    for call in (
        client.put(path, files=upload(images.png()), headers=bearer(bob)),
        client.delete(path, headers=bearer(bob)),
        client.put(
            f"{API}/bots/{user_id('bob')}/avatar", files=upload(images.png()), headers=bearer(alice)
        ),
    ):
        refused = await call
        assert (refused.status_code, error_code(refused)) == (404, "bot_not_found")

    for data, status, code in (
        (images.SCRIPT_AS_PNG, 415, "unsupported_media"),
        (b"", 422, "empty_file"),
        (images.png() + b"\x00" * (10 * 1024 * 1024), 413, "too_large"),
    ):
        refused = await client.put(path, files=upload(data), headers=bearer(alice))
        assert (refused.status_code, error_code(refused)) == (status, code)
    missing = await client.put(path, headers=bearer(alice))
    assert missing.status_code == 422

    done = await client.put(path, files=upload(images.photo_with_exif()), headers=bearer(alice))
    assert done.status_code == 200, done.text
    url = done.json()["avatar_url"]
    picture = await client.get(url)
    assert picture.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(picture.content)) as image:
        assert image.size == (400, 400)
        assert not image.getexif()
    listed = (await client.get(f"{API}/bots", headers=bearer(alice))).json()
    assert listed[0]["avatar_small_url"] == done.json()["avatar_small_url"]
    # Everyone sees it on the bot's profile, tagged as a bot.
    profile = (await client.get(f"{API}/users/{bot['username']}", headers=bearer(bob))).json()
    assert (profile["avatar_url"], profile["is_bot"]) == (url, True)

    removed = await client.delete(path, headers=bearer(alice))
    assert removed.status_code == 200
    assert removed.json()["avatar_url"] is None
    assert (await client.get(url)).status_code == 404


@SQLITE
@pytest.mark.parametrize("bot_id", ["0", "-1", str(2**31), "x"])
async def test_a_bad_bot_id_is_422(client: httpx.AsyncClient, signup: Signup, bot_id: str) -> None:
    alice = await signup("alice")
    refused = await client.delete(f"{API}/bots/{bot_id}/avatar", headers=bearer(alice))
    assert refused.status_code == 422


@SQLITE
async def test_listing_and_removing_a_servers_bots(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    server_id = make_server(user_id("alice"), members=(user_id("bob"),))
    bot = await new_bot(client, alice, "Helper")
    base = f"{API}/servers/{server_id}/bots"
    assert (await client.get(base, headers=bearer(alice))).json() == []
    added = await client.post(base, json={"bot_id": bot["id"]}, headers=bearer(alice))
    assert added.status_code == 201

    listed = await client.get(base, headers=bearer(bob))
    assert listed.status_code == 200
    [row] = listed.json()
    assert (row["user"]["id"], row["user"]["is_bot"], row["shown_name"]) == (
        bot["id"],
        True,
        "Helper",
    )
    assert row["roles"] == []
    outsider = await client.get(base, headers=bearer(carol))
    assert (outsider.status_code, error_code(outsider)) == (404, "server_not_found")
    long_id = await client.get(f"{API}/servers/{'x' * 33}/bots", headers=bearer(alice))
    assert long_id.status_code == 422

    for who, target, status, code in (
        (bob, bot["id"], 403, "missing_permission"),
        (carol, bot["id"], 404, "server_not_found"),
        (alice, user_id("bob"), 404, "bot_not_found"),
    ):
        refused = await client.delete(f"{base}/{target}", headers=bearer(who))
        assert (refused.status_code, error_code(refused)) == (status, code)
    too_long = await client.delete(
        f"{base}/{bot['id']}", params={"reason": "r" * 501}, headers=bearer(alice)
    )
    assert too_long.status_code == 422
    removed = await client.delete(
        f"{base}/{bot['id']}", params={"reason": "retired"}, headers=bearer(alice)
    )
    assert removed.status_code == 204
    assert (await client.get(base, headers=bearer(alice))).json() == []
    audit = await client.get(f"{API}/servers/{server_id}/audit-log", headers=bearer(alice))
    assert any(
        e["action"] == "member_kick" and e["reason"] == "retired" for e in audit.json()["entries"]
    )
    again = await client.delete(f"{base}/{bot['id']}", headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (404, "bot_not_found")


@SQLITE
async def test_the_openapi_documents_them(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/api/openapi.json")).json()["paths"]
    avatar = paths["/api/v1/bots/{bot_id}/avatar"]
    assert {"404", "413", "415"} <= set(avatar["put"]["responses"])
    assert "404" in avatar["delete"]["responses"]
    assert paths["/api/v1/servers/{server_id}/bots"]["get"]["summary"] == "List a server's bots"
    remove = paths["/api/v1/servers/{server_id}/bots/{bot_id}"]["delete"]
    assert {"403", "404"} <= set(remove["responses"])
