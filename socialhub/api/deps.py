"""Request-level helpers: the caller's identity and client details.

Endpoints open their own `with transaction() as db:` so the commit happens before the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import auth as auth_domain
from socialhub.domain.errors import NotAuthenticated
from socialhub.models import User

bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login")


@dataclass(frozen=True)
class Caller:
    user_id: int
    session_id: str

    def user(self, db: Session) -> User:
        user = db.get(User, self.user_id)
        if user is None or user.suspended_at is not None:
            raise NotAuthenticated("this account is suspended", code="account_suspended")
        return user


def current_caller(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("a bearer token is required", code="not_authenticated")
    with transaction() as db:
        auth, user = auth_domain.authenticate_access_token(db, credentials.credentials)
        return Caller(user_id=user.id or 0, session_id=auth.id)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def client_device(request: Request, explicit: str | None = None) -> str:
    return auth_domain.device_label(request.headers.get("user-agent", ""), explicit)
