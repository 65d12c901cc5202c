"""/api/v1 posts channels: posting with `channel_id`, the channel's feed, and what outsiders,
members without the channel and visitors get (404 everywhere, nothing in the social feeds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import permissions, servers
from socialhub.domain.permissions import Permission
from socialhub.models import ChannelType, PermissionOverwrite, Server
from tests.api.conftest import Signup, Tokens, bearer
from tests.api.test_auth_api import error_code
from tests.support.servers import everyone, general, make_server

API = "/api/v1"
MISSING = "0" * 32


@dataclass(frozen=True)
class Club:
    """Ada's server: Bob and Cyd are members, Dan is not. The posts channel #club is hidden
    from @everyone and shown to Bob; in the posts channel #news @everyone may only read; #general
    takes messages. Ada follows Bob."""

    ada: Tokens
    bob: Tokens
    cyd: Tokens
    dan: Tokens
    club: str
    news: str
    general: str


def user_id(tokens: Tokens) -> int:
    user: Any = tokens["user"]
    return int(user["id"])


@pytest.fixture
async def club(client: httpx.AsyncClient, signup: Signup) -> Club:
    ada, bob, cyd, dan = [await signup(name) for name in ("ada", "bob", "cyd", "dan")]
    server_id = make_server(user_id(ada), members=(user_id(bob), user_id(cyd)))
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        club = servers.do_create_channel(s, server, name="club", channel_type=ChannelType.posts)
        news = servers.do_create_channel(s, server, name="news", channel_type=ChannelType.posts)
        role = everyone(s, server_id).id
        for scope, target_type, target, allow, deny in (
            (club.id, "role", role, 0, Permission.VIEW_CHANNEL),
            (club.id, "member", str(user_id(bob)), Permission.VIEW_CHANNEL, 0),
            (news.id, "role", role, 0, Permission.SEND_MESSAGES),
        ):
            s.add(
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=scope,
                    target_type=target_type,
                    target_id=target,
                    allow=int(allow),
                    deny=int(deny),
                )
            )
        permissions.bump_version(s, server)
        ids = club.id, news.id, general(s, server_id).id
    followed = await client.post(f"{API}/users/bob/follow", headers=bearer(ada))
    assert followed.status_code == 200
    return Club(ada, bob, cyd, dan, *ids)


async def publish(
    client: httpx.AsyncClient, me: Tokens, channel_id: str, body: str = "hi club"
) -> httpx.Response:
    return await client.post(
        f"{API}/posts", data={"body": body, "channel_id": channel_id}, headers=bearer(me)
    )


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["posts"]]


async def test_members_post_like_comment_and_read_the_channel_feed(
    client: httpx.AsyncClient, club: Club
) -> None:
    created = await publish(client, club.bob, club.club, "#secret meeting at noon")
    assert created.status_code == 201, created.text
    post = created.json()
    assert post["channel_id"] == club.club
    post_id = post["id"]

    liked = await client.post(f"{API}/posts/{post_id}/like", headers=bearer(club.ada))
    assert liked.status_code == 200
    comment = await client.post(
        f"{API}/posts/{post_id}/comments", json={"body": "see you"}, headers=bearer(club.ada)
    )
    assert comment.status_code == 201
    feed = await client.get(f"{API}/channels/{club.club}/posts", headers=bearer(club.ada))
    assert ids(feed) == [post_id]
    shown = feed.json()["posts"][0]
    assert (shown["like_count"], shown["comment_count"], shown["liked_by_me"]) == (1, 1, True)
    older = await client.get(
        f"{API}/channels/{club.club}/posts", params={"before": post_id}, headers=bearer(club.bob)
    )
    assert ids(older) == []

    # Never in the social feeds, not even for those who may view the channel.
    for path in ("/feed/home", "/feed/explore", "/users/bob/posts", "/tags/secret/posts"):
        for reader in (club.ada, club.bob):
            assert ids(await client.get(f"{API}{path}", headers=bearer(reader))) == [], path
    shared = await client.post(f"{API}/posts/{post_id}/repost", headers=bearer(club.ada))
    assert (shared.status_code, error_code(shared)) == (403, "channel_post")

    # Outsiders, members without the channel and visitors: 404, as for a missing post.
    for headers in (bearer(club.cyd), bearer(club.dan), {}):
        for path in (f"/posts/{post_id}", f"/posts/{post_id}/comments"):
            answer = await client.get(f"{API}{path}", headers=headers)
            assert (answer.status_code, error_code(answer)) == (404, "post_not_found"), path
        if headers:
            for answer in (
                await client.get(f"{API}/posts/{post_id}/likes", headers=headers),
                await client.post(f"{API}/posts/{post_id}/like", headers=headers),
            ):
                assert (answer.status_code, error_code(answer)) == (404, "post_not_found")
            feed = await client.get(f"{API}/channels/{club.club}/posts", headers=headers)
            assert (feed.status_code, error_code(feed)) == (404, "channel_not_found")
    anonymous = await client.get(f"{API}/channels/{club.club}/posts")
    assert anonymous.status_code == 401
    preview = await client.get(f"/p/{post_id}")
    assert preview.status_code == 404
    assert "meeting" not in preview.text

    # The owner moderates: deletes Bob's post.
    deleted = await client.delete(f"{API}/posts/{post_id}", headers=bearer(club.ada))
    assert deleted.status_code == 204
    assert (
        ids(await client.get(f"{API}/channels/{club.club}/posts", headers=bearer(club.bob))) == []
    )


async def test_bad_channels_and_missing_permissions(client: httpx.AsyncClient, club: Club) -> None:
    cases = [
        (club.bob, MISSING, 404, "channel_not_found"),
        (club.cyd, club.club, 404, "channel_not_found"),
        (club.dan, club.club, 404, "channel_not_found"),
        (club.bob, club.general, 422, "not_a_posts_channel"),
        (club.bob, club.news, 403, "missing_permission"),
        (club.bob, "not-an-id", 404, "channel_not_found"),
    ]
    for author, channel_id, status, code in cases:
        answer = await publish(client, author, channel_id)
        assert (answer.status_code, error_code(answer)) == (status, code), (channel_id, code)
    for channel_id, status, code in (
        (MISSING, 404, "channel_not_found"),
        (club.general, 422, "not_a_posts_channel"),
    ):
        answer = await client.get(f"{API}/channels/{channel_id}/posts", headers=bearer(club.bob))
        assert (answer.status_code, error_code(answer)) == (status, code)
    # Read-only for @everyone, yet readable: the owner posts there and members read it.
    news = await publish(client, club.ada, club.news, "release notes")
    assert news.status_code == 201
    feed = await client.get(f"{API}/channels/{club.news}/posts", headers=bearer(club.cyd))
    assert ids(feed) == [news.json()["id"]]


async def test_slow_mode_and_automod_refuse_posts(client: httpx.AsyncClient, club: Club) -> None:
    server_id = (await client.get(f"{API}/channels/{club.club}", headers=bearer(club.ada))).json()[
        "server_id"
    ]
    slow = await client.patch(
        f"{API}/channels/{club.club}", json={"slow_mode_seconds": 30}, headers=bearer(club.ada)
    )
    assert slow.status_code == 200, slow.text
    rule = await client.post(
        f"{API}/servers/{server_id}/automod/rules",
        json={"kind": "word", "value": "spoiler", "action": "block"},
        headers=bearer(club.ada),
    )
    assert rule.status_code == 201, rule.text
    blocked = await publish(client, club.bob, club.club, "no spoiler please")
    assert (blocked.status_code, error_code(blocked)) == (403, "automod_blocked")
    assert (await publish(client, club.bob, club.club, "first")).status_code == 201
    again = await publish(client, club.bob, club.club, "second")
    assert (again.status_code, error_code(again)) == (429, "slow_mode")
    assert 0 < int(again.headers["Retry-After"]) <= 30
    feed = await client.get(f"{API}/channels/{club.club}/posts", headers=bearer(club.bob))
    assert [p["body"] for p in feed.json()["posts"]] == ["first"]


def test_the_schema_documents_channel_posts() -> None:
    from socialhub.api.app import create_api

    schema = create_api().openapi()
    feed = schema["paths"]["/api/v1/channels/{channel_id}/posts"]["get"]
    assert {"401", "404", "422"} <= set(feed["responses"])
    form = schema["paths"]["/api/v1/posts"]["post"]["requestBody"]["content"]
    body = form["multipart/form-data"]["schema"]
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert "channel_id" in body["properties"]
