"""/api/v1/users/{username}/follow, followers, following and relation: the follow graph."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import graph
from socialhub.models.graph_views import PersonPage, ProfileRelation

router = APIRouter(prefix="/users", tags=["graph"], responses=ERROR_RESPONSES)

Cursor = Annotated[str | None, Query(description="next_cursor from the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]


@router.post("/{username}/follow", response_model=ProfileRelation)
def follow(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Follow a user (following again changes nothing)."""
    with transaction() as db:
        viewer = caller.user(db)
        graph.check_follow(db, viewer, username)
        return graph.profile_relation(db, viewer, username)


@router.delete("/{username}/follow", response_model=ProfileRelation)
def unfollow(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Stop following a user (when not following: no change)."""
    with transaction() as db:
        viewer = caller.user(db)
        graph.check_unfollow(db, viewer, username)
        return graph.profile_relation(db, viewer, username)


@router.get("/{username}/relation", response_model=ProfileRelation)
def relation(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Follower and following counts, and how you and this user follow each other."""
    with transaction() as db:
        return graph.profile_relation(db, caller.user(db), username)


@router.get("/{username}/followers", response_model=PersonPage)
def followers(
    username: str, caller: CurrentCaller, cursor: Cursor = None, limit: Limit = 50
) -> PersonPage:
    """Who follows this user, most recent first."""
    with transaction() as db:
        return graph.list_followers(db, caller.user(db), username, cursor=cursor, limit=limit)


@router.get("/{username}/following", response_model=PersonPage)
def following(
    username: str, caller: CurrentCaller, cursor: Cursor = None, limit: Limit = 50
) -> PersonPage:
    """Whom this user follows, most recent first."""
    with transaction() as db:
        return graph.list_following(db, caller.user(db), username, cursor=cursor, limit=limit)
