"""/api/v1/posts/{id}/poll and /vote: poll results and voting."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import polls
from socialhub.models.poll_views import PollView

router = APIRouter(tags=["polls"], responses=ERROR_RESPONSES)


class Ballot(BaseModel):
    option_ids: list[int] = Field(
        description="one option id, or several distinct ones when the poll allows it",
        max_length=10,
    )


@router.get("/posts/{post_id}/poll", response_model=PollView)
def poll(post_id: str, caller: CurrentCaller) -> PollView:
    """Results so far (final once closed), with your choices.

    404 `post_not_found` for a post you may not see, `poll_not_found` for a post without a poll.
    """
    with transaction() as db:
        return polls.get_poll(db, caller.user(db), post_id)


@router.post("/posts/{post_id}/vote", response_model=PollView)
def vote(post_id: str, body: Ballot, caller: CurrentCaller) -> PollView:
    """Vote, or change your vote, until the poll closes; the same ballot again changes nothing.

    Errors: 422 `bad_option` (empty, or an option of another poll), `duplicate_option`,
    `single_choice` (several options on a single-choice poll); 409 `poll_closed`; 404
    `post_not_found` / `poll_not_found`. Viewers of the post get a "poll"/"update" event.
    """
    with transaction() as db:
        return polls.check_vote(db, caller.user(db), post_id, body.option_ids)


@router.delete("/posts/{post_id}/vote", status_code=status.HTTP_204_NO_CONTENT)
def retract(post_id: str, caller: CurrentCaller) -> Response:
    """Take your vote back while the poll is open (no vote: no change); 409 `poll_closed`."""
    with transaction() as db:
        polls.check_retract_vote(db, caller.user(db), post_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
