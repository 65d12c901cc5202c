"""/settings: profile fields, avatar, and the list of signed-in sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.domain import auth as auth_domain
from socialhub.domain import media
from socialhub.domain import users as users_domain
from socialhub.domain.errors import DomainError
from socialhub.models import Presence, PresenceVisibility, User
from socialhub.models.users import MeView, UserUpdate
from socialhub.state.base import error_toast, in_transaction
from socialhub.state.session import SessionState

AVATAR_UPLOAD_ID = "avatar-upload"


class SessionRow(BaseModel):
    id: str
    device: str
    ip: str
    kind: str
    last_active: str
    current: bool


class SettingsState(rx.State):
    display_name: str = ""
    bio: str = ""
    status_text: str = ""
    presence: str = Presence.online.value
    presence_visibility: str = PresenceVisibility.everyone.value
    email: str = ""
    avatar_url: str = ""
    sessions: list[SessionRow] = []
    field_errors: dict[str, str] = {}
    saving: bool = False
    uploading: bool = False

    @rx.var
    def bio_left(self) -> int:
        return users_domain.BIO_MAX - len(self.bio)

    def _show(self, me: MeView) -> None:
        self.display_name = me.display_name
        self.bio = me.bio
        self.status_text = me.status_text
        self.presence = me.presence.value
        self.presence_visibility = me.presence_visibility.value
        self.email = me.email
        self.avatar_url = me.avatar_url or ""

    async def _refresh_sessions(self, session_state: SessionState) -> None:
        current = session_state._session_id

        def work(session: Session) -> list[SessionRow]:
            user = session_state.authenticate(session)
            return [
                SessionRow(
                    id=s.id,
                    device=s.device or "Unknown device",
                    ip=s.ip,
                    kind=s.kind,
                    last_active=s.last_active_at.strftime("%Y-%m-%d %H:%M UTC"),
                    current=s.id == current,
                )
                for s in auth_domain.list_sessions(session, user)
            ]

        self.sessions = await in_transaction(work)

    async def _change_me(
        self, change: Callable[[Session, User], User], success: EventSpec
    ) -> EventSpec:
        """Apply a change to the signed-in user; show it here and in the nav, or show the error."""
        session_state = await self.get_state(SessionState)

        def work(session: Session) -> MeView:
            return users_domain.me_view(change(session, session_state.authenticate(session)))

        try:
            me = await in_transaction(work)
        except DomainError as exc:
            field = exc.details.get("field")
            self.field_errors = {str(field): exc.message} if field else {}
            return error_toast(exc)
        finally:
            self.saving = False
            self.uploading = False
        self._show(me)
        session_state.apply_user_view(me.model_dump(mode="json"))
        return success

    @rx.event
    async def load(self) -> Any:
        session_state = await self.get_state(SessionState)
        redirect = await session_state.ensure_signed_in()
        if redirect is not None:
            return redirect

        def work(session: Session) -> MeView:
            return users_domain.me_view(session_state.authenticate(session))

        try:
            self._show(await in_transaction(work))
            await self._refresh_sessions(session_state)
        except DomainError as exc:
            return error_toast(exc)
        self.field_errors = {}
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
        self.field_errors = {}
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
        if not files:
            yield rx.toast.error("choose an image first")
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

        def work(session: Session) -> None:
            user = session_state.authenticate(session)
            auth_domain.check_revoke_session(session, user, session_id)

        try:
            await in_transaction(work)
            await self._refresh_sessions(session_state)
        except DomainError as exc:
            return error_toast(exc)
        return rx.toast.success("Session ended")
