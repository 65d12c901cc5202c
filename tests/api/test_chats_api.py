"""/api/v1 chats, messages, invites and blocks: every endpoint and its bad inputs."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.support.chat import Events

Tokens = dict[str, str]


async def dm(client: httpx.AsyncClient, me: Tokens, username: str) -> str:
    response = await client.post(
        "/api/v1/chats/dm", json={"username": username}, headers=bearer(me)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


async def send(
    client: httpx.AsyncClient, me: Tokens, chat: str, body: str, **extra: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/chats/{chat}/messages", json={"body": body, **extra}, headers=bearer(me)
    )


@pytest.fixture
async def pair(signup: Signup) -> tuple[Tokens, Tokens]:
    return await signup("alice"), await signup("bob")


async def test_dm_send_list_and_receipts(
    client: httpx.AsyncClient, pair: tuple[Tokens, Tokens]
) -> None:
    alice, bob = pair
    chat = await dm(client, alice, "bob")
    assert await dm(client, bob, "alice") == chat
    first = await send(client, alice, chat, "hi *bob*", client_id="c-1")
    assert first.status_code == 201
    assert first.json()["seq"] == 1
    retry = await send(client, alice, chat, "hi *bob*", client_id="c-1")
    assert retry.json()["id"] == first.json()["id"]
    await send(client, bob, chat, "hello", reply_to_id=first.json()["id"])

    listed = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(bob))).json()
    assert [m["body"] for m in listed] == ["hi *bob*", "hello"]
    assert listed[1]["reply_to"]["id"] == first.json()["id"]

    summary = (await client.get("/api/v1/chats", headers=bearer(alice))).json()
    assert [(c["id"], c["title"], c["unread_count"]) for c in summary] == [(chat, "bob", 1)]
    assert (
        await client.post(f"/api/v1/chats/{chat}/read", json={"seq": 2}, headers=bearer(alice))
    ).status_code == 204
    assert (await client.get(f"/api/v1/chats/{chat}", headers=bearer(alice))).json()[
        "unread_count"
    ] == 0
    members = (await client.get(f"/api/v1/chats/{chat}/members", headers=bearer(bob))).json()
    assert {m["user"]["username"]: m["read_seq"] for m in members} == {"alice": 2, "bob": 2}


@pytest.mark.parametrize(
    ("body", "extra", "status", "code"),
    [
        ("", {}, 422, "empty"),
        ("   ", {}, 422, "empty"),
        ("x" * 4097, {}, 422, "too_long"),
        ("ok", {"reply_to_id": "0" * 32}, 404, "reply_not_found"),
        ("ok", {"client_id": "x" * 65}, 422, "invalid_input"),
    ],
    ids=["empty", "blank", "too-long", "unknown-reply", "long-client-id"],
)
async def test_send_errors(
    client: httpx.AsyncClient,
    pair: tuple[Tokens, Tokens],
    body: str,
    extra: dict[str, str],
    status: int,
    code: str,
) -> None:
    alice, _ = pair
    chat = await dm(client, alice, "bob")
    response = await send(client, alice, chat, body, **extra)
    assert response.status_code == status
    assert error_code(response) == code
    assert (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(alice))).json() == []


async def test_strangers_and_unknown_chats_look_the_same(
    client: httpx.AsyncClient, pair: tuple[Tokens, Tokens], signup: Signup
) -> None:
    alice, _ = pair
    eve = await signup("eve")
    chat = await dm(client, alice, "bob")
    for target in (chat, "0" * 32):
        for method, path, body in (
            ("GET", f"/api/v1/chats/{target}", None),
            ("GET", f"/api/v1/chats/{target}/messages", None),
            ("POST", f"/api/v1/chats/{target}/messages", {"body": "hi"}),
            ("GET", f"/api/v1/chats/{target}/members", None),
        ):
            response = await client.request(method, path, json=body, headers=bearer(eve))
            assert response.status_code == 404, (method, path)
            assert error_code(response) == "chat_not_found"


async def test_duplicate_client_id_in_another_chat(
    client: httpx.AsyncClient, pair: tuple[Tokens, Tokens], signup: Signup
) -> None:
    alice, _ = pair
    await signup("carol")
    first = await dm(client, alice, "bob")
    second = await dm(client, alice, "carol")
    assert (await send(client, alice, first, "one", client_id="same")).status_code == 201
    reused = await send(client, alice, second, "two", client_id="same")
    assert reused.status_code == 422
    assert error_code(reused) == "client_id_reused"


async def test_history_cursors(client: httpx.AsyncClient, pair: tuple[Tokens, Tokens]) -> None:
    alice, _ = pair
    chat = await dm(client, alice, "bob")
    ids = [(await send(client, alice, chat, f"m{i}")).json()["id"] for i in range(1, 13)]
    url = f"/api/v1/chats/{chat}/messages"
    latest = (await client.get(url, params={"limit": 5}, headers=bearer(alice))).json()
    assert [m["seq"] for m in latest] == [8, 9, 10, 11, 12]
    older = (await client.get(url, params={"limit": 5, "before": 8}, headers=bearer(alice))).json()
    assert [m["seq"] for m in older] == [3, 4, 5, 6, 7]
    newer = (await client.get(url, params={"limit": 3, "after": 9}, headers=bearer(alice))).json()
    assert [m["seq"] for m in newer] == [10, 11, 12]
    around = (
        await client.get(url, params={"limit": 4, "around": ids[5]}, headers=bearer(alice))
    ).json()
    assert [m["seq"] for m in around] == [4, 5, 6, 7]
    for params, code in (
        ({"before": 5, "after": 2}, "cursor_conflict"),
        ({"before": 999}, "bad_cursor"),
        ({"after": -1}, "bad_cursor"),
        ({"around": "f" * 32}, "message_not_found"),
        ({"limit": 0}, "validation_error"),
    ):
        response = await client.get(url, params=params, headers=bearer(alice))
        assert response.status_code in (404, 422), params
        assert error_code(response) == code


async def test_edit_delete_react_forward(
    client: httpx.AsyncClient, pair: tuple[Tokens, Tokens], signup: Signup
) -> None:
    alice, bob = pair
    await signup("carol")
    chat = await dm(client, alice, "bob")
    other = await dm(client, alice, "carol")
    message = (await send(client, alice, chat, "first")).json()["id"]
    edited = await client.patch(
        f"/api/v1/messages/{message}", json={"body": "second"}, headers=bearer(alice)
    )
    assert edited.json()["body"] == "second"
    assert edited.json()["edited_at"] is not None
    history = (await client.get(f"/api/v1/messages/{message}/edits", headers=bearer(bob))).json()
    assert [h["body"] for h in history] == ["first"]
    not_mine = await client.patch(
        f"/api/v1/messages/{message}", json={"body": "x"}, headers=bearer(bob)
    )
    assert (not_mine.status_code, error_code(not_mine)) == (403, "not_author")

    assert (
        await client.put(f"/api/v1/messages/{message}/reactions/👍", headers=bearer(bob))
    ).status_code == 204
    assert (
        await client.put(f"/api/v1/messages/{message}/reactions/👍", headers=bearer(bob))
    ).status_code == 204
    bad = await client.put(f"/api/v1/messages/{message}/reactions/abc", headers=bearer(bob))
    assert (bad.status_code, error_code(bad)) == (422, "invalid_emoji")
    page = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(alice))).json()
    # A Unicode emoji has no custom emoji's name or image.
    assert page[0]["reactions"] == [
        {
            "emoji": "👍",
            "count": 1,
            "user_ids": [page[0]["author"]["id"] + 1],
            "name": "",
            "image_url": "",
            "still_url": "",
        }
    ]

    forwarded = await client.post(
        f"/api/v1/messages/{message}/forward",
        json={"conversation_ids": [other]},
        headers=bearer(alice),
    )
    assert forwarded.status_code == 200
    assert forwarded.json()[0]["forwarded"] is True
    foreign = await client.post(
        f"/api/v1/messages/{message}/forward",
        json={"conversation_ids": [other]},
        headers=bearer(bob),
    )
    assert (foreign.status_code, error_code(foreign)) == (404, "chat_not_found")

    not_theirs = await client.delete(
        f"/api/v1/messages/{message}", params={"for_everyone": True}, headers=bearer(bob)
    )
    assert (not_theirs.status_code, error_code(not_theirs)) == (403, "not_author")
    hidden = await client.delete(f"/api/v1/messages/{message}", headers=bearer(bob))
    assert hidden.status_code == 204
    assert (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(bob))).json() == []
    gone = await client.delete(
        f"/api/v1/messages/{message}", params={"for_everyone": True}, headers=bearer(alice)
    )
    assert gone.status_code == 204
    tombstone = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(alice))).json()
    assert [(m["deleted"], m["body"], m["reactions"]) for m in tombstone] == [(True, "", [])]


async def test_groups_members_roles_and_invites(client: httpx.AsyncClient, signup: Signup) -> None:
    admin = await signup("admin")
    member = await signup("member")
    joiner = await signup("joiner")
    late = await signup("late")
    created = await client.post(
        "/api/v1/chats",
        json={"title": "Team", "usernames": ["member"], "description": "our group"},
        headers=bearer(admin),
    )
    assert created.status_code == 201
    group = created.json()["id"]
    assert created.json()["my_role"] == "admin"

    denied = await client.post(
        f"/api/v1/chats/{group}/members", json={"usernames": ["joiner"]}, headers=bearer(member)
    )
    assert (denied.status_code, error_code(denied)) == (403, "not_admin")
    restricted = await client.patch(
        f"/api/v1/chats/{group}", json={"send_policy": "admins"}, headers=bearer(admin)
    )
    assert restricted.json()["send_policy"] == "admins"
    muted = await send(client, member, group, "can I talk?")
    assert (muted.status_code, error_code(muted)) == (403, "admins_only")

    invite = await client.post(
        f"/api/v1/chats/{group}/invites", json={"max_uses": 1}, headers=bearer(admin)
    )
    code = invite.json()["code"]
    joined = await client.post(f"/api/v1/invites/{code}/join", headers=bearer(joiner))
    assert joined.status_code == 200
    used_up = await client.post(f"/api/v1/invites/{code}/join", headers=bearer(late))
    assert (used_up.status_code, error_code(used_up)) == (403, "invite_used_up")
    unknown = await client.post("/api/v1/invites/nope/join", headers=bearer(late))
    assert (unknown.status_code, error_code(unknown)) == (404, "invite_not_found")

    promoted = await client.put(
        f"/api/v1/chats/{group}/members/member/role", json={"role": "admin"}, headers=bearer(admin)
    )
    assert promoted.status_code == 204
    removed = await client.delete(f"/api/v1/chats/{group}/members/joiner", headers=bearer(member))
    assert removed.status_code == 204
    assert (
        await client.post(f"/api/v1/chats/{group}/leave", headers=bearer(admin))
    ).status_code == 204
    members = (await client.get(f"/api/v1/chats/{group}/members", headers=bearer(member))).json()
    assert [(m["user"]["username"], m["role"]) for m in members] == [("member", "admin")]
    history = (await client.get(f"/api/v1/chats/{group}/messages", headers=bearer(member))).json()
    assert [m["body"] for m in history if m["kind"] == "system"] == [
        "admin created the group",
        "joiner joined via an invite link",
        "member removed joiner",
        "admin left",
    ]


async def test_blocking_stops_dms(client: httpx.AsyncClient, pair: tuple[Tokens, Tokens]) -> None:
    alice, bob = pair
    chat = await dm(client, alice, "bob")
    assert (await client.put("/api/v1/blocks/bob", headers=bearer(alice))).status_code == 204
    listed = (await client.get("/api/v1/blocks", headers=bearer(alice))).json()
    assert [u["username"] for u in listed] == ["bob"]
    blocked = await send(client, bob, chat, "hey")
    assert (blocked.status_code, error_code(blocked)) == (403, "blocked")
    self_block = await client.put("/api/v1/blocks/alice", headers=bearer(alice))
    assert (self_block.status_code, error_code(self_block)) == (422, "block_self")
    assert (await client.delete("/api/v1/blocks/bob", headers=bearer(alice))).status_code == 204
    assert (await send(client, bob, chat, "hey")).status_code == 201


async def test_chat_flags(client: httpx.AsyncClient, pair: tuple[Tokens, Tokens]) -> None:
    alice, _ = pair
    chat = await dm(client, alice, "bob")
    flagged = await client.patch(
        f"/api/v1/chats/{chat}/settings",
        json={"muted": True, "pinned": True, "archived": False},
        headers=bearer(alice),
    )
    assert (flagged.json()["muted"], flagged.json()["pinned"]) == (True, True)


async def test_expired_and_revoked_invites(client: httpx.AsyncClient, signup: Signup) -> None:
    from datetime import timedelta

    from socialhub.db import transaction
    from socialhub.models import InviteLink
    from socialhub.models.base import utcnow

    admin = await signup("admin")
    guest = await signup("guest")
    group = (await client.post("/api/v1/chats", json={"title": "G"}, headers=bearer(admin))).json()[
        "id"
    ]
    bad_expiry = await client.post(
        f"/api/v1/chats/{group}/invites", json={"expires_in_seconds": 5}, headers=bearer(admin)
    )
    assert error_code(bad_expiry) == "invalid_input"
    code = (
        await client.post(
            f"/api/v1/chats/{group}/invites",
            json={"expires_in_seconds": 3600},
            headers=bearer(admin),
        )
    ).json()["code"]
    with transaction() as s:
        invite = s.get(InviteLink, code)
        assert invite is not None
        invite.expires_at = utcnow() - timedelta(seconds=1)
        s.add(invite)
    expired = await client.post(f"/api/v1/invites/{code}/join", headers=bearer(guest))
    assert (expired.status_code, error_code(expired)) == (403, "invite_expired")

    fresh = (
        await client.post(f"/api/v1/chats/{group}/invites", json={}, headers=bearer(admin))
    ).json()["code"]
    listed = (await client.get(f"/api/v1/chats/{group}/invites", headers=bearer(admin))).json()
    assert fresh in [i["code"] for i in listed]
    assert (
        await client.delete(f"/api/v1/invites/{fresh}", headers=bearer(admin))
    ).status_code == 204
    revoked = await client.post(f"/api/v1/invites/{fresh}/join", headers=bearer(guest))
    assert (revoked.status_code, error_code(revoked)) == (404, "invite_not_found")


async def test_group_picture_upload(client: httpx.AsyncClient, signup: Signup) -> None:
    from tests.support import images

    admin = await signup("admin")
    member = await signup("member")
    group = (
        await client.post(
            "/api/v1/chats", json={"title": "Pics", "usernames": ["member"]}, headers=bearer(admin)
        )
    ).json()["id"]
    denied = await client.put(
        f"/api/v1/chats/{group}/picture",
        files={"file": ("g.png", images.png(), "image/png")},
        headers=bearer(member),
    )
    assert (denied.status_code, error_code(denied)) == (403, "not_admin")
    too_big = await client.put(
        f"/api/v1/chats/{group}/picture",
        files={"file": ("g.png", images.png() + b"\0" * (10 * 1024 * 1024), "image/png")},
        headers=bearer(admin),
    )
    assert (too_big.status_code, error_code(too_big)) == (413, "too_large")
    done = await client.put(
        f"/api/v1/chats/{group}/picture",
        files={"file": ("g.jpg", images.photo_with_exif(), "image/jpeg")},
        headers=bearer(admin),
    )
    assert done.status_code == 200
    picture = await client.get(done.json()["avatar_url"])
    assert picture.headers["content-type"] == "image/webp"


async def test_revoke_all_invites(client: httpx.AsyncClient, signup: Signup) -> None:
    admin = await signup("admin")
    member = await signup("member")
    guest = await signup("guest")
    group = (
        await client.post(
            "/api/v1/chats", json={"title": "G", "usernames": ["member"]}, headers=bearer(admin)
        )
    ).json()["id"]
    codes = [
        (
            await client.post(f"/api/v1/chats/{group}/invites", json=body, headers=bearer(admin))
        ).json()["code"]
        for body in ({}, {"max_uses": 2})
    ]
    denied = await client.delete(f"/api/v1/chats/{group}/invites", headers=bearer(member))
    assert (denied.status_code, error_code(denied)) == (403, "not_admin")
    hidden = await client.delete(f"/api/v1/chats/{group}/invites", headers=bearer(guest))
    assert (hidden.status_code, error_code(hidden)) == (404, "chat_not_found")
    direct = await dm(client, admin, "member")
    not_group = await client.delete(f"/api/v1/chats/{direct}/invites", headers=bearer(admin))
    assert (not_group.status_code, error_code(not_group)) == (403, "not_a_group")

    revoked = await client.delete(f"/api/v1/chats/{group}/invites", headers=bearer(admin))
    assert (revoked.status_code, revoked.json()) == (200, {"revoked": 2})
    assert (await client.get(f"/api/v1/chats/{group}/invites", headers=bearer(admin))).json() == []
    for code in codes:
        refused = await client.post(f"/api/v1/invites/{code}/join", headers=bearer(guest))
        assert (refused.status_code, error_code(refused)) == (404, "invite_not_found")
    again = await client.delete(f"/api/v1/chats/{group}/invites", headers=bearer(admin))
    assert again.json() == {"revoked": 0}

    operation = (await client.get("/api/openapi.json")).json()["paths"][
        "/api/v1/chats/{chat_id}/invites"
    ]["delete"]
    assert {"200", "403", "404"} <= set(operation["responses"])


async def test_removed_member_needs_a_link_made_after_the_removal(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    admin = await signup("admin")
    bob = await signup("bob")
    carol = await signup("carol")
    group = (
        await client.post(
            "/api/v1/chats",
            json={"title": "G", "usernames": ["bob", "carol"]},
            headers=bearer(admin),
        )
    ).json()["id"]
    old = (
        await client.post(f"/api/v1/chats/{group}/invites", json={}, headers=bearer(admin))
    ).json()["code"]
    await client.delete(f"/api/v1/chats/{group}/members/bob", headers=bearer(admin))
    await client.post(f"/api/v1/chats/{group}/leave", headers=bearer(carol))
    refused = await client.post(f"/api/v1/invites/{old}/join", headers=bearer(bob))
    assert (refused.status_code, error_code(refused)) == (403, "removed_from_group")
    # Who left by themselves comes back with the same link.
    assert (
        await client.post(f"/api/v1/invites/{old}/join", headers=bearer(carol))
    ).status_code == 200
    fresh = (
        await client.post(f"/api/v1/chats/{group}/invites", json={}, headers=bearer(admin))
    ).json()["code"]
    back = await client.post(f"/api/v1/invites/{fresh}/join", headers=bearer(bob))
    assert (back.status_code, back.json()["id"]) == (200, group)


SECRET = "said after bob was removed"


@pytest.fixture
async def removed(client: httpx.AsyncClient, signup: Signup) -> dict[str, str]:
    """bob was in a group, then removed; afterwards the group talked, edited and reacted.

    Returns bob's access token and the ids the read paths are tried with.
    """
    admin = await signup("admin")
    bob = await signup("bob")
    carol = await signup("carol")
    group = (
        await client.post(
            "/api/v1/chats",
            json={"title": "G", "usernames": ["bob", "carol"]},
            headers=bearer(admin),
        )
    ).json()["id"]
    before = (await send(client, admin, group, "said while bob was here")).json()["id"]
    await client.post(f"/api/v1/chats/{group}/invites", json={}, headers=bearer(admin))
    removal = await client.delete(f"/api/v1/chats/{group}/members/bob", headers=bearer(admin))
    assert removal.status_code == 204
    after = (await send(client, admin, group, "draft")).json()["id"]
    assert (
        await client.patch(
            f"/api/v1/messages/{after}", json={"body": SECRET}, headers=bearer(admin)
        )
    ).status_code == 200
    assert (
        await client.put(f"/api/v1/messages/{after}/reactions/👍", headers=bearer(admin))
    ).status_code == 204
    reply = await send(client, admin, group, f"re: {SECRET}", reply_to_id=after)
    assert reply.status_code == 201
    direct = await dm(client, bob, "admin")
    # The members still in the group do see it: what bob gets below is a real refusal.
    seen = await client.get(f"/api/v1/chats/{group}/messages", headers=bearer(carol))
    assert SECRET in seen.text
    return {
        "token": bob["access_token"],
        "group": group,
        "before": before,
        "after": after,
        "reply": reply.json()["id"],
        "dm": direct,
        "last": str(reply.json()["seq"]),
    }


def _fill(value: object, ids: dict[str, str]) -> object:
    """The request body with the fixture's ids put into its `{placeholders}`."""
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("GET", "/chats/{group}/messages?around={after}", None, "message_not_found"),
        ("GET", "/chats/{group}/members", None, "chat_not_found"),
        ("GET", "/chats/{group}/invites", None, "chat_not_found"),
        ("GET", "/messages/{after}/edits", None, "message_not_found"),
        ("PUT", "/messages/{after}/reactions/👍", None, "message_not_found"),
        ("DELETE", "/messages/{after}/reactions/👍", None, "message_not_found"),
        ("PATCH", "/messages/{after}", {"body": "x"}, "message_not_found"),
        ("DELETE", "/messages/{after}", None, "message_not_found"),
        ("POST", "/messages/{after}/forward", {"conversation_ids": ["{dm}"]}, "message_not_found"),
        ("POST", "/messages/{reply}/forward", {"conversation_ids": ["{dm}"]}, "message_not_found"),
        (
            "POST",
            "/chats/{dm}/messages",
            {"body": "hm", "reply_to_id": "{after}"},
            "reply_not_found",
        ),
    ],
    ids=[
        "history-around-new",
        "members",
        "invites",
        "edits",
        "react",
        "unreact",
        "edit",
        "delete",
        "forward",
        "forward-reply",
        "reply-preview",
    ],
)
async def test_a_removed_member_reads_nothing_said_after_the_removal(
    client: httpx.AsyncClient,
    removed: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
    code: str,
) -> None:
    headers = {"Authorization": f"Bearer {removed['token']}"}
    response = await client.request(
        method, "/api/v1" + path.format(**removed), json=_fill(body, removed), headers=headers
    )
    assert (response.status_code, error_code(response)) == (404, code)
    assert SECRET not in response.text
    # Nothing was copied into a chat bob can still read, and the group list does not show it.
    dm_history = await client.get(f"/api/v1/chats/{removed['dm']}/messages", headers=headers)
    assert dm_history.json() == []
    listed = (await client.get("/api/v1/chats", headers=headers)).json()
    assert {c["id"] for c in listed} == {removed["dm"], removed["group"]}
    assert SECRET not in dm_history.text + str(listed)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/chats", None, 200),
        ("GET", "/chats/{group}", None, 200),
        ("GET", "/chats/{group}/messages", None, 200),
        # A position past the removal is no position for them.
        ("GET", "/chats/{group}/messages?before={last}", None, 422),
        ("GET", "/chats/{group}/messages?after=0", None, 200),
        ("GET", "/chats/{group}/messages?around={before}", None, 200),
        ("POST", "/chats/{group}/read", {"seq": 99}, 204),
        ("POST", "/chats/{group}/delivered", {"seq": 99}, 204),
    ],
    ids=[
        "list",
        "chat",
        "history",
        "history-before",
        "history-after",
        "around-old",
        "read",
        "delivered",
    ],
)
async def test_a_removed_member_keeps_the_history_up_to_the_removal(
    client: httpx.AsyncClient,
    removed: dict[str, str],
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
) -> None:
    headers = {"Authorization": f"Bearer {removed['token']}"}
    response = await client.request(
        method, "/api/v1" + path.format(**removed), json=body, headers=headers
    )
    assert response.status_code == status
    assert SECRET not in response.text
    assert "draft" not in response.text


async def test_a_removed_member_reads_the_group_read_only_up_to_the_removal(
    client: httpx.AsyncClient, removed: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {removed['token']}"}
    group = removed["group"]
    history = (await client.get(f"/api/v1/chats/{group}/messages", headers=headers)).json()
    assert [m["body"] for m in history][-2:] == ["said while bob was here", "admin removed bob"]
    chat = (await client.get(f"/api/v1/chats/{group}", headers=headers)).json()
    assert (chat["removed"], chat["removed_by"]) == (True, "admin")
    assert chat["last_message"]["body"] == "admin removed bob"
    assert chat["last_seq"] == history[-1]["seq"]
    assert chat["unread_count"] == chat["last_seq"] - chat["read_seq"] > 0
    # Reading the removal notice clears the badge; the members hear no receipt of it.
    marked = await client.post(f"/api/v1/chats/{group}/read", json={"seq": 99}, headers=headers)
    assert marked.status_code == 204
    chat = (await client.get(f"/api/v1/chats/{group}", headers=headers)).json()
    assert (chat["read_seq"], chat["unread_count"]) == (history[-1]["seq"], 0)
    # Sending is refused with the reason.
    sent = await client.post(
        f"/api/v1/chats/{group}/messages", json={"body": "still here?"}, headers=headers
    )
    assert (sent.status_code, error_code(sent)) == (403, "removed_from_group")
    # Nor is bob a member who could leave or change the group.
    again = await client.post(f"/api/v1/chats/{group}/leave", headers=headers)
    assert (again.status_code, error_code(again)) == (404, "chat_not_found")


async def test_typing_reaches_the_members_of_the_chat(
    client: httpx.AsyncClient, pair: tuple[Tokens, Tokens], signup: Signup, events: Events
) -> None:
    alice, bob = pair
    carol = await signup("carol")
    chat = await dm(client, alice, "bob")
    events.clear()
    response = await client.post(f"/api/v1/chats/{chat}/typing", headers=bearer(alice))
    assert (response.status_code, response.content) == (204, b"")
    # Pushed to the chat: its members' clients get it (the typist's own ones ignore it).
    typed = [(k, e) for k, e in events if e["type"] == "typing"]
    assert {k for k, _ in typed} == {f"user:{u['user']['id']}" for u in (alice, bob)}  # type: ignore[index]
    signal = typed[0][1]
    assert signal["op"] == "start"
    assert signal["data"] == {
        "conversation_id": chat,
        "user_id": alice["user"]["id"],  # type: ignore[index]
        "name": "alice",
    }
    stranger = await client.post(f"/api/v1/chats/{chat}/typing", headers=bearer(carol))
    assert (stranger.status_code, error_code(stranger)) == (404, "chat_not_found")
    missing = await client.post("/api/v1/chats/nope/typing", headers=bearer(alice))
    assert (missing.status_code, error_code(missing)) == (404, "chat_not_found")
    assert (await client.post(f"/api/v1/chats/{chat}/typing")).status_code == 401
    assert len([e for _, e in events if e["type"] == "typing"]) == 2
