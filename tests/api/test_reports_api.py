"""/api/v1/reports, /admin/reports and /trending: every endpoint and its bad inputs."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import trending
from socialhub.models import Comment, Post, PostHashtag, SiteRole, User
from socialhub.models.base import utcnow
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.conftest import reset_settings

Tokens = dict[str, str]


def user_id(tokens: Tokens) -> int:
    return int(tokens["user"]["id"])  # type: ignore[index]


def make_post(author: Tokens, *, visibility: str = "public", tags: tuple[str, ...] = ()) -> str:
    """Written straight to the database (post creation is another part's)."""
    with transaction() as s:
        post = Post(author_id=user_id(author), body="text", visibility=visibility)
        s.add(post)
        s.flush()
        for tag in tags:
            s.add(PostHashtag(tag=tag, post_id=post.id, author_id=post.author_id))
        return post.id


def make_comment(author: Tokens, post_id: str) -> str:
    with transaction() as s:
        comment = Comment(post_id=post_id, author_id=user_id(author), body="a comment")
        s.add(comment)
        s.flush()
        return comment.id


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens]:
    alice, bob, boss = await signup("alice"), await signup("bob"), await signup("boss")
    with transaction() as s:
        admin = s.get(User, user_id(boss))
        assert admin is not None
        admin.role = SiteRole.admin.value
        s.add(admin)
    return alice, bob, boss


async def file(client: httpx.AsyncClient, me: Tokens, **body: str) -> httpx.Response:
    return await client.post("/api/v1/reports", json=body, headers=bearer(me))


async def test_report_and_the_moderation_queue(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, boss = trio
    post_id = make_post(alice)
    comment_id = make_comment(alice, post_id)
    created = await file(
        client, bob, target_kind="post", target_id=post_id, reason="spam", details="bot"
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["target_kind"], body["target_id"], body["reason"], body["status"]) == (
        "post",
        post_id,
        "spam",
        "open",
    )
    assert (body["reporter"]["username"], body["target_user"]["username"]) == ("bob", "alice")
    assert (
        await file(client, bob, target_kind="comment", target_id=comment_id, reason="hate")
    ).status_code == 201
    by_name = await file(client, bob, target_kind="user", target_id="alice", reason="violence")
    assert (by_name.status_code, by_name.json()["target_id"]) == (201, str(user_id(alice)))

    queue = await client.get("/api/v1/admin/reports?limit=2", headers=bearer(boss))
    assert queue.status_code == 200
    page = queue.json()
    assert [r["target_kind"] for r in page["reports"]] == ["post", "comment"]
    rest = await client.get(
        f"/api/v1/admin/reports?after={page['next_cursor']}", headers=bearer(boss)
    )
    assert ([r["target_kind"] for r in rest.json()["reports"]], rest.json()["next_cursor"]) == (
        ["user"],
        None,
    )


async def test_bad_reports(client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]) -> None:
    alice, bob, _ = trio
    post_id = make_post(alice)
    hidden = make_post(alice, visibility="followers")
    assert (
        await file(client, bob, target_kind="post", target_id=post_id, reason="spam")
    ).status_code == 201
    cases: list[tuple[dict[str, str], int, str]] = [
        ({"target_kind": "post", "target_id": post_id, "reason": "boring"}, 422, "bad_reason"),
        ({"target_kind": "story", "target_id": post_id, "reason": "spam"}, 422, "bad_target"),
        (
            {"target_kind": "post", "target_id": post_id, "reason": "spam", "details": "x" * 1001},
            422,
            "too_long",
        ),
        ({"target_kind": "post", "target_id": post_id, "reason": "other"}, 422, "details_required"),
        ({"target_kind": "user", "target_id": "bob", "reason": "spam"}, 422, "self_report"),
        ({"target_kind": "post", "target_id": "0" * 32, "reason": "spam"}, 404, "post_not_found"),
        ({"target_kind": "post", "target_id": hidden, "reason": "spam"}, 404, "post_not_found"),
        (
            {"target_kind": "comment", "target_id": "0" * 32, "reason": "spam"},
            404,
            "comment_not_found",
        ),
        ({"target_kind": "user", "target_id": "ghost", "reason": "spam"}, 404, "user_not_found"),
        ({"target_kind": "post", "target_id": post_id, "reason": "hate"}, 409, "already_reported"),
        ({"target_kind": "post", "reason": "spam"}, 422, "missing_field"),
        (
            {"target_kind": "post", "target_id": "x" * 101, "reason": "spam"},
            422,
            "validation_error",
        ),
    ]
    for body, status, code in cases:
        response = await client.post("/api/v1/reports", json=body, headers=bearer(bob))
        assert (response.status_code, error_code(response)) == (status, code), body
    own = await file(client, alice, target_kind="post", target_id=post_id, reason="spam")
    assert (own.status_code, error_code(own)) == (422, "self_report")
    anonymous = await client.post(
        "/api/v1/reports", json={"target_kind": "post", "target_id": post_id, "reason": "spam"}
    )
    assert anonymous.status_code == 401


async def test_only_admins_list_reports(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, boss = trio
    for member in (alice, bob):
        response = await client.get("/api/v1/admin/reports", headers=bearer(member))
        assert (response.status_code, error_code(response)) == (403, "not_admin")
    for query, code in (("after=nope", "bad_cursor"), ("limit=0", "validation_error")):
        response = await client.get(f"/api/v1/admin/reports?{query}", headers=bearer(boss))
        assert (response.status_code, error_code(response)) == (422, code)
    assert (await client.get("/api/v1/admin/reports")).status_code == 401


async def test_trending(client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]) -> None:
    alice, bob, boss = trio
    empty = await client.get("/api/v1/trending", headers=bearer(bob))
    assert (empty.status_code, empty.json()) == (200, [])
    for author in (alice, bob, boss):
        make_post(author, tags=("rust",))
    make_post(alice, tags=("python",))
    with transaction() as s:
        trending.do_refresh_trending(s, now=utcnow() + timedelta(seconds=1))
    shown = (await client.get("/api/v1/trending", headers=bearer(bob))).json()
    assert [(t["tag"], t["rank"], t["authors"]) for t in shown] == [
        ("rust", 1, 3),
        ("python", 2, 1),
    ]
    one = await client.get("/api/v1/trending?limit=1", headers=bearer(bob))
    assert [t["tag"] for t in one.json()] == ["rust"]
    for limit in (0, trending.KEPT + 1):
        bad = await client.get(f"/api/v1/trending?limit={limit}", headers=bearer(bob))
        assert (bad.status_code, error_code(bad)) == (422, "validation_error")
    # Trending is public, as explore is: a visitor sees the same tags.
    assert (await client.get("/api/v1/trending")).json() == shown


async def test_too_many_reports_are_refused_with_retry_after(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens]
) -> None:
    alice, bob, _ = trio
    reset_settings(RATE_LIMIT_REPORT="1/hour")
    try:
        first, second = make_post(alice), make_post(alice)
        filed = await file(client, bob, target_kind="post", target_id=first, reason="spam")
        assert filed.status_code == 201, filed.text
        limited = await file(client, bob, target_kind="post", target_id=second, reason="spam")
        assert (limited.status_code, error_code(limited)) == (429, "rate_limited")
        assert 0 < int(limited.headers["retry-after"]) <= 3600
    finally:
        reset_settings(RATE_LIMIT_REPORT=None)
