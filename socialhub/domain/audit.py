"""The audit log of a server: every administrative action, written in the same transaction as
the action itself (so nothing is logged that did not happen, nor done without being logged)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from socialhub.models import AuditLogEntry


def do_audit(
    session: Session,
    server_id: str,
    actor_id: int | None,
    action: str,
    *,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditLogEntry:
    entry = AuditLogEntry(
        server_id=server_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason,
        changes=changes or {},
    )
    session.add(entry)
    return entry
