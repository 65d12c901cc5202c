"""/api/v1 threads: create, list, get, rename, archive, unarchive, and their messages through the
messenger's own endpoints; every bad input with its code (unknown or invisible channel or
message, missing permission, bad name, bad archive delay)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import permissions
from socialhub.domain.permissions import Permission
from socialhub.models import Conversation, Server
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_channels_api import NOBODY, Tokens, user_id
from tests.support.servers import everyone, general, make_server

API = "/api/v1"
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def crew(signup: Signup) -> tuple[Tokens, Tokens, Tokens, Tokens, str, str]:
    """Alice owns a server Bob and Dan are in, with #general; Carol is a stranger."""
    alice, bob, carol, dan = [await signup(n) for n in ("alice", "bob", "carol", "dan")]
    server_id = make_server(user_id("alice"), members=(user_id("bob"), user_id("dan")))
    with transaction() as s:
        chat = general(s, server_id).id
    return alice, bob, carol, dan, server_id, chat


def _deny_everyone(server_id: str, bits: int) -> None:
    with transaction() as s:
        role = everyone(s, server_id)
        role.permissions = role.permissions & ~bits
        s.add(role)
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)


@SQLITE
async def test_threads_endpoints(
    client: httpx.AsyncClient, crew: tuple[Tokens, Tokens, Tokens, Tokens, str, str]
) -> None:
    alice, bob, carol, dan, server_id, chat = crew
    said = await client.post(
        f"{API}/chats/{chat}/messages", json={"body": "who is coming?"}, headers=bearer(alice)
    )
    assert said.status_code == 201, said.text
    message_id = said.json()["id"]

    made = await client.post(
        f"{API}/channels/{chat}/threads", json={"message_id": message_id}, headers=bearer(bob)
    )
    assert made.status_code == 201, made.text
    thread = made.json()
    assert (thread["name"], thread["parent_id"], thread["starter_message_id"]) == (
        "who is coming?",
        chat,
        message_id,
    )
    assert (thread["auto_archive_minutes"], thread["archived"], thread["can_manage"]) == (
        1440,
        False,
        True,
    )
    thread_id = thread["id"]
    # Its messages go through the messenger's endpoints.
    answered = await client.post(
        f"{API}/chats/{thread_id}/messages", json={"body": "me!"}, headers=bearer(dan)
    )
    assert answered.status_code == 201, answered.text
    read = await client.get(f"{API}/chats/{thread_id}/messages", headers=bearer(alice))
    assert [m["body"] for m in read.json()] == ["me!"]
    parent = await client.get(f"{API}/chats/{chat}/messages", headers=bearer(dan))
    assert parent.json()[0]["thread"] == {
        "id": thread_id,
        "name": "who is coming?",
        "message_count": 1,
        "archived": False,
    }
    empty = await client.post(
        f"{API}/channels/{chat}/threads",
        json={"name": "Snacks", "auto_archive_minutes": 60},
        headers=bearer(dan),
    )
    assert empty.status_code == 201, empty.text
    listed = await client.get(f"{API}/channels/{chat}/threads", headers=bearer(alice))
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json()["threads"]] == ["Snacks", "who is coming?"]
    assert listed.json()["can_create"] is True

    # Bad inputs.
    for payload, status, code in (
        ({"name": "  "}, 422, "empty"),
        ({"name": "x" * 101}, 422, "too_long"),
        ({"name": "x", "auto_archive_minutes": 90}, 422, "bad_archive_duration"),
        ({"message_id": NOBODY}, 404, "message_not_found"),
        ({"message_id": answered.json()["id"]}, 404, "message_not_found"),
        ({"message_id": message_id}, 409, "thread_exists"),
    ):
        bad = await client.post(f"{API}/channels/{chat}/threads", json=payload, headers=bearer(bob))
        assert (bad.status_code, error_code(bad)) == (status, code), payload
    for path in (f"{API}/channels/{NOBODY}/threads", f"{API}/channels/{chat}/threads"):
        unseen = await client.post(path, json={"name": "x"}, headers=bearer(carol))
        assert (unseen.status_code, error_code(unseen)) == (404, "channel_not_found")
    deeper = await client.post(
        f"{API}/channels/{thread_id}/threads", json={"name": "x"}, headers=bearer(bob)
    )
    assert (deeper.status_code, error_code(deeper)) == (422, "bad_parent")
    for path in (f"{API}/threads/{thread_id}", f"{API}/threads/{NOBODY}"):
        hidden = await client.get(path, headers=bearer(carol))
        assert (hidden.status_code, error_code(hidden)) == (404, "thread_not_found")
    outsider = await client.get(f"{API}/chats/{thread_id}/messages", headers=bearer(carol))
    assert outsider.status_code == 404

    # Rename and archive: the creator (Bob) or a channel manager (Alice), not Dan.
    for call in (
        client.patch(f"{API}/threads/{thread_id}", json={"name": "x"}, headers=bearer(dan)),
        client.post(f"{API}/threads/{thread_id}/archive", headers=bearer(dan)),
    ):
        denied = await call
        assert (denied.status_code, error_code(denied)) == (403, "missing_permission")
    renamed = await client.patch(
        f"{API}/threads/{thread_id}",
        json={"name": "Party guests", "auto_archive_minutes": 10080},
        headers=bearer(bob),
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["auto_archive_minutes"]) == (
        "Party guests",
        10080,
    )
    for payload, code in (
        ({"name": ""}, "empty"),
        ({"auto_archive_minutes": 0}, "bad_archive_duration"),
    ):
        bad = await client.patch(f"{API}/threads/{thread_id}", json=payload, headers=bearer(bob))
        assert (bad.status_code, error_code(bad)) == (422, code)
    archived = await client.post(f"{API}/threads/{thread_id}/archive", headers=bearer(alice))
    assert archived.json()["archived"] is True
    assert archived.json()["archived_at"] is not None
    # A message from anyone who may speak there reopens it (as on Discord).
    reopening = await client.post(
        f"{API}/chats/{thread_id}/messages", json={"body": "still on?"}, headers=bearer(dan)
    )
    assert reopening.status_code == 201
    got = await client.get(f"{API}/threads/{thread_id}", headers=bearer(dan))
    assert got.json()["archived"] is False
    assert got.json()["message_count"] == 2
    await client.post(f"{API}/threads/{thread_id}/archive", headers=bearer(bob))
    unarchived = await client.post(f"{API}/threads/{thread_id}/unarchive", headers=bearer(dan))
    assert unarchived.status_code == 200
    assert unarchived.json()["archived"] is False

    # Without the permissions: no new thread, no word in one, no unarchive.
    await client.post(f"{API}/threads/{thread_id}/archive", headers=bearer(bob))
    _deny_everyone(server_id, int(Permission.CREATE_THREADS | Permission.SEND_IN_THREADS))
    for call in (
        client.post(f"{API}/channels/{chat}/threads", json={"name": "x"}, headers=bearer(dan)),
        client.post(f"{API}/chats/{thread_id}/messages", json={"body": "hi"}, headers=bearer(dan)),
        client.post(f"{API}/threads/{thread_id}/unarchive", headers=bearer(dan)),
    ):
        denied = await call
        assert (denied.status_code, error_code(denied)) == (403, "missing_permission")
    assert (await client.get(f"{API}/threads/{thread_id}", headers=bearer(dan))).json()[
        "archived"
    ] is True


@SQLITE
async def test_a_quiet_thread_is_listed_archived_after_its_delay(
    client: httpx.AsyncClient, crew: tuple[Tokens, Tokens, Tokens, Tokens, str, str]
) -> None:
    alice, _, _, _, _, chat = crew
    made = await client.post(
        f"{API}/channels/{chat}/threads",
        json={"name": "brief", "auto_archive_minutes": 60},
        headers=bearer(alice),
    )
    thread_id = made.json()["id"]
    with transaction() as s:
        conversation = s.get(Conversation, thread_id)
        assert conversation is not None
        conversation.last_activity_at -= timedelta(minutes=61)
        s.add(conversation)
    shown = await client.get(f"{API}/channels/{chat}/threads", headers=bearer(alice))
    assert [(t["name"], t["archived"]) for t in shown.json()["threads"]] == [("brief", True)]
