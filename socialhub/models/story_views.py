"""What stories look like to a viewer: the tray of rings, a person's stories, the viewer list."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from socialhub.models.chat import UserBrief
from socialhub.models.post_views import PictureView


class StoryItem(BaseModel):
    id: str
    author: UserBrief
    kind: str  # text | image
    body: str  # the text, or an image's caption
    background: str  # a text story's colour (one of stories.BACKGROUNDS)
    image: PictureView | None
    created_at: datetime
    expires_at: datetime
    seen: bool  # the viewer has opened it (always true for the author)
    view_count: int | None  # for the author only


class StoryList(BaseModel):
    """One person's live stories, oldest first (empty when the viewer may not see them)."""

    author: UserBrief
    stories: list[StoryItem]


class StoryRing(BaseModel):
    """A person in the tray: `unseen` draws the ring."""

    author: UserBrief
    count: int
    unseen: bool
    latest_at: datetime


class StoryTray(BaseModel):
    """Your own ring first, then unseen rings, then the rest, newest first."""

    rings: list[StoryRing]


class StoryViewer(BaseModel):
    user: UserBrief
    viewed_at: datetime


class StoryViewerPage(BaseModel):
    """Who opened a story, most recent first; pass `next_cursor` back for the next page."""

    viewers: list[StoryViewer]
    next_cursor: str | None
