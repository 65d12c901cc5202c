"""Log-in, sessions and credentials.

Every credential hangs off an `AuthSession` row, so revoking the row ends it at once:
- browsers hold `<session id>.<secret>` in an HttpOnly cookie (the secret is stored as a hash);
- API clients hold a short-lived JWT access token plus a rotating refresh token (stored as a hash);
  presenting a refresh token that was already rotated revokes the whole session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
import sqlalchemy as sa
from sqlmodel import Session, col, select
from ua_parser import parse as ua_parse

from socialhub.config import get_settings
from socialhub.domain import ratelimit
from socialhub.domain.errors import (
    FieldCheck,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RefreshTokenReused,
)
from socialhub.domain.users import get_user_by_login, hash_password, password_matches
from socialhub.keys import KeyPurpose, derive_key
from socialhub.models import AuthSession, LoginTicket, RefreshToken, SessionKind, SiteRole, User
from socialhub.models.base import utcnow
from socialhub.realtime.events import publish_on_commit

JWT_ALGORITHM = "HS256"
TICKET_SECONDS = 60
LAST_ACTIVE_GRANULARITY = timedelta(seconds=60)
_DUMMY_HASHES: dict[int, str] = {}
# Sessions seen active since the last flush (session id -> when), written by the worker's
# heartbeat in one statement: checking a credential stays read-only, so a request does not open
# a second write transaction (on SQLite, a wait for the write lock) just to say "still here".
_activity: dict[str, datetime] = {}
_activity_lock = threading.Lock()


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _dummy_hash() -> str:
    """A hash of the configured cost, checked when the account does not exist."""
    rounds = get_settings().bcrypt_rounds
    if rounds not in _DUMMY_HASHES:
        _DUMMY_HASHES[rounds] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASHES[rounds]


def device_label(user_agent: str, explicit: str | None = None) -> str:
    """What the session list shows: a name the client chose, else "Firefox 140 on Windows"."""
    if explicit and explicit.strip():
        return explicit.strip()[:200]
    parsed = ua_parse(user_agent or "")
    if parsed.user_agent is None:
        return (user_agent or "Unknown device")[:200]
    browser = " ".join(p for p in (parsed.user_agent.family, parsed.user_agent.major) if p)
    system = parsed.os.family if parsed.os else ""
    if parsed.device and parsed.device.family not in ("Other", "", None):
        system = f"{system} ({parsed.device.family})" if system else parsed.device.family
    return (f"{browser} on {system}" if system else browser)[:200]


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    session_id: str


def authenticate(session: Session, *, login: str, password: str, ip: str) -> User:
    """Check a username-or-email and password. Unknown accounts cost the same bcrypt time."""
    check = FieldCheck()
    if not isinstance(login, str) or not login.strip():
        check.add(InvalidInput("enter your username or email", field="login", code="missing"))
    if not isinstance(password, str) or not password:
        check.add(InvalidInput("enter your password", field="password", code="missing"))
    check.raise_any()
    ratelimit.hit("login", f"ip:{ip}", f"account:{login.strip().lower()}")
    user = get_user_by_login(session, login)
    valid = password_matches(password, user.password_hash if user else _dummy_hash())
    if user is None or not valid:
        raise NotAuthenticated("wrong username, email or password", code="invalid_credentials")
    if user.suspended_at is not None:
        raise NotAuthenticated("this account is suspended", code="account_suspended")
    return user


def _new_session(
    session: Session, user: User, *, kind: SessionKind, device: str, ip: str
) -> AuthSession:
    settings = get_settings()
    days = (
        settings.browser_session_days
        if kind is SessionKind.browser
        else settings.refresh_token_days
    )
    auth = AuthSession(
        user_id=user.id or 0,
        kind=kind.value,
        device=device[:200],
        ip=ip[:64],
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(auth)
    session.flush()
    return auth


def _access_token(auth: AuthSession) -> tuple[str, int]:
    settings = get_settings()
    lifetime = settings.access_token_minutes * 60
    now = utcnow()
    claims = {
        "sub": str(auth.user_id),
        "sid": auth.id,
        "typ": "access",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=lifetime)).timestamp()),
    }
    key = derive_key(KeyPurpose.access_token)
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM), lifetime


def _issue_refresh(session: Session, auth: AuthSession) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            session_id=auth.id,
            token_hash=_sha256(token),
            expires_at=utcnow() + timedelta(days=get_settings().refresh_token_days),
        )
    )
    session.flush()
    return token


def do_login_api(session: Session, user: User, *, device: str, ip: str) -> TokenPair:
    auth = _new_session(session, user, kind=SessionKind.api, device=device, ip=ip)
    access, lifetime = _access_token(auth)
    return TokenPair(access, _issue_refresh(session, auth), lifetime, auth.id)


def check_refresh(session: Session, *, refresh_token: str) -> TokenPair:
    if not isinstance(refresh_token, str) or not refresh_token:
        raise InvalidInput("refresh_token is required", field="refresh_token", code="missing")
    row = session.exec(
        select(RefreshToken).where(RefreshToken.token_hash == _sha256(refresh_token))
    ).first()
    if row is None:
        raise NotAuthenticated("invalid refresh token", code="invalid_token")
    auth = session.get(AuthSession, row.session_id)
    if auth is None or auth.revoked_at is not None:
        raise NotAuthenticated("this session has ended", code="session_revoked")
    if row.used_at is not None:
        # A rotated token came back: someone holds a copy. End the session for everyone.
        do_revoke_session(session, auth, reason="refresh_reuse")
        raise RefreshTokenReused("refresh token reuse detected; the session was ended")
    now = utcnow()
    if row.expires_at < now or auth.expires_at < now:
        raise NotAuthenticated("the refresh token has expired", code="token_expired")
    user = session.get(User, auth.user_id)
    if user is None or user.suspended_at is not None:
        raise NotAuthenticated("this account is suspended", code="account_suspended")
    row.used_at = now
    auth.last_active_at = now
    session.add_all([row, auth])
    access, lifetime = _access_token(auth)
    return TokenPair(access, _issue_refresh(session, auth), lifetime, auth.id)


def _live_session(
    session: Session, session_id: str, *, cookie_secret: str | None = None
) -> tuple[AuthSession, User]:
    """The session and its user, in one query (every authenticated request asks). With a
    cookie's secret, the session must be a browser session holding that secret (checked before
    anything about the session is told)."""
    found = session.exec(
        select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(col(AuthSession.id) == session_id)
    ).first()
    auth, user = found if found is not None else (None, None)
    if cookie_secret is not None and (
        auth is None
        or auth.kind != SessionKind.browser.value
        or not auth.secret_hash
        or not hmac.compare_digest(auth.secret_hash, _sha256(cookie_secret))
    ):
        raise NotAuthenticated("please log in", code="not_authenticated")
    if auth is None or auth.revoked_at is not None:
        raise NotAuthenticated("this session has ended", code="session_revoked")
    now = utcnow()
    if auth.expires_at < now:
        raise NotAuthenticated("this session has expired", code="session_expired")
    if user is None or user.suspended_at is not None:
        raise NotAuthenticated("this account is suspended", code="account_suspended")
    if now - auth.last_active_at > LAST_ACTIVE_GRANULARITY:
        with _activity_lock:
            _activity[auth.id] = now
    return auth, user


def session_expiry(session: Session, session_id: str) -> datetime | None:
    """When a session ends by itself (None if it is unknown)."""
    auth = session.get(AuthSession, session_id)
    return auth.expires_at if auth is not None else None


def do_flush_activity(session: Session) -> int:
    """Write the "last active" times noted since the previous flush; returns how many."""
    with _activity_lock:
        pending = dict(_activity)
        _activity.clear()
    if not pending:
        return 0
    table = AuthSession.__table__  # type: ignore[attr-defined]
    session.execute(
        sa.update(table)
        .where(table.c.id == sa.bindparam("sid"), table.c.last_active_at < sa.bindparam("at"))
        .values(last_active_at=sa.bindparam("at")),
        [{"sid": sid, "at": at} for sid, at in pending.items()],
    )
    return len(pending)


def authenticate_access_token(session: Session, token: str) -> tuple[AuthSession, User]:
    try:
        claims = jwt.decode(
            token,
            derive_key(KeyPurpose.access_token),
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("the access token has expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("invalid access token", code="invalid_token") from exc
    if claims.get("typ") != "access":
        raise NotAuthenticated("invalid access token", code="invalid_token")
    auth, user = _live_session(session, str(claims["sid"]))
    if str(user.id) != claims["sub"]:
        raise NotAuthenticated("invalid access token", code="invalid_token")
    return auth, user


# Browser log-in: ticket -> cookie ---------------------------------------------------------------


def do_issue_login_ticket(session: Session, user: User, *, device: str, ip: str) -> str:
    ticket = secrets.token_urlsafe(32)
    session.add(
        LoginTicket(
            ticket_hash=_sha256(ticket),
            user_id=user.id or 0,
            device=device[:200],
            ip=ip[:64],
            expires_at=utcnow() + timedelta(seconds=TICKET_SECONDS),
        )
    )
    session.flush()
    return ticket


def check_redeem_login_ticket(session: Session, ticket: str) -> str:
    """Trade a one-time ticket for a browser session; returns the cookie value."""
    row = session.get(LoginTicket, _sha256(ticket)) if ticket else None
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        raise NotAuthenticated("this log-in link is no longer valid", code="invalid_ticket")
    user = session.get(User, row.user_id)
    if user is None or user.suspended_at is not None:
        raise NotAuthenticated("this account is suspended", code="account_suspended")
    row.used_at = utcnow()
    session.add(row)
    auth = _new_session(session, user, kind=SessionKind.browser, device=row.device, ip=row.ip)
    secret = secrets.token_urlsafe(32)
    auth.secret_hash = _sha256(secret)
    session.add(auth)
    session.flush()
    return f"{auth.id}.{secret}"


def authenticate_browser_cookie(session: Session, cookie_value: str) -> tuple[AuthSession, User]:
    session_id, _, secret = (cookie_value or "").partition(".")
    if not session_id or not secret:
        raise NotAuthenticated("please log in", code="not_authenticated")
    return _live_session(session, session_id, cookie_secret=secret)


# Sessions ----------------------------------------------------------------------------------------


def list_sessions(session: Session, user: User) -> list[AuthSession]:
    """Your live sessions, most recently active first (activity noted by now included)."""
    do_flush_activity(session)
    return list(
        session.exec(
            select(AuthSession)
            .where(
                AuthSession.user_id == user.id,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > utcnow(),
            )
            .order_by(col(AuthSession.last_active_at).desc())
        ).all()
    )


def access_session(session: Session, actor: User, session_id: str) -> AuthSession:
    auth = session.get(AuthSession, session_id)
    if auth is None or auth.user_id != actor.id or auth.revoked_at is not None:
        raise NotFound("no such session", code="session_not_found")
    return auth


def check_revoke_session(session: Session, actor: User, session_id: str) -> None:
    do_revoke_session(session, access_session(session, actor, session_id), reason="revoked")


def do_revoke_session(session: Session, auth: AuthSession, *, reason: str) -> None:
    if auth.revoked_at is not None:
        return
    auth.revoked_at = utcnow()
    auth.revoked_reason = reason
    session.add(auth)
    session.flush()
    publish_on_commit(
        session,
        type="session",
        op="revoke",
        data={"session_id": auth.id, "reason": reason},
        users=[auth.user_id],
    )


def do_revoke_all_sessions(session: Session, user: User, *, reason: str) -> int:
    active = session.exec(
        select(AuthSession).where(
            AuthSession.user_id == user.id, col(AuthSession.revoked_at).is_(None)
        )
    ).all()
    for auth in active:
        do_revoke_session(session, auth, reason=reason)
    return len(active)


# Site administration -----------------------------------------------------------------------------


def do_set_role(session: Session, user: User, role: SiteRole) -> None:
    user.role = role.value
    user.updated_at = utcnow()
    session.add(user)
    session.flush()


def do_suspend_user(session: Session, user: User) -> None:
    user.suspended_at = utcnow()
    session.add(user)
    session.flush()
    do_revoke_all_sessions(session, user, reason="suspended")


def do_unsuspend_user(session: Session, user: User) -> None:
    user.suspended_at = None
    session.add(user)
    session.flush()
