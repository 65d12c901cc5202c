"""/api/v1/reports, /admin/reports and /trending: reporting content for moderation, the
moderation queue, and trending hashtags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller, OptionalCaller, reader
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import reports, trending
from socialhub.domain.visitors import PublicRead
from socialhub.models.report_views import ReportPage, ReportView, TrendingTag

router = APIRouter(tags=["reports"], responses=ERROR_RESPONSES)


class ReportCreate(BaseModel):
    target_kind: str = Field(description="post, comment or user")
    target_id: str = Field(
        max_length=100, description="the post or comment id; for a user, their username"
    )
    reason: str = Field(
        description="spam, harassment, hate, violence, nudity, misinformation or other"
    )
    details: str = Field(default="", description="up to 1,000 characters; required for other")


@router.post("/reports", response_model=ReportView, status_code=status.HTTP_201_CREATED)
def create_report(body: ReportCreate, caller: CurrentCaller) -> ReportView:
    """Report a post, comment or user you can see, for the moderators.

    Errors: 422 `bad_target`, `bad_reason`, `details_required`, `too_long`, `self_report`; 404
    `post_not_found` / `comment_not_found` / `user_not_found` (also for what you may not see);
    409 `already_reported` while your earlier report of the same target is open.
    """
    with transaction() as db:
        report = reports.check_report(
            db,
            caller.user(db),
            target_kind=body.target_kind,
            target_id=body.target_id,
            reason=body.reason,
            details=body.details,
        )
        return reports.report_views(db, [report])[0]


@router.get("/admin/reports", response_model=ReportPage)
def open_reports(
    caller: CurrentCaller,
    after: Annotated[str | None, Query(description="`next_cursor` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ReportPage:
    """The moderation queue: open reports, oldest first. Site admins only (403 `not_admin`)."""
    with transaction() as db:
        return reports.list_open_reports(db, caller.user(db), after=after, limit=limit)


@router.get("/trending", response_model=list[TrendingTag], tags=["trending"])
def trending_hashtags(
    caller: OptionalCaller, limit: Annotated[int, Query(ge=1, le=trending.KEPT)] = trending.SHOWN
) -> list[TrendingTag]:
    """Top hashtags by distinct authors over the last 24 hours, recent use weighing more;
    refreshed every few minutes by a background job. Also without a token."""
    with transaction() as db:
        reader(db, caller, PublicRead.trending)
        return trending.list_trending(db, limit)
