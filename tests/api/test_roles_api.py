"""/api/v1 roles, members' roles, overwrites and the permission catalogue: every endpoint, and
each with its bad inputs (no token, unknown or invisible server or channel, missing permission,
a role above yours, a permission string that is not a number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import permissions, roles, servers
from socialhub.domain.permissions import Permission as P
from socialhub.models import Server, User
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support.servers import everyone, general, make_server

Tokens = dict[str, Any]
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
MANAGE, SEND, VIEW = int(P.MANAGE_ROLES), int(P.SEND_MESSAGES), int(P.VIEW_CHANNEL)
UNKNOWN = "0" * 32


@dataclass
class World:
    server: str
    other_server: str  # dave's, where nobody else is a member
    owner: Tokens  # alice
    manager: Tokens  # bob: "Managers" (MANAGE_ROLES)
    member: Tokens  # carol: no role
    stranger: Tokens  # dave: not a member
    top: str
    managers: str
    helpers: str
    everyone: str
    channel: str  # #general, in the category
    category: str
    secret: str  # a channel @everyone cannot view

    def id(self, who: Tokens) -> int:
        return int(who["user"]["id"])


def _user(s: Session, user_id: int) -> User:
    found = s.get(User, user_id)
    assert found is not None
    return found


@pytest.fixture
async def world(signup: Signup) -> World:
    alice, bob, carol, dave = [await signup(n) for n in ("alice", "bob", "carol", "dave")]
    ids = [int(t["user"]["id"]) for t in (alice, bob, carol, dave)]  # type: ignore[index]
    server_id = make_server(ids[0], members=(ids[1], ids[2]))
    other = make_server(ids[3], name="Elsewhere")
    with transaction() as s:
        owner = _user(s, ids[0])
        helpers = roles.check_create_role(s, owner, server_id, name="Helpers")
        managers = roles.check_create_role(
            s, owner, server_id, name="Managers", permissions_bits=str(MANAGE)
        )
        top = roles.check_create_role(s, owner, server_id, name="Top")
        roles.check_reorder_roles(s, owner, server_id, [top.id, managers.id, helpers.id])
        roles.check_add_member_role(s, owner, server_id, ids[1], managers.id)
        server = s.get(Server, server_id)
        assert server is not None
        channel = general(s, server_id)
        everyone_id = everyone(s, server_id).id
        secret = servers.do_create_channel(s, server, name="secret")
        roles.check_set_overwrite(
            s, owner, roles.CHANNEL, secret.id, "role", everyone_id, deny=str(VIEW)
        )
        assert channel.category_id is not None
        return World(
            server_id,
            other,
            alice,
            bob,
            carol,
            dave,
            top.id,
            managers.id,
            helpers.id,
            everyone_id,
            channel.id,
            channel.category_id,
            secret.id,
        )


async def test_permission_catalogue(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/permissions")
    assert response.status_code == 200
    listed = response.json()
    assert [p["name"] for p in listed] == [p.name for p in P]
    by_name = {p["name"]: p for p in listed}
    assert by_name["ADMINISTRATOR"]["bit"] == str(1 << 17)
    assert by_name["SEND_MESSAGES"]["title"] == "Send messages"
    assert by_name["SEND_MESSAGES"]["channel_scoped"] is True
    assert by_name["BAN_MEMBERS"]["channel_scoped"] is False
    assert all(p["description"] == permissions.DESCRIPTIONS[P[p["name"]]][1] for p in listed)


async def test_roles_flow(client: httpx.AsyncClient, world: World) -> None:
    """Create, list, edit, reorder, give, take away and delete, as the settings page does."""
    w = world
    created = await client.post(
        f"/api/v1/servers/{w.server}/roles",
        json={"name": "Artists", "colour": "#33AA77", "permissions": str(SEND), "hoist": True},
        headers=bearer(w.manager),
    )
    assert created.status_code == 201, created.text
    role = created.json()
    assert (role["name"], role["colour"], role["position"], role["permissions"]) == (
        "Artists",
        "#33aa77",
        1,
        str(SEND),
    )
    assert (role["hoist"], role["mentionable"], role["is_everyone"], role["member_count"]) == (
        True,
        False,
        False,
        0,
    )
    listed = await client.get(f"/api/v1/servers/{w.server}/roles", headers=bearer(w.member))
    assert [r["name"] for r in listed.json()] == [
        "Top",
        "Managers",
        "Helpers",
        "Artists",
        "@everyone",
    ]
    edited = await client.patch(
        f"/api/v1/servers/{w.server}/roles/{role['id']}",
        json={"name": "Painters", "mentionable": True},
        headers=bearer(w.manager),
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["name"], edited.json()["mentionable"]) == ("Painters", True)
    moved = await client.put(
        f"/api/v1/servers/{w.server}/roles/order",
        json={"role_ids": [w.top, w.managers, role["id"], w.helpers, w.everyone]},
        headers=bearer(w.manager),
    )
    assert moved.status_code == 200, moved.text
    assert [r["name"] for r in moved.json()] == [
        "Top",
        "Managers",
        "Painters",
        "Helpers",
        "@everyone",
    ]
    member_role = f"/api/v1/servers/{w.server}/members/{w.id(w.member)}/roles/{role['id']}"
    assert (await client.put(member_role, headers=bearer(w.manager))).status_code == 204
    listed = await client.get(f"/api/v1/servers/{w.server}/roles", headers=bearer(w.member))
    assert {r["name"]: r["member_count"] for r in listed.json()}["Painters"] == 1
    assert (await client.delete(member_role, headers=bearer(w.manager))).status_code == 204
    deleted = await client.delete(
        f"/api/v1/servers/{w.server}/roles/{role['id']}", headers=bearer(w.manager)
    )
    assert deleted.status_code == 204
    listed = await client.get(f"/api/v1/servers/{w.server}/roles", headers=bearer(w.member))
    assert [r["name"] for r in listed.json()] == ["Top", "Managers", "Helpers", "@everyone"]


def _role_requests(w: World, server: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, body) of every role endpoint in `server`, acting on Helpers."""
    base = f"/api/v1/servers/{server}"
    return [
        ("GET", f"{base}/roles", None),
        ("POST", f"{base}/roles", {"name": "New"}),
        ("PATCH", f"{base}/roles/{w.helpers}", {"name": "Renamed"}),
        ("DELETE", f"{base}/roles/{w.helpers}", None),
        ("PUT", f"{base}/roles/order", {"role_ids": [w.top, w.managers, w.helpers]}),
        ("PUT", f"{base}/members/{w.id(w.member)}/roles/{w.helpers}", None),
        ("DELETE", f"{base}/members/{w.id(w.member)}/roles/{w.helpers}", None),
    ]


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    who: Tokens | None,
) -> httpx.Response:
    return await client.request(
        method, path, json=body, headers=bearer(who) if who is not None else {}
    )


@SQLITE
async def test_role_endpoints_refuse(client: httpx.AsyncClient, world: World) -> None:
    w = world
    for method, path, body in _role_requests(w, w.server):
        anonymous = await _call(client, method, path, body, None)
        assert anonymous.status_code == 401, (method, path)
        if method != "GET":
            denied = await _call(client, method, path, body, w.member)
            assert denied.status_code == 403, (method, path)
            assert error_code(denied) == "missing_permission"
    # Unknown, and existing but not the caller's: the same 404.
    for server, who in ((UNKNOWN, w.owner), (w.server, w.stranger), (w.other_server, w.owner)):
        for method, path, body in _role_requests(w, server):
            response = await _call(client, method, path, body, who)
            assert response.status_code == 404, (method, path)
            assert error_code(response) == "server_not_found"


@SQLITE
async def test_role_above_yours_and_bad_bits(client: httpx.AsyncClient, world: World) -> None:
    w = world
    base = f"/api/v1/servers/{w.server}"
    above = [
        ("PATCH", f"{base}/roles/{w.managers}", {"name": "Mine"}),
        ("PATCH", f"{base}/roles/{w.top}", {"permissions": "0"}),
        ("DELETE", f"{base}/roles/{w.top}", None),
        ("PUT", f"{base}/roles/order", {"role_ids": [w.managers, w.top, w.helpers]}),
        ("PUT", f"{base}/members/{w.id(w.member)}/roles/{w.managers}", None),
        ("DELETE", f"{base}/members/{w.id(w.manager)}/roles/{w.managers}", None),
        ("PUT", f"/api/v1/channels/{w.channel}/overwrites/role/{w.top}", {"allow": "0"}),
        ("DELETE", f"/api/v1/channels/{w.channel}/overwrites/role/{w.managers}", None),
        ("PUT", f"/api/v1/categories/{w.category}/overwrites/role/{w.top}", {"deny": "0"}),
    ]
    for method, path, body in above:
        response = await _call(client, method, path, body, w.manager)
        assert response.status_code == 403, (method, path, response.text)
        assert error_code(response) == "role_above_you", (method, path)
    # The owner may.
    owner_may = await _call(
        client, "PATCH", f"{base}/roles/{w.top}", {"colour": "#000000"}, w.owner
    )
    assert owner_may.status_code == 200

    grant = await _call(
        client,
        "POST",
        f"{base}/roles",
        {"name": "X", "permissions": str(int(P.BAN_MEMBERS))},
        w.manager,
    )
    assert grant.status_code == 403
    assert error_code(grant) == "cannot_grant"
    for bad in ("abc", "12x", "-5", "1e3", "", str(1 << 40)):
        for method, path, body in [
            ("POST", f"{base}/roles", {"name": "X", "permissions": bad}),
            ("PATCH", f"{base}/roles/{w.helpers}", {"permissions": bad}),
            ("PUT", f"/api/v1/channels/{w.channel}/overwrites/role/{w.helpers}", {"allow": bad}),
            ("PUT", f"/api/v1/categories/{w.category}/overwrites/role/{w.helpers}", {"deny": bad}),
        ]:
            response = await _call(client, method, path, body, w.owner)
            assert response.status_code == 422, (method, path, bad)
            assert error_code(response) == "bad_bitmask", (method, path, bad)
    # A number is not a decimal string.
    as_number = await _call(
        client, "POST", f"{base}/roles", {"name": "X", "permissions": 5}, w.owner
    )
    assert as_number.status_code == 422
    others = [
        ("POST", f"{base}/roles", {"name": "X", "colour": "blue"}, "bad_colour"),
        ("POST", f"{base}/roles", {"name": " "}, "empty"),
        ("PATCH", f"{base}/roles/{w.everyone}", {"name": "all"}, "everyone_role"),
        ("DELETE", f"{base}/roles/{w.everyone}", None, "everyone_role"),
        ("PUT", f"{base}/roles/order", {"role_ids": [w.top]}, "bad_order"),
        ("PATCH", f"{base}/roles/{UNKNOWN}", {"name": "X"}, "role_not_found"),
        ("PUT", f"{base}/members/999999/roles/{w.helpers}", None, "member_not_found"),
        ("PUT", f"{base}/members/{w.id(w.member)}/roles/{UNKNOWN}", None, "role_not_found"),
    ]
    for method, path, body, code in others:
        response = await _call(client, method, path, body, w.owner)
        assert error_code(response) == code, (method, path, response.text)
        assert response.status_code in (404, 422), (method, path)


async def test_overwrites_flow(client: httpx.AsyncClient, world: World) -> None:
    w = world
    channel = f"/api/v1/channels/{w.channel}"
    category = f"/api/v1/categories/{w.category}"
    listed = await client.get(f"{channel}/overwrites", headers=bearer(w.manager))
    assert listed.status_code == 200
    assert (listed.json()["synced"], listed.json()["overwrites"]) == (True, [])
    on_category = await client.put(
        f"{category}/overwrites/role/{w.helpers}",
        json={"allow": str(SEND), "deny": "0"},
        headers=bearer(w.manager),
    )
    assert on_category.status_code == 200, on_category.text
    assert [o["target_id"] for o in on_category.json()["overwrites"]] == [w.helpers]
    effective = (await client.get(f"{channel}/overwrites", headers=bearer(w.manager))).json()
    assert [o["scope_type"] for o in effective["effective"]] == ["category"]
    own = await client.put(
        f"{channel}/overwrites/member/{w.id(w.member)}",
        json={"deny": str(SEND)},
        headers=bearer(w.manager),
    )
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["synced"] is False
    assert {(o["target_type"], o["allow"], o["deny"]) for o in body["overwrites"]} == {
        ("role", str(SEND), "0"),
        ("member", "0", str(SEND)),
    }
    deleted = await client.delete(
        f"{channel}/overwrites/member/{w.id(w.member)}", headers=bearer(w.manager)
    )
    assert deleted.status_code == 204
    synced = await client.post(f"{channel}/sync", headers=bearer(w.manager))
    assert synced.status_code == 200
    assert (synced.json()["synced"], synced.json()["overwrites"]) == (True, [])
    assert (
        await client.delete(f"{category}/overwrites/role/{w.helpers}", headers=bearer(w.manager))
    ).status_code == 204
    cat = (await client.get(f"{category}/overwrites", headers=bearer(w.manager))).json()
    assert (cat["scope_type"], cat["overwrites"]) == ("category", [])


@SQLITE
async def test_overwrite_endpoints_refuse(client: httpx.AsyncClient, world: World) -> None:
    w = world

    def requests(kind: str, scope: str) -> list[tuple[str, str, dict[str, Any] | None]]:
        base = f"/api/v1/{kind}/{scope}"
        target = f"{base}/overwrites/role/{w.helpers}"
        listed: list[tuple[str, str, dict[str, Any] | None]] = [
            ("GET", f"{base}/overwrites", None),
            ("PUT", target, {"allow": str(SEND)}),
            ("DELETE", target, None),
        ]
        if kind == "channels":
            listed.append(("POST", f"{base}/sync", None))
        return listed

    cases = [
        # Unknown, invisible (a channel @everyone may not view), another server's: all 404.
        ("channels", UNKNOWN, w.owner, 404, "channel_not_found"),
        ("channels", w.secret, w.member, 404, "channel_not_found"),
        ("channels", w.channel, w.stranger, 404, "channel_not_found"),
        ("categories", UNKNOWN, w.owner, 404, "category_not_found"),
        ("categories", w.category, w.stranger, 404, "category_not_found"),
        # Missing MANAGE_ROLES.
        ("channels", w.channel, w.member, 403, "missing_permission"),
        ("categories", w.category, w.member, 403, "missing_permission"),
    ]
    for kind, scope, who, status, code in cases:
        for method, path, body in requests(kind, scope):
            response = await _call(client, method, path, body, who)
            assert response.status_code == status, (method, path, response.text)
            assert error_code(response) == code, (method, path)
            anonymous = await _call(client, method, path, body, None)
            assert anonymous.status_code == 401
    channel = f"/api/v1/channels/{w.channel}/overwrites"
    bad = [
        ("PUT", f"{channel}/user/{w.helpers}", {"allow": "0"}, 422, "validation_error"),
        ("PUT", f"{channel}/member/999999", {"allow": "0"}, 404, "member_not_found"),
        ("PUT", f"{channel}/role/{UNKNOWN}", {"allow": "0"}, 404, "role_not_found"),
        (
            "PUT",
            f"{channel}/role/{w.helpers}",
            {"allow": str(int(P.KICK_MEMBERS))},
            422,
            "bad_bitmask",
        ),
        (
            "PUT",
            f"{channel}/role/{w.helpers}",
            {"allow": "2", "deny": "2"},
            422,
            "allow_deny_overlap",
        ),
        ("POST", f"/api/v1/channels/{w.secret}/sync", None, 422, "no_category"),
    ]
    for method, path, body, status, code in bad:
        response = await _call(client, method, path, body, w.owner)
        assert response.status_code == status, (method, path, response.text)
        assert error_code(response) == code, (method, path)
    # Letting others do what you may not do yourself.
    with transaction() as s:
        roles.check_set_overwrite(
            s,
            _user(s, w.id(w.owner)),
            roles.CHANNEL,
            w.channel,
            "role",
            w.managers,
            deny=str(SEND),
        )
    response = await _call(
        client, "PUT", f"{channel}/role/{w.helpers}", {"allow": str(SEND)}, w.manager
    )
    assert response.status_code == 403
    assert error_code(response) == "cannot_grant"
