"""/api/v1 channels, categories, order, pins, notification levels and server badges: every
endpoint with its bad inputs (unknown or invisible, missing permission, bad values)."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from socialhub.db import read_session
from socialhub.models import User
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support.servers import make_server

Tokens = dict[str, str]
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NOBODY = "0" * 32


def user_id(username: str) -> int:
    with read_session() as s:
        found = s.exec(select(User.id).where(User.username == username)).one()
        assert found is not None
        return found


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens, str]:
    """Alice owns a server Bob is in; Carol is a stranger."""
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    server_id = make_server(user_id("alice"), members=(user_id("bob"),))
    return alice, bob, carol, server_id


async def test_channels_endpoints(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str]
) -> None:
    alice, bob, carol, server_id = trio
    base = f"/api/v1/servers/{server_id}"
    listed = await client.get(f"{base}/channels", headers=bearer(bob))
    assert listed.status_code == 200
    body = listed.json()
    assert [c["name"] for c in body["channels"]] == ["general"]
    assert body["can_manage_channels"] is False
    category = body["categories"][0]["id"]
    general = body["channels"][0]["id"]
    assert body["channels"][0]["can_send"] is True

    made = await client.post(
        f"{base}/channels",
        json={"name": "Big News", "channel_type": "announcement", "category_id": category},
        headers=bearer(alice),
    )
    assert made.status_code == 201, made.text
    news = made.json()
    assert (news["name"], news["channel_type"], news["category_id"]) == (
        "big-news",
        "announcement",
        category,
    )
    seen_by_bob = await client.get(f"/api/v1/channels/{news['id']}", headers=bearer(bob))
    assert seen_by_bob.json()["can_send"] is False

    for payload, status, code in (
        ({"name": "x", "channel_type": "voice"}, 422, "bad_channel_type"),
        ({"name": "   "}, 422, "empty"),
        ({"name": "x", "category_id": NOBODY}, 404, "category_not_found"),
    ):
        bad = await client.post(f"{base}/channels", json=payload, headers=bearer(alice))
        assert (bad.status_code, error_code(bad)) == (status, code)
    denied = await client.post(f"{base}/channels", json={"name": "x"}, headers=bearer(bob))
    assert (denied.status_code, error_code(denied)) == (403, "missing_permission")
    for who in (carol,):
        hidden = await client.get(f"{base}/channels", headers=bearer(who))
        assert (hidden.status_code, error_code(hidden)) == (404, "server_not_found")
        unseen = await client.get(f"/api/v1/channels/{general}", headers=bearer(who))
        assert (unseen.status_code, error_code(unseen)) == (404, "channel_not_found")
    missing = await client.post(
        f"/api/v1/servers/{NOBODY}/channels", json={"name": "x"}, headers=bearer(alice)
    )
    assert missing.status_code == 404

    patched = await client.patch(
        f"/api/v1/channels/{general}",
        json={"name": "Lobby", "topic": "say hi", "slow_mode_seconds": 60, "category_id": None},
        headers=bearer(alice),
    )
    assert patched.status_code == 200, patched.text
    assert {k: patched.json()[k] for k in ("name", "topic", "slow_mode_seconds")} == {
        "name": "lobby",
        "topic": "say hi",
        "slow_mode_seconds": 60,
    }
    assert patched.json()["category_id"] is None
    # Without category_id, the channel stays where it is.
    kept = await client.patch(
        f"/api/v1/channels/{news['id']}", json={"topic": "t"}, headers=bearer(alice)
    )
    assert kept.json()["category_id"] == category
    for payload, status, code in (
        ({"slow_mode_seconds": 7}, 422, "bad_slow_mode"),
        ({"name": "x" * 101}, 422, "too_long"),
        ({"category_id": NOBODY}, 404, "category_not_found"),
    ):
        bad = await client.patch(f"/api/v1/channels/{general}", json=payload, headers=bearer(alice))
        assert (bad.status_code, error_code(bad)) == (status, code)
    bobs = await client.patch(
        f"/api/v1/channels/{general}", json={"topic": "x"}, headers=bearer(bob)
    )
    assert (bobs.status_code, error_code(bobs)) == (403, "missing_permission")
    unknown = await client.patch(
        f"/api/v1/channels/{NOBODY}", json={"topic": "x"}, headers=bearer(alice)
    )
    assert (unknown.status_code, error_code(unknown)) == (404, "channel_not_found")

    # Moves and the full order.
    moved = await client.post(
        f"/api/v1/channels/{news['id']}/move", json={"direction": "up"}, headers=bearer(alice)
    )
    assert moved.status_code == 200
    assert moved.json()["category_id"] is None  # out of the top of its category
    sideways = await client.post(
        f"/api/v1/channels/{news['id']}/move", json={"direction": "left"}, headers=bearer(alice)
    )
    assert (sideways.status_code, error_code(sideways)) == (422, "bad_direction")
    order = {
        "groups": [
            {"category_id": None, "channel_ids": []},
            {"category_id": category, "channel_ids": [news["id"], general]},
        ]
    }
    ordered = await client.put(f"{base}/channels/order", json=order, headers=bearer(alice))
    assert ordered.status_code == 200, ordered.text
    assert [(c["name"], c["category_id"]) for c in ordered.json()["channels"]] == [
        ("big-news", category),
        ("lobby", category),
    ]
    partial = {"groups": [{"category_id": category, "channel_ids": [general]}]}
    bad = await client.put(f"{base}/channels/order", json=partial, headers=bearer(alice))
    assert (bad.status_code, error_code(bad)) == (422, "order_incomplete")
    bad = await client.put(f"{base}/channels/order", json=order, headers=bearer(bob))
    assert (bad.status_code, error_code(bad)) == (403, "missing_permission")

    # Categories.
    cat = await client.post(f"{base}/categories", json={"name": "Staff"}, headers=bearer(alice))
    assert cat.status_code == 201
    assert cat.json()["can_manage"] is True
    cat_id = cat.json()["id"]
    renamed = await client.patch(
        f"/api/v1/categories/{cat_id}", json={"name": "Crew"}, headers=bearer(alice)
    )
    assert renamed.json()["name"] == "Crew"
    for method, url, payload, who, status, code in (
        ("POST", f"{base}/categories", {"name": ""}, alice, 422, "empty"),
        ("POST", f"{base}/categories", {"name": "x"}, bob, 403, "missing_permission"),
        ("PATCH", f"/api/v1/categories/{cat_id}", {"name": "x"}, bob, 403, "missing_permission"),
        ("PATCH", f"/api/v1/categories/{cat_id}", {"name": "x"}, carol, 404, "category_not_found"),
        ("DELETE", f"/api/v1/categories/{NOBODY}", None, alice, 404, "category_not_found"),
        ("DELETE", f"/api/v1/categories/{cat_id}", None, bob, 403, "missing_permission"),
    ):
        answer = await client.request(method, url, json=payload, headers=bearer(who))
        assert (answer.status_code, error_code(answer)) == (status, code), (method, url)
    gone = await client.delete(f"/api/v1/categories/{cat_id}", headers=bearer(alice))
    assert gone.status_code == 204

    # Delete a channel.
    bad = await client.delete(f"/api/v1/channels/{general}", headers=bearer(bob))
    assert (bad.status_code, error_code(bad)) == (403, "missing_permission")
    deleted = await client.delete(f"/api/v1/channels/{general}", headers=bearer(alice))
    assert deleted.status_code == 204
    again = await client.get(f"/api/v1/channels/{general}", headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (404, "channel_not_found")


@SQLITE
async def test_pins_endpoints(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str]
) -> None:
    alice, bob, carol, server_id = trio
    listed = await client.get(f"/api/v1/servers/{server_id}/channels", headers=bearer(bob))
    channel = listed.json()["channels"][0]["id"]
    sent = await client.post(
        f"/api/v1/chats/{channel}/messages", json={"body": "pin me"}, headers=bearer(bob)
    )
    message = sent.json()["id"]
    denied = await client.put(f"/api/v1/messages/{message}/pin", headers=bearer(bob))
    assert (denied.status_code, error_code(denied)) == (403, "missing_permission")
    stranger = await client.put(f"/api/v1/messages/{message}/pin", headers=bearer(carol))
    assert (stranger.status_code, error_code(stranger)) == (404, "message_not_found")
    assert (
        await client.put(f"/api/v1/messages/{message}/pin", headers=bearer(alice))
    ).status_code == 204
    pins = await client.get(f"/api/v1/chats/{channel}/pins", headers=bearer(bob))
    assert pins.status_code == 200
    [pin] = pins.json()
    assert (pin["message"]["id"], pin["pinned_by"]["username"]) == (message, "alice")
    hidden = await client.get(f"/api/v1/chats/{channel}/pins", headers=bearer(carol))
    assert (hidden.status_code, error_code(hidden)) == (404, "chat_not_found")
    assert (
        await client.delete(f"/api/v1/messages/{message}/pin", headers=bearer(alice))
    ).status_code == 204
    assert (await client.get(f"/api/v1/chats/{channel}/pins", headers=bearer(bob))).json() == []
    unknown = await client.put(f"/api/v1/messages/{NOBODY}/pin", headers=bearer(alice))
    assert (unknown.status_code, error_code(unknown)) == (404, "message_not_found")

    # In a DM, either person pins.
    dm = await client.post("/api/v1/chats/dm", json={"username": "carol"}, headers=bearer(bob))
    dm_id = dm.json()["id"]
    note = await client.post(
        f"/api/v1/chats/{dm_id}/messages", json={"body": "hi"}, headers=bearer(bob)
    )
    assert (
        await client.put(f"/api/v1/messages/{note.json()['id']}/pin", headers=bearer(carol))
    ).status_code == 204
    got = await client.get(f"/api/v1/chats/{dm_id}/pins", headers=bearer(bob))
    assert [p["message"]["body"] for p in got.json()] == ["hi"]


@SQLITE
async def test_notification_and_badge_endpoints(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str]
) -> None:
    alice, bob, carol, server_id = trio
    channel = (
        await client.get(f"/api/v1/servers/{server_id}/channels", headers=bearer(bob))
    ).json()["channels"][0]["id"]
    await client.post(
        f"/api/v1/chats/{channel}/messages", json={"body": "hey @bob"}, headers=bearer(alice)
    )
    badges = await client.get("/api/v1/users/me/server-badges", headers=bearer(bob))
    assert badges.status_code == 200
    [server] = badges.json()
    assert (server["server_id"], server["unread"], server["mentions"]) == (server_id, True, 1)
    assert server["channels"][0]["channel_id"] == channel

    url = f"/api/v1/servers/{server_id}/notifications"
    set_server = await client.put(
        url, json={"level": "mentions", "mute": "1h"}, headers=bearer(bob)
    )
    assert set_server.status_code == 200, set_server.text
    assert (set_server.json()["level"], set_server.json()["muted"]) == ("mentions", True)
    # A mute alone leaves the level.
    unmuted = await client.put(url, json={"mute": "off"}, headers=bearer(bob))
    assert (unmuted.json()["level"], unmuted.json()["muted"]) == ("mentions", False)
    set_channel = await client.put(
        f"/api/v1/channels/{channel}/notifications",
        json={"level": "nothing", "mute": "forever"},
        headers=bearer(bob),
    )
    assert set_channel.status_code == 200
    assert (set_channel.json()["muted"], set_channel.json()["muted_until"]) == (True, None)
    read = (await client.get(url, headers=bearer(bob))).json()
    assert read["server"]["level"] == "mentions"
    assert [(c["channel_id"], c["level"]) for c in read["channels"]] == [(channel, "nothing")]
    [server] = (await client.get("/api/v1/users/me/server-badges", headers=bearer(bob))).json()
    assert (server["unread"], server["mentions"]) == (False, 0)
    inherit = await client.put(
        f"/api/v1/channels/{channel}/notifications", json={"level": None}, headers=bearer(bob)
    )
    assert inherit.json()["level"] is None

    for method, target, payload, who, status, code in (
        ("PUT", url, {"level": "loud"}, bob, 422, "bad_level"),
        ("PUT", url, {"level": None}, bob, 422, "bad_level"),
        ("PUT", url, {"mute": "2h"}, bob, 422, "bad_mute"),
        ("PUT", f"/api/v1/channels/{channel}/notifications", {"level": "x"}, bob, 422, "bad_level"),
        ("PUT", url, {"level": "all"}, carol, 404, "server_not_found"),
        ("GET", url, None, carol, 404, "server_not_found"),
        (
            "PUT",
            f"/api/v1/channels/{channel}/notifications",
            {"level": "all"},
            carol,
            404,
            "channel_not_found",
        ),
    ):
        answer = await client.request(method, target, json=payload, headers=bearer(who))
        assert (answer.status_code, error_code(answer)) == (status, code), (target, payload)
    assert (await client.get("/api/v1/users/me/server-badges", headers=bearer(carol))).json() == []
    assert (await client.get("/api/v1/users/me/server-badges")).status_code == 401
