"""What a new user meets first: `@mention` candidates for whatever box they write in, the people
picker of group members, the preview of an invite link and whom to follow on an empty home.

The rules (who may be offered, which links are valid) are the domain's (`domain/people.py`,
`domain/invites.py`); these states only hold what the browser shows.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import chats as chats_domain
from socialhub.domain import graph, invites, people
from socialhub.domain.errors import NotAuthenticated
from socialhub.models import User
from socialhub.models.chat import UserBrief
from socialhub.models.people_views import InvitePreview
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.chat_admin import ChatAdminState
from socialhub.state.conversation import ConversationState

MENTION_LIMIT = 6
PICKER_LIMIT = 8
SUGGESTION_LIMIT = 6


class PersonChip(BaseModel):
    """Someone shown by name and picture: a mention candidate, a search result, a chip."""

    username: str
    display_name: str
    avatar_url: str
    note: str = ""  # "in this chat", "you follow", "followed by 2 you follow"
    is_bot: bool = False  # a bot account: tagged BOT


def chip(person: UserBrief, note: str = "") -> PersonChip:
    return PersonChip(
        username=person.username,
        display_name=person.display_name,
        avatar_url=person.avatar_small_url or "",
        note=note,
        is_bot=person.is_bot,
    )


class MentionState(rx.State):
    """Candidates for the `@prefix` at the caret, asked for by `assets/mentions.js` as
    "<chat id>|<prefix>" (no chat id outside a chat). `request` echoes the question answered,
    so the browser shows a list only for the prefix it is still typing."""

    request: str = ""
    candidates: list[PersonChip] = []

    @rx.event
    async def lookup(self, request: str) -> None:
        chat, _, prefix = request[:200].partition("|")

        def work(session: Session, user: User) -> list[PersonChip]:
            found = people.mention_candidates(
                session, user, prefix, conversation_id=chat or None, limit=MENTION_LIMIT
            )
            return [
                chip(c, "in this chat" if c.in_chat else "you follow" if c.is_following else "")
                for c in found
            ]

        found = await run_as_user(self, work)
        # A prefix too long or a chat just left offers nobody: nothing to tell about it.
        self.candidates = [] if isinstance(found, Failed) else found
        self.request = request


class PeoplePickerState(rx.State):
    """The people picker of the new group dialog ("group") and of adding members to the open
    group ("add"): search, chosen people as chips. Only one of the two is on screen at a time."""

    mode: str = "group"
    query: str = ""
    results: list[PersonChip] = []
    chosen: list[PersonChip] = []

    @rx.var
    def chosen_usernames(self) -> str:
        """What the new group form sends as its members."""
        return ",".join(person.username for person in self.chosen)

    @rx.var
    def chosen_names(self) -> list[str]:
        return [person.username for person in self.chosen]

    @rx.event
    def start(self, mode: str) -> None:
        """The picker appeared (its dialog opened): nothing searched, nobody chosen."""
        self.mode = "add" if mode == "add" else "group"
        self.query = ""
        self.results = []
        self.chosen = []

    @rx.event
    async def search(self, value: str) -> Any:
        self.query = value[:50]
        text = self.query
        chat = (await self.get_state(ConversationState)).open_id if self.mode == "add" else ""

        def work(session: Session, user: User) -> list[PersonChip]:
            found = people.search_people(
                session, user, text, not_in_conversation=chat or None, limit=PICKER_LIMIT
            )
            return [chip(p, "you follow" if p.is_following else "") for p in found]

        found = await run_as_user(self, work)
        if isinstance(found, Failed):
            self.results = []
            return found.toast
        self.results = found
        return None

    @rx.event
    def choose(self, username: str) -> None:
        """A result picked, or unpicked when it was already: the results stay where they are
        (a list that moved under the pointer would take the next click for someone else)."""
        if any(person.username == username for person in self.chosen):
            self.chosen = [person for person in self.chosen if person.username != username]
            return
        for person in self.results:
            if person.username == username:
                self.chosen = [*self.chosen, person]

    @rx.event
    def remove(self, username: str) -> None:
        self.chosen = [person for person in self.chosen if person.username != username]

    @rx.event
    async def add_to_chat(self) -> Any:
        """Add the chosen people to the open group; whoever was added leaves the chips."""
        names = [person.username for person in self.chosen]
        if not names:
            return rx.toast.error("choose someone to add first", id="nobody_chosen")
        admin = await self.get_state(ChatAdminState)
        result = await admin._change(
            lambda s, u, chat: chats_domain.check_add_members(s, u, chat, names), "Members added"
        )
        members = {member.username for member in admin.members}
        self.chosen = [person for person in self.chosen if person.username not in members]
        self.query = ""
        self.results = []
        return result


class InvitePreviewState(rx.State):
    """/join/<code>: the group behind the link, and a Join button."""

    code: str = ""
    preview: InvitePreview | None = None
    problem: str = ""
    joining: bool = False

    @rx.var
    def title(self) -> str:
        return self.preview.title if self.preview else ""

    @rx.var
    def picture_url(self) -> str:
        return (self.preview.picture_url or "") if self.preview else ""

    @rx.var
    def members_text(self) -> str:
        count = self.preview.member_count if self.preview else 0
        return f"{count:,} {'member' if count == 1 else 'members'}"

    @rx.var
    def is_member(self) -> bool:
        return bool(self.preview and self.preview.is_member)

    @rx.event
    async def load(self) -> Any:
        """on_load of /join/<code>: read the link, join nothing."""
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        self.code = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        code = self.code
        found = await run_as_user(self, lambda s, u: invites.preview_invite(s, u, code))
        if isinstance(found, Failed):
            self.preview, self.problem = None, found.error.message
        else:
            self.preview, self.problem = found, ""
        return None

    @rx.event
    async def join(self) -> Any:
        code = self.code
        self.joining = True
        yield
        chat = await run_as_user(self, lambda s, u: chats_domain.check_join_by_invite(s, u, code))
        self.joining = False
        if isinstance(chat, Failed):
            yield chat.toast
            return
        yield rx.redirect(f"/messages/{chat.id}")


class SuggestionState(rx.State):
    """People to follow on the home of someone who follows nobody yet."""

    people: list[PersonChip] = []
    followed: list[str] = []

    @rx.event
    async def load(self) -> Any:
        def work(session: Session, user: User) -> list[PersonChip]:
            assert user.id is not None
            if graph.follow_counts(session, user.id)[1] > 0:
                return []
            return [
                chip(p, note_for(p.followers_count, p.mutual_count))
                for p in people.suggest_follows(session, user, limit=SUGGESTION_LIMIT)
            ]

        found = await run_as_user(self, work)
        if isinstance(found, Failed):
            # A visitor's front page is explore: nobody to suggest, nothing to say.
            return None if isinstance(found.error, NotAuthenticated) else found.toast
        self.people, self.followed = found, []
        return None

    @rx.event
    async def toggle_follow(self, username: str) -> Any:
        following = username in self.followed
        action = graph.check_unfollow if following else graph.check_follow
        done = await run_as_user(self, lambda s, u: action(s, u, username))
        if isinstance(done, Failed):
            return done.toast
        self.followed = (
            [name for name in self.followed if name != username]
            if following
            else [*self.followed, username]
        )
        return None


def note_for(followers: int, mutual: int) -> str:
    if mutual:
        return f"followed by {mutual} {'person' if mutual == 1 else 'people'} you follow"
    return f"{followers} {'follower' if followers == 1 else 'followers'}"
