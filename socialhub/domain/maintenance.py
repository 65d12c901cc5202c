"""Housekeeping run by background jobs."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, or_

from socialhub.domain.presence import STALE
from socialhub.models import LoginTicket, PresenceConnection, RefreshToken, UserEvent
from socialhub.models.base import utcnow

EVENT_RETENTION = timedelta(days=30)


def do_purge_expired(session: Session) -> dict[str, int]:
    now = utcnow()
    tickets = session.execute(
        sa.delete(LoginTicket).where(
            or_(col(LoginTicket.expires_at) < now, col(LoginTicket.used_at).is_not(None))
        )
    )
    tokens = session.execute(sa.delete(RefreshToken).where(col(RefreshToken.expires_at) < now))
    events = session.execute(
        sa.delete(UserEvent).where(col(UserEvent.created_at) < now - EVENT_RETENTION)
    )
    # Left by a worker that died without saying goodbye.
    connections = session.execute(
        sa.delete(PresenceConnection).where(col(PresenceConnection.seen_at) < now - STALE)
    )
    return {
        "presence_connections": connections.rowcount,  # type: ignore[attr-defined]
        "login_tickets": tickets.rowcount,  # type: ignore[attr-defined]
        "refresh_tokens": tokens.rowcount,  # type: ignore[attr-defined]
        "events": events.rowcount,  # type: ignore[attr-defined]
    }
