"""People lists: a profile's followers and following (/u/<username>/followers, .../following),
and your friends and friend requests (/friends, /friends/requests, /friends/sent), with follow
and request buttons on each row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import graph
from socialhub.models import User
from socialhub.models.graph_views import PeoplePage, RequestDirection
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.profile import FRIEND_ACTIONS, relation_after

TITLES = {
    "followers": "Followers",
    "following": "Following",
    "friends": "Friends",
    "incoming": "Friend requests",
    "outgoing": "Sent requests",
}


class GraphRow(BaseModel):
    username: str
    name: str
    avatar: str
    is_self: bool
    is_following: bool
    follows_you: bool
    friend_status: str


def graph_rows(page: PeoplePage) -> list[GraphRow]:
    return [
        GraphRow(
            username=p.username,
            name=p.display_name or p.username,
            avatar=p.avatar_small_url or "",
            is_self=p.is_self,
            is_following=p.is_following,
            follows_you=p.follows_you,
            friend_status=p.friend_status,
        )
        for p in page.people
    ]


class GraphListState(rx.State):
    kind: str = ""  # followers | following | friends | incoming | outgoing
    username: str = ""  # whose followers or following
    rows: list[GraphRow] = []
    next_cursor: str = ""
    loading: bool = False

    @rx.var
    def title(self) -> str:
        return TITLES.get(self.kind, "")

    def _route(self) -> tuple[str, str]:
        parts = [p for p in self.router.url.path.split("/") if p]
        if len(parts) == 3 and parts[0] == "u" and parts[2] in ("followers", "following"):
            return parts[2], parts[1]
        tab = parts[1] if len(parts) == 2 and parts[0] == "friends" else ""
        return {"requests": "incoming", "sent": "outgoing"}.get(tab, "friends"), ""

    def _fetch(self, cursor: str | None) -> Callable[[Session, User], PeoplePage]:
        kind, username = self.kind, self.username

        def fetch(session: Session, viewer: User) -> PeoplePage:
            if kind == "followers":
                return graph.list_followers(session, viewer, username, cursor=cursor)
            if kind == "following":
                return graph.list_following(session, viewer, username, cursor=cursor)
            if kind in ("incoming", "outgoing"):
                direction: RequestDirection = "incoming" if kind == "incoming" else "outgoing"
                return graph.list_friend_requests(
                    session, viewer, direction=direction, cursor=cursor
                )
            return graph.list_friends(session, viewer, cursor=cursor)

        return fetch

    @rx.event
    async def load(self) -> Any:
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        self.kind, self.username = self._route()
        self.rows, self.next_cursor = [], ""
        page = await run_as_user(self, self._fetch(None))
        if isinstance(page, Failed):
            return page.toast
        self.rows, self.next_cursor = graph_rows(page), page.next_cursor or ""
        return None

    @rx.event
    async def load_more(self) -> Any:
        if not self.next_cursor or self.loading:
            return None
        self.loading = True
        try:
            page = await run_as_user(self, self._fetch(self.next_cursor))
        finally:
            self.loading = False
        if isinstance(page, Failed):
            return page.toast
        self.rows = self.rows + graph_rows(page)
        self.next_cursor = page.next_cursor or ""
        return None

    async def _act(self, username: str, action: Callable[[Session, User, str], object]) -> Any:
        """Run a graph action on one row's person and show how they now relate to you."""
        relation = await run_as_user(self, relation_after(action, username))
        if isinstance(relation, Failed):
            return relation.toast
        for row in self.rows:
            if row.username == username:
                row.is_following = relation.is_following
                row.follows_you = relation.follows_you
                row.friend_status = relation.friend_status
        if self.kind in ("incoming", "outgoing"):  # an answered request leaves the list
            self.rows = [r for r in self.rows if r.friend_status.startswith("request_")]
        return None

    @rx.event
    async def toggle_follow(self, username: str, following: bool) -> Any:
        return await self._act(username, graph.check_unfollow if following else graph.check_follow)

    @rx.event
    async def answer(self, username: str, action: str) -> Any:
        """accept, decline or cancel a friend request."""
        if action not in ("accept", "decline", "cancel"):
            return None
        return await self._act(username, FRIEND_ACTIONS[action])
