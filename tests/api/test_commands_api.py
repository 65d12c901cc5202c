"""/api/v1 slash commands: registering (bots only, typed options), what a channel offers,
invoking with bad option values, answering (once, within the bot's permissions, before the
deadline), each with its error codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from socialhub.db import transaction
from socialhub.domain import roles
from socialhub.domain.permissions import Permission
from socialhub.models import User
from tests.api.conftest import Signup, bearer
from tests.api.test_auth_api import error_code
from tests.api.test_bots_api import as_bot, new_bot
from tests.api.test_channels_api import user_id
from tests.support.servers import general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
API = "/api/v1"
ROLL = {
    "name": "roll",
    "description": "Roll a die",
    "options": [{"name": "sides", "type": "integer", "required": True}],
}


async def world(client: httpx.AsyncClient, signup: Signup) -> dict[str, Any]:
    alice, bob = await signup("alice"), await signup("bob")
    server_id = make_server(user_id("alice"), members=(user_id("bob"),))
    bot = await new_bot(client, alice, "Dice")
    added = await client.post(
        f"{API}/servers/{server_id}/bots", json={"bot_id": bot["id"]}, headers=bearer(alice)
    )
    assert added.status_code == 201, added.text
    with transaction() as s:
        channel = general(s, server_id).id
    return {"alice": alice, "bob": bob, "bot": bot, "server": server_id, "channel": channel}


@SQLITE
async def test_registering_checks_the_bot_and_its_options(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    w = await world(client, signup)
    bot = as_bot(w["bot"]["token"])
    refused = await client.post(f"{API}/commands", json=ROLL, headers=bearer(w["bob"]))
    assert (refused.status_code, error_code(refused)) == (403, "not_a_bot")
    bad_type = {**ROLL, "options": [{"name": "sides", "type": "banana"}]}
    refused = await client.post(f"{API}/commands", json=bad_type, headers=bot)
    assert refused.status_code == 422
    order = {
        **ROLL,
        "options": [
            {"name": "a", "type": "string"},
            {"name": "b", "type": "string", "required": True},
        ],
    }
    refused = await client.post(f"{API}/commands", json=order, headers=bot)
    assert (refused.status_code, error_code(refused)) == (422, "required_after_optional")
    elsewhere = make_server(user_id("bob"), "Elsewhere")
    refused = await client.post(
        f"{API}/commands", json={**ROLL, "server_id": elsewhere}, headers=bot
    )
    assert (refused.status_code, error_code(refused)) == (404, "server_not_found")

    made = await client.post(f"{API}/commands", json=ROLL, headers=bot)
    assert made.status_code == 201, made.text
    again = await client.post(
        f"{API}/commands", json={**ROLL, "description": "Roll dice"}, headers=bot
    )
    assert again.status_code == 200
    assert again.json()["id"] == made.json()["id"]
    listed = await client.get(f"{API}/commands", headers=bot)
    assert [c["description"] for c in listed.json()] == ["Roll dice"]
    offered = await client.get(f"{API}/channels/{w['channel']}/commands", headers=bearer(w["bob"]))
    assert [c["name"] for c in offered.json()] == ["roll"]
    assert offered.json()[0]["bot"]["display_name"] == "Dice"

    gone = await client.delete(f"{API}/commands/{made.json()['id']}", headers=bearer(w["bob"]))
    assert gone.status_code == 403
    other = await new_bot(client, w["alice"], "Other")
    gone = await client.delete(
        f"{API}/commands/{made.json()['id']}", headers=as_bot(other["token"])
    )
    assert (gone.status_code, error_code(gone)) == (404, "command_not_found")
    gone = await client.delete(f"{API}/commands/{made.json()['id']}", headers=bot)
    assert gone.status_code == 204
    assert (await client.get(f"{API}/commands", headers=bot)).json() == []


@SQLITE
async def test_invoking_with_bad_options_and_answering_once(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    w = await world(client, signup)
    bot = as_bot(w["bot"]["token"])
    command = (await client.post(f"{API}/commands", json=ROLL, headers=bot)).json()
    invocations = f"{API}/channels/{w['channel']}/invocations"
    for options, code in (
        ({"sides": "many"}, "bad_option_value"),
        ({"sides": 1.5}, "bad_option_value"),
        ({}, "missing_option"),
        ({"sides": 6, "colour": "red"}, "unknown_option"),
    ):
        refused = await client.post(
            invocations,
            json={"command_id": command["id"], "options": options},
            headers=bearer(w["bob"]),
        )
        assert (refused.status_code, error_code(refused)) == (422, code), options
    refused = await client.post(
        invocations, json={"command_id": "0" * 32, "options": {}}, headers=bearer(w["bob"])
    )
    assert (refused.status_code, error_code(refused)) == (404, "command_not_found")
    outsider = await signup("carol")
    refused = await client.post(
        invocations,
        json={"command_id": command["id"], "options": {"sides": 6}},
        headers=bearer(outsider),
    )
    assert (refused.status_code, error_code(refused)) == (404, "channel_not_found")

    made = await client.post(
        invocations,
        json={"command_id": command["id"], "options": {"sides": "20"}},
        headers=bearer(w["bob"]),
    )
    assert made.status_code == 202, made.text
    invocation = made.json()
    assert (invocation["status"], invocation["options"]) == ("pending", {"sides": 20})
    seen = await client.get(f"{API}/invocations/{invocation['id']}", headers=bearer(w["bob"]))
    assert seen.json()["status"] == "pending"
    hidden = await client.get(f"{API}/invocations/{invocation['id']}", headers=bearer(outsider))
    assert (hidden.status_code, error_code(hidden)) == (404, "invocation_not_found")

    answer = f"{API}/invocations/{invocation['id']}/answer"
    refused = await client.post(answer, json={"content": "4"}, headers=bearer(w["bob"]))
    assert (refused.status_code, error_code(refused)) == (403, "not_a_bot")
    refused = await client.post(answer, json={"content": " "}, headers=bot)
    assert refused.status_code == 422
    done = await client.post(answer, json={"content": "you rolled 4"}, headers=bot)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "answered"
    message_id = done.json()["message_id"]
    page = await client.get(f"{API}/chats/{w['channel']}/messages", headers=bearer(w["bob"]))
    shown = next(m for m in page.json() if m["id"] == message_id)
    assert shown["body"] == "you rolled 4"
    assert shown["interaction"]["command"] == "roll"
    assert shown["interaction"]["invoker"]["username"] == "bob"
    twice = await client.post(answer, json={"content": "again"}, headers=bot)
    assert (twice.status_code, error_code(twice)) == (409, "already_answered")


@SQLITE
async def test_a_bot_acting_beyond_its_role_is_refused(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    w = await world(client, signup)
    bot = as_bot(w["bot"]["token"])
    command = (await client.post(f"{API}/commands", json=ROLL, headers=bot)).json()
    with transaction() as s:
        owner = s.get(User, user_id("alice"))
        assert owner is not None
        roles.check_set_overwrite(
            s,
            owner,
            roles.CHANNEL,
            w["channel"],
            "member",
            str(w["bot"]["id"]),
            deny=str(int(Permission.SEND_MESSAGES)),
        )
    made = await client.post(
        f"{API}/channels/{w['channel']}/invocations",
        json={"command_id": command["id"], "options": {"sides": 6}},
        headers=bearer(w["bob"]),
    )
    answer = f"{API}/invocations/{made.json()['id']}/answer"
    refused = await client.post(answer, json={"content": "4"}, headers=bot)
    assert (refused.status_code, error_code(refused)) == (403, "missing_permission")
    # Nothing was half done: the invocation still waits for an answer, which may be private.
    private = await client.post(answer, json={"content": "4", "private": True}, headers=bot)
    assert private.status_code == 200
    assert (private.json()["answer"], private.json()["message_id"]) == ("4", None)
