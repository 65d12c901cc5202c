"""What the graph shows: people in follow and friend lists, and a viewer's relation to a profile."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from socialhub.models.chat import UserBrief

# How the viewer and another person stand as friends.
FriendStatus = Literal["none", "friends", "request_sent", "request_received", "self"]
RequestDirection = Literal["incoming", "outgoing"]


class PersonPage(BaseModel):
    """A page of people, newest relation first; pass `next_cursor` back for the next page."""

    people: list[UserBrief]
    next_cursor: str | None


class PersonRow(UserBrief):
    """A person in a follow, friend or request list, with how the viewer relates to them."""

    since: datetime  # when the listed relation (follow, friendship, request) began
    is_self: bool
    is_following: bool  # the viewer follows them
    follows_you: bool  # they follow the viewer
    friend_status: FriendStatus


class PeoplePage(BaseModel):
    """A page of a graph list, newest relation first; pass `next_cursor` back for the next page."""

    people: list[PersonRow]
    next_cursor: str | None


class ProfileRelation(BaseModel):
    """A profile's counts and how the viewer stands with its owner."""

    user_id: int
    followers_count: int
    following_count: int
    friends_count: int
    is_self: bool
    is_following: bool  # the viewer follows them
    follows_you: bool  # they follow the viewer
    friend_status: FriendStatus
    blocked: bool  # either of you blocks the other
    you_block: bool  # the viewer blocks them (the profile offers "unblock")
    blocks_you: bool
