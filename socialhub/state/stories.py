"""Stories in the browser: the tray of rings (home), the story composer, and the story viewer
(/stories/<username>) with the author's viewer list. Kept live by the tab's realtime listener."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import media, stories
from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.models.story_views import StoryItem, StoryList, StoryTray, StoryViewerPage
from socialhub.state.base import Failed, login_redirect, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.session import SessionState

T = TypeVar("T")

STORY_IMAGE_UPLOAD_ID = "story-image"
BACKGROUNDS, BODY_MAX = stories.BACKGROUNDS, stories.BODY_MAX  # for the components
# How long the viewer shows a story before the next: a picture 5 s, text as long as it takes to
# read (about 15 characters a second), within 5 to 15 s. The browser runs the clock
# (assets/stories.js); a hold pauses it.
STORY_SECONDS, STORY_MAX_SECONDS, READING_CHARS_PER_SECOND = 5.0, 15.0, 15.0


class RingRow(BaseModel):
    username: str
    name: str
    avatar: str
    unseen: bool
    mine: bool


class StoryCard(BaseModel):
    id: str
    kind: str
    body: str  # plain text: the component renders it as text, never as HTML
    background: str
    image: str
    when: str
    view_count: int
    seen: bool
    seconds: float  # on screen before the next one


class ViewerRow(BaseModel):
    username: str
    name: str
    avatar: str
    when: str


NO_STORY = StoryCard(
    id="",
    kind="",
    body="",
    background="",
    image="",
    when="",
    view_count=0,
    seen=True,
    seconds=STORY_SECONDS,
)


@dataclass
class StoryChange:
    """What a batch of live events asks of the stories on screen: new rings are applied from
    the events themselves (no read per follower when someone posts); a deletion reloads the tray."""

    added: list[dict[str, Any]] = field(default_factory=list)  # the authors' briefs
    tray: bool = False
    viewers: bool = False

    def needs_database(self) -> bool:
        return self.tray or self.viewers


@dataclass
class StoryLoad:
    tray: StoryTray | None
    shown: StoryList | None
    viewers: StoryViewerPage | None


def ring_rows(tray: StoryTray, me: int) -> list[RingRow]:
    return [
        RingRow(
            username=ring.author.username,
            name=ring.author.display_name or ring.author.username,
            avatar=ring.author.avatar_small_url or "",
            unseen=ring.unseen,
            mine=ring.author.id == me,
        )
        for ring in tray.rings
    ]


def story_seconds(body: str) -> float:
    """A story's time on screen: enough to read its text (a picture's caption too)."""
    reading = len(body.strip()) / READING_CHARS_PER_SECOND
    return round(min(STORY_MAX_SECONDS, max(STORY_SECONDS, reading)), 1)


def story_card(item: StoryItem, clock: Clock) -> StoryCard:
    return StoryCard(
        id=item.id,
        kind=item.kind,
        body=item.body,
        background=item.background,
        image=item.image.full_url if item.image else "",
        when=clock.time(item.created_at),
        view_count=item.view_count or 0,
        seen=item.seen,
        seconds=story_seconds(item.body),
    )


def viewer_rows(page: StoryViewerPage, clock: Clock) -> list[ViewerRow]:
    return [
        ViewerRow(
            username=v.user.username,
            name=v.user.display_name or v.user.username,
            avatar=v.user.avatar_small_url or "",
            when=clock.time(v.viewed_at),
        )
        for v in page.viewers
    ]


class StoryState(rx.State):
    # The tray (home)
    rings: list[RingRow] = []
    tray_loaded: bool = False
    # The composer
    composing: bool = False
    draft: str = ""
    background: str = stories.BACKGROUNDS[0]
    publishing: bool = False
    # The viewer (/stories/<username>)
    author_username: str = ""
    author_name: str = ""
    author_avatar: str = ""
    items: list[StoryCard] = []
    index: int = 0
    mine: bool = False
    viewing: bool = False
    paused: bool = False  # the Pause button: auto-advance stops until Play (WCAG 2.2.2)
    viewers_open: bool = False
    viewers: list[ViewerRow] = []

    @rx.var
    def story_authors(self) -> list[str]:
        return [ring.username for ring in self.rings]

    @rx.var
    def unseen_authors(self) -> list[str]:
        return [ring.username for ring in self.rings if ring.unseen]

    @rx.var
    def current(self) -> StoryCard:
        if 0 <= self.index < len(self.items):
            return self.items[self.index]
        return NO_STORY

    @rx.var
    def bars(self) -> list[str]:
        """One progress bar per story of the author: done, current (filling) or todo."""
        return [
            "done" if i < self.index else "current" if i == self.index else "todo"
            for i in range(len(self.items))
        ]

    @rx.var
    def progress(self) -> str:
        return f"{self.index + 1} / {len(self.items)}" if self.items else ""

    async def _me(self) -> int:
        return (await self.get_state(SessionState))._user_id

    # The tray ------------------------------------------------------------------------------------

    @rx.event
    async def load_tray(self) -> Any:
        self.viewing = False
        tray = await run_as_user(self, stories.story_tray)
        if isinstance(tray, Failed):
            return None  # signed out: the page's own guard redirects
        self.rings, self.tray_loaded = ring_rows(tray, await self._me()), True
        return None

    def _ring_up(self, author: dict[str, Any], me: int) -> None:
        """A new story by `author`: their ring turns unseen (yours stays seen) and moves to the
        front, after your own."""
        username = str(author.get("username", ""))
        mine = author.get("id") == me
        ring = next((r for r in self.rings if r.username == username), None)
        if ring is None:
            ring = RingRow(
                username=username,
                name=str(author.get("display_name") or username),
                avatar=str(author.get("avatar_small_url") or ""),
                unseen=not mine,
                mine=mine,
            )
        else:
            ring.unseen = not mine
        others = [r for r in self.rings if r.username != username]
        own = [r for r in others if r.mine]
        rest = [r for r in others if not r.mine]
        self.rings = [ring, *own, *rest] if mine else [*own, ring, *rest]

    # The composer --------------------------------------------------------------------------------

    @rx.event
    def set_composing(self, value: bool) -> None:
        self.composing = value

    @rx.event
    def set_draft(self, value: str) -> None:
        self.draft = value

    @rx.event
    def set_background(self, value: str) -> None:
        self.background = value

    @rx.event
    async def publish(self, files: list[rx.UploadFile]) -> Any:
        """Post the story: the selected image (with the text as caption) or the text alone."""
        if self.publishing:
            return
        self.publishing = True
        yield
        image = await files[0].read(media.image_read_limit()) if files else None
        body, background = self.draft, self.background

        def work(session: Session, user: User) -> StoryTray:
            stories.check_create_story(session, user, body=body, background=background, image=image)
            return stories.story_tray(session, user)

        tray = await run_as_user(self, work)
        self.publishing = False
        if isinstance(tray, Failed):
            yield tray.toast
            return
        self.composing, self.draft = False, ""
        self.rings, self.tray_loaded = ring_rows(tray, await self._me()), True
        yield [rx.clear_selected_files(STORY_IMAGE_UPLOAD_ID), rx.toast.success("Story added")]

    # The viewer ----------------------------------------------------------------------------------

    def _author_argument(self) -> str:
        parts = [p for p in self.router.url.path.split("/") if p]
        return parts[1] if len(parts) > 1 and parts[0] == "stories" else ""

    @rx.event
    async def open_viewer(self) -> Any:
        redirect = await login_redirect(self)
        if redirect is not None:
            return redirect
        username = self._author_argument()
        self.viewers_open, self.viewers, self.paused = False, [], False
        shown = await run_as_user(self, lambda s, u: stories.list_stories(s, u, username))
        if isinstance(shown, Failed):
            self.items, self.viewing = [], False
            # The page says "No stories" itself: no toast on top for someone missing.
            return None if isinstance(shown.error, NotFound) else shown.toast
        self._show(shown, await self._me())
        unseen = [i for i, item in enumerate(shown.stories) if not item.seen]
        self.index = unseen[0] if unseen else 0
        self.viewing = True
        return await self._mark_seen()

    def _show(self, shown: StoryList, me: int) -> None:
        self.author_username = shown.author.username
        self.author_name = shown.author.display_name or shown.author.username
        self.author_avatar = shown.author.avatar_small_url or ""
        self.mine = shown.author.id == me
        clock = tab_clock(self)
        self.items = [story_card(item, clock) for item in shown.stories]
        self.index = min(self.index, max(len(self.items) - 1, 0))

    async def _on_current(self, action: Callable[[Session, User, str], T]) -> T | Failed:
        """Run `action(session, you, the story on screen)` as the tab's user."""
        story_id = self.items[self.index].id
        return await run_as_user(self, lambda s, u: action(s, u, story_id))

    async def _mark_seen(self) -> Any:
        if self.mine or not self.items:
            return None
        seen = await self._on_current(stories.check_view_story)
        if isinstance(seen, Failed):
            return seen.toast  # it expired or was deleted meanwhile
        self.items[self.index].seen = True
        for ring in self.rings:
            if ring.username == self.author_username:
                ring.unseen = not all(item.seen for item in self.items)
        return None

    @rx.event
    async def step(self, delta: int) -> Any:
        """The next or previous story; past the last one, back home."""
        target = self.index + delta
        if target >= len(self.items):
            return rx.redirect("/")
        self.index = max(target, 0)
        if self.viewers_open:
            await self._load_viewers()
        return await self._mark_seen()

    @rx.event
    def toggle_pause(self) -> None:
        self.paused = not self.paused

    async def _load_viewers(self) -> Any:
        if not self.mine or not self.items:
            return None
        page = await self._on_current(stories.list_viewers)
        if isinstance(page, Failed):
            return page.toast
        self.viewers = viewer_rows(page, tab_clock(self))
        return None

    @rx.event
    async def toggle_viewers(self) -> Any:
        self.viewers_open = not self.viewers_open
        if self.viewers_open:
            return await self._load_viewers()
        return None

    @rx.event
    async def delete_current(self) -> Any:
        if not self.mine or not self.items:
            return None
        story_id = self.items[self.index].id
        deleted = await self._on_current(stories.check_delete_story)
        if isinstance(deleted, Failed):
            return deleted.toast
        self.items = [item for item in self.items if item.id != story_id]
        self.viewers_open = False
        if not self.items:
            return [rx.toast.success("Story deleted"), rx.redirect("/")]
        self.index = min(self.index, len(self.items) - 1)
        return rx.toast.success("Story deleted")

    # Live events (called by the realtime listener) -----------------------------------------------

    def _story_change(self, events: list[dict[str, Any]]) -> StoryChange:
        """What these events change on screen (read under the state lock, no database)."""
        change = StoryChange()
        for event in events:
            if event.get("type") != "story":
                continue
            op, data = event.get("op"), event.get("data", {})
            if op == "add" and self.tray_loaded and data.get("author"):
                change.added.append(data["author"])
            elif op == "delete":
                change.tray = self.tray_loaded
            elif op == "view" and self.viewing and self.mine:
                change.viewers = True
        return change

    def _load_args(self) -> tuple[str, str]:
        """The author on screen and the story whose viewers are open (for _load_change)."""
        story_id = self.items[self.index].id if self.viewers_open and self.items else ""
        return (self.author_username if self.viewing else ""), story_id

    @staticmethod
    def _load_change(
        session: Session, user: User, change: StoryChange, author: str, story_id: str
    ) -> StoryLoad:
        """The database side of a change (outside the state lock)."""
        tray = stories.story_tray(session, user) if change.tray else None
        shown = viewers = None
        if change.viewers and author:
            shown = stories.list_stories(session, user, author)
            if story_id and any(item.id == story_id for item in shown.stories):
                viewers = stories.list_viewers(session, user, story_id)
        return StoryLoad(tray=tray, shown=shown, viewers=viewers)

    def _apply_change(self, change: StoryChange, loaded: StoryLoad | None, me: int) -> None:
        for author in change.added:
            self._ring_up(author, me)
        if loaded is None:
            return
        if loaded.tray is not None:
            self.rings = ring_rows(loaded.tray, me)
        if loaded.shown is not None:
            self._show(loaded.shown, me)
        if loaded.viewers is not None:
            self.viewers = viewer_rows(loaded.viewers, tab_clock(self))
