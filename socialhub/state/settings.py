"""/settings: profile fields, avatar, and the list of signed-in sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

import reflex as rx
from pydantic import BaseModel
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import auth as auth_domain
from socialhub.domain import media
from socialhub.domain import users as users_domain
from socialhub.models import Presence, PresenceVisibility, User
from socialhub.models.users import MeView, UserUpdate
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.clock import tab_clock
from socialhub.state.forms import FormErrors
from socialhub.state.session import SessionState

AVATAR_UPLOAD_ID = "avatar-upload"
BIO_MAX = users_domain.BIO_MAX


class SessionRow(BaseModel):
    id: str
    device: str
    ip: str
    kind: str
    last_active: str
    current: bool


class SettingsState(FormErrors, rx.State):
    FORM_FIELDS: ClassVar[frozenset[str]] = frozenset({"display_name", "status_text", "bio"})

    display_name: str = ""
    bio: str = ""
    status_text: str = ""
    presence: str = Presence.online.value
    presence_visibility: str = PresenceVisibility.everyone.value
    email: str = ""
    avatar_url: str = ""
    sessions: list[SessionRow] = []
    saving: bool = False
    uploading: bool = False

    def _show(self, me: MeView) -> None:
        self.display_name = me.display_name
        self.bio = me.bio
        self.status_text = me.status_text
        self.presence = me.presence.value
        self.presence_visibility = me.presence_visibility.value
        self.email = me.email
        self.avatar_url = me.avatar_url or ""

    async def _refresh_sessions(self) -> EventSpec | None:
        current = (await self.get_state(SessionState))._session_id
        clock = tab_clock(self)

        def work(session: Session, user: User) -> list[SessionRow]:
            return [
                SessionRow(
                    id=s.id,
                    device=s.device or "Unknown device",
                    ip=s.ip,
                    kind=s.kind,
                    last_active=clock.date_time(s.last_active_at),
                    current=s.id == current,
                )
                for s in auth_domain.list_sessions(session, user)
            ]

        rows = await run_as_user(self, work)
        if isinstance(rows, Failed):
            return rows.toast
        self.sessions = rows
        return None

    async def _change_me(
        self, change: Callable[[Session, User], User], success: EventSpec
    ) -> EventSpec | None:
        """Apply a change to the signed-in user; show it here and in the nav, or show the error."""
        try:
            me = await run_as_user(self, lambda s, u: users_domain.me_view(change(s, u)))
        finally:
            self.saving = self.uploading = False
        if isinstance(me, Failed):
            return self._report(me)
        self._show(me)
        session_state = await self.get_state(SessionState)
        session_state._apply_user_view(me.model_dump(mode="json"))
        return success

    @rx.event
    async def load(self) -> Any:
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        me = await run_as_user(self, lambda s, u: users_domain.me_view(u))
        if isinstance(me, Failed):
            return me.toast
        self._show(me)
        failed = await self._refresh_sessions()
        if failed is not None:
            return failed
        self._clear_errors()
        return None

    @rx.event
    def set_bio(self, value: str) -> None:
        self.bio = value

    @rx.event
    def set_presence(self, value: str) -> None:
        self.presence = value

    @rx.event
    def set_presence_visibility(self, value: str) -> None:
        self.presence_visibility = value

    @rx.event
    async def save_profile(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        self._clear_errors()
        try:
            update = UserUpdate(
                display_name=str(form.get("display_name", "")),
                bio=self.bio,
                status_text=str(form.get("status_text", "")),
                presence=Presence(self.presence),
                presence_visibility=PresenceVisibility(self.presence_visibility),
            )
        except ValueError:
            yield rx.toast.error("choose a valid presence")
            return

        def work(session: Session, user: User) -> User:
            return users_domain.check_update_profile(session, user, update)

        self.saving = True
        yield None
        yield await self._change_me(work, rx.toast.success("Profile saved"))

    @rx.event
    async def upload_avatar(self, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        if not files:  # the picker refused the file and said why (state/uploads.py)
            return
        data = await files[0].read(media.image_read_limit())

        def work(session: Session, user: User) -> User:
            return users_domain.check_set_avatar(session, user, data)

        self.uploading = True
        yield None
        yield await self._change_me(work, rx.toast.success("Avatar updated"))
        yield rx.clear_selected_files(AVATAR_UPLOAD_ID)

    @rx.event
    async def revoke(self, session_id: str) -> Any:
        session_state = await self.get_state(SessionState)
        if session_id == session_state._session_id:
            return session_state._forget("/login")
        revoked = await run_as_user(
            self, lambda s, u: auth_domain.check_revoke_session(s, u, session_id)
        )
        if isinstance(revoked, Failed):
            return revoked.toast
        return await self._refresh_sessions() or rx.toast.success("Session ended")
