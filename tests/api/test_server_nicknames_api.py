"""PATCH /servers/{id}/members/@me and /members/{user_id}: nicknames over the API, with every
refusal's status and code, and their documentation in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from socialhub.domain.permissions import Permission
from tests.api.conftest import Signup, bearer
from tests.domain.test_moderation import SQLITE_ONLY, give_role
from tests.support.servers import make_server

API = "/api/v1/servers"


class Cast:
    def __init__(self, server: str, people: dict[str, dict[str, Any]]) -> None:
        self.server = server
        self.people = people

    def id(self, name: str) -> int:
        return int(self.people[name]["user"]["id"])

    def auth(self, name: str) -> dict[str, str]:
        return bearer(self.people[name])


@pytest.fixture
async def cast(signup: Signup) -> Cast:
    people: dict[str, dict[str, Any]] = {}
    for name in ("owner", "mod", "peer", "member", "outsider"):
        people[name] = await signup(name, display_name=name.capitalize())  # type: ignore[assignment]
    ids = {n: int(p["user"]["id"]) for n, p in people.items()}
    server = make_server(ids["owner"], members=(ids["mod"], ids["peer"], ids["member"]))
    give_role(server, ids["mod"], "Mods", Permission.MANAGE_NICKNAMES, 2)
    give_role(server, ids["peer"], "Wardens", Permission.MANAGE_NICKNAMES, 2)
    return Cast(server, people)


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


@SQLITE_ONLY
async def test_set_my_nickname_and_a_members(client: httpx.AsyncClient, cast: Cast) -> None:
    c, server = cast, cast.server
    me = await client.patch(
        f"{API}/{server}/members/@me", json={"nickname": " Em "}, headers=c.auth("member")
    )
    assert me.status_code == 200, me.text
    assert (me.json()["nickname"], me.json()["shown_name"]) == ("Em", "Em")
    assert me.json()["can_edit_nickname"] is True
    listed = await client.get(f"{API}/{server}/members", headers=c.auth("owner"))
    shown = {m["user"]["id"]: m["shown_name"] for m in listed.json()["members"]}
    assert shown[c.id("member")] == "Em"

    # A moderator renames a member below them; the owner renames the moderator.
    renamed = await client.patch(
        f"{API}/{server}/members/{c.id('member')}",
        json={"nickname": "Emmy"},
        headers=c.auth("mod"),
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["shown_name"] == "Emmy"
    renamed = await client.patch(
        f"{API}/{server}/members/{c.id('mod')}", json={"nickname": "Top"}, headers=c.auth("owner")
    )
    assert renamed.json()["shown_name"] == "Top"
    # One's own id works like @me.
    own = await client.patch(
        f"{API}/{server}/members/{c.id('mod')}", json={"nickname": "M"}, headers=c.auth("mod")
    )
    assert own.json()["nickname"] == "M"
    cleared = await client.patch(
        f"{API}/{server}/members/@me", json={"nickname": ""}, headers=c.auth("mod")
    )
    assert cleared.json()["shown_name"] == "Mod"
    log = await client.get(
        f"{API}/{server}/audit-log", params={"action": "member_nickname"}, headers=c.auth("owner")
    )
    assert log.status_code == 200, log.text
    assert len(log.json()["entries"]) == 5


@SQLITE_ONLY
async def test_refusals_have_their_status_and_code(client: httpx.AsyncClient, cast: Cast) -> None:
    c, server = cast, cast.server
    member, peer, owner = c.id("member"), c.id("peer"), c.id("owner")
    body = {"nickname": "x"}
    cases = [
        ("mod", f"{API}/nope/members/@me", body, 404, "server_not_found"),
        ("outsider", f"{API}/{server}/members/@me", body, 404, "server_not_found"),
        ("outsider", f"{API}/{server}/members/{member}", body, 404, "server_not_found"),
        ("mod", f"{API}/{server}/members/{c.id('outsider')}", body, 404, "member_not_found"),
        ("member", f"{API}/{server}/members/{peer}", body, 403, "missing_permission"),
        ("mod", f"{API}/{server}/members/{peer}", body, 403, "role_hierarchy"),
        ("mod", f"{API}/{server}/members/{owner}", body, 403, "cannot_rename_owner"),
        ("member", f"{API}/{server}/members/@me", {"nickname": "y" * 33}, 422, "too_long"),
        ("member", f"{API}/{server}/members/@me", {"nickname": "a\nb"}, 422, "control_characters"),
    ]
    for who, path, payload, status, code in cases:
        got = error(await client.patch(path, json=payload, headers=c.auth(who)), status)
        assert got == code, (who, path, payload)
    # A body without a nickname, and no token.
    missing = await client.patch(f"{API}/{server}/members/@me", json={}, headers=c.auth("member"))
    assert missing.status_code == 422
    anonymous = await client.patch(f"{API}/{server}/members/@me", json=body)
    assert anonymous.status_code == 401


@SQLITE_ONLY
async def test_the_routes_are_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    mine = schema["paths"]["/api/v1/servers/{server_id}/members/@me"]["patch"]
    theirs = schema["paths"]["/api/v1/servers/{server_id}/members/{user_id}"]["patch"]
    assert mine["summary"] == "Set your nickname in a server"
    assert theirs["summary"] == "Set a member's nickname"
    for operation in (mine, theirs):
        assert {"403", "404", "422"} <= set(operation["responses"])
    assert "role_hierarchy" in theirs["responses"]["403"]["description"]
    body = schema["components"]["schemas"]["NicknameUpdate"]["properties"]["nickname"]
    assert body["maxLength"] == 32
