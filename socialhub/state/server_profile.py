"""The open server's "Edit server profile" dialog: the nickname I go by there (set, or cleared
to show my own name), as the domain allows (CHANGE_NICKNAME)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import servers as servers_domain
from socialhub.models import User
from socialhub.state.base import Failed, run_as_user
from socialhub.state.servers import ServerState


class ServerProfileState(rx.State):
    dialog_open: bool = False
    nickname: str = ""
    # The name I show by default (my display name, else my username), for the placeholder.
    own_name: str = ""
    # The domain lets me change my nickname here (my row's can_edit_nickname).
    can_change: bool = False

    @rx.event
    async def open_dialog(self) -> Any:
        server_id = (await self.get_state(ServerState)).server_id

        def read(session: Session, user: User) -> tuple[str, str, bool]:
            me = servers_domain.get_member(session, user, server_id, user.id or 0)
            return me.nickname, me.user.display_name or me.user.username, me.can_edit_nickname

        found = await run_as_user(self, read)
        if isinstance(found, Failed):
            return found.toast
        self.nickname, self.own_name, self.can_change = found
        self.dialog_open = True
        return None

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        self.dialog_open = value

    @rx.event
    async def save(self, form: dict[str, Any]) -> Any:
        nickname = str(form.get("nickname", ""))
        server_id = (await self.get_state(ServerState)).server_id

        def change(session: Session, user: User) -> str:
            return servers_domain.check_set_nickname(
                session, user, server_id, None, nickname
            ).nickname

        saved = await run_as_user(self, change)
        if isinstance(saved, Failed):
            return saved.toast
        self.nickname, self.dialog_open = saved, False
        return rx.toast.success("Nickname saved" if saved else "Nickname cleared")
