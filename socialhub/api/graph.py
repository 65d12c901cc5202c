"""/api/v1/users/{username}/follow, /followers, /following, /relation, /friend-request, /friend and
/api/v1/me/friends, /me/friend-requests: follows and friends."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import Session

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.api.params import TimeCursor
from socialhub.db import transaction
from socialhub.domain import graph
from socialhub.models import User
from socialhub.models.graph_views import PeoplePage, ProfileRelation, RequestDirection

router = APIRouter(tags=["graph"], responses=ERROR_RESPONSES)

Cursor = TimeCursor
Limit = Annotated[int, Query(ge=1, le=graph.PAGE_MAX)]

Change = Callable[[Session, User, str], User]


def _change(caller: CurrentCaller, username: str, change: Change) -> ProfileRelation:
    """Apply one graph change and answer with the relation as it now stands."""
    with transaction() as db:
        viewer = caller.user(db)
        target = change(db, viewer, username)
        return graph.profile_relation(db, viewer, target)


@router.post("/users/{username}/follow", response_model=ProfileRelation)
def follow(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Follow a user (following again changes nothing). 422 `follow_self`; 403 `blocked` when
    either of you blocks the other; 404 `user_not_found`."""
    return _change(caller, username, graph.check_follow)


@router.delete("/users/{username}/follow", response_model=ProfileRelation)
def unfollow(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Stop following a user (when not following: no change). 404 `user_not_found`."""
    return _change(caller, username, graph.check_unfollow)


@router.get("/users/{username}/relation", response_model=ProfileRelation)
def relation(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Follower, following and friend counts, and how you and this user stand: follows both ways,
    friendship or pending request, blocks. 404 `user_not_found`."""
    with transaction() as db:
        return graph.profile_relation(db, caller.user(db), username)


@router.get("/users/{username}/followers", response_model=PeoplePage)
def followers(
    username: str, caller: CurrentCaller, cursor: Cursor = None, limit: Limit = 50
) -> PeoplePage:
    """Who follows this user, most recent first, each with your relation to them (empty when
    either of you blocks the other). 422 `bad_cursor`; 404 `user_not_found`."""
    with transaction() as db:
        return graph.list_followers(db, caller.user(db), username, cursor=cursor, limit=limit)


@router.get("/users/{username}/following", response_model=PeoplePage)
def following(
    username: str, caller: CurrentCaller, cursor: Cursor = None, limit: Limit = 50
) -> PeoplePage:
    """Whom this user follows, most recent first, each with your relation to them (empty when
    either of you blocks the other). 422 `bad_cursor`; 404 `user_not_found`."""
    with transaction() as db:
        return graph.list_following(db, caller.user(db), username, cursor=cursor, limit=limit)


@router.post("/users/{username}/friend-request", response_model=ProfileRelation)
def send_friend_request(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Ask a user to be friends (again, or already friends: no change); when they have already
    asked you, this accepts their request. 422 `friend_self`; 403 `blocked`; 404
    `user_not_found`."""
    return _change(caller, username, graph.check_send_friend_request)


@router.delete("/users/{username}/friend-request", response_model=ProfileRelation)
def cancel_friend_request(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Take back your pending request to this user (none pending: no change). 404
    `user_not_found`."""
    return _change(caller, username, graph.check_cancel_friend_request)


@router.post("/users/{username}/friend-request/accept", response_model=ProfileRelation)
def accept_friend_request(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Accept this user's pending request (already friends: no change). 404
    `friend_request_not_found` or `user_not_found`; 422 `friend_self`."""
    return _change(caller, username, graph.check_accept_friend_request)


@router.post("/users/{username}/friend-request/decline", response_model=ProfileRelation)
def decline_friend_request(username: str, caller: CurrentCaller) -> ProfileRelation:
    """Decline this user's pending request. 404 `friend_request_not_found` or
    `user_not_found`."""
    return _change(caller, username, graph.check_decline_friend_request)


@router.delete("/users/{username}/friend", response_model=ProfileRelation)
def unfriend(username: str, caller: CurrentCaller) -> ProfileRelation:
    """End your friendship with this user (not friends: no change); follows stay. 404
    `user_not_found`."""
    return _change(caller, username, graph.check_unfriend)


@router.get("/me/friends", response_model=PeoplePage)
def friends(caller: CurrentCaller, cursor: Cursor = None, limit: Limit = 50) -> PeoplePage:
    """Your friends, newest friendship first. 422 `bad_cursor`."""
    with transaction() as db:
        return graph.list_friends(db, caller.user(db), cursor=cursor, limit=limit)


@router.get("/me/friend-requests", response_model=PeoplePage)
def friend_requests(
    caller: CurrentCaller,
    direction: Annotated[
        RequestDirection, Query(description="requests to you, or the ones you sent")
    ] = "incoming",
    cursor: Cursor = None,
    limit: Limit = 50,
) -> PeoplePage:
    """Pending friend requests to you (incoming) or from you (outgoing), newest first. 422
    `bad_cursor`."""
    with transaction() as db:
        return graph.list_friend_requests(
            db, caller.user(db), direction=direction, cursor=cursor, limit=limit
        )
