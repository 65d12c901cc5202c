"""Who is using this tab: the signed-in user, resolved from the HttpOnly session cookie."""

from __future__ import annotations

import json
from urllib.parse import quote

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import auth as auth_domain
from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotAuthenticated
from socialhub.models import User
from socialhub.state.base import cookie_value, in_transaction


class SessionState(rx.State):
    """The tab's identity. Handlers re-check the cookie against the database on every call."""

    _user_id: int = 0
    _session_id: str = ""
    user_id: int = 0
    username: str = ""
    display_name: str = ""
    avatar_small_url: str = ""
    checked: bool = False

    @rx.var
    def is_authenticated(self) -> bool:
        return self.user_id > 0

    def _cookie(self) -> str:
        return cookie_value(self.router.headers.cookie)

    def _authenticate(self, session: Session) -> User:
        """The signed-in user for this call, or NotAuthenticated. Run inside a transaction."""
        auth, user = auth_domain.authenticate_browser_cookie(session, self._cookie())
        if auth.id != self._session_id and self._session_id:
            raise NotAuthenticated("please log in again", code="session_changed")
        return user

    def _apply_user(self, user: User) -> None:
        view = users_domain.user_view(user)
        self.user_id = view.id
        self.username = view.username
        self.display_name = view.display_name
        self.avatar_small_url = view.avatar_small_url or ""

    def _apply_user_view(self, view: dict[str, object]) -> None:
        if view.get("id") != self.user_id:
            return
        self.display_name = str(view.get("display_name", ""))
        self.avatar_small_url = str(view.get("avatar_small_url") or "")

    async def _resolve(self) -> bool:
        """Load the identity from the cookie; False if nobody is signed in."""
        cookie = self._cookie()

        def work(session: Session) -> tuple[User, str] | None:
            try:
                auth, user = auth_domain.authenticate_browser_cookie(session, cookie)
            except NotAuthenticated:
                return None
            return user, auth.id

        found = await in_transaction(work)
        self.checked = True
        if found is None:
            self._user_id = 0
            self._session_id = ""
            self.user_id = 0
            self.username = ""
            return False
        user, session_id = found
        self._user_id = user.id or 0
        self._session_id = session_id
        self._apply_user(user)
        return True

    async def _ensure_signed_in(self) -> EventSpec | None:
        """None when signed in, else the redirect to /login (and back here afterwards)."""
        if await self._resolve():
            return None
        return rx.redirect(f"/login?next={quote(self.router.url.path or '/')}", replace=True)

    @rx.event
    async def redirect_if_signed_in(self) -> EventSpec | None:
        """on_load of /login and /signup."""
        if await self._resolve():
            return rx.redirect("/", replace=True)
        return None

    def _forget(self, target: str) -> EventSpec:
        self._user_id = 0
        self._session_id = ""
        self.user_id = 0
        self.username = ""
        # The cookie is HttpOnly: only the server can delete it (and end the session with it).
        return rx.call_script(
            "fetch('/api/v1/auth/browser-logout', {method: 'POST', credentials: 'same-origin'})"
            f".finally(() => window.location.replace({json.dumps(target)}))"
        )

    @rx.event
    async def logout(self) -> EventSpec:
        return self._forget("/login")

    def _session_ended(self) -> EventSpec:
        """Called by the realtime listener when this tab's session is revoked elsewhere."""
        return self._forget("/login?ended=1")
