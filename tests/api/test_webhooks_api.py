"""/api/v1/servers/{id}/webhooks, /api/v1/webhooks/{id}/{token} and the outgoing webhooks:
every endpoint and its bad inputs (a wrong secret above all)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from socialhub.domain import webhook_delivery
from socialhub.models.base import utcnow
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_channels_api import user_id
from tests.support.receiver import receiver
from tests.support.servers import make_server

Tokens = dict[str, Any]
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def trio(signup: Signup) -> tuple[Tokens, Tokens, Tokens, str, str]:
    """Alice owns a server Bob is in (no MANAGE_WEBHOOKS); Carol is a stranger; #general."""
    alice, bob, carol = await signup("alice"), await signup("bob"), await signup("carol")
    server_id = make_server(user_id("alice"), members=(user_id("bob"),))
    return alice, bob, carol, server_id, ""


async def general_id(client: httpx.AsyncClient, me: Tokens, server_id: str) -> str:
    listed = await client.get(f"/api/v1/servers/{server_id}/channels", headers=bearer(me))
    channel: str = listed.json()["channels"][0]["id"]
    return channel


def local_path(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


@SQLITE
async def test_incoming_webhooks_endpoints(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    alice, bob, carol, server_id, _ = trio
    base = f"/api/v1/servers/{server_id}/webhooks"
    channel = await general_id(client, alice, server_id)

    for who, status, code in ((bob, 403, "missing_permission"), (carol, 404, "channel_not_found")):
        refused = await client.post(
            base, json={"channel_id": channel, "name": "CI"}, headers=bearer(who)
        )
        assert (refused.status_code, error_code(refused)) == (status, code)
    listed = await client.get(base, headers=bearer(bob))
    assert (listed.status_code, error_code(listed)) == (403, "missing_permission")
    assert (await client.get(base, headers=bearer(carol))).status_code == 404
    assert (await client.post(base, json={"channel_id": channel, "name": "x"})).status_code == 401
    for body, code in (
        ({"channel_id": channel, "name": "   "}, "empty"),
        ({"channel_id": channel, "name": "n" * 81}, "too_long"),
        ({"channel_id": "0" * 32, "name": "CI"}, "channel_not_found"),
    ):
        bad = await client.post(base, json=body, headers=bearer(alice))
        assert error_code(bad) == code, bad.text

    made = await client.post(
        base, json={"channel_id": channel, "name": "CI"}, headers=bearer(alice)
    )
    assert made.status_code == 201, made.text
    hook = made.json()
    assert (hook["name"], hook["channel_name"]) == ("CI", "general")
    path = local_path(hook["url"])
    assert path.startswith(f"/api/v1/webhooks/{hook['id']}/")
    assert [h["id"] for h in (await client.get(base, headers=bearer(alice))).json()] == [hook["id"]]

    posted = await client.post(path, json={"content": "deployed", "username": "Deployer"})
    assert posted.status_code == 201, posted.text
    message = posted.json()
    assert message["author"] is None
    assert message["webhook"] == {"id": hook["id"], "name": "Deployer", "avatar_url": None}
    history = await client.get(f"/api/v1/chats/{channel}/messages", headers=bearer(bob))
    assert [m["body"] for m in history.json()][-1:] == ["deployed"]

    # A wrong secret, an unknown webhook, a malformed token: all the same 404.
    flipped = path[:-2] + ("yy" if path.endswith("xx") else "xx")
    for wrong in (flipped, f"/api/v1/webhooks/{'0' * 32}/{path.rsplit('/', 1)[1]}"):
        denied = await client.post(wrong, json={"content": "hi"})
        assert (denied.status_code, error_code(denied)) == (404, "webhook_not_found")
    malformed = await client.post(path + "%2F..", json={"content": "hi"})
    assert malformed.status_code in (404, 422)
    for body, code in (
        ({"content": ""}, "empty"),
        ({"content": "x" * 4097}, "too_long"),
        ({"content": "hi", "avatar_url": "javascript:alert(1)"}, "invalid_input"),
    ):
        bad = await client.post(path, json=body)
        assert (bad.status_code, error_code(bad)) == (422, code), bad.text

    renewed = await client.post(f"{base}/{hook['id']}/regenerate", headers=bearer(alice))
    assert renewed.status_code == 200
    new_path = local_path(renewed.json()["url"])
    assert new_path != path
    assert (await client.post(path, json={"content": "old"})).status_code == 404
    assert (await client.post(new_path, json={"content": "new"})).status_code == 201
    refused = await client.post(f"{base}/{hook['id']}/regenerate", headers=bearer(bob))
    assert error_code(refused) == "missing_permission"

    assert (await client.delete(f"{base}/{hook['id']}", headers=bearer(bob))).status_code == 403
    assert (await client.delete(f"{base}/{hook['id']}", headers=bearer(alice))).status_code == 204
    gone = await client.delete(f"{base}/{hook['id']}", headers=bearer(alice))
    assert (gone.status_code, error_code(gone)) == (404, "webhook_not_found")
    assert (await client.post(new_path, json={"content": "after"})).status_code == 404


@SQLITE
async def test_posting_through_a_webhook_is_rate_limited(
    client: httpx.AsyncClient,
    trio: tuple[Tokens, Tokens, Tokens, str, str],
    lower_limits: Any,
) -> None:
    alice, _, _, server_id, _ = trio
    lower_limits(RATE_LIMIT_WEBHOOK="1/minute")
    channel = await general_id(client, alice, server_id)
    made = await client.post(
        f"/api/v1/servers/{server_id}/webhooks",
        json={"channel_id": channel, "name": "CI"},
        headers=bearer(alice),
    )
    path = local_path(made.json()["url"])
    assert (await client.post(path, json={"content": "one"})).status_code == 201
    limited = await client.post(path, json={"content": "two"})
    assert (limited.status_code, error_code(limited)) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1


@SQLITE
async def test_automod_refuses_a_webhook_post_as_a_members_and_flags_it(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    """The same 403 as a member's message, nothing stored; a flag rule flags it. The owner made
    the webhook: their moderator's exemption is not the webhook's."""
    alice, bob, _, server_id, _ = trio
    channel = await general_id(client, alice, server_id)
    rules = f"/api/v1/servers/{server_id}/automod/rules"
    for rule in (
        {"kind": "word", "value": "spam", "action": "block"},
        {"kind": "pattern", "value": r"free\s*nitro", "action": "flag"},
    ):
        made_rule = await client.post(rules, json=rule, headers=bearer(alice))
        assert made_rule.status_code == 201, made_rule.text
    made = await client.post(
        f"/api/v1/servers/{server_id}/webhooks",
        json={"channel_id": channel, "name": "CI"},
        headers=bearer(alice),
    )
    path = local_path(made.json()["url"])
    member = await client.post(
        f"/api/v1/chats/{channel}/messages", json={"body": "buy SPAM now"}, headers=bearer(bob)
    )
    blocked = await client.post(path, json={"content": "buy SPAM now"})
    assert (blocked.status_code, error_code(blocked)) == (member.status_code, "automod_blocked")
    assert blocked.status_code == 403
    assert blocked.json()["error"]["details"]["kind"] == "word"
    history = await client.get(f"/api/v1/chats/{channel}/messages", headers=bearer(bob))
    assert history.json() == []
    flagged = await client.post(path, json={"content": "free nitro, @bob"})
    assert flagged.status_code == 201, flagged.text
    flags = await client.get(f"/api/v1/servers/{server_id}/automod/flags", headers=bearer(alice))
    assert [f["message"]["id"] for f in flags.json()["flags"]] == [flagged.json()["id"]]
    # Its mention of Bob lights his badge, as a member's would.
    badges = (await client.get("/api/v1/users/me/server-badges", headers=bearer(bob))).json()
    [badge] = [b for b in badges if b["server_id"] == server_id]
    assert badge["mentions"] == 1
    assert [c["mentions"] for c in badge["channels"] if c["channel_id"] == channel] == [1]


@SQLITE
async def test_outgoing_webhook_settings(
    client: httpx.AsyncClient, trio: tuple[Tokens, Tokens, Tokens, str, str]
) -> None:
    alice, bob, carol, server_id, _ = trio
    channel = await general_id(client, alice, server_id)
    path = f"/api/v1/servers/{server_id}/channels/{channel}/outgoing-webhook"
    listing = f"/api/v1/servers/{server_id}/outgoing-webhooks"
    for url in ("ftp://example.com/", "http://user:pw@example.com/", "not a url", "https://"):
        bad = await client.put(path, json={"url": url}, headers=bearer(alice))
        assert (bad.status_code, error_code(bad)) == (422, "invalid_url"), url
    refused = await client.put(path, json={"url": "https://example.com/h"}, headers=bearer(bob))
    assert (refused.status_code, error_code(refused)) == (403, "missing_permission")
    stranger = await client.put(path, json={"url": "https://example.com/h"}, headers=bearer(carol))
    assert (stranger.status_code, error_code(stranger)) == (404, "channel_not_found")
    missing = await client.delete(path, headers=bearer(alice))
    assert (missing.status_code, error_code(missing)) == (404, "webhook_not_found")

    made = await client.put(path, json={"url": "https://example.com/h"}, headers=bearer(alice))
    assert made.status_code == 200, made.text
    hook = made.json()
    assert (hook["enabled"], hook["consecutive_failures"], hook["disabled_reason"]) == (True, 0, "")
    assert len(hook["secret"]) == 64
    changed = await client.put(path, json={"url": "https://example.org/x"}, headers=bearer(alice))
    assert (changed.json()["id"], changed.json()["secret"]) == (hook["id"], hook["secret"])
    listed = await client.get(listing, headers=bearer(alice))
    assert [(h["url"], h["channel_name"]) for h in listed.json()] == [
        ("https://example.org/x", "general")
    ]
    assert (await client.get(listing, headers=bearer(bob))).status_code == 403
    renewed = await client.post(f"{path}/regenerate-secret", headers=bearer(alice))
    assert renewed.status_code == 200
    assert renewed.json()["secret"] != hook["secret"]
    assert (await client.delete(path, headers=bearer(bob))).status_code == 403
    assert (await client.delete(path, headers=bearer(alice))).status_code == 204
    assert (await client.get(listing, headers=bearer(alice))).json() == []


@pytest.fixture
def jobs_run_at_once() -> Iterator[None]:
    """The queue runs each job as it is enqueued (after the message's commit), in this process."""
    import backend_jobs.webhooks  # noqa: F401  (registers the dispatcher)
    from backend_jobs.queue import huey

    huey.immediate = True
    yield
    huey.immediate = False


@SQLITE
async def test_an_outgoing_webhook_reaches_a_local_server_which_verifies_the_signature(
    client: httpx.AsyncClient,
    trio: tuple[Tokens, Tokens, Tokens, str, str],
    lower_limits: Any,
    jobs_run_at_once: None,
) -> None:
    alice, bob, _, server_id, _ = trio
    channel = await general_id(client, alice, server_id)
    path = f"/api/v1/servers/{server_id}/channels/{channel}/outgoing-webhook"
    with receiver() as server:
        made = await client.put(path, json={"url": server.url}, headers=bearer(alice))
        secret = made.json()["secret"]
        sent = await client.post(
            f"/api/v1/chats/{channel}/messages", json={"body": "ship it"}, headers=bearer(bob)
        )
        assert sent.status_code == 201
        # Without OUTBOUND_ALLOW_PRIVATE the receiver on 127.0.0.1 is refused: nothing arrives.
        assert server.received == []
        [hook] = (
            await client.get(
                f"{path.rsplit('/channels', 1)[0]}/outgoing-webhooks", headers=bearer(alice)
            )
        ).json()
        assert hook["consecutive_failures"] == 1
        assert hook["last_error"].startswith("address_refused: 127.0.0.1 resolves to a loopback")

        lower_limits(OUTBOUND_ALLOW_PRIVATE="true")
        sent = await client.post(
            f"/api/v1/chats/{channel}/messages",
            json={"body": "ship it again"},
            headers=bearer(bob),
        )
        assert sent.status_code == 201
        [request] = server.received
    headers = request.headers
    assert headers["content-type"] == "application/json"
    assert webhook_delivery.verify(
        secret,
        headers["x-socialhub-timestamp"],
        request.body,
        headers["x-socialhub-signature"],
        now=utcnow(),
    )
    expected = hmac.new(
        secret.encode(),
        headers["x-socialhub-timestamp"].encode() + b"." + request.body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["x-socialhub-signature"] == f"sha256={expected}"
    payload = json.loads(request.body)
    assert (payload["type"], payload["channel_id"]) == ("message", channel)
    assert payload["message"]["body"] == "ship it again"
    assert payload["message"]["author"]["username"] == "bob"
    assert headers["x-socialhub-delivery"] == payload["delivery_id"]
    [hook] = (
        await client.get(f"/api/v1/servers/{server_id}/outgoing-webhooks", headers=bearer(alice))
    ).json()
    assert hook["consecutive_failures"] == 0
    assert hook["last_success_at"] is not None
