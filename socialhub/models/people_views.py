"""What "getting started" shows: mention candidates, people found by search, follow suggestions
and the preview of an invite link."""

from __future__ import annotations

from pydantic import BaseModel

from socialhub.models.chat import UserBrief


class MentionCandidate(UserBrief):
    """Someone an `@prefix` may complete to."""

    in_chat: bool  # a member of the chat being written in
    is_following: bool  # the writer follows them


class PersonResult(UserBrief):
    """Someone found by people search (the picker of group members)."""

    is_following: bool


class FollowSuggestion(UserBrief):
    """Someone a user may want to follow."""

    followers_count: int
    mutual_count: int  # how many of the people the viewer follows follow them


class InvitePreview(BaseModel):
    """What an invite link leads to, shown before joining."""

    code: str
    title: str
    picture_url: str | None
    member_count: int
    is_member: bool  # the viewer is in the group already
