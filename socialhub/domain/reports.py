"""Reports: anyone may report a post, a comment or a user they can see; site admins read the
moderation queue.

Rules:
- `reason` is one of `ReportReason`; `details` is plain text up to 1,000 characters, required when
  the reason is "other".
- The target must exist and be visible to the reporter, and a hidden target looks missing: a post
  by id (`access_post`), a comment by id (`access_comment`: its post visible, no block either
  way), a user by username (`access_user`: any active account, also one you blocked).
- Nobody reports themselves, their own posts or their own comments ("self_report").
- One open report per reporter and target: a repeat is refused (Conflict "already_reported") until
  a moderator resolves or dismisses the first, so a client can say "already reported".
- An account files at most `RATE_LIMIT_REPORT` reports (20 an hour by default; RateLimited).

Stored target ids are the post or comment id, or the user's id (usernames can be reused).

Event: a new report is stored for every site admin (type "report", op "add", data {"report_id",
"target_kind", "reason"}), so the moderation queue can update live.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain import ratelimit
from socialhub.domain.chats import user_brief
from socialhub.domain.comments import access_comment
from socialhub.domain.errors import Conflict, InvalidInput, PermissionDenied
from socialhub.domain.pagination import id_cursor
from socialhub.domain.post_access import access_post
from socialhub.domain.users import access_user
from socialhub.domain.validation import clean_text
from socialhub.models import (
    Comment,
    Post,
    Report,
    ReportStatus,
    ReportTarget,
    SiteRole,
    User,
)
from socialhub.models.report_views import ReportPage, ReportReason, ReportView
from socialhub.realtime.events import publish_on_commit

DETAILS_MAX = 1000
EXCERPT_LENGTH = 200
PAGE_MAX = 100


def _reason(value: str) -> ReportReason:
    try:
        return ReportReason(value)
    except ValueError as exc:
        raise InvalidInput(
            "reason must be one of " + ", ".join(r.value for r in ReportReason),
            field="reason",
            code="bad_reason",
        ) from exc


def _kind(value: str) -> ReportTarget:
    try:
        return ReportTarget(value)
    except ValueError as exc:
        raise InvalidInput(
            "target_kind must be post, comment or user", field="target_kind", code="bad_target"
        ) from exc


def _target(
    session: Session, reporter: User, kind: ReportTarget, target_id: str
) -> tuple[str, int]:
    """The stored id of a target the reporter may see, and the user it belongs to."""
    if kind is ReportTarget.post:
        post = access_post(session, reporter, target_id)
        return post.id, post.author_id
    if kind is ReportTarget.comment:
        comment, _post = access_comment(session, reporter, target_id)
        return comment.id, comment.author_id
    user = access_user(session, target_id)
    assert user.id is not None
    return str(user.id), user.id


def _lock_reports_of(session: Session, reporter_id: int) -> None:
    """One reporter's reports are written one at a time, each looking for an open duplicate only
    once it holds the lock: a double click cannot file the same report twice."""
    if session.get_bind().dialect.name == "sqlite":
        # A SQLite transaction takes the database's writer lock at its first write.
        session.execute(
            sa.update(User)
            .where(col(User.id) == reporter_id)
            .values(role=col(User.role))
            .execution_options(synchronize_session=False)
        )
    else:
        session.execute(
            select(User.id).where(col(User.id) == reporter_id).with_for_update(key_share=True)
        )


def check_report(
    session: Session,
    reporter: User,
    *,
    target_kind: str,
    target_id: str,
    reason: str,
    details: str = "",
) -> Report:
    """File a report for the moderation queue (see the module's rules)."""
    assert reporter.id is not None
    kind = _kind(target_kind)
    why = _reason(reason)
    text = clean_text(details, field="details", max_length=DETAILS_MAX, multiline=True)
    if why is ReportReason.other and not text:
        raise InvalidInput(
            "say what is wrong when the reason is other", field="details", code="details_required"
        )
    stored_id, owner_id = _target(session, reporter, kind, target_id)
    if owner_id == reporter.id:
        raise InvalidInput("you cannot report yourself", field="target_id", code="self_report")
    _lock_reports_of(session, reporter.id)
    duplicate = session.exec(
        select(Report.id).where(
            col(Report.reporter_id) == reporter.id,
            col(Report.target_kind) == kind.value,
            col(Report.target_id) == stored_id,
            col(Report.status) == ReportStatus.open.value,
        )
    ).first()
    if duplicate is not None:
        raise Conflict(
            "you have already reported this",
            code="already_reported",
            details={"report_id": duplicate},
        )
    ratelimit.hit("report", f"user:{reporter.id}")
    report = Report(
        reporter_id=reporter.id,
        target_kind=kind.value,
        target_id=stored_id,
        reason=why.value,
        details=text,
    )
    session.add(report)
    session.flush()
    admins = session.exec(
        select(User.id).where(
            col(User.role) == SiteRole.admin.value, col(User.suspended_at).is_(None)
        )
    ).all()
    publish_on_commit(
        session,
        type="report",
        op="add",
        data={"report_id": report.id, "target_kind": kind.value, "reason": why.value},
        users=[a for a in admins if a is not None],
    )
    return report


# The moderation queue ----------------------------------------------------------------------------


def _excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT_LENGTH else body[: EXCERPT_LENGTH - 1] + "…"


def report_views(session: Session, reports: Sequence[Report]) -> list[ReportView]:
    """Reports with their reporter and target, in a fixed number of queries."""
    wanted = {
        kind: {r.target_id for r in reports if r.target_kind == kind} for kind in ReportTarget
    }
    posts = (
        {
            p.id: p
            for p in session.exec(select(Post).where(col(Post.id).in_(wanted[ReportTarget.post])))
        }
        if wanted[ReportTarget.post]
        else {}
    )
    comments = (
        {
            c.id: c
            for c in session.exec(
                select(Comment).where(col(Comment.id).in_(wanted[ReportTarget.comment]))
            )
        }
        if wanted[ReportTarget.comment]
        else {}
    )
    user_ids = {r.reporter_id for r in reports}
    user_ids |= {int(t) for t in wanted[ReportTarget.user] if t.isdigit()}
    user_ids |= {p.author_id for p in posts.values()} | {c.author_id for c in comments.values()}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids)))}

    def view(report: Report) -> ReportView:
        owner: int | None = None
        excerpt = ""
        if report.target_kind == ReportTarget.post.value:
            post = posts.get(report.target_id)
            owner, excerpt = (post.author_id, _excerpt(post.body)) if post else (None, "")
        elif report.target_kind == ReportTarget.comment.value:
            comment = comments.get(report.target_id)
            owner, excerpt = (comment.author_id, _excerpt(comment.body)) if comment else (None, "")
        elif report.target_id.isdigit():
            owner = int(report.target_id)
        target = users.get(owner) if owner is not None else None
        return ReportView(
            id=report.id,
            reporter=user_brief(users[report.reporter_id]),
            target_kind=ReportTarget(report.target_kind),
            target_id=report.target_id,
            target_user=user_brief(target) if target else None,
            target_excerpt=excerpt,
            target_gone=target is None,
            reason=ReportReason(report.reason),
            details=report.details,
            status=report.status,
            created_at=report.created_at,
        )

    return [view(report) for report in reports]


def list_open_reports(
    session: Session, admin: User, *, after: str | None = None, limit: int = 50
) -> ReportPage:
    """The moderation queue, oldest first; for site admins only."""
    if admin.role != SiteRole.admin.value:
        raise PermissionDenied("only site admins see reports", code="not_admin")
    limit = max(1, min(limit, PAGE_MAX))
    query = select(Report).where(col(Report.status) == ReportStatus.open.value)
    if (cursor := id_cursor(after, "after")) is not None:
        query = query.where(col(Report.id) > cursor)
    rows = list(session.exec(query.order_by(col(Report.id)).limit(limit + 1)).all())
    page = rows[:limit]
    return ReportPage(
        reports=report_views(session, page),
        next_cursor=page[-1].id if len(rows) > limit else None,
    )
