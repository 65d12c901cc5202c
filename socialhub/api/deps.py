"""Request-level helpers: the caller's identity and client details.

Endpoints open their own `with transaction() as db:` so the commit happens before the response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import auth as auth_domain
from socialhub.domain import bots, visitors
from socialhub.domain.errors import NotAuthenticated
from socialhub.models import User

bearer = HTTPBearer(
    auto_error=False,
    description="An access token from /api/v1/auth/login, or a bot's token (`bot_...`, shown "
    "when the bot is created or its token regenerated: /api/v1/bots)",
)


@dataclass(frozen=True)
class Caller:
    user_id: int
    session_id: str
    # As loaded (and checked: live session, not suspended) by this request's authentication.
    authenticated: User = field(repr=False, compare=False)

    def user(self, db: Session) -> User:
        """The caller in the endpoint's own transaction, without reading the row again."""
        return db.merge(self.authenticated, load=False)


def current_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("a bearer token is required", code="not_authenticated")
    token = credentials.credentials
    with transaction() as db:
        if bots.is_bot_token(token):
            auth, user = bots.authenticate_bot_token(db, token)
        else:
            auth, user = auth_domain.authenticate_access_token(db, token)
        return Caller(user_id=user.id or 0, session_id=auth.id, authenticated=user)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def optional_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller | None:
    """The caller, or None for a visitor without a token (a token that fails is still a 401:
    a client with a stale token must learn it, not silently read less)."""
    if credentials is None:
        return None
    return current_caller(credentials)


OptionalCaller = Annotated[Caller | None, Depends(optional_caller)]


def reader(db: Session, caller: Caller | None, what: visitors.PublicRead) -> User:
    """Who a public read runs as: the caller, or the anonymous reader where visitors may read
    (401 `not_authenticated` where they may not)."""
    return visitors.check_may_read(caller.user(db) if caller else None, what)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def client_device(request: Request, explicit: str | None = None) -> str:
    return auth_domain.device_label(request.headers.get("user-agent", ""), explicit)
