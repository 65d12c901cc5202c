"""/api/v1/people: mention candidates, people search, follow suggestions; and
/api/v1/invites/{code}: what an invite link leads to, before joining."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import invites, people
from socialhub.models.people_views import (
    FollowSuggestion,
    InvitePreview,
    MentionCandidate,
    PersonResult,
)

router = APIRouter(tags=["people"], responses=ERROR_RESPONSES)

Prefix = Annotated[
    str,
    Query(max_length=50, description="start of a username or display name; a leading @ is ignored"),
]
Limit = Annotated[int, Query(ge=1, le=people.LIMIT_MAX)]
ChatId = Annotated[str | None, Query(max_length=32, description="a chat you are a member of")]


@router.get("/people/mentions", response_model=list[MentionCandidate])
def mentions(
    caller: CurrentCaller, q: Prefix = "", conversation_id: ChatId = None, limit: Limit = 8
) -> list[MentionCandidate]:
    """Whom `@q` may complete to: the chat's members first (with `conversation_id`), then people
    you follow, then everyone else. An empty `q` offers only members and people you follow.
    Blocked and suspended people never appear; a chat you are not in is 404."""
    with transaction() as db:
        return people.mention_candidates(
            db, caller.user(db), q, conversation_id=conversation_id, limit=limit
        )


@router.get("/people/search", response_model=list[PersonResult])
def search(
    caller: CurrentCaller,
    q: Prefix,
    not_in_conversation: ChatId = None,
    limit: Limit = 20,
) -> list[PersonResult]:
    """People whose username or display name starts with `q`, those you follow first; never you,
    nor anyone a block stands between. `not_in_conversation` leaves out that chat's members
    (to pick people to add)."""
    with transaction() as db:
        return people.search_people(
            db, caller.user(db), q, not_in_conversation=not_in_conversation, limit=limit
        )


@router.get("/people/suggestions", response_model=list[FollowSuggestion])
def suggestions(caller: CurrentCaller, limit: Limit = 8) -> list[FollowSuggestion]:
    """People you might follow and do not yet: followed by people you follow first, then the
    most followed, then the newest accounts."""
    with transaction() as db:
        return people.suggest_follows(db, caller.user(db), limit=limit)


@router.get("/invites/{code}", response_model=InvitePreview, tags=["chats"])
def preview_invite(
    code: Annotated[str, Path(max_length=32)], caller: CurrentCaller
) -> InvitePreview:
    """The group an invite link leads to (name, picture, member count), without joining it.
    Unknown, revoked, expired and used-up links are all 404 `invite_not_found`."""
    with transaction() as db:
        return invites.preview_invite(db, caller.user(db), code)
