"""The overview section of the server settings: name, description, icon, public or private and
how people join, transfer of ownership, and deleting the server (owner only, confirmed by
typing its name)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import media
from socialhub.domain import servers as servers_domain
from socialhub.domain import users as users_domain
from socialhub.models import User
from socialhub.state.base import Failed
from socialhub.state.server_settings import ServerSettingsState

ICON_UPLOAD_ID = "server-icon-upload"


class OverviewState(rx.State):
    is_public: bool = False
    join_mode: str = "invite"
    saving: bool = False
    uploading: bool = False
    delete_typed: str = ""

    async def _page(self) -> ServerSettingsState:
        return await self.get_state(ServerSettingsState)

    async def _load_section(self, server_id: str) -> Failed | None:
        page = await self._page()
        self.is_public, self.join_mode = page.is_public, page.join_mode
        return None

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        page = await self._page()
        try:
            result = await page._run(work)
        finally:
            self.saving = self.uploading = False
        if isinstance(result, Failed):
            return result.toast
        failed = await page._refresh_server()
        if failed is not None:
            return failed.toast
        await self._load_section(page.server_id)
        return rx.toast.success(success)

    @rx.event
    def set_public(self, value: bool) -> None:
        self.is_public = value

    @rx.event
    def set_join_mode(self, value: str) -> None:
        self.join_mode = value

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[Any]:
        name = str(form.get("name", ""))
        description = str(form.get("description", ""))
        is_public, join_mode = self.is_public, self.join_mode
        self.saving = True
        yield None
        yield await self._change(
            lambda s, u, server_id: servers_domain.check_update_server(
                s,
                u,
                server_id,
                name=name,
                description=description,
                is_public=is_public,
                join_mode=join_mode,
            ),
            "Server updated",
        )

    @rx.event
    async def upload_icon(self, files: list[rx.UploadFile]) -> AsyncIterator[Any]:
        if not files:  # the picker refused the file and said why (state/uploads.py)
            return
        data = await files[0].read(media.image_read_limit())
        self.uploading = True
        yield None
        yield await self._change(
            lambda s, u, server_id: servers_domain.check_set_server_icon(s, u, server_id, data),
            "Icon updated",
        )
        yield rx.clear_selected_files(ICON_UPLOAD_ID)

    @rx.event
    async def transfer(self, form: dict[str, Any]) -> Any:
        username = str(form.get("username", "")).strip().lstrip("@")

        def work(session: Session, user: User, server_id: str) -> object:
            new_owner = users_domain.access_user(session, username)
            return servers_domain.check_transfer_ownership(
                session, user, server_id, new_owner.id or 0
            )

        return await self._change(work, f"{username} now owns the server")

    @rx.event
    def set_delete_typed(self, value: str) -> None:
        self.delete_typed = value

    @rx.event
    def reset_delete(self, is_open: bool) -> None:
        self.delete_typed = ""

    @rx.event
    async def delete_server(self) -> Any:
        page = await self._page()
        typed = self.delete_typed
        result = await page._run(
            lambda s, u, server_id: servers_domain.check_delete_server(
                s, u, server_id, confirm_name=typed
            )
        )
        if isinstance(result, Failed):
            return result.toast
        return [rx.toast.success("Server deleted"), rx.redirect("/")]
