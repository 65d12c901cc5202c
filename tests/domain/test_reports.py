"""Reports: what may be reported, by whom, once while open; the queue is for site admins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import blocks, reports
from socialhub.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from socialhub.models import Comment, Follow, Post, Report, ReportStatus, SiteRole, User
from socialhub.models.base import utcnow
from socialhub.models.report_views import ReportPage
from tests.conftest import reset_settings
from tests.support.chat import key, only, recipients
from tests.support.social import act


def make_post(author: int, body: str = "a post", *, visibility: str = "public") -> str:
    """Written straight to the database (post creation is another part's)."""
    with transaction() as s:
        post = Post(author_id=author, body=body, visibility=visibility)
        s.add(post)
        s.flush()
        return post.id


def make_comment(author: int, post_id: str, body: str = "a comment") -> str:
    with transaction() as s:
        comment = Comment(post_id=post_id, author_id=author, body=body)
        s.add(comment)
        s.flush()
        return comment.id


def set_user(user_id: int, **values: Any) -> None:
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)
        s.add(user)


def report(reporter: int, kind: str, target: str, reason: str = "spam", details: str = "") -> str:
    return act(
        reporter,
        lambda s, u: (
            reports.check_report(
                s, u, target_kind=kind, target_id=target, reason=reason, details=details
            ).id
        ),
    )


def queue(admin: int, **page: Any) -> ReportPage:
    return act(admin, lambda s, u: reports.list_open_reports(s, u, **page))


@pytest.fixture
def people(make_user: Callable[..., int]) -> tuple[int, int, int, int]:
    alice, bob, carol, boss = (make_user(n) for n in ("alice", "bob", "carol", "boss"))
    set_user(boss, role=SiteRole.admin.value)
    return alice, bob, carol, boss


def test_reports_of_a_post_a_comment_and_a_user_reach_the_admins(
    people: tuple[int, int, int, int], events: list, make_user: Callable[..., int]
) -> None:
    alice, bob, carol, boss = people
    retired = make_user("retired")
    set_user(retired, role=SiteRole.admin.value, suspended_at=utcnow())
    post_id = make_post(alice, "buy followers at example.com " * 10)
    comment_id = make_comment(carol, post_id, "you are all idiots")
    events.clear()

    first = report(bob, "post", post_id, "spam", "  a bot, again \n")
    assert recipients(events, "report", "add") == {key(boss)}
    (event,) = only(events, "report", "add")
    assert event["data"] == {"report_id": first, "target_kind": "post", "reason": "spam"}
    report(bob, "comment", comment_id, "harassment")
    report(bob, "user", "ALICE", "other", "impersonates a friend")
    assert len(only(events, "report", "add")) == 3

    page = queue(boss)
    assert page.next_cursor is None
    assert [
        (r.target_kind, r.reason, r.target_user and r.target_user.username) for r in page.reports
    ] == [
        ("post", "spam", "alice"),
        ("comment", "harassment", "carol"),
        ("user", "other", "alice"),
    ]
    post_report, comment_report, user_report = page.reports
    assert (post_report.id, post_report.target_id, post_report.details) == (
        first,
        post_id,
        "a bot, again",
    )
    assert post_report.reporter.username == "bob"
    assert len(post_report.target_excerpt) == reports.EXCERPT_LENGTH
    assert post_report.target_excerpt.endswith("…")
    assert (comment_report.target_id, comment_report.target_excerpt) == (
        comment_id,
        "you are all idiots",
    )
    assert (user_report.target_id, user_report.target_excerpt) == (str(alice), "")
    assert not any(r.target_gone for r in page.reports)
    assert all(r.status == ReportStatus.open.value for r in page.reports)


@pytest.mark.parametrize(
    ("kind", "reason", "details", "code"),
    [
        ("post", "boring", "", "bad_reason"),
        ("post", "SPAM", "", "bad_reason"),
        ("story", "spam", "", "bad_target"),
        ("post", "spam", "x" * 1001, "too_long"),
        ("post", "other", "   ", "details_required"),
    ],
    ids=["reason", "reason-case", "kind", "details-long", "other-without-details"],
)
def test_bad_reports_are_refused(
    people: tuple[int, int, int, int],
    session: Session,
    kind: str,
    reason: str,
    details: str,
    code: str,
) -> None:
    alice, bob, _, _ = people
    post_id = make_post(alice)
    with pytest.raises(InvalidInput) as caught:
        report(bob, kind, post_id, reason, details)
    assert caught.value.code == code
    assert session.exec(select(Report)).all() == []


def test_details_of_exactly_the_limit_are_fine(people: tuple[int, int, int, int]) -> None:
    alice, bob, _, boss = people
    report(bob, "post", make_post(alice), "other", "y" * reports.DETAILS_MAX)
    assert len(queue(boss).reports[0].details) == reports.DETAILS_MAX


def test_nobody_reports_themselves(people: tuple[int, int, int, int]) -> None:
    alice, bob, _, _ = people
    post_id = make_post(alice)
    comment_id = make_comment(alice, post_id)
    for kind, target in (("post", post_id), ("comment", comment_id), ("user", "alice")):
        with pytest.raises(InvalidInput) as caught:
            report(alice, kind, target)
        assert caught.value.code == "self_report"
    report(bob, "comment", comment_id)  # someone else may


def test_only_what_the_reporter_can_see(people: tuple[int, int, int, int]) -> None:
    alice, bob, carol, _ = people
    hidden = make_post(alice, visibility="followers")
    hidden_comment = make_comment(carol, hidden)
    for kind, target, code in (
        ("post", hidden, "post_not_found"),
        ("post", "0" * 32, "post_not_found"),
        ("post", "", "post_not_found"),
        ("comment", hidden_comment, "post_not_found"),
        ("comment", "0" * 32, "comment_not_found"),
        ("user", "nobody", "user_not_found"),
    ):
        with pytest.raises(NotFound) as caught:
            report(bob, kind, target)
        assert caught.value.code == code, (kind, target)

    with transaction() as s:
        s.add(Follow(follower_id=bob, followee_id=alice))
    report(bob, "post", hidden)
    report(bob, "comment", hidden_comment)

    # A user you blocked is one you may well want to report; their posts are hidden from you.
    act(bob, lambda s, u: blocks.check_block(s, u, "carol"))
    report(bob, "user", "carol", "harassment")
    with pytest.raises(NotFound):
        report(bob, "post", make_post(carol))
    set_user(carol, suspended_at=utcnow())
    with pytest.raises(NotFound) as caught:
        report(alice, "user", "carol")
    assert caught.value.code == "user_not_found"


def test_one_open_report_per_reporter_and_target(
    people: tuple[int, int, int, int], session: Session
) -> None:
    alice, bob, carol, boss = people
    post_id = make_post(alice)
    first = report(bob, "post", post_id)
    with pytest.raises(Conflict) as caught:
        report(bob, "post", post_id, "hate")
    assert (caught.value.code, caught.value.details) == ("already_reported", {"report_id": first})
    report(carol, "post", post_id)  # another reporter
    report(bob, "user", "alice")  # another target of the same person

    with transaction() as s:
        stored = s.get(Report, first)
        assert stored is not None
        stored.status = ReportStatus.resolved.value
        s.add(stored)
    again = report(bob, "post", post_id, "hate")
    assert [r.id for r in queue(boss).reports if r.reporter.username == "bob"][-1] == again
    assert len(session.exec(select(Report)).all()) == 4


def test_the_queue_is_for_admins_pages_oldest_first_and_shows_gone_targets(
    people: tuple[int, int, int, int],
) -> None:
    alice, bob, carol, boss = people
    posts = [make_post(alice, f"post {i}") for i in range(5)]
    filed = [report(bob, "post", p) for p in posts]
    for member in (alice, bob, carol):
        with pytest.raises(PermissionDenied) as caught:
            queue(member)
        assert caught.value.code == "not_admin"

    first = queue(boss, limit=2)
    assert [r.id for r in first.reports] == filed[:2]
    assert first.next_cursor == filed[1]
    rest = queue(boss, after=first.next_cursor, limit=10)
    assert ([r.id for r in rest.reports], rest.next_cursor) == (filed[2:], None)
    with pytest.raises(InvalidInput) as caught:
        queue(boss, after="not-a-cursor")
    assert caught.value.code == "bad_cursor"

    with transaction() as s:
        gone = s.get(Post, posts[0])
        s.delete(gone)
    oldest = queue(boss, limit=1).reports[0]
    assert (oldest.target_gone, oldest.target_user, oldest.target_excerpt) == (True, None, "")


def test_reports_per_account_are_rate_limited(people: tuple[int, int, int, int]) -> None:
    alice, bob, carol, _boss = people
    reset_settings(RATE_LIMIT_REPORT="3/hour")
    try:
        posts = [make_post(alice, f"post {i}") for i in range(4)]
        for post_id in posts[:3]:
            report(bob, "post", post_id)
        with pytest.raises(RateLimited) as limited:
            report(bob, "post", posts[3])
        assert 0 < limited.value.retry_after <= 3600
        report(carol, "post", posts[3])  # per reporter: others are not held back
    finally:
        reset_settings(RATE_LIMIT_REPORT=None)
