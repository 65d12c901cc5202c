"""A user's profile page (/u/<username>), kept live while it is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import blocks, graph
from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotFound
from socialhub.domain.visitors import PublicRead
from socialhub.models import User
from socialhub.models.graph_views import ProfileRelation
from socialhub.models.users import UserView
from socialhub.state.base import Failed, reader_redirect, run_as_reader, run_as_user
from socialhub.state.clock import tab_clock
from socialhub.state.realtime import topics_position, watch_topics

# What the friend buttons do, by the name the button sends.
FRIEND_ACTIONS: dict[str, Callable[[Session, User, str], object]] = {
    "add": graph.check_send_friend_request,
    "accept": graph.check_accept_friend_request,
    "decline": graph.check_decline_friend_request,
    "cancel": graph.check_cancel_friend_request,
    "unfriend": graph.check_unfriend,
}


def relation_after(
    action: Callable[[Session, User, str], object], username: str
) -> Callable[[Session, User], ProfileRelation]:
    """Work for run_as_user: `action(session, viewer, username)` (follow, befriend, ...), then how
    the viewer and `username` relate afterwards."""

    def work(session: Session, viewer: User) -> ProfileRelation:
        action(session, viewer, username)
        return graph.profile_relation(session, viewer, username)

    return work


class ProfileState(rx.State):
    user_id: int = 0
    username: str = ""
    display_name: str = ""
    bio: str = ""
    status_text: str = ""
    avatar_url: str = ""
    is_bot: bool = False
    joined: str = ""
    not_found: bool = False
    loaded: bool = False
    followers_count: int = 0
    following_count: int = 0
    is_following: bool = False
    follows_you: bool = False
    friends_count: int = 0
    friend_status: str = "none"
    you_block: bool = False

    def _show(self, view: UserView) -> None:
        self.user_id = view.id
        self.username = view.username
        self.display_name = view.display_name
        self.bio = view.bio
        self.status_text = view.status_text
        self.avatar_url = view.avatar_url or ""
        self.is_bot = view.is_bot
        self.joined = tab_clock(self).month_year(view.created_at)

    def _relate(self, relation: ProfileRelation) -> None:
        self.followers_count = relation.followers_count
        self.following_count = relation.following_count
        self.is_following = relation.is_following
        self.follows_you = relation.follows_you
        self.friends_count = relation.friends_count
        self.friend_status = relation.friend_status
        self.you_block = relation.you_block

    def _apply_counts(self, data: dict[str, Any]) -> None:
        """Someone followed or unfollowed the profile on screen."""
        if data.get("user_id") == self.user_id and self.user_id:
            self.followers_count = int(data.get("followers_count", self.followers_count))
            self.following_count = int(data.get("following_count", self.following_count))

    async def _relation_change(self, action: Callable[[Session, User, str], object]) -> Any:
        """Run `action(session, viewer, username)` and show the relation it leaves."""
        username = self.username
        relation = await run_as_user(self, relation_after(action, username))
        if isinstance(relation, Failed):
            return relation.toast
        self._relate(relation)
        return None

    @rx.event
    async def toggle_follow(self) -> Any:
        action = graph.check_unfollow if self.is_following else graph.check_follow
        return await self._relation_change(action)

    @rx.event
    async def friend_action(self, action: str) -> Any:
        """add, accept, decline, cancel or unfriend."""
        if action not in FRIEND_ACTIONS:
            return None
        return await self._relation_change(FRIEND_ACTIONS[action])

    @rx.event
    async def block(self) -> Any:
        """Asked through the confirmation dialog (`ConfirmState`)."""
        return await self._relation_change(blocks.check_block) or rx.toast.success(
            f"Blocked {self.username}"
        )

    @rx.event
    async def unblock(self) -> Any:
        return await self._relation_change(blocks.check_unblock) or rx.toast.success(
            f"Unblocked {self.username}"
        )

    def _apply_user_view(self, data: dict[str, Any]) -> None:
        if data.get("id") == self.user_id and self.user_id:
            self._show(UserView.model_validate(data))

    @rx.event
    async def load(self) -> Any:
        redirect = await reader_redirect(self)
        if redirect is not None:
            return redirect
        path = self.router.url.path.rstrip("/")
        username = path.rsplit("/", 1)[-1]

        def work(session: Session, viewer: User) -> tuple[UserView, ProfileRelation]:
            view = users_domain.user_view(users_domain.access_user(session, username))
            return view, graph.profile_relation(session, viewer, username)

        self.loaded = False
        since = topics_position()
        result = await run_as_reader(self, PublicRead.profile, work)
        if isinstance(result, Failed):
            if not isinstance(result.error, NotFound):
                return result.toast
            self.not_found = True
            self.user_id = 0
            self.loaded = True
            watch_topics(self.router.session.client_token, set(), owner="profile")
            return None
        view, relation = result
        self.not_found = False
        self._show(view)
        self._relate(relation)
        self.loaded = True
        reload = watch_topics(
            self.router.session.client_token,
            {f"profile:{view.id}"},
            owner="profile",
            since=since,
            reload=ProfileState.load,
        )
        return reload or None
