"""A user's profile page (/u/<username>), kept live while it is open."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotFound
from socialhub.models.users import UserView
from socialhub.state.base import in_transaction
from socialhub.state.realtime import watch_topics
from socialhub.state.session import SessionState


class ProfileState(rx.State):
    user_id: int = 0
    username: str = ""
    display_name: str = ""
    bio: str = ""
    status_text: str = ""
    avatar_url: str = ""
    joined: str = ""
    not_found: bool = False
    loaded: bool = False

    def _show(self, view: UserView) -> None:
        self.user_id = view.id
        self.username = view.username
        self.display_name = view.display_name
        self.bio = view.bio
        self.status_text = view.status_text
        self.avatar_url = view.avatar_url or ""
        self.joined = view.created_at.strftime("%B %Y")

    def apply_user_view(self, data: dict[str, Any]) -> None:
        if data.get("id") == self.user_id and self.user_id:
            self._show(UserView.model_validate(data))

    @rx.event
    async def load(self) -> Any:
        session_state = await self.get_state(SessionState)
        redirect = await session_state.ensure_signed_in()
        if redirect is not None:
            return redirect
        path = self.router.url.path.rstrip("/")
        username = path.rsplit("/", 1)[-1]

        def work(session: Session) -> UserView:
            session_state.authenticate(session)
            return users_domain.user_view(users_domain.access_user(session, username))

        self.loaded = False
        try:
            view = await in_transaction(work)
        except NotFound:
            self.not_found = True
            self.user_id = 0
            self.loaded = True
            watch_topics(self.router.session.client_token, set())
            return None
        self.not_found = False
        self._show(view)
        self.loaded = True
        watch_topics(self.router.session.client_token, {f"profile:{view.id}"})
        return None
