"""DELETE /api/v1/chats/{chat_id}/messages/{message_id}/preview and /api/v1/posts/{id}/preview:
only the sender removes the card, for everyone."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from backend_jobs import link_previews as preview_jobs
from socialhub.db import read_session
from socialhub.models.link_previews import MessageLinkPreview, PostLinkPreview
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_chats_api import dm, send
from tests.api.test_posts_api import publish
from tests.support.chat import Events
from tests.support.website import Page, website


async def test_only_the_sender_removes_the_preview_for_everyone(
    client: httpx.AsyncClient, signup: Signup, lower_limits: Callable[..., None]
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    chat = await dm(client, alice, "bob")
    with website() as site:
        site.pages["/a"] = Page(b"<title>A page</title>")
        sent = await send(client, alice, chat, f"read {site.url('/a')}")
        message = sent.json()["id"]
        assert sent.json()["preview"] is None  # not fetched yet
        with read_session() as s:
            link = s.get(MessageLinkPreview, message)
            assert link is not None
        assert preview_jobs.run_fetch(link.preview_id) == "ready"

    listed = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(bob))).json()
    assert listed[0]["preview"]["title"] == "A page"
    path = f"/api/v1/chats/{chat}/messages/{message}/preview"

    refused = await client.delete(path, headers=bearer(bob))
    assert (refused.status_code, error_code(refused)) == (403, "not_author")
    outsider = await client.delete(path, headers=bearer(carol))
    assert (outsider.status_code, error_code(outsider)) == (404, "message_not_found")
    other_chat = await dm(client, alice, "carol")
    wrong = await client.delete(
        f"/api/v1/chats/{other_chat}/messages/{message}/preview", headers=bearer(alice)
    )
    assert (wrong.status_code, error_code(wrong)) == (404, "message_not_found")
    assert (await client.delete(path)).status_code == 401

    assert (await client.delete(path, headers=bearer(alice))).status_code == 204
    listed = (await client.get(f"/api/v1/chats/{chat}/messages", headers=bearer(bob))).json()
    assert listed[0]["preview"] is None
    again = await client.delete(path, headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (404, "preview_not_found")


async def test_a_posts_card_is_read_again_live_and_only_its_author_removes_it(
    client: httpx.AsyncClient,
    signup: Signup,
    events: Events,
    lower_limits: Callable[..., None],
) -> None:
    lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
    alice, bob = await signup("alice"), await signup("bob")
    with website() as site:
        site.pages["/p"] = Page(b'<meta property="og:title" content="Posted page">')
        post = await publish(client, alice, f"new post {site.url('/p')}")
        assert post["preview"] is None
        with read_session() as s:
            link = s.get(PostLinkPreview, post["id"])
            assert link is not None
        events.clear()
        assert preview_jobs.run_fetch(link.preview_id) == "ready"
    [edit] = [e for _, e in events if (e["type"], e["op"]) == ("post", "edit")]
    assert edit["data"] == {"post_id": post["id"], "post": None}  # watchers read it again
    shown = (await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(bob))).json()
    assert shown["preview"]["title"] == "Posted page"

    path = f"/api/v1/posts/{post['id']}/preview"
    refused = await client.delete(path, headers=bearer(bob))
    assert (refused.status_code, error_code(refused)) == (403, "not_author")
    assert (await client.delete(path, headers=bearer(alice))).status_code == 204
    shown = (await client.get(f"/api/v1/posts/{post['id']}", headers=bearer(bob))).json()
    assert shown["preview"] is None
    again = await client.delete(path, headers=bearer(alice))
    assert (again.status_code, error_code(again)) == (404, "preview_not_found")
