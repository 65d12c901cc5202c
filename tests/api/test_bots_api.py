"""/api/v1/bots and /api/v1/servers/{id}/bots: every endpoint with its bad inputs, and a bot
calling the API with its token under the same permissions as everyone."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import bots, permissions, servers
from socialhub.domain.permissions import Permission
from socialhub.models import PermissionOverwrite, Role, Server
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_channels_api import user_id
from tests.support.servers import everyone, general, make_server

Tokens = dict[str, Any]
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
API = "/api/v1"


def as_bot(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def new_bot(client: httpx.AsyncClient, me: Tokens, name: str = "Helper") -> dict[str, Any]:
    created = await client.post(f"{API}/bots", json={"name": name}, headers=bearer(me))
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


@SQLITE
async def test_create_list_regenerate_delete(client: httpx.AsyncClient, signup: Signup) -> None:
    alice, bob = await signup("alice"), await signup("bob")
    created = await client.post(
        f"{API}/bots", json={"name": "Deploy Bot", "description": "ships"}, headers=bearer(alice)
    )
    assert created.status_code == 201
    bot = created.json()
    assert bot["token"].startswith("bot_")
    assert (bot["name"], bot["description"]) == ("Deploy Bot", "ships")

    listed = await client.get(f"{API}/bots", headers=bearer(alice))
    assert [b["id"] for b in listed.json()] == [bot["id"]]
    assert "token" not in listed.json()[0]
    assert (await client.get(f"{API}/bots", headers=bearer(bob))).json() == []

    me = await client.get(f"{API}/users/me", headers=as_bot(bot["token"]))
    assert me.status_code == 200
    assert me.json()["username"] == bot["username"]

    for path in (f"{API}/bots/{bot['id']}/token",):
        refused = await client.post(path, headers=bearer(bob))
        assert (refused.status_code, error_code(refused)) == (404, "bot_not_found")
    refused = await client.delete(f"{API}/bots/{bot['id']}", headers=bearer(bob))
    assert (refused.status_code, error_code(refused)) == (404, "bot_not_found")

    fresh = await client.post(f"{API}/bots/{bot['id']}/token", headers=bearer(alice))
    assert fresh.status_code == 200
    old = await client.get(f"{API}/users/me", headers=as_bot(bot["token"]))
    assert (old.status_code, error_code(old)) == (401, "invalid_token")
    new = fresh.json()["token"]
    assert (await client.get(f"{API}/users/me", headers=as_bot(new))).status_code == 200

    deleted = await client.delete(f"{API}/bots/{bot['id']}", headers=bearer(alice))
    assert deleted.status_code == 204
    gone = await client.get(f"{API}/users/me", headers=as_bot(new))
    assert (gone.status_code, error_code(gone)) == (401, "invalid_token")
    assert (await client.get(f"{API}/bots", headers=bearer(alice))).json() == []
    again = await client.delete(f"{API}/bots/{bot['id']}", headers=bearer(alice))
    assert again.status_code == 404


@SQLITE
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": "x"}, "invalid_name"),
        ({"name": "   "}, "invalid_name"),
        ({"name": "n" * 33}, "too_long"),
        ({"name": "ok", "description": "d" * 301}, "too_long"),
    ],
)
async def test_bad_names_are_422(
    client: httpx.AsyncClient, signup: Signup, body: dict[str, str], code: str
) -> None:
    alice = await signup("alice")
    refused = await client.post(f"{API}/bots", json=body, headers=bearer(alice))
    assert (refused.status_code, error_code(refused)) == (422, code)


@SQLITE
async def test_too_many_bots_and_bots_making_bots(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    alice = await signup("alice")
    made = [await new_bot(client, alice, f"bot {n}") for n in range(bots.MAX_BOTS_PER_OWNER)]
    refused = await client.post(f"{API}/bots", json={"name": "more"}, headers=bearer(alice))
    assert (refused.status_code, error_code(refused)) == (409, "too_many_bots")
    child = await client.post(f"{API}/bots", json={"name": "kid"}, headers=as_bot(made[0]["token"]))
    assert (child.status_code, error_code(child)) == (403, "bot_cannot_create_bots")


@SQLITE
@pytest.mark.parametrize(
    "token", ["bot_", "bot_x.y", "bot_0123456789abcdef0123456789abcdef.nope", "garbage"]
)
async def test_a_wrong_token_is_401(client: httpx.AsyncClient, signup: Signup, token: str) -> None:
    alice = await signup("alice")
    bot = await new_bot(client, alice)
    wrong = await client.get(f"{API}/users/me", headers=as_bot(token))
    assert (wrong.status_code, error_code(wrong)) == (401, "invalid_token")
    tampered = await client.get(f"{API}/users/me", headers=as_bot(bot["token"] + "x"))
    assert (tampered.status_code, error_code(tampered)) == (401, "invalid_token")


@SQLITE
async def test_a_bot_cannot_log_in(client: httpx.AsyncClient, signup: Signup) -> None:
    bot = await new_bot(client, await signup("alice"))
    for password in (bot["token"], "!", "password123"):
        refused = await client.post(
            f"{API}/auth/login", json={"login": bot["username"], "password": password}
        )
        assert (refused.status_code, error_code(refused)) == (401, "invalid_credentials")


@SQLITE
async def test_adding_a_bot_to_a_server(client: httpx.AsyncClient, signup: Signup) -> None:
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    server_id = make_server(user_id("alice"), members=(user_id("bob"),))
    bot = await new_bot(client, carol)
    base = f"{API}/servers/{server_id}/bots"

    for who, body, status, code in (
        (bob, {"bot_id": bot["id"]}, 403, "missing_permission"),
        (carol, {"bot_id": bot["id"]}, 404, "server_not_found"),
        (alice, {}, 422, "missing"),
        (alice, {"bot_id": user_id("bob")}, 404, "bot_not_found"),
        (alice, {"username": "nobody_here"}, 404, "bot_not_found"),
        (alice, {"bot_id": bot["id"], "role_id": "nosuchrole"}, 404, "role_not_found"),
    ):
        refused = await client.post(base, json=body, headers=bearer(who))
        assert (refused.status_code, error_code(refused)) == (status, code), body
    # A refused role leaves the bot out.
    channels = await client.get(f"{API}/servers/{server_id}/channels", headers=as_bot(bot["token"]))
    assert channels.status_code == 404

    with transaction() as s:
        role = Role(server_id=server_id, name="helpers", position=1, permissions=0)
        s.add(role)
        s.flush()
        role_id = role.id
    added = await client.post(
        base, json={"username": bot["username"], "role_id": role_id}, headers=bearer(alice)
    )
    assert added.status_code == 201
    assert added.json() == {"server_id": server_id, "user_id": bot["id"]}
    again = await client.post(base, json={"bot_id": bot["id"]}, headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (409, "already_member")
    members = await client.get(f"{API}/servers/{server_id}/members", headers=bearer(alice))
    assert members.status_code == 200
    [row] = [m for m in members.json()["members"] if m["user"]["id"] == bot["id"]]
    assert row["user"]["is_bot"] is True
    assert role_id in row["role_ids"]


@SQLITE
async def test_a_bot_acts_within_its_permissions(client: httpx.AsyncClient, signup: Signup) -> None:
    alice = await signup("alice")
    server_id = make_server(user_id("alice"))
    bot = await new_bot(client, alice)
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        quiet = servers.do_create_channel(s, server, name="quiet")
        hidden = servers.do_create_channel(s, server, name="hidden")
        role = everyone(s, server_id).id
        for scope, deny in (
            (quiet.id, Permission.SEND_MESSAGES),
            (hidden.id, Permission.VIEW_CHANNEL),
        ):
            s.add(
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=scope,
                    target_type="role",
                    target_id=role,
                    allow=0,
                    deny=int(deny),
                )
            )
        permissions.bump_version(s, server)
        ids = general(s, server_id).id, quiet.id, hidden.id
    general_id, quiet_id, hidden_id = ids

    def send(chat_id: str) -> Any:
        return client.post(
            f"{API}/chats/{chat_id}/messages",
            json={"body": "beep"},
            headers=as_bot(bot["token"]),
        )

    outsider = await send(general_id)
    assert outsider.status_code == 404  # not a member yet
    added = await client.post(
        f"{API}/servers/{server_id}/bots", json={"bot_id": bot["id"]}, headers=bearer(alice)
    )
    assert added.status_code == 201
    sent = await send(general_id)
    assert sent.status_code == 201
    assert sent.json()["author"]["is_bot"] is True
    muted = await send(quiet_id)
    assert (muted.status_code, error_code(muted)) == (403, "missing_permission")
    unseen = await send(hidden_id)
    assert (unseen.status_code, error_code(unseen)) == (404, "chat_not_found")
    # Beyond its role: server settings need MANAGE_SERVER.
    renamed = await client.patch(
        f"{API}/servers/{server_id}", json={"name": "pwned"}, headers=as_bot(bot["token"])
    )
    assert (renamed.status_code, error_code(renamed)) == (403, "missing_permission")
    # Its owner's rights are not its own.
    adds = await client.post(
        f"{API}/servers/{server_id}/bots", json={"bot_id": bot["id"]}, headers=as_bot(bot["token"])
    )
    assert (adds.status_code, error_code(adds)) == (403, "missing_permission")


@SQLITE
async def test_the_openapi_documents_the_bot_endpoints(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    paths = spec["paths"]
    assert paths["/api/v1/bots"]["post"]["summary"] == "Create a bot account"
    assert "409" in paths["/api/v1/bots"]["post"]["responses"]
    assert "404" in paths["/api/v1/bots/{bot_id}/token"]["post"]["responses"]
    assert "403" in paths["/api/v1/servers/{server_id}/bots"]["post"]["responses"]
