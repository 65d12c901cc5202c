"""/api/v1/auth: registration, tokens, sessions, and the browser's HttpOnly cookie."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Request, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller, client_device, client_ip
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.api.params import A_DEVICE, A_TOKEN, A_USERNAME, text_rules
from socialhub.config import get_settings
from socialhub.db import transaction
from socialhub.domain import auth as auth_domain
from socialhub.domain import ratelimit
from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotAuthenticated
from socialhub.models.users import MeView

SESSION_COOKIE = "sh_session"

router = APIRouter(prefix="/auth", tags=["auth"], responses=ERROR_RESPONSES)


class RegisterRequest(BaseModel):
    username: str = Field(
        examples=["alice"],
        description="3-30 of a-z, 0-9 and _ (stored lowercase)",
        json_schema_extra=A_USERNAME,
    )
    email: str = Field(examples=["alice@example.com"], json_schema_extra={"format": "email"})
    password: str = Field(
        description="8-72 bytes, not a common password",
        # In characters, which a schema counts: as many bytes when they are ASCII.
        json_schema_extra=text_rules(
            users_domain.PASSWORD_MAX_BYTES, min_length=users_domain.PASSWORD_MIN
        ),
    )
    display_name: str = Field(
        default="", json_schema_extra=text_rules(users_domain.DISPLAY_NAME_MAX)
    )
    device: str | None = Field(default=None, json_schema_extra=A_DEVICE)


class LoginRequest(BaseModel):
    login: str = Field(
        description="username or email",
        examples=["alice"],
        json_schema_extra=A_TOKEN,
    )
    password: str = Field(json_schema_extra=A_TOKEN)
    device: str | None = Field(
        default=None, description="shown in the session list", json_schema_extra=A_DEVICE
    )


class RefreshRequest(BaseModel):
    refresh_token: str = Field(json_schema_extra=A_TOKEN)


class TicketRequest(BaseModel):
    ticket: str


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 scheme name)
    expires_in: int
    session_id: str


class RegisterResponse(TokenResponse):
    user: MeView


class SessionView(BaseModel):
    id: str
    kind: str
    device: str
    ip: str
    created_at: datetime
    last_active_at: datetime
    current: bool


def _tokens(pair: auth_domain.TokenPair) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        session_id=pair.session_id,
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisterResponse)
def register(body: RegisterRequest, request: Request) -> RegisterResponse:
    """Create an account and sign it in."""
    ip = client_ip(request)
    ratelimit.hit("signup", f"ip:{ip}")
    with transaction() as db:
        user = users_domain.check_register_user(
            db,
            username=body.username,
            email=body.email,
            password=body.password,
            display_name=body.display_name,
        )
        pair = auth_domain.do_login_api(db, user, device=client_device(request, body.device), ip=ip)
        return RegisterResponse(**_tokens(pair).model_dump(), user=users_domain.me_view(user))


@router.post("/login", response_model=TokenResponse)
def login(body: LoginRequest, request: Request) -> TokenResponse:
    """Exchange a username-or-email and password for an access and a refresh token."""
    ip = client_ip(request)
    with transaction() as db:
        user = auth_domain.authenticate(db, login=body.login, password=body.password, ip=ip)
        return _tokens(
            auth_domain.do_login_api(db, user, device=client_device(request, body.device), ip=ip)
        )


@router.post("/refresh", response_model=TokenResponse)
def refresh(body: RefreshRequest) -> TokenResponse:
    """Rotate a refresh token. Presenting an already-rotated token ends the whole session."""
    with transaction() as db:
        return _tokens(auth_domain.check_refresh(db, refresh_token=body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(caller: CurrentCaller) -> Response:
    """End the session of the presented access token."""
    with transaction() as db:
        auth_domain.check_revoke_session(db, caller.user(db), caller.session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sessions", response_model=list[SessionView])
def sessions(caller: CurrentCaller) -> list[SessionView]:
    """Every signed-in device of the caller, most recently active first."""
    with transaction() as db:
        return [
            SessionView(
                id=s.id,
                kind=s.kind,
                device=s.device,
                ip=s.ip,
                created_at=s.created_at,
                last_active_at=s.last_active_at,
                current=s.id == caller.session_id,
            )
            for s in auth_domain.list_sessions(db, caller.user(db))
        ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_session(session_id: str, caller: CurrentCaller) -> Response:
    """End one of the caller's sessions; its open tabs are sent to the log-in page."""
    with transaction() as db:
        auth_domain.check_revoke_session(db, caller.user(db), session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/browser-session", status_code=status.HTTP_204_NO_CONTENT, include_in_schema=False)
def browser_session(body: TicketRequest, response: Response) -> Response:
    """Trade the web app's one-time log-in ticket for the HttpOnly session cookie."""
    settings = get_settings()
    with transaction() as db:
        value = auth_domain.check_redeem_login_ticket(db, body.ticket)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=settings.browser_session_days * 86_400,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.post("/browser-logout", status_code=status.HTTP_204_NO_CONTENT, include_in_schema=False)
def browser_logout(
    response: Response, sh_session: Annotated[str | None, Cookie()] = None
) -> Response:
    """End the browser's session (if still valid) and delete its cookie."""
    if sh_session:
        try:
            with transaction() as db:
                auth, _user = auth_domain.authenticate_browser_cookie(db, sh_session)
                auth_domain.do_revoke_session(db, auth, reason="logout")
        except NotAuthenticated:
            pass
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response
