"""The whole API fuzzed from its own OpenAPI schema (schemathesis), so every operation added later
is fuzzed as it is built: no 5xx, only documented status codes, bodies matching their schema, and
no request the schema calls valid refused as malformed (400/422).

Every operation runs in process (ASGI, no server) as an anonymous caller and as a signed-in user
who owns some data (a post with a poll and a comment, a group with messages and an invite, a
story, a follower, a server with a role, a category, a channel, an invite and an automod rule),
on SQLite and on PostgreSQL. Path parameters are now and then one of that
user's real ids, so the fuzzer reaches past "not found". The endless `/events` stream is left
out (tests/api/test_event_stream.py covers it). Derandomized and without an example database,
so CI replays exactly the same requests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from httpx import Response
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from socialhub import db
from socialhub.api.app import API_PREFIX, create_api
from socialhub.domain import ratelimit
from tests.conftest import PASSWORD, reset_settings
from tests.support.database import empty_postgres
from tests.support.images import png

APP = create_api()
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP).exclude(
    path=f"{API_PREFIX}/events"
)
# 422s for rules no OpenAPI schema can state, so a schema-valid request may still meet them: a
# password's strength and bytes; rules across fields (a post or story needs text, an image, a
# poll or a quote; an edit needs a change; one pagination cursor at a time); rules on stored
# state (leaving a DM, removing yourself, a message position past the chat's end). Any other 422
# or 400 for a request the schema calls valid means the schema is looser than the code.
BEYOND_SCHEMA = {
    "weak_password": {"POST /api/v1/auth/register"},
    "common_password": {"POST /api/v1/auth/register"},
    "invalid_email": {
        "POST /api/v1/auth/register"
    },  # reserved domains (.test), which format: email allows
    # What a file holds (an image, not empty); a poll as JSON in a form field; an optional file
    # part that the fuzzer sends as text; one emoji in a path; details the reason `other` needs.
    "empty_file": {"*"},
    "unsupported_media": {"*"},
    "invalid_input": {"POST /api/v1/posts"},
    "validation_error": {"POST /api/v1/stories"},
    "invalid_emoji": {"*"},
    "details_required": {"POST /api/v1/reports"},
    "too_long": {"POST /api/v1/auth/register"},  # a password's 72 bytes, not characters
    "empty": {"POST /api/v1/posts", "POST /api/v1/stories"},
    "nothing_to_change": {"PATCH /api/v1/posts/{post_id}"},
    "cursor_conflict": {"GET /api/v1/chats/{chat_id}/messages"},
    "not_a_group": {"*"},
    "remove_self": {"DELETE /api/v1/chats/{chat_id}/members/{username}"},
    # Servers: what a channel is (posts go to a posts channel; only a channel in a category
    # syncs with it), a bitmask's unknown bits or bits both allowed and denied, the @everyone
    # role (never deleted, assigned or moved), an order that must name every channel or role
    # exactly once, a deletion confirmed by the server's name, a cursor from another list.
    "not_a_posts_channel": {"*"},
    "no_category": {"POST /api/v1/channels/{channel_id}/sync"},
    "bad_bitmask": {"*"},
    "allow_deny_overlap": {"*"},
    "everyone_role": {"*"},
    "bad_order": {"*"},
    "order_incomplete": {"*"},
    "duplicate_channel": {"*"},
    "duplicate_category": {"*"},
    "name_mismatch": {"DELETE /api/v1/servers/{server_id}"},
    "bad_cursor": {
        "GET /api/v1/chats/{chat_id}/messages",
        "GET /api/v1/servers/{server_id}/members",
    },
}


def _error_code(response: schemathesis.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return ""


# Alone, a name or address already in use is 409; beside another field's error the request
# answers 422 invalid_fields with both (every wrong field at once).
STATE_CONFLICTS = {"username_taken", "email_taken"}


def _field_codes(response: schemathesis.Response) -> list[str]:
    try:
        return [str(e["code"]) for e in response.json()["error"]["errors"]]
    except (ValueError, KeyError, TypeError):
        return []


def _beyond_schema(code: str, label: str) -> bool:
    where = BEYOND_SCHEMA.get(code, set())
    return "*" in where or label in where


def accepts_valid_requests(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """positive_data_acceptance, but for the rules listed in BEYOND_SCHEMA."""
    label = case.operation.label
    if response.status_code in (415, 422):
        code = _error_code(response)
        if _beyond_schema(code, label):
            return None
        fields = _field_codes(response)
        if (
            code == "invalid_fields"
            and fields
            and all(f in STATE_CONFLICTS or _beyond_schema(f, label) for f in fields)
        ):
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    accepts_valid_requests,
]
# Per operation, signed in (about 90 operations x 2 backends share the suite's time; ~2.5 min).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
# Most operations answer an anonymous caller 401 at once: fewer examples say as much.
ANONYMOUS_EXAMPLES = max(1, EXAMPLES // 2)


# The seeded database's real ids, by path parameter name (filled by the `caller` fixture).
KNOWN: dict[str, list[Any]] = {}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzz_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database for all operations of a backend: the fuzzer's writes pile up in it, as they
    would on a real server."""
    tmp = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp / "socialhub.db")
        url = f"sqlite:///{tmp / 'socialhub.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
        empty_postgres(db._engine_for(url))
    reset_settings(DATABASE_URL=url, DATA_DIR=str(tmp / "data"))
    ratelimit.reset()
    yield url
    if request.param == "sqlite":
        db._engine_for(url).dispose()


def _seed(client: TestClient) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """A real user with something of everything, and a friend who follows and talks to them."""

    def ok(response: Response) -> Any:
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def register(username: str) -> dict[str, str]:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        tokens = ok(client.post(f"{API_PREFIX}/auth/register", json=body))
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    me, friend = register("fuzzer"), register("fuzzfriend")
    ok(client.post(f"{API_PREFIX}/users/fuzzer/follow", headers=friend))
    ok(client.post(f"{API_PREFIX}/users/fuzzfriend/follow", headers=me))
    poll = '{"options": ["yes", "no"], "multiple": false, "closes_in_minutes": 60}'
    post = ok(
        client.post(
            f"{API_PREFIX}/posts",
            data={"body": "hello #fuzz @fuzzfriend", "poll": poll},
            headers=me,
        )
    )
    theirs = ok(client.post(f"{API_PREFIX}/posts", data={"body": "theirs"}, headers=friend))
    comment = ok(
        client.post(
            f"{API_PREFIX}/posts/{post['id']}/comments", json={"body": "hi"}, headers=friend
        )
    )
    group = ok(
        client.post(
            f"{API_PREFIX}/chats", json={"title": "fuzz", "usernames": ["fuzzfriend"]}, headers=me
        )
    )
    message = ok(
        client.post(f"{API_PREFIX}/chats/{group['id']}/messages", json={"body": "hi"}, headers=me)
    )
    dm = ok(client.post(f"{API_PREFIX}/chats/dm", json={"username": "fuzzfriend"}, headers=me))
    invite = ok(client.post(f"{API_PREFIX}/chats/{group['id']}/invites", json={}, headers=me))
    story = ok(
        client.post(
            f"{API_PREFIX}/stories",
            data={"body": "story"},
            files={"image": ("a.png", png(), "image/png")},
            headers=me,
        )
    )
    # A server the user owns, which the friend joined: a role, a category, a channel in it
    # with a message that mentions the friend, an invite and an automod rule that flags.
    server = ok(
        client.post(
            f"{API_PREFIX}/servers", json={"name": "fuzz server", "is_public": True}, headers=me
        )
    )["server"]
    servers = f"{API_PREFIX}/servers/{server['id']}"
    ok(client.post(f"{servers}/join", headers=friend))
    role = ok(client.post(f"{servers}/roles", json={"name": "fuzzers"}, headers=me))
    category = ok(client.post(f"{servers}/categories", json={"name": "fuzz"}, headers=me))
    channel = ok(
        client.post(
            f"{servers}/channels",
            json={"name": "fuzzing", "category_id": category["id"]},
            headers=me,
        )
    )
    said = ok(
        client.post(
            f"{API_PREFIX}/chats/{channel['id']}/messages",
            json={"body": "hello @fuzzfriend"},
            headers=friend,
        )
    )
    server_invite = ok(client.post(f"{servers}/invites", json={}, headers=me))
    rule = ok(
        client.post(
            f"{servers}/automod/rules",
            json={"kind": "word", "value": "fuzzword", "action": "flag"},
            headers=me,
        )
    )
    ids = [ok(client.get(f"{API_PREFIX}/users/me", headers=h))["id"] for h in (me, friend)]
    known = {
        "username": ["fuzzer", "fuzzfriend"],
        "post_id": [post["id"], theirs["id"]],
        "comment_id": [comment["id"]],
        "chat_id": [group["id"], dm["id"], channel["id"]],
        "message_id": [message["id"], said["id"]],
        "code": [invite["code"], server_invite["code"]],
        "story_id": [story["id"]],
        "tag": ["fuzz"],
        "server_id": [server["id"]],
        "channel_id": [channel["id"]],
        "category_id": [category["id"]],
        "role_id": [role["id"]],
        "rule_id": [rule["id"]],
        "user_id": ids,
        "target_id": [role["id"], *map(str, ids)],
    }
    return me, known


def _client() -> TestClient:
    return TestClient(APP)


@pytest.fixture(scope="module")
def seeded(fuzz_database: str) -> tuple[dict[str, str], dict[str, list[Any]]]:
    with _client() as client:
        return _seed(client)


@pytest.fixture(scope="module")
def signed_in(seeded: tuple[dict[str, str], dict[str, list[Any]]]) -> dict[str, str]:
    """The seeded user's headers; with every real id known to the fuzzer."""
    headers, known = seeded
    KNOWN.clear()
    KNOWN.update(known)
    return dict(headers)


@schema.hook("flatmap_path_parameters")
def _real_ids(
    context: Any, path_parameters: dict[str, Any] | None
) -> st.SearchStrategy[dict[str, Any] | None]:
    """Half the time, every path parameter we know a real value for takes one."""
    if not path_parameters:
        return st.just(path_parameters)
    known = {name: KNOWN[name] for name in path_parameters if name in KNOWN}
    if not known:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in known.items()})
    return st.one_of(st.just(path_parameters), real.map(lambda ids: {**path_parameters, **ids}))


def _still_signed_in(headers: dict[str, str]) -> None:
    """A fuzzed logout or session revocation ends the token: sign in again."""
    with _client() as client:
        if client.get(f"{API_PREFIX}/users/me", headers=headers).status_code == 401:
            body = {"login": "fuzzer", "password": PASSWORD}
            tokens = client.post(f"{API_PREFIX}/auth/login", json=body).json()
            headers["Authorization"] = f"Bearer {tokens['access_token']}"


def _fuzz(**examples: int) -> Any:
    return settings(
        **examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


@schema.parametrize()
@_fuzz(max_examples=ANONYMOUS_EXAMPLES)
def test_anonymous(case: schemathesis.Case, signed_in: dict[str, str]) -> None:
    """Without a token (the seeded data and its ids are there all the same)."""
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@_fuzz(max_examples=EXAMPLES)
def test_signed_in(case: schemathesis.Case, signed_in: dict[str, str]) -> None:
    case.call_and_validate(headers=signed_in, checks=CHECKS)
    if case.operation.path.startswith(f"{API_PREFIX}/auth/"):
        _still_signed_in(signed_in)
