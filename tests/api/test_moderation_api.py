"""The moderation API: kicks, bans, timeouts, the audit log and automod, with their bad inputs
(unknown or invisible server, missing permission, a role not below yours, bad durations)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain.permissions import Permission
from tests.api.conftest import Signup, bearer
from tests.domain.test_moderation import MOD_BITS, SQLITE_ONLY, give_role
from tests.support.servers import general, make_server

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
        people[name] = await signup(name)  # type: ignore[assignment]
    ids = {n: int(p["user"]["id"]) for n, p in people.items()}
    server = make_server(ids["owner"], members=(ids["mod"], ids["peer"], ids["member"]))
    give_role(server, ids["mod"], "Mods", MOD_BITS | Permission.MANAGE_SERVER, 2)
    give_role(server, ids["peer"], "Wardens", MOD_BITS, 2)
    return Cast(server, people)


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


@SQLITE_ONLY
async def test_kick_ban_timeout_and_the_audit_log(client: httpx.AsyncClient, cast: Cast) -> None:
    c, server = cast, cast.server
    member, peer = c.id("member"), c.id("peer")
    mod = c.auth("mod")

    # Unknown and invisible servers look the same; a member without the permission; equal rank.
    assert error(await client.delete(f"{API}/nope/members/{member}", headers=mod), 404) == (
        "server_not_found"
    )
    outsider = c.auth("outsider")
    for method, path, body in (
        ("DELETE", f"/members/{member}", None),
        ("PUT", f"/bans/{member}", {}),
        ("PUT", f"/members/{member}/timeout", {"duration_seconds": 60}),
        ("GET", "/audit-log", None),
        ("GET", "/bans", None),
    ):
        answer = await client.request(
            method, API + "/" + server + path, json=body, headers=outsider
        )
        assert error(answer, 404) == "server_not_found"
        answer = await client.request(
            method, API + "/" + server + path, json=body, headers=c.auth("member")
        )
        assert error(answer, 403) == "missing_permission"
    assert error(await client.delete(f"{API}/{server}/members/{peer}", headers=mod), 403) == (
        "role_hierarchy"
    )
    owner = c.id("owner")
    answer = await client.put(f"{API}/{server}/bans/{owner}", json={}, headers=mod)
    assert error(answer, 403) == "cannot_moderate_owner"
    assert error(await client.delete(f"{API}/{server}/members/999999", headers=mod), 404) == (
        "member_not_found"
    )

    # Timeouts: only the durations offered.
    path = f"{API}/{server}/members/{member}/timeout"
    for bad in (61, 0, -5):
        answer = await client.put(path, json={"duration_seconds": bad}, headers=mod)
        assert error(answer, 422) == "bad_duration"
    answer = await client.put(path, json={"duration_seconds": "soon"}, headers=mod)
    assert error(answer, 422) == "validation_error"
    answer = await client.put(path, json={"duration_seconds": 600, "reason": "calm"}, headers=mod)
    assert answer.status_code == 200, answer.text
    assert answer.json()["user_id"] == member
    assert answer.json()["timeout_until"] is not None
    answer = await client.delete(path, headers=mod)
    assert answer.status_code == 200
    assert answer.json()["timeout_until"] is None

    # Bans.
    bans = f"{API}/{server}/bans"
    answer = await client.put(f"{bans}/{member}", json={"delete_messages": "year"}, headers=mod)
    assert error(answer, 422) == "bad_window"
    answer = await client.put(f"{bans}/{member}", json={"reason": "x" * 501}, headers=mod)
    assert error(answer, 422) == "too_long"
    answer = await client.put(
        f"{bans}/{member}", json={"reason": "spam", "delete_messages": "hour"}, headers=mod
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["user"]["username"] == "member"
    assert answer.json()["banned_by"]["username"] == "mod"
    listed = (await client.get(bans, headers=mod)).json()
    assert [(b["user"]["id"], b["reason"]) for b in listed["bans"]] == [(member, "spam")]
    assert listed["next_cursor"] is None
    assert error(await client.get(bans, params={"cursor": "x"}, headers=mod), 422) == "bad_cursor"
    assert (await client.delete(f"{bans}/{member}", headers=mod)).status_code == 204
    assert error(await client.delete(f"{bans}/{member}", headers=mod), 404) == "ban_not_found"

    # A kick, with its reason in the log.
    answer = await client.put(f"{API}/{server}/bans/{c.id('outsider')}", json={}, headers=mod)
    assert answer.status_code == 200
    kicked = await client.delete(
        f"{API}/{server}/members/{peer}", params={"reason": "bye"}, headers=c.auth("owner")
    )
    assert kicked.status_code == 204

    log = f"{API}/{server}/audit-log"
    page = (await client.get(log, headers=mod)).json()
    assert [e["action"] for e in page["entries"][:6]] == [
        "member_kick",
        "member_ban",
        "member_unban",
        "member_ban",
        "member_timeout_remove",
        "member_timeout",
    ]
    answer = await client.get(log, params={"action": "member_kick"}, headers=mod)
    [entry] = answer.json()["entries"]
    assert (entry["reason"], entry["actor"]["username"], entry["target_user"]["username"]) == (
        "bye",
        "owner",
        "peer",
    )
    answer = await client.get(log, params={"actor_id": owner, "limit": 1}, headers=mod)
    assert answer.json()["entries"][0]["action"] == "member_kick"
    before = answer.json()["next_before"]
    older = await client.get(log, params={"actor_id": owner, "before": before}, headers=mod)
    assert [e["action"] for e in older.json()["entries"]] == ["server_create"]
    answer = await client.get(log, params={"target_id": str(member), "limit": 100}, headers=mod)
    assert {e["action"] for e in answer.json()["entries"]} == {
        "member_ban",
        "member_unban",
        "member_timeout",
        "member_timeout_remove",
    }
    for params in ({"before": "x"}, {"action": "DROP TABLE"}, {"limit": 0}):
        assert (await client.get(log, params=params, headers=mod)).status_code == 422


async def test_automod_rules_and_flags(client: httpx.AsyncClient, cast: Cast) -> None:
    c, server = cast, cast.server
    mod, member = c.auth("mod"), c.auth("member")
    rules = f"{API}/{server}/automod/rules"
    answer = await client.post(
        rules, json={"kind": "word", "value": "spam", "action": "block"}, headers=member
    )
    assert error(answer, 403) == "missing_permission"
    for body, code in (
        ({"kind": "pattern", "value": r"(a+)+", "action": "flag"}, "unsafe_pattern"),
        ({"kind": "pattern", "value": r"(a", "action": "flag"}, "bad_pattern"),
        ({"kind": "regex", "value": "a", "action": "flag"}, "bad_kind"),
        ({"kind": "word", "value": "a", "action": "mute"}, "bad_action"),
    ):
        assert error(await client.post(rules, json=body, headers=mod), 422) == code
    block = await client.post(
        rules, json={"kind": "word", "value": "spam", "action": "block"}, headers=mod
    )
    assert block.status_code == 201, block.text
    flag = await client.post(
        rules, json={"kind": "pattern", "value": r"free\s*nitro", "action": "flag"}, headers=mod
    )
    assert flag.status_code == 201
    listed = (await client.get(rules, headers=mod)).json()
    assert [r["kind"] for r in listed] == ["word", "pattern"]
    assert error(await client.get(rules, headers=member), 403) == "missing_permission"

    with transaction() as s:
        channel = general(s, server).id
    sent = await client.post(
        f"/api/v1/chats/{channel}/messages", json={"body": "buy SPAM now"}, headers=member
    )
    assert error(sent, 403) == "automod_blocked"
    sent = await client.post(
        f"/api/v1/chats/{channel}/messages", json={"body": "free nitro!"}, headers=member
    )
    assert sent.status_code == 201, sent.text

    flags = f"{API}/{server}/automod/flags"
    assert error(await client.get(flags, headers=member), 403) == "missing_permission"
    page = (await client.get(flags, headers=mod)).json()
    [filed] = page["flags"]
    assert (filed["message"]["id"], filed["rule"]["id"], filed["channel_id"]) == (
        sent.json()["id"],
        flag.json()["id"],
        channel,
    )
    resolved = await client.post(f"{flags}/{filed['id']}/resolve", headers=mod)
    assert resolved.status_code == 200
    assert resolved.json()["resolved_at"] is not None
    assert (await client.get(flags, headers=mod)).json()["flags"] == []
    done = (await client.get(flags, params={"resolved": True}, headers=mod)).json()
    assert [f["id"] for f in done["flags"]] == [filed["id"]]
    assert error(await client.post(f"{flags}/99999/resolve", headers=mod), 404) == (
        "flag_not_found"
    )

    rule = f"{rules}/{flag.json()['id']}"
    assert error(await client.delete(rule, headers=member), 403) == "missing_permission"
    assert (await client.delete(rule, headers=mod)).status_code == 204
    assert error(await client.delete(rule, headers=mod), 404) == "rule_not_found"
    answer = (await client.get(flags, params={"resolved": True}, headers=mod)).json()
    assert answer["flags"][0]["rule"] is None  # the flag outlives its rule
    assert error(await client.get(f"{API}/nope/automod/flags", headers=mod), 404) == (
        "server_not_found"
    )
