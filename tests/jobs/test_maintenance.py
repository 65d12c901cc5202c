"""Background jobs and the operator CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, select

from backend_jobs import tasks
from socialhub import cli
from socialhub.db import transaction
from socialhub.domain import auth
from socialhub.models import LoginTicket, User, UserEvent
from socialhub.models.base import utcnow
from socialhub.realtime.events import publish_on_commit


def test_purge_removes_only_what_is_expired(
    make_user: Callable[..., int], session: Session
) -> None:
    user_id = make_user("old")
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        auth.do_issue_login_ticket(s, user, device="", ip="")
        fresh = auth.do_issue_login_ticket(s, user, device="", ip="")
        publish_on_commit(s, type="t", op="add", data={}, users=[user_id])
        publish_on_commit(s, type="t", op="add", data={}, users=[user_id])
    with transaction() as s:
        tickets = s.exec(select(LoginTicket)).all()
        tickets[0].expires_at = utcnow() - timedelta(minutes=1)
        s.add(tickets[0])
        oldest = s.exec(select(UserEvent).order_by(UserEvent.position)).first()  # type: ignore[arg-type]
        assert oldest is not None
        oldest.created_at = utcnow() - timedelta(days=31)
        s.add(oldest)

    # The job function itself, as the worker runs it (call_local skips the queue).
    result = tasks.purge_expired.call_local()
    assert result == {
        "login_tickets": 1,
        "refresh_tokens": 0,
        "events": 1,
        "presence_connections": 0,
    }
    session.expire_all()
    assert [e.position for e in session.exec(select(UserEvent)).all()] == [2]
    with transaction() as s:
        assert auth.check_redeem_login_ticket(s, fresh)


def test_cli_makes_admin_and_suspends(make_user: Callable[..., int], session: Session) -> None:
    user_id = make_user("boss")
    assert cli.main(["make-admin", "boss"]) == 0
    assert cli.main(["suspend", "BOSS"]) == 0
    session.expire_all()
    user = session.get(User, user_id)
    assert user is not None
    assert (user.role, user.suspended_at is not None) == ("admin", True)
    assert cli.main(["unsuspend", "boss"]) == 0
    assert cli.main(["make-admin", "ghost"]) == 1
