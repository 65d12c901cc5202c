"""Every rate-limited write over the API: past its RATE_LIMIT_<NAME>, a 429 with Retry-After and
the code `rate_limited`, and nothing of the refused request written."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.api.conftest import Signup, Tokens, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_chats_api import dm, send
from tests.api.test_polls_api import options, poll_post
from tests.support import images
from tests.support.chat import Events

Lower = Callable[..., None]


def assert_limited(response: httpx.Response, window_seconds: int = 60) -> None:
    assert (response.status_code, error_code(response)) == (429, "rate_limited"), response.text
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= window_seconds
    assert response.json()["error"]["details"] == {"retry_after": retry_after}


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    return await signup("alice"), await signup("bob"), await signup("carol")


async def group(client: httpx.AsyncClient, me: Tokens, *usernames: str) -> str:
    response = await client.post(
        "/api/v1/chats", json={"title": "Team", "usernames": list(usernames)}, headers=bearer(me)
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def bodies(client: httpx.AsyncClient, me: Tokens, chat: str) -> list[str]:
    response = await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(me))
    assert response.status_code == 200, response.text
    return [m["body"] for m in response.json()]


async def reactions(client: httpx.AsyncClient, me: Tokens, chat: str) -> list[list[str]]:
    listed = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(me))).json()
    return [[r["emoji"] for r in m["reactions"]] for m in listed]


async def test_messages(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    chat = await dm(client, alice, "bob")
    lower_limits(RATE_LIMIT_MESSAGE="2/minute")
    assert (await send(client, alice, chat, "one", client_id="c-1")).status_code == 201
    assert (await send(client, alice, chat, "two", client_id="c-2")).status_code == 201
    assert_limited(await send(client, alice, chat, "three", client_id="c-3"))
    # A resend of a stored message is answered; it is not a new message.
    assert (await send(client, alice, chat, "two", client_id="c-2")).status_code == 201
    assert await bodies(client, alice, chat) == ["one", "two"]


async def test_reactions(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, bob, _ = trio
    chat = await dm(client, alice, "bob")
    message = (await send(client, alice, chat, "hi")).json()["id"]
    url = f"/api/v1/messages/{message}/reactions"
    lower_limits(RATE_LIMIT_REACTION="1/minute")
    assert (await client.put(f"{url}/👍", headers=bearer(bob))).status_code == 204
    assert_limited(await client.put(f"{url}/🎉", headers=bearer(bob)))
    assert_limited(await client.delete(f"{url}/👍", headers=bearer(bob)))
    assert await reactions(client, alice, chat) == [["👍"]]


async def test_typing(
    client: httpx.AsyncClient,
    trio: tuple[Tokens, Tokens, Tokens],
    lower_limits: Lower,
    events: Events,
) -> None:
    alice, _, _ = trio
    chat = await dm(client, alice, "bob")
    lower_limits(RATE_LIMIT_TYPING="1/minute")
    assert (
        await client.post(f"/api/v1/chats/{chat}/typing", headers=bearer(alice))
    ).status_code == 204
    assert_limited(await client.post(f"/api/v1/chats/{chat}/typing", headers=bearer(alice)))
    assert len([e for _, e in events if e["type"] == "typing"]) == 2  # one signal, both members


async def test_forwards_count_each_chat_reached(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    to_bob, to_carol = await dm(client, alice, "bob"), await dm(client, alice, "carol")
    team = await group(client, alice, "bob")
    message = (await send(client, alice, to_bob, "pass it on")).json()["id"]
    url = f"/api/v1/messages/{message}/forward"
    lower_limits(RATE_LIMIT_FORWARD="2/minute")
    sent = await client.post(url, json={"conversation_ids": [to_carol]}, headers=bearer(alice))
    assert sent.status_code == 200, sent.text
    # Two more chats would make three: the whole forward is refused, neither chat gets it.
    assert_limited(
        await client.post(url, json={"conversation_ids": [to_bob, team]}, headers=bearer(alice))
    )
    assert await bodies(client, alice, to_bob) == ["pass it on"]
    assert "pass it on" not in await bodies(client, alice, team)


async def test_group_creation(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, bob, _ = trio
    lower_limits(RATE_LIMIT_GROUP="1/hour")
    await group(client, alice, "bob")
    assert_limited(
        await client.post(
            "/api/v1/chats", json={"title": "Second", "usernames": ["bob"]}, headers=bearer(alice)
        ),
        3600,
    )
    listed = (await client.get("/api/v1/chats", headers=bearer(bob))).json()
    assert [c["title"] for c in listed] == ["Team"]


async def test_member_adds(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    team = await group(client, alice)
    url = f"/api/v1/chats/{team}/members"
    lower_limits(RATE_LIMIT_MEMBER_ADD="1/hour")
    added = await client.post(url, json={"usernames": ["bob"]}, headers=bearer(alice))
    assert added.status_code == 200, added.text
    assert_limited(
        await client.post(url, json={"usernames": ["carol"]}, headers=bearer(alice)), 3600
    )
    members = (await client.get(url, headers=bearer(alice))).json()
    assert sorted(m["user"]["username"] for m in members) == ["alice", "bob"]
    assert "carol added" not in " ".join(await bodies(client, alice, team))


async def test_follows(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    lower_limits(RATE_LIMIT_FOLLOW="1/hour")
    assert (await client.post("/api/v1/users/bob/follow", headers=bearer(alice))).status_code == 200
    assert_limited(await client.post("/api/v1/users/carol/follow", headers=bearer(alice)), 3600)
    relation = (await client.get("/api/v1/users/carol/relation", headers=bearer(alice))).json()
    assert relation["is_following"] is False


async def test_friend_requests(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    lower_limits(RATE_LIMIT_FRIEND_REQUEST="1/hour")
    url = "/api/v1/users/{}/friend-request"
    assert (await client.post(url.format("bob"), headers=bearer(alice))).status_code == 200
    assert_limited(await client.post(url.format("carol"), headers=bearer(alice)), 3600)
    relation = (await client.get("/api/v1/users/carol/relation", headers=bearer(alice))).json()
    assert relation["friend_status"] == "none"


async def test_avatar_uploads(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Lower
) -> None:
    alice = await signup("alice")
    lower_limits(RATE_LIMIT_AVATAR="1/hour")

    async def upload() -> httpx.Response:
        return await client.put(
            "/api/v1/users/me/avatar",
            headers=bearer(alice),
            files={"file": ("me.png", images.png((80, 80)), "image/png")},
        )

    first = await upload()
    assert first.status_code == 200, first.text
    assert_limited(await upload(), 3600)
    me = (await client.get("/api/v1/users/me", headers=bearer(alice))).json()
    assert me["avatar_url"] == first.json()["avatar_url"]


async def test_group_picture_uploads(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, _, _ = trio
    team = await group(client, alice, "bob")
    lower_limits(RATE_LIMIT_GROUP_PICTURE="1/hour")

    async def upload() -> httpx.Response:
        return await client.put(
            f"/api/v1/chats/{team}/picture",
            headers=bearer(alice),
            files={"file": ("g.png", images.png((80, 80)), "image/png")},
        )

    first = await upload()
    assert first.status_code == 200, first.text
    assert_limited(await upload(), 3600)
    chat = (await client.get(f"/api/v1/chats/{team}", headers=bearer(alice))).json()
    assert chat["avatar_url"] == first.json()["avatar_url"]


async def test_poll_votes(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens], lower_limits: Lower
) -> None:
    alice, bob, _ = trio
    post_id = poll_post(alice)
    red, green, _ = await options(client, bob, post_id)
    url = f"/api/v1/posts/{post_id}/vote"
    lower_limits(RATE_LIMIT_POLL_VOTE="1/minute")
    voted = await client.post(url, json={"option_ids": [red]}, headers=bearer(bob))
    assert voted.status_code == 200, voted.text
    assert_limited(await client.post(url, json={"option_ids": [green]}, headers=bearer(bob)))
    assert_limited(await client.delete(url, headers=bearer(bob)))
    poll = (await client.get(f"/api/v1/posts/{post_id}/poll", headers=bearer(bob))).json()
    assert [o["id"] for o in poll["options"] if o["chosen"]] == [red]
