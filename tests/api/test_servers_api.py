"""/api/v1/servers and /api/v1/server-invites: every endpoint and its bad inputs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import permissions
from socialhub.domain.permissions import Permission
from socialhub.models import Server, ServerBan, ServerInvite
from socialhub.models.base import utcnow
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support import images
from tests.support.servers import everyone

Tokens = dict[str, Any]
API = "/api/v1"


def uid(tokens: Tokens) -> int:
    return int(tokens["user"]["id"])


async def create(client: httpx.AsyncClient, me: Tokens, **body: Any) -> dict[str, Any]:
    response = await client.post(
        f"{API}/servers", json={"name": "Guild", **body}, headers=bearer(me)
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def invite(client: httpx.AsyncClient, me: Tokens, server_id: str, **body: Any) -> str:
    response = await client.post(
        f"{API}/servers/{server_id}/invites", json=body, headers=bearer(me)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["code"])


async def join(client: httpx.AsyncClient, me: Tokens, code: str) -> httpx.Response:
    return await client.post(f"{API}/server-invites/{code}/join", headers=bearer(me))


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("olga"), await signup("mia"), await signup("otto")


async def test_create_read_update_icon_transfer_and_delete(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    owner, member, outsider = trio
    for body, code in (
        ({"name": "G", "join_mode": "sometimes"}, "bad_join_mode"),
        ({"name": "   "}, "empty"),
        ({"name": "x" * 101}, "too_long"),
    ):
        response = await client.post(f"{API}/servers", json=body, headers=bearer(owner))
        assert (response.status_code, error_code(response)) == (422, code), body
    assert (await client.get(f"{API}/servers")).status_code == 401

    made = await create(client, owner, description="chess", is_public=True)
    server_id = made["server"]["id"]
    assert made["is_owner"]
    assert made["permissions"] == str(permissions.ALL)
    assert [c["name"] for c in made["categories"][0]["channels"]] == ["general"]
    assert (await client.post(f"{API}/servers/{server_id}/join", headers=bearer(member))).json()[
        "flags"
    ]["can_manage_server"] is False

    rail = (await client.get(f"{API}/servers", headers=bearer(member))).json()
    assert [(s["server"]["id"], s["flags"]["can_create_invite"]) for s in rail] == [
        (server_id, True)
    ]
    for path in ("", "/members", "/invites", "/join-requests"):
        response = await client.get(f"{API}/servers/{server_id}{path}", headers=bearer(outsider))
        assert (response.status_code, error_code(response)) == (404, "server_not_found"), path
    response = await client.get(f"{API}/servers/{'0' * 32}", headers=bearer(owner))
    assert response.status_code == 404

    patch = {"name": "Chess club", "join_mode": "request"}
    response = await client.patch(f"{API}/servers/{server_id}", json=patch, headers=bearer(member))
    assert (response.status_code, error_code(response)) == (403, "missing_permission")
    response = await client.patch(f"{API}/servers/{server_id}", json=patch, headers=bearer(owner))
    assert response.json()["server"]["name"] == "Chess club"
    assert response.json()["server"]["join_mode"] == "request"
    response = await client.patch(
        f"{API}/servers/{server_id}", json={"join_mode": "x"}, headers=bearer(owner)
    )
    assert response.status_code == 422

    files = {"file": ("icon.png", images.png(), "image/png")}
    response = await client.put(
        f"{API}/servers/{server_id}/icon", files=files, headers=bearer(member)
    )
    assert response.status_code == 403
    bad = {"file": ("icon.png", images.SCRIPT_AS_PNG, "image/png")}
    response = await client.put(f"{API}/servers/{server_id}/icon", files=bad, headers=bearer(owner))
    assert response.status_code == 415
    response = await client.put(
        f"{API}/servers/{server_id}/icon", files=files, headers=bearer(owner)
    )
    assert response.json()["server"]["icon_url"].startswith(f"{API}/media/servers/")
    response = await client.delete(f"{API}/servers/{server_id}/icon", headers=bearer(owner))
    assert response.json()["server"]["icon_url"] is None

    transfer = f"{API}/servers/{server_id}/transfer"
    for who, body, expected in (
        (member, {"user_id": uid(member)}, (403, "not_owner")),
        (owner, {"user_id": uid(outsider)}, (404, "member_not_found")),
        (owner, {"user_id": 0}, (422, "validation_error")),
        (owner, {}, (422, "missing_field")),
    ):
        response = await client.post(transfer, json=body, headers=bearer(who))
        assert (response.status_code, error_code(response)) == expected, body
    response = await client.post(f"{API}/servers/{server_id}/leave", headers=bearer(owner))
    assert (response.status_code, error_code(response)) == (409, "owner_cannot_leave")
    response = await client.post(transfer, json={"user_id": uid(member)}, headers=bearer(owner))
    assert response.json()["is_owner"] is False

    # Now `member` owns it: deletion needs them and the exact name.
    delete = f"{API}/servers/{server_id}"
    for who, name, expected in (
        (owner, "Chess club", (403, "not_owner")),
        (member, "chess club", (422, "name_mismatch")),
        (outsider, "Chess club", (404, "server_not_found")),
    ):
        response = await client.delete(delete, params={"confirm_name": name}, headers=bearer(who))
        assert (response.status_code, error_code(response)) == expected, name
    assert (await client.delete(delete, headers=bearer(member))).status_code == 422
    response = await client.delete(
        delete, params={"confirm_name": "Chess club"}, headers=bearer(member)
    )
    assert response.status_code == 204
    for who in (owner, member):
        assert (await client.get(delete, headers=bearer(who))).status_code == 404
        assert (await client.get(f"{API}/servers", headers=bearer(who))).json() == []


async def test_discover_join_members_and_leave(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], signup: Signup
) -> None:
    owner, member, outsider = trio
    public = (await create(client, owner, name="Chess club", is_public=True))["server"]["id"]
    private = (await create(client, owner, name="Chess secret"))["server"]["id"]
    await create(client, owner, name="Chess asks", is_public=True, join_mode="request")

    response = await client.get(
        f"{API}/servers/discover", params={"q": "chess", "limit": 1}, headers=bearer(member)
    )
    page = response.json()
    assert len(page["servers"]) == 1
    assert page["next_cursor"]
    rest = await client.get(
        f"{API}/servers/discover",
        params={"q": "chess", "cursor": page["next_cursor"]},
        headers=bearer(member),
    )
    names = {
        page["servers"][0]["server"]["name"],
        *(i["server"]["name"] for i in rest.json()["servers"]),
    }
    assert names == {"Chess club", "Chess asks"}
    for params in ({"cursor": "nope"}, {"limit": 0}, {"q": "x" * 101}):
        response = await client.get(
            f"{API}/servers/discover", params=params, headers=bearer(member)
        )
        assert response.status_code == 422, params

    for server_id, expected in (
        (private, (404, "server_not_found")),
        ("0" * 32, (404, "server_not_found")),
    ):
        response = await client.post(f"{API}/servers/{server_id}/join", headers=bearer(member))
        assert (response.status_code, error_code(response)) == expected
    asks = next(i for i in rest.json()["servers"] if i["server"]["name"] == "Chess asks")
    asks_id = asks["server"]["id"]
    response = await client.post(f"{API}/servers/{asks_id}/join", headers=bearer(member))
    assert (response.status_code, error_code(response)) == (403, "request_required")
    assert not asks["request_pending"]
    await client.post(f"{API}/servers/{asks_id}/join-requests", json={}, headers=bearer(member))
    found = await client.get(
        f"{API}/servers/discover", params={"q": "asks"}, headers=bearer(member)
    )
    assert [i["request_pending"] for i in found.json()["servers"]] == [True]
    with transaction() as s:
        s.add(ServerBan(server_id=public, user_id=uid(outsider)))
    response = await client.post(f"{API}/servers/{public}/join", headers=bearer(outsider))
    assert (response.status_code, error_code(response)) == (403, "banned")

    for n in range(3):
        joiner = await signup(f"joiner{n}")
        assert (
            await client.post(f"{API}/servers/{public}/join", headers=bearer(joiner))
        ).status_code == 200
    joined = await client.post(f"{API}/servers/{public}/join", headers=bearer(member))
    assert joined.json()["server"]["member_count"] == 5
    again = await client.post(f"{API}/servers/{public}/join", headers=bearer(member))
    assert again.json()["server"]["member_count"] == 5  # already a member: nothing changes

    members = f"{API}/servers/{public}/members"
    first = (await client.get(members, params={"limit": 3}, headers=bearer(member))).json()
    second = (
        await client.get(members, params={"cursor": first["next_cursor"]}, headers=bearer(member))
    ).json()
    listed = [m["user"]["username"] for m in first["members"] + second["members"]]
    assert listed == ["joiner0", "joiner1", "joiner2", "mia", "olga"]
    assert second["next_cursor"] is None
    assert {m["status"] for m in second["members"]} <= {"offline", "online", "hidden"}
    for params in ({"cursor": "!!"}, {"cursor": "e30="}, {"cursor": "abc-1"}, {"limit": 101}):
        response = await client.get(members, params=params, headers=bearer(member))
        assert (response.status_code, error_code(response))[0] == 422, params

    assert (
        await client.post(f"{API}/servers/{public}/leave", headers=bearer(member))
    ).status_code == 204
    response = await client.post(f"{API}/servers/{public}/leave", headers=bearer(member))
    assert (response.status_code, error_code(response)) == (404, "server_not_found")


async def test_invites_create_list_preview_join_revoke(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], signup: Signup
) -> None:
    owner, member, outsider = trio
    server_id = (await create(client, owner))["server"]["id"]
    invites = f"{API}/servers/{server_id}/invites"
    for body, code in (
        ({"expires_in_seconds": 60}, "bad_expiry"),
        ({"expires_in_seconds": "soon"}, "validation_error"),
        ({"max_uses": 0}, "bad_max_uses"),
        ({"max_uses": 101}, "bad_max_uses"),
        ({"expires_in_seconds": 5, "max_uses": 0}, "invalid_fields"),
        ({"channel_id": "0" * 32}, "channel_not_found"),
    ):
        response = await client.post(invites, json=body, headers=bearer(owner))
        assert error_code(response) == code, body
    response = await client.post(invites, json={}, headers=bearer(outsider))
    assert (response.status_code, error_code(response)) == (404, "server_not_found")

    once = await invite(client, owner, server_id, max_uses=1, expires_in_seconds=1800)
    # A visitor (no token) may look at an invite before signing up.
    preview = (await client.get(f"{API}/server-invites/{once}")).json()
    assert (preview["name"], preview["member_count"], preview["is_member"]) == ("Guild", 1, False)
    assert (await client.get(f"{API}/server-invites/{once}", headers=bearer(owner))).json()[
        "is_member"
    ]
    response = await join(client, member, once)
    assert response.status_code == 200
    assert response.json()["server"]["member_count"] == 2
    assert (await join(client, member, once)).status_code == 200  # a member: no use taken
    response = await join(client, outsider, once)
    assert (response.status_code, error_code(response)) == (403, "invite_used_up")
    response = await client.get(f"{API}/server-invites/{once}")
    assert (response.status_code, error_code(response)) == (403, "invite_used_up")

    # A member with CREATE_INVITE lists their own; MANAGE_SERVER lists all, with creators.
    own = await invite(client, member, server_id, expires_in_seconds=None)
    assert [i["code"] for i in (await client.get(invites, headers=bearer(member))).json()] == [own]
    listed = (await client.get(invites, headers=bearer(owner))).json()
    assert [(i["code"], i["created_by"]["username"], i["uses"]) for i in listed] == [
        (own, "mia", 0)
    ]
    with transaction() as s:
        role = everyone(s, server_id)
        role.permissions = permissions.DEFAULT_EVERYONE & ~Permission.CREATE_INVITE
        s.add(role)
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)
    for response in (
        await client.post(invites, json={}, headers=bearer(member)),
        await client.get(invites, headers=bearer(member)),
    ):
        assert (response.status_code, error_code(response)) == (403, "missing_permission")

    # Revoking: the creator or MANAGE_SERVER; the others, and outsiders, cannot.
    theirs = await invite(client, owner, server_id)
    response = await client.delete(f"{API}/server-invites/{theirs}", headers=bearer(member))
    assert (response.status_code, error_code(response)) == (403, "missing_permission")
    response = await client.delete(f"{API}/server-invites/{theirs}", headers=bearer(outsider))
    assert (response.status_code, error_code(response)) == (404, "invite_not_found")
    assert (
        await client.delete(f"{API}/server-invites/{own}", headers=bearer(member))
    ).status_code == 204
    response = await join(client, outsider, own)
    assert (response.status_code, error_code(response)) == (403, "invite_revoked")

    with transaction() as s:
        row = s.get(ServerInvite, theirs)
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
        s.add(row)
    response = await join(client, outsider, theirs)
    assert (response.status_code, error_code(response)) == (403, "invite_expired")
    for path in (f"{API}/server-invites/nosuchcode", f"{API}/server-invites/nosuchcode/join"):
        response = await (
            client.get(path)
            if path.endswith("code")
            else client.post(path, headers=bearer(outsider))
        )
        assert (response.status_code, error_code(response)) == (404, "invite_not_found")

    # A banned user gets in by no invite, however good.
    fresh = await invite(client, owner, server_id)
    banned = await signup("bart")
    with transaction() as s:
        s.add(ServerBan(server_id=server_id, user_id=uid(banned)))
    response = await join(client, banned, fresh)
    assert (response.status_code, error_code(response)) == (403, "banned")
    assert (await join(client, outsider, fresh)).status_code == 200


async def test_join_requests(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], signup: Signup
) -> None:
    owner, member, asker = trio
    server_id = (await create(client, owner, join_mode="request"))["server"]["id"]
    code = await invite(client, owner, server_id)
    assert (await join(client, member, code)).status_code == 200
    requests = f"{API}/servers/{server_id}/join-requests"

    response = await client.post(requests, json={"message": "hi"}, headers=bearer(member))
    assert (response.status_code, error_code(response)) == (409, "already_member")
    response = await client.post(requests, json={"message": "x" * 501}, headers=bearer(asker))
    assert response.status_code == 422
    response = await client.post(
        f"{API}/servers/{'0' * 32}/join-requests", json={}, headers=bearer(asker)
    )
    assert (response.status_code, error_code(response)) == (404, "server_not_found")
    response = await client.post(requests, json={"message": "let me in"}, headers=bearer(asker))
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    other = await signup("other")
    assert (await client.post(requests, json={}, headers=bearer(other))).status_code == 201

    response = await client.get(requests, headers=bearer(member))
    assert (response.status_code, error_code(response)) == (403, "missing_permission")
    page = (await client.get(requests, params={"limit": 1}, headers=bearer(owner))).json()
    assert [(r["user"]["username"], r["message"]) for r in page["requests"]] == [
        ("otto", "let me in")
    ]
    rest = (
        await client.get(requests, params={"cursor": page["next_cursor"]}, headers=bearer(owner))
    ).json()
    assert [r["user"]["username"] for r in rest["requests"]] == ["other"]
    response = await client.get(requests, params={"cursor": "bad"}, headers=bearer(owner))
    assert (response.status_code, error_code(response)) == (422, "bad_cursor")

    accept = f"{requests}/{uid(asker)}/accept"
    response = await client.post(accept, headers=bearer(member))
    assert (response.status_code, error_code(response)) == (403, "missing_permission")
    response = await client.post(accept, headers=bearer(owner))
    assert response.json()["status"] == "accepted"
    response = await client.post(accept, headers=bearer(owner))
    assert (response.status_code, error_code(response)) == (404, "join_request_not_found")
    assert (
        await client.get(f"{API}/servers/{server_id}", headers=bearer(asker))
    ).status_code == 200
    response = await client.post(f"{requests}/{uid(other)}/decline", headers=bearer(owner))
    assert response.json()["status"] == "declined"
    assert (
        await client.get(f"{API}/servers/{server_id}", headers=bearer(other))
    ).status_code == 404
    for bad in ("0", "abc", str(2**40)):
        response = await client.post(f"{requests}/{bad}/accept", headers=bearer(owner))
        assert response.status_code == 422, bad


async def test_a_requester_cancels_their_join_request(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    owner, member, asker = trio
    server_id = (await create(client, owner, join_mode="request"))["server"]["id"]
    requests = f"{API}/servers/{server_id}/join-requests"
    mine = f"{requests}/mine"
    response = await client.delete(mine, headers=bearer(asker))
    assert (response.status_code, error_code(response)) == (404, "join_request_not_found")
    assert (await client.post(requests, json={}, headers=bearer(asker))).status_code == 201
    response = await client.delete(
        f"{API}/servers/{'0' * 32}/join-requests/mine", headers=bearer(asker)
    )
    assert (response.status_code, error_code(response)) == (404, "join_request_not_found")
    # Someone else's request is not theirs to withdraw: there is none of their own.
    response = await client.delete(mine, headers=bearer(member))
    assert (response.status_code, error_code(response)) == (404, "join_request_not_found")
    assert (await client.delete(mine)).status_code == 401
    response = await client.delete(mine, headers=bearer(asker))
    assert response.status_code == 204, response.text
    assert (await client.get(requests, headers=bearer(owner))).json()["requests"] == []
    response = await client.delete(mine, headers=bearer(asker))
    assert (response.status_code, error_code(response)) == (404, "join_request_not_found")
    spec = (await client.get("/api/openapi.json")).json()
    documented = spec["paths"]["/api/v1/servers/{server_id}/join-requests/mine"]["delete"]
    assert {"204", "404"} <= set(documented["responses"])


async def test_invites_and_join_requests_over_their_limits(
    client: httpx.AsyncClient,
    trio: tuple[Tokens, Tokens, Tokens],
    lower_limits: Callable[..., None],
) -> None:
    owner, _, asker = trio
    server_id = (await create(client, owner))["server"]["id"]
    asking = [
        (await create(client, owner, name=f"Asks {n}", join_mode="request", is_public=True))[
            "server"
        ]["id"]
        for n in range(2)
    ]
    lower_limits(RATE_LIMIT_SERVER_INVITE="1/minute", RATE_LIMIT_JOIN_REQUEST="1/minute")
    await invite(client, owner, server_id)
    response = await client.post(
        f"{API}/servers/{server_id}/invites", json={}, headers=bearer(owner)
    )
    assert (response.status_code, error_code(response)) == (429, "rate_limited")
    assert int(response.headers["retry-after"]) > 0
    listed = (await client.get(f"{API}/servers/{server_id}/invites", headers=bearer(owner))).json()
    assert len(listed) == 1
    first = await client.post(
        f"{API}/servers/{asking[0]}/join-requests", json={}, headers=bearer(asker)
    )
    assert first.status_code == 201
    response = await client.post(
        f"{API}/servers/{asking[1]}/join-requests", json={}, headers=bearer(asker)
    )
    assert (response.status_code, error_code(response)) == (429, "rate_limited")
    spec = (await client.get("/api/openapi.json")).json()
    for path in (
        "/api/v1/servers/{server_id}/invites",
        "/api/v1/servers/{server_id}/join-requests",
    ):
        assert "429" in spec["paths"][path]["post"]["responses"]
