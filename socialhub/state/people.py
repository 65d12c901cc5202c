"""User search (the home page)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import users as users_domain
from socialhub.models import User
from socialhub.state.base import Failed, run_as_user


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
        text = self.query

        def work(session: Session, _user: User) -> list[PersonRow]:
            return [
                PersonRow(
                    username=u.username,
                    display_name=u.display_name,
                    avatar_url=users_domain.user_view(u).avatar_small_url or "",
                    status_text=u.status_text,
                )
                for u in users_domain.search_users(session, text)
            ]

        results = await run_as_user(self, work)
        if isinstance(results, Failed):
            return results.toast
        self.results = results
        self.searched = bool(text.strip())
        return None
