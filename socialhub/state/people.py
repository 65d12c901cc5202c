"""User search (the home page)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import users as users_domain
from socialhub.domain.errors import DomainError
from socialhub.state.base import error_toast, in_transaction
from socialhub.state.session import SessionState


class PersonRow(BaseModel):
    username: str
    display_name: str
    avatar_url: str
    status_text: str


class PeopleState(rx.State):
    query: str = ""
    results: list[PersonRow] = []
    searched: bool = False

    @rx.event
    async def search(self, value: str) -> Any:
        self.query = value[:50]
        session_state = await self.get_state(SessionState)
        text = self.query

        def work(session: Session) -> list[PersonRow]:
            session_state.authenticate(session)
            return [
                PersonRow(
                    username=u.username,
                    display_name=u.display_name,
                    avatar_url=users_domain.user_view(u).avatar_small_url or "",
                    status_text=u.status_text,
                )
                for u in users_domain.search_users(session, text)
            ]

        try:
            self.results = await in_transaction(work)
        except DomainError as exc:
            return error_toast(exc)
        self.searched = bool(text.strip())
        return None
