"""/api/v1 threads: thin calls to domain/threads.py. A thread's messages are read and sent
through the messenger's own endpoints (`/chats/{thread_id}/messages`): a thread is a
conversation of its own."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import AN_ID, text_rules
from socialhub.db import transaction
from socialhub.domain import threads
from socialhub.models.thread_views import ThreadList, ThreadView
from socialhub.models.threads import ARCHIVE_MINUTES, DEFAULT_ARCHIVE_MINUTES

router = APIRouter(tags=["threads"], responses=ERROR_RESPONSES)

THREAD_NAME = text_rules(threads.NAME_MAX, visible=True)
ARCHIVE: dict[str, Any] = {"enum": list(ARCHIVE_MINUTES)}
CHANNEL_404 = "No such channel, or not one you may see (`channel_not_found`)"
THREAD_404 = "No such thread, or one under a channel you may not see (`thread_not_found`)"
MANAGE_403 = (
    "Only the thread's creator or a member with MANAGE_CHANNELS in its channel "
    "(`missing_permission`)"
)


def _answers(not_found: str, forbidden: str) -> dict[int | str, dict[str, Any]]:
    return {
        403: {"model": ErrorResponse, "description": forbidden},
        404: {"model": ErrorResponse, "description": not_found},
    }


class ThreadCreate(BaseModel):
    name: str | None = Field(
        default=None,
        description='1-100 characters; defaults to the message\'s text, or "New thread"',
        json_schema_extra=THREAD_NAME,
    )
    message_id: str | None = Field(
        default=None,
        description="start it from this message of the channel; absent: an empty thread",
        json_schema_extra=AN_ID,
    )
    auto_archive_minutes: int = Field(
        default=DEFAULT_ARCHIVE_MINUTES,
        description="archive after this long without a message: 60 (1 h), 1440 (24 h), "
        "4320 (3 days) or 10080 (1 week)",
        json_schema_extra=ARCHIVE,
    )


class ThreadUpdate(BaseModel):
    name: str | None = Field(default=None, json_schema_extra=THREAD_NAME)
    auto_archive_minutes: int | None = Field(
        default=None, description="60, 1440, 4320 or 10080", json_schema_extra=ARCHIVE
    )


@router.post(
    "/channels/{channel_id}/threads",
    response_model=ThreadView,
    status_code=status.HTTP_201_CREATED,
    responses={
        **_answers(
            "No such channel or message, or not one you may see (`channel_not_found`, "
            "`message_not_found`)",
            "You lack CREATE_THREADS in this channel (`missing_permission`)",
        ),
        409: {
            "model": ErrorResponse,
            "description": "The message already has a thread (`thread_exists`)",
        },
    },
)
def create_thread(channel_id: str, body: ThreadCreate, caller: CurrentCaller) -> ThreadView:
    """Start a thread under a text or announcement channel, empty or from one of its messages.
    Needs CREATE_THREADS there. 422: `empty`, `too_long` (name), `bad_archive_duration`,
    `bad_parent` (a posts channel or a thread). Its viewers are the channel's; they hear a
    ("channel", "thread") event in the channel's stream."""
    with transaction() as db:
        user = caller.user(db)
        made = threads.check_create_thread(
            db,
            user,
            channel_id,
            name=body.name,
            message_id=body.message_id,
            auto_archive_minutes=body.auto_archive_minutes,
        )
        return threads.get_thread(db, user, made.id)


@router.get(
    "/channels/{channel_id}/threads",
    response_model=ThreadList,
    responses={404: {"model": ErrorResponse, "description": CHANNEL_404}},
)
def list_threads(channel_id: str, caller: CurrentCaller) -> ThreadList:
    """The channel's threads: the active ones first (latest activity first), then the archived
    ones. A thread archives by itself once its delay passes without a message."""
    with transaction() as db:
        return threads.list_threads(db, caller.user(db), channel_id)


@router.get(
    "/threads/{thread_id}",
    response_model=ThreadView,
    responses={404: {"model": ErrorResponse, "description": THREAD_404}},
)
def get_thread(thread_id: str, caller: CurrentCaller) -> ThreadView:
    """One thread. Its messages: GET/POST `/chats/{thread_id}/messages` (sending needs
    SEND_IN_THREADS, and reopens an archived thread)."""
    with transaction() as db:
        return threads.get_thread(db, caller.user(db), thread_id)


@router.patch(
    "/threads/{thread_id}",
    response_model=ThreadView,
    responses=_answers(THREAD_404, MANAGE_403),
)
def update_thread(thread_id: str, body: ThreadUpdate, caller: CurrentCaller) -> ThreadView:
    """Rename it or change its archive delay. 422: `empty`, `too_long`, `bad_archive_duration`."""
    with transaction() as db:
        user = caller.user(db)
        threads.check_update_thread(
            db,
            user,
            thread_id,
            name=body.name,
            auto_archive_minutes=body.auto_archive_minutes,
        )
        return threads.get_thread(db, user, thread_id)


@router.post(
    "/threads/{thread_id}/archive",
    response_model=ThreadView,
    responses=_answers(THREAD_404, MANAGE_403),
)
def archive_thread(thread_id: str, caller: CurrentCaller) -> ThreadView:
    """Archive it now (a new message, or an unarchive, reopens it)."""
    with transaction() as db:
        user = caller.user(db)
        threads.check_archive_thread(db, user, thread_id)
        return threads.get_thread(db, user, thread_id)


@router.post(
    "/threads/{thread_id}/unarchive",
    response_model=ThreadView,
    responses=_answers(
        THREAD_404,
        "You lack SEND_IN_THREADS here, or are timed out (`missing_permission`, `timed_out`)",
    ),
)
def unarchive_thread(thread_id: str, caller: CurrentCaller) -> ThreadView:
    """Reopen it. As on Discord, whoever may send in a thread may unarchive it (sending does
    too); the archive delay starts again from now."""
    with transaction() as db:
        user = caller.user(db)
        threads.check_unarchive_thread(db, user, thread_id)
        return threads.get_thread(db, user, thread_id)
