"""/api/v1/stories and /users/{username}/stories: stories, their tray and their viewers, on the same
domain functions as the web app."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.api.params import TimeCursor, one_of, text_rules
from socialhub.api.posts import no_content
from socialhub.api.users import read_limited
from socialhub.db import transaction
from socialhub.domain import stories
from socialhub.models.story_views import StoryItem, StoryList, StoryTray, StoryViewerPage

router = APIRouter(tags=["stories"], responses=ERROR_RESPONSES)


@router.post("/stories", response_model=StoryItem, status_code=status.HTTP_201_CREATED)
def create_story(
    caller: CurrentCaller,
    body: Annotated[
        str,
        Form(
            description="the text (required without an image) or a caption; 500 max",
            json_schema_extra=text_rules(stories.BODY_MAX),
        ),
    ] = "",
    background: Annotated[
        str,
        Form(
            description=f"a text story's colour: {', '.join(stories.BACKGROUNDS)}",
            json_schema_extra=one_of(stories.BACKGROUNDS),
        ),
    ] = stories.BACKGROUNDS[0],
    image: Annotated[
        UploadFile | None, File(description="a JPEG, PNG, WebP or GIF file: an image story")
    ] = None,
) -> StoryItem:
    """Post a story (multipart/form-data) that your followers see for 24 hours.

    An image is re-encoded to WebP (640 and 1600 px) without its metadata. Errors: 422 `empty`,
    `too_long`, `bad_background`, `too_many_stories` (50 live at most); 413 `too_large`; 415
    `unsupported_media` (not an image).
    """
    with transaction() as db:
        author = caller.user(db)
        story = stories.check_create_story(
            db,
            author,
            body=body,
            background=background,
            image=read_limited(image) if image is not None else None,
        )
        return stories.story_item(db, author, story)


@router.get("/stories", response_model=StoryTray)
def tray(caller: CurrentCaller) -> StoryTray:
    """Whose stories you can watch now: yours first, then rings with unseen stories."""
    with transaction() as db:
        return stories.story_tray(db, caller.user(db))


@router.get("/users/{username}/stories", response_model=StoryList)
def user_stories(username: str, caller: CurrentCaller) -> StoryList:
    """A person's live stories, oldest first; empty unless you follow them (or are them).
    Errors: 404 `user_not_found`."""
    with transaction() as db:
        return stories.list_stories(db, caller.user(db), username)


@router.post("/stories/{story_id}/view", response_model=StoryItem)
def view_story(story_id: str, caller: CurrentCaller) -> StoryItem:
    """Mark a story seen (again: no change); its author learns who saw it.
    Errors: 404 `story_not_found` (missing, expired, or not for you)."""
    with transaction() as db:
        user = caller.user(db)
        return stories.story_item(db, user, stories.check_view_story(db, user, story_id))


@router.get("/stories/{story_id}/viewers", response_model=StoryViewerPage)
def viewers(
    story_id: str,
    caller: CurrentCaller,
    cursor: TimeCursor = None,
    limit: Annotated[int, Query(ge=1, le=stories.PAGE_MAX)] = 50,
) -> StoryViewerPage:
    """Who has seen your story, most recent first. Errors: 403 `not_author`; 404
    `story_not_found`; 422 `bad_cursor`."""
    with transaction() as db:
        return stories.list_viewers(db, caller.user(db), story_id, cursor=cursor, limit=limit)


@router.delete("/stories/{story_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_story(story_id: str, caller: CurrentCaller) -> Response:
    """Delete your story, its views and its image. Errors: 403 `not_author`; 404
    `story_not_found`."""
    with transaction() as db:
        stories.check_delete_story(db, caller.user(db), story_id)
    return no_content()
