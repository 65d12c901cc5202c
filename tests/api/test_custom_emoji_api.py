"""/api/v1/servers/{id}/emoji, /stickers, /emoji-settings and /channels/{id}/sticker-messages:
every endpoint and its bad inputs."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from socialhub.domain import custom_emoji
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_servers_api import create
from tests.support import images

Tokens = dict[str, Any]
API = "/api/v1"


def upload(name: str, data: bytes) -> dict[str, Any]:
    return {"data": {"name": name}, "files": {"file": ("e.png", data, "image/png")}}


@pytest.fixture
async def server(
    client: httpx.AsyncClient, signup: Signup
) -> tuple[Tokens, Tokens, Tokens, str, str]:
    """An owner, a member and an outsider; the server's id and its #general's."""
    owner, member, outsider = await signup("olga"), await signup("mia"), await signup("otto")
    made = await create(client, owner, is_public=True)
    server_id = made["server"]["id"]
    joined = await client.post(f"{API}/servers/{server_id}/join", headers=bearer(member))
    assert joined.status_code == 200, joined.text
    return owner, member, outsider, server_id, made["categories"][0]["channels"][0]["id"]


async def test_emoji_upload_rename_delete_and_bad_inputs(
    client: httpx.AsyncClient, server: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    owner, member, outsider, server_id, _ = server
    url = f"{API}/servers/{server_id}/emoji"
    cases: list[tuple[Tokens, str, dict[str, Any], int, str]] = [
        (owner, url, upload("wave", b"x" * (custom_emoji.EMOJI_MAX_BYTES + 1)), 413, "too_large"),
        (owner, url, upload("wave", images.SCRIPT_AS_PNG), 415, "unsupported_media"),
        (owner, url, upload("Wave!", images.png()), 422, "invalid_name"),
        (member, url, upload("wave", images.png()), 403, "missing_permission"),
        (outsider, url, upload("wave", images.png()), 404, "server_not_found"),
        (
            owner,
            f"{API}/servers/{'0' * 32}/emoji",
            upload("wave", images.png()),
            404,
            "server_not_found",
        ),
    ]
    for who, where, body, status, code in cases:
        response = await client.post(where, headers=bearer(who), **body)
        assert (response.status_code, error_code(response)) == (status, code), (code, response.text)

    made = await client.post(url, headers=bearer(owner), **upload("wave", images.png()))
    assert made.status_code == 201, made.text
    emoji = made.json()
    assert emoji["token"] == f"<:wave:{emoji['id']}>"
    assert not emoji["animated"]
    image = await client.get(emoji["url"])
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/webp"

    again = await client.post(url, headers=bearer(owner), **upload("wave", images.gif()))
    assert (again.status_code, error_code(again)) == (409, "name_taken")

    listed = (await client.get(url, headers=bearer(member))).json()
    assert [e["name"] for e in listed["emoji"]] == ["wave"]
    assert (listed["can_manage"], listed["share_emoji"], listed["static_limit"]) == (
        False,
        True,
        50,
    )
    assert (await client.get(url, headers=bearer(outsider))).status_code == 404

    one = f"{url}/{emoji['id']}"
    for who, body, status, code in (
        (member, {"name": "hello"}, 403, "missing_permission"),
        (owner, {"name": "no way"}, 422, "invalid_name"),
    ):
        response = await client.patch(one, json=body, headers=bearer(who))
        assert (response.status_code, error_code(response)) == (status, code)
    missing = await client.patch(f"{url}/{'0' * 32}", json={"name": "x1"}, headers=bearer(owner))
    assert (missing.status_code, error_code(missing)) == (404, "emoji_not_found")
    renamed = await client.patch(one, json={"name": "hello"}, headers=bearer(owner))
    assert renamed.json()["token"] == f"<:hello:{emoji['id']}>"

    settings = f"{API}/servers/{server_id}/emoji-settings"
    refused = await client.put(settings, json={"share_emoji": False}, headers=bearer(member))
    assert (refused.status_code, error_code(refused)) == (403, "missing_permission")
    changed = await client.put(settings, json={"share_emoji": False}, headers=bearer(owner))
    assert changed.json()["share_emoji"] is False

    assert (await client.delete(one, headers=bearer(member))).status_code == 403
    assert (await client.delete(one, headers=bearer(owner))).status_code == 204
    assert (await client.delete(one, headers=bearer(owner))).status_code == 404
    assert (await client.get(url, headers=bearer(owner))).json()["emoji"] == []


async def test_emoji_in_messages_and_reactions(
    client: httpx.AsyncClient, server: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    owner, member, _outsider, server_id, channel_id = server
    made = await client.post(
        f"{API}/servers/{server_id}/emoji", headers=bearer(owner), **upload("wave", images.png())
    )
    emoji = made.json()
    sent = await client.post(
        f"{API}/chats/{channel_id}/messages", json={"body": "hi :wave:"}, headers=bearer(member)
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["body"] == f"hi {emoji['token']}"
    assert 'class="sh-emoji"' in message["html"]

    react = f"{API}/messages/{message['id']}/reactions/custom:{emoji['id']}"
    assert (await client.put(react, headers=bearer(owner))).status_code == 204
    history = (
        await client.get(f"{API}/chats/{channel_id}/messages", headers=bearer(member))
    ).json()
    [reaction] = history[-1]["reactions"]
    assert (reaction["emoji"], reaction["name"]) == (f"custom:{emoji['id']}", "wave")
    unknown = await client.put(
        f"{API}/messages/{message['id']}/reactions/custom:{'0' * 32}", headers=bearer(owner)
    )
    assert (unknown.status_code, error_code(unknown)) == (422, "emoji_not_available")

    # Taken back as it was added: by its key, or by the emoji's token or short code.
    for added, removed in (("custom", "custom"), ("custom", "token"), (":wave:", "name")):
        forms = {"custom": f"custom:{emoji['id']}", "token": emoji["token"], "name": ":wave:"}
        base = f"{API}/messages/{message['id']}/reactions/"
        assert (
            await client.put(base + quote(forms.get(added, added)), headers=bearer(owner))
        ).status_code == 204
        gone = await client.delete(base + quote(forms[removed]), headers=bearer(owner))
        assert gone.status_code == 204, gone.text
        listed = await client.get(f"{API}/chats/{channel_id}/messages", headers=bearer(member))
        assert listed.json()[-1]["reactions"] == [], (added, removed)


async def test_stickers_and_sending_one(
    client: httpx.AsyncClient, server: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    owner, member, outsider, server_id, channel_id = server
    url = f"{API}/servers/{server_id}/stickers"
    too_big = upload("hi", b"x" * (custom_emoji.STICKER_MAX_BYTES + 1))
    for who, body, status, code in (
        (owner, too_big, 413, "too_large"),
        (owner, upload("hi", b"not an image"), 415, "unsupported_media"),
        (owner, upload("h", images.png()), 422, "invalid_name"),
        (member, upload("hi", images.png()), 403, "missing_permission"),
        (outsider, upload("hi", images.png()), 404, "server_not_found"),
    ):
        response = await client.post(url, headers=bearer(who), **body)
        assert (response.status_code, error_code(response)) == (status, code), code
    made = await client.post(url, headers=bearer(owner), **upload("hi", images.png((400, 400))))
    assert made.status_code == 201, made.text
    sticker = made.json()
    taken = await client.post(url, headers=bearer(owner), **upload("hi", images.png()))
    assert (taken.status_code, error_code(taken)) == (409, "name_taken")

    send = f"{API}/channels/{channel_id}/sticker-messages"
    sent = await client.post(send, json={"sticker_id": sticker["id"]}, headers=bearer(member))
    assert sent.status_code == 201, sent.text
    assert sent.json()["sticker"]["name"] == "hi"
    assert 'class="sh-sticker"' in sent.json()["html"]
    for who, body, status, code in (
        (member, {"sticker_id": "0" * 32}, 404, "sticker_not_found"),
        (outsider, {"sticker_id": sticker["id"]}, 404, "chat_not_found"),
    ):
        response = await client.post(send, json=body, headers=bearer(who))
        assert (response.status_code, error_code(response)) == (status, code), code
    other = await create(client, outsider)
    elsewhere = other["categories"][0]["channels"][0]["id"]
    foreign = await client.post(
        f"{API}/channels/{elsewhere}/sticker-messages",
        json={"sticker_id": sticker["id"]},
        headers=bearer(outsider),
    )
    assert (foreign.status_code, error_code(foreign)) == (404, "sticker_not_found")
    # Nor forwarded to another server (refused, not sent on as an empty message).
    own = await create(client, member)
    forwarded = await client.post(
        f"{API}/messages/{sent.json()['id']}/forward",
        json={"conversation_ids": [own["categories"][0]["channels"][0]["id"]]},
        headers=bearer(member),
    )
    assert (forwarded.status_code, error_code(forwarded)) == (404, "sticker_not_found")

    one = f"{url}/{sticker['id']}"
    assert (await client.patch(one, json={"name": "yo"}, headers=bearer(owner))).json()[
        "name"
    ] == "yo"
    assert (await client.delete(one, headers=bearer(owner))).status_code == 204
    history = (
        await client.get(f"{API}/chats/{channel_id}/messages", headers=bearer(member))
    ).json()
    assert history[-1]["sticker"] is None
    assert "deleted" in history[-1]["html"]
