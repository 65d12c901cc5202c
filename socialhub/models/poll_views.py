"""Poll input and output shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class PollSpec(BaseModel):
    """A poll to attach to a new post."""

    options: list[str] = Field(description="2-10 distinct choices, 1-100 characters each")
    multiple: bool = Field(default=False, description="voters may pick several options")
    closes_in_minutes: int = Field(
        default=24 * 60, description="5 minutes to 7 days from the post's creation"
    )


class PollOptionView(BaseModel):
    id: int
    text: str
    votes: int
    percent: int
    chosen: bool  # by the viewer


class PollView(BaseModel):
    options: list[PollOptionView]
    multiple: bool
    voters: int
    closes_at: datetime
    closed: bool
    voted: bool
