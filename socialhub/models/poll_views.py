"""Poll input and output shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PollSpec(BaseModel):
    """A poll to attach to a new post."""

    options: list[str] = Field(description="2-10 distinct choices, 1-100 characters each")
    multiple: bool = Field(default=False, description="voters may pick several options")
    closes_in_minutes: int = Field(
        default=24 * 60, description="5 minutes to 7 days from the post's creation"
    )
