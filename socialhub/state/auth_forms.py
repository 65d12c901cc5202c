"""The log-in and sign-up forms."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import auth as auth_domain
from socialhub.domain import ratelimit
from socialhub.domain import users as users_domain
from socialhub.state.base import Failed, run_guarded
from socialhub.state.forms import FormErrors


def _safe_next(raw: str | None) -> str:
    """Only same-site paths: `next` must never send the user to another origin."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return "/"


def _exchange_ticket(ticket: str, target: str) -> EventSpec:
    """Have the browser trade the ticket for the HttpOnly cookie, then reload signed in."""
    body = json.dumps({"ticket": ticket})
    return rx.call_script(
        "fetch('/api/v1/auth/browser-session', {method: 'POST', credentials: 'same-origin',"
        f" headers: {{'Content-Type': 'application/json'}}, body: {json.dumps(body)}}})"
        f".then((r) => {{ if (r.ok) {{ window.location.replace({json.dumps(target)}); }}"
        " else { window.location.replace('/login?failed=1'); } })"
    )


class FormState(FormErrors, rx.State, mixin=True):
    busy: bool = False

    async def _sign_in(self, work: Callable[[Session], str], target: str) -> EventSpec | None:
        """Run `work` (which checks the input and issues a log-in ticket), then sign the tab in."""
        try:
            ticket = await run_guarded(work)
        finally:
            self.busy = False
        if isinstance(ticket, Failed):
            return self._report(ticket)
        return _exchange_ticket(ticket, target)

    def _client(self) -> tuple[str, str]:
        return (
            self.router.session.client_ip or "",
            auth_domain.device_label(self.router.headers.user_agent or ""),
        )


class LoginState(FormState, rx.State):
    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset({"login", "password"})

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self._clear_errors()
        login = str(form.get("login", ""))
        password = str(form.get("password", ""))
        ip, device = self._client()
        target = _safe_next(self.router.url.query_parameters.get("next"))

        def work(session: Session) -> str:
            user = auth_domain.authenticate(session, login=login, password=password, ip=ip)
            return auth_domain.do_issue_login_ticket(session, user, device=device, ip=ip)

        self.busy = True
        yield None
        yield await self._sign_in(work, target)


class SignupState(FormState, rx.State):
    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"username", "display_name", "email", "password", "confirm"}
    )

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self._clear_errors()
        ip, device = self._client()

        def work(session: Session) -> str:
            ratelimit.hit("signup", f"ip:{ip}")
            user = users_domain.check_register_user(
                session,
                username=str(form.get("username", "")),
                email=str(form.get("email", "")),
                password=str(form.get("password", "")),
                confirm=str(form.get("confirm", "")),
                display_name=str(form.get("display_name", "")),
            )
            return auth_domain.do_issue_login_ticket(session, user, device=device, ip=ip)

        self.busy = True
        yield None
        yield await self._sign_in(work, "/settings?welcome=1")
