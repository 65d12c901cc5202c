"""/api/v1/auth and the error format."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Signup, bearer
from tests.conftest import PASSWORD, reset_settings


def error_code(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}
    # `errors` lists the wrong fields when the error names any.
    assert (
        {"code", "message", "details"}
        <= set(body["error"])
        <= {
            "code",
            "message",
            "details",
            "errors",
        }
    )
    return str(body["error"]["code"])


async def test_register_returns_user_and_tokens(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": "Alice", "email": "alice@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["username"] == "alice"
    assert body["token_type"] == "bearer"
    me = await client.get("/api/v1/users/me", headers=bearer(body))
    assert me.json()["email"] == "alice@example.com"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"username": "ALICE", "email": "new@example.com"}, 409, "username_taken"),
        ({"username": "alice2", "email": "ALICE@EXAMPLE.COM"}, 409, "email_taken"),
        ({"username": "al", "email": "al@example.com"}, 422, "invalid_username"),
        ({"username": "bob", "email": "nope"}, 422, "invalid_email"),
        ({"username": "bob", "email": "b@example.com", "password": "short"}, 422, "weak_password"),
        (
            {"username": "bob", "email": "b@example.com", "password": "password1"},
            422,
            "common_password",
        ),
        ({"username": "bob"}, 422, "missing_field"),
        ({"username": 5, "email": "b@example.com"}, 422, "validation_error"),
    ],
    ids=[
        "dup-user",
        "dup-email",
        "short-name",
        "bad-email",
        "short-pw",
        "common-pw",
        "missing",
        "type",
    ],
)
async def test_register_errors(
    client: httpx.AsyncClient, signup: Signup, body: dict[str, object], status: int, code: str
) -> None:
    await signup("alice")
    payload: dict[str, object] = {"password": PASSWORD, **body}
    response = await client.post("/api/v1/auth/register", json=payload)
    assert response.status_code == status, response.text
    assert error_code(response) == code


async def test_register_reports_every_wrong_field_at_once(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    await signup("alice")
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": "ALICE", "email": "nope", "password": "short", "display_name": "x" * 51},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_fields"
    assert [(e["field"], e["code"]) for e in error["errors"]] == [
        ("email", "invalid_email"),
        ("password", "weak_password"),
        ("display_name", "too_long"),
        ("username", "username_taken"),
    ]
    assert all(e["message"] for e in error["errors"])


async def test_one_wrong_field_keeps_its_own_code_and_is_listed(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": "bob", "email": "nope", "password": PASSWORD},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_email"
    assert error["errors"] == [
        {"field": "email", "code": "invalid_email", "message": "enter a valid email address"}
    ]


async def test_missing_fields_are_listed(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/register", json={"username": "bob"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "missing_field"
    assert {e["field"] for e in error["errors"]} == {"email", "password"}


async def test_field_errors_are_documented(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    body = schema["components"]["schemas"]["ErrorBody"]["properties"]["errors"]
    assert "invalid_fields" in body["description"]
    item = schema["components"]["schemas"]["FieldError"]
    assert set(item["required"]) == {"field", "code", "message"}
    responses = schema["paths"]["/api/v1/auth/register"]["post"]["responses"]
    assert "invalid_fields" in responses["422"]["description"]


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b'{"login": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == "malformed_json"


async def test_login_refresh_logout(client: httpx.AsyncClient, signup: Signup) -> None:
    await signup("alice")
    login = await client.post(
        "/api/v1/auth/login", json={"login": "alice@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200
    tokens = login.json()
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200
    new = rotated.json()
    assert (await client.get("/api/v1/users/me", headers=bearer(new))).status_code == 200

    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert reused.status_code == 401
    assert error_code(reused) == "refresh_token_reused"
    after = await client.get("/api/v1/users/me", headers=bearer(new))
    assert after.status_code == 401
    assert error_code(after) == "session_revoked"

    again = (
        await client.post("/api/v1/auth/login", json={"login": "alice", "password": PASSWORD})
    ).json()
    assert (await client.post("/api/v1/auth/logout", headers=bearer(again))).status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(again))).status_code == 401


@pytest.mark.parametrize(
    ("login", "password"), [("alice", "wrong-password"), ("ghost", "wrong-password")]
)
async def test_login_failures_are_identical(
    client: httpx.AsyncClient, signup: Signup, login: str, password: str
) -> None:
    await signup("alice")
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_login_rate_limit_gives_429_with_retry_after(
    client: httpx.AsyncClient, signup: Signup
) -> None:
    await signup("alice")
    reset_settings(RATE_LIMIT_LOGIN="2/minute")
    try:
        for _ in range(2):
            await client.post(
                "/api/v1/auth/login", json={"login": "alice", "password": "nope-nope"}
            )
        response = await client.post(
            "/api/v1/auth/login", json={"login": "alice", "password": PASSWORD}
        )
        assert response.status_code == 429
        assert error_code(response) == "rate_limited"
        assert 0 < int(response.headers["Retry-After"]) <= 60
    finally:
        reset_settings(RATE_LIMIT_LOGIN="1000/minute")


async def test_signup_rate_limit_per_ip(client: httpx.AsyncClient, signup: Signup) -> None:
    reset_settings(RATE_LIMIT_SIGNUP="1/minute")
    try:
        await signup("first")
        response = await client.post(
            "/api/v1/auth/register",
            json={"username": "second", "email": "s@example.com", "password": PASSWORD},
        )
        assert response.status_code == 429
        assert "Retry-After" in response.headers
    finally:
        reset_settings(RATE_LIMIT_SIGNUP="1000/minute")


@pytest.mark.parametrize(
    "header",
    [None, "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer "],
    ids=["none", "garbage", "basic", "empty"],
)
async def test_protected_endpoints_need_a_valid_bearer(
    client: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = await client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401
    assert error_code(response) in {"not_authenticated", "invalid_token"}


async def test_sessions_list_and_revoke(client: httpx.AsyncClient, signup: Signup) -> None:
    first = await signup("alice")
    second = (
        await client.post(
            "/api/v1/auth/login",
            json={"login": "alice", "password": PASSWORD, "device": "phone"},
        )
    ).json()
    bob = await signup("bob")
    listed = (await client.get("/api/v1/auth/sessions", headers=bearer(first))).json()
    assert {s["id"] for s in listed} == {first["session_id"], second["session_id"]}
    assert [s["current"] for s in listed if s["id"] == first["session_id"]] == [True]
    assert {s["device"] for s in listed} >= {"phone"}
    assert all(s["ip"] == "203.0.113.7" for s in listed)

    foreign = await client.delete(
        f"/api/v1/auth/sessions/{bob['session_id']}", headers=bearer(first)
    )
    assert foreign.status_code == 404
    assert error_code(foreign) == "session_not_found"
    revoked = await client.delete(
        f"/api/v1/auth/sessions/{second['session_id']}", headers=bearer(first)
    )
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/users/me", headers=bearer(second))).status_code == 401
    assert (await client.get("/api/v1/users/me", headers=bearer(bob))).status_code == 200


async def test_unknown_endpoint_uses_the_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_code(response) == "not_found"


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/health")
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not_configured"}


async def test_openapi_documents_every_route(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/sessions",
        "/api/v1/auth/sessions/{session_id}",
        "/api/v1/users/me",
        "/api/v1/users/me/avatar",
        "/api/v1/users/{username}",
        "/api/v1/users",
        "/api/v1/events",
        "/api/v1/health",
    ]:
        assert path in spec["paths"], path
    assert (await client.get("/api/docs")).status_code == 200
