"""Log-in, tokens, browser sessions, revocation, suspension and rate limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

import jwt
import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import auth, ratelimit
from socialhub.domain.errors import (
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    RefreshTokenReused,
)
from socialhub.keys import KeyPurpose, derive_key
from socialhub.models import AuthSession, LoginTicket, SiteRole, User
from socialhub.models.base import utcnow
from tests.conftest import PASSWORD, reset_settings


def login_api(login: str, password: str = PASSWORD, ip: str = "10.0.0.1") -> auth.TokenPair:
    with transaction() as s:
        user = auth.authenticate(s, login=login, password=password, ip=ip)
        return auth.do_login_api(s, user, device="pytest", ip=ip)


def refresh(token: str) -> auth.TokenPair:
    with transaction() as s:
        return auth.check_refresh(s, refresh_token=token)


def whoami(access: str) -> User:
    with transaction() as s:
        return auth.authenticate_access_token(s, access)[1]


def browser_login(user_id: int) -> str:
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        ticket = auth.do_issue_login_ticket(s, user, device="Firefox", ip="10.0.0.9")
    with transaction() as s:
        return auth.check_redeem_login_ticket(s, ticket)


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com", "Alice@Example.com"])
def test_login_with_username_or_email_in_any_case(
    make_user: Callable[..., int], login: str
) -> None:
    user_id = make_user("alice")
    assert whoami(login_api(login).access_token).id == user_id


@pytest.mark.parametrize("login", ["alice", "nobody"])
def test_wrong_password_and_unknown_account_look_the_same(
    make_user: Callable[..., int], login: str
) -> None:
    make_user("alice")
    with pytest.raises(NotAuthenticated) as err:
        login_api(login, password="not-the-password")
    assert err.value.code == "invalid_credentials"
    assert err.value.message == "wrong username, email or password"


def test_unknown_account_costs_the_same_bcrypt_time(make_user: Callable[..., int]) -> None:
    reset_settings(BCRYPT_ROUNDS="10")
    try:
        with transaction() as s:
            from socialhub.domain.users import check_register_user

            check_register_user(s, username="timed", email="t@example.com", password=PASSWORD)

        def attempt(login: str) -> float:
            started = time.perf_counter()
            with pytest.raises(NotAuthenticated):
                login_api(login, password="wrong-password-1")
            return time.perf_counter() - started

        attempt("nobody")  # warm the dummy hash
        known = min(attempt("timed") for _ in range(3))
        unknown = min(attempt("nobody") for _ in range(3))
    finally:
        reset_settings(BCRYPT_ROUNDS="4")
    # Both paths run one bcrypt check of the same cost; without the dummy hash the unknown
    # account would answer about 1000x faster.
    assert 0.5 < unknown / known < 2.0


@pytest.mark.parametrize(("login", "password"), [("", PASSWORD), ("alice", "")])
def test_login_requires_both_fields(database_url: str, login: str, password: str) -> None:
    with pytest.raises(InvalidInput):
        login_api(login, password)


def test_refresh_rotates_and_reuse_revokes_the_session(
    make_user: Callable[..., int], events: list, session: Session
) -> None:
    user_id = make_user("bob")
    first = login_api("bob")
    second = refresh(first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    assert whoami(second.access_token).id == user_id
    events.clear()

    with pytest.raises(RefreshTokenReused):
        refresh(first.refresh_token)

    # The revocation was committed even though the call failed.
    session.expire_all()
    stored = session.get(AuthSession, first.session_id)
    assert stored is not None
    assert stored.revoked_at is not None
    assert stored.revoked_reason == "refresh_reuse"
    assert [(k, e["type"], e["op"]) for k, e in events] == [
        (f"user:{user_id}", "session", "revoke")
    ]
    with pytest.raises(NotAuthenticated) as err:
        refresh(second.refresh_token)
    assert err.value.code == "session_revoked"
    with pytest.raises(NotAuthenticated):
        whoami(second.access_token)


def test_unknown_refresh_token(database_url: str) -> None:
    with pytest.raises(NotAuthenticated) as err:
        refresh("made-up")
    assert err.value.code == "invalid_token"


def _token(**claims: object) -> str:
    now = int(time.time())
    base: dict[str, object] = {"sub": "1", "sid": "x", "typ": "access", "iat": now, "exp": now + 60}
    base.update(claims)
    return jwt.encode(base, derive_key(KeyPurpose.access_token), algorithm="HS256")


def test_expired_forged_and_foreign_access_tokens(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    make_user("mallory")
    pair = login_api("alice")
    with pytest.raises(NotAuthenticated) as err:
        whoami(_token(sub=str(alice), sid=pair.session_id, exp=int(time.time()) - 5))
    assert err.value.code == "token_expired"
    forged = jwt.encode(
        {"sub": str(alice), "sid": pair.session_id, "typ": "access", "iat": 1, "exp": 2**40},
        "not-the-secret-but-long-enough-for-hs256-000",
        algorithm="HS256",
    )
    with pytest.raises(NotAuthenticated) as err:
        whoami(forged)
    assert err.value.code == "invalid_token"
    # A well-signed token naming another user than its session's owner.
    with pytest.raises(NotAuthenticated) as err:
        whoami(_token(sub="999", sid=pair.session_id))
    assert err.value.code == "invalid_token"
    with pytest.raises(NotAuthenticated):
        whoami(_token(sub=str(alice), sid=pair.session_id, typ="refresh"))
    with pytest.raises(NotAuthenticated):
        whoami("not.a.jwt")


def test_browser_ticket_is_single_use_and_short_lived(
    make_user: Callable[..., int], session: Session
) -> None:
    user_id = make_user("carol")
    cookie = browser_login(user_id)
    with transaction() as s:
        auth_row, user = auth.authenticate_browser_cookie(s, cookie)
        assert user.id == user_id
        assert auth_row.kind == "browser"
        assert auth_row.device == "Firefox"

    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        ticket = auth.do_issue_login_ticket(s, user, device="", ip="")
    with transaction() as s:
        auth.check_redeem_login_ticket(s, ticket)
    with pytest.raises(NotAuthenticated), transaction() as s:
        auth.check_redeem_login_ticket(s, ticket)

    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        stale = auth.do_issue_login_ticket(s, user, device="", ip="")
        for row in s.exec(select(LoginTicket)).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
            s.add(row)
    with pytest.raises(NotAuthenticated), transaction() as s:
        auth.check_redeem_login_ticket(s, stale)


@pytest.mark.parametrize("mangle", ["secret", "empty", "no-dot", "unknown-id"])
def test_bad_browser_cookies(make_user: Callable[..., int], mangle: str) -> None:
    cookie = browser_login(make_user("dan"))
    session_id, _, secret = cookie.partition(".")
    bad = {
        "secret": f"{session_id}.{secret[:-2]}xx",
        "empty": "",
        "no-dot": session_id,
        "unknown-id": f"{'0' * 32}.{secret}",
    }[mangle]
    with pytest.raises(NotAuthenticated), transaction() as s:
        auth.authenticate_browser_cookie(s, bad)


def test_list_and_revoke_sessions(make_user: Callable[..., int], events: list) -> None:
    alice = make_user("alice")
    bob = make_user("bob")
    cookie = browser_login(alice)
    api = login_api("alice")
    bob_pair = login_api("bob")
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        listed = {row.id for row in auth.list_sessions(s, user)}
    assert listed == {cookie.split(".")[0], api.session_id}

    with pytest.raises(NotFound), transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        auth.check_revoke_session(s, user, bob_pair.session_id)

    events.clear()
    with transaction() as s:
        user = s.get(User, alice)
        assert user is not None
        auth.check_revoke_session(s, user, cookie.split(".")[0])
    assert [(k, e["data"]["session_id"]) for k, e in events] == [
        (f"user:{alice}", cookie.split(".")[0])
    ]
    with pytest.raises(NotAuthenticated), transaction() as s:
        auth.authenticate_browser_cookie(s, cookie)
    assert whoami(api.access_token).id == alice
    assert whoami(bob_pair.access_token).id == bob


def test_suspension_ends_sessions_and_blocks_login(
    make_user: Callable[..., int], events: list
) -> None:
    user_id = make_user("erin")
    cookie = browser_login(user_id)
    pair = login_api("erin")
    events.clear()
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        auth.do_suspend_user(s, user)
    assert sorted(e["data"]["session_id"] for _, e in events) == sorted(
        [cookie.split(".")[0], pair.session_id]
    )
    assert {k for k, _ in events} == {f"user:{user_id}"}
    with pytest.raises(NotAuthenticated) as err:
        login_api("erin")
    assert err.value.code == "account_suspended"
    with pytest.raises(NotAuthenticated):
        refresh(pair.refresh_token)
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        auth.do_unsuspend_user(s, user)
    assert login_api("erin").access_token


def test_make_admin(make_user: Callable[..., int], session: Session) -> None:
    user_id = make_user("root_user")
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        auth.do_set_role(s, user, SiteRole.admin)
    session.expire_all()
    stored = session.get(User, user_id)
    assert stored is not None
    assert stored.role == "admin"


def test_login_rate_limit_per_account_and_per_ip(make_user: Callable[..., int]) -> None:
    make_user("frank")
    reset_settings(RATE_LIMIT_LOGIN="3/minute")
    ratelimit.reset()
    try:
        for i in range(3):
            with pytest.raises(NotAuthenticated):
                login_api("frank", "wrong-password", ip=f"10.1.0.{i}")
        # The account is now limited, from any address, even with the right password.
        with pytest.raises(RateLimited) as err:
            login_api("frank", ip="10.1.0.99")
        assert 0 < err.value.retry_after <= 60
        # One address trying many accounts is limited too.
        for name in ("u1", "u2", "u3"):
            with pytest.raises(NotAuthenticated):
                login_api(name, ip="10.2.0.1")
        with pytest.raises(RateLimited):
            login_api("u4", ip="10.2.0.1")
    finally:
        reset_settings(RATE_LIMIT_LOGIN="1000/minute")


@pytest.mark.parametrize(
    ("agent", "explicit", "label"),
    [
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/156.0.0.0 Safari/537.36",
            None,
            "Chrome 156 on Linux",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            None,
            "Mobile Safari 17 on iOS (iPhone)",
        ),
        ("python-httpx/0.28.1", None, "python-httpx/0.28.1"),
        ("", None, "Unknown device"),
        ("anything", "  My bot ", "My bot"),
    ],
    ids=["chrome", "iphone", "script", "empty", "explicit"],
)
def test_device_labels(agent: str, explicit: str | None, label: str) -> None:
    assert auth.device_label(agent, explicit) == label


def test_activity_is_noted_in_memory_and_written_by_the_heartbeat(
    make_user: Callable[..., int],
) -> None:
    """Checking a credential writes nothing; the worker's heartbeat records who was active."""
    make_user("alice")
    pair = login_api("alice")
    hour_ago = utcnow() - timedelta(hours=1)

    def last_active() -> object:
        with transaction() as s:
            return s.get(AuthSession, pair.session_id).last_active_at  # type: ignore[union-attr]

    with transaction() as s:
        row = s.get(AuthSession, pair.session_id)
        assert row is not None
        row.last_active_at = hour_ago
        s.add(row)
    with transaction() as s:
        auth.do_flush_activity(s)  # whatever earlier tests left noted
    whoami(pair.access_token)
    assert last_active() == hour_ago
    with transaction() as s:
        assert auth.do_flush_activity(s) == 1
    written = last_active()
    assert isinstance(written, datetime)
    assert written > utcnow() - timedelta(minutes=1)
    with transaction() as s:
        assert auth.do_flush_activity(s) == 0
    # Within a minute of the last write, using the session notes nothing more.
    whoami(pair.access_token)
    with transaction() as s:
        assert auth.do_flush_activity(s) == 0
    assert last_active() == written
