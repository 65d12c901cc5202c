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
    percent: int = Field(description="share of the voters who chose this option, rounded")
    chosen: bool = Field(description="in the viewer's ballot")


class PollView(BaseModel):
    """A poll's results as one viewer sees them (final once `closed`)."""

    post_id: str
    options: list[PollOptionView] = Field(description="in the author's order")
    multiple: bool
    voters: int = Field(description="people who voted")
    total_votes: int = Field(description="ballot entries: more than `voters` on multiple choice")
    closes_at: datetime
    closed: bool
    voted: bool = Field(description="the viewer has a ballot in this poll")
