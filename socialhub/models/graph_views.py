"""What the graph shows: people in follow lists and a viewer's relation to a profile."""

from __future__ import annotations

from pydantic import BaseModel

from socialhub.models.chat import UserBrief


class PersonPage(BaseModel):
    """A page of people, newest relation first; pass `next_cursor` back for the next page."""

    people: list[UserBrief]
    next_cursor: str | None


class ProfileRelation(BaseModel):
    followers_count: int
    following_count: int
    is_self: bool
    is_following: bool
    follows_you: bool
    blocked: bool  # either of you blocks the other
