"""The report dialog: report a post, a comment or a user for the moderation queue."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain import reports
from socialhub.models import User
from socialhub.models.report_views import ReportReason
from socialhub.state.base import Failed, run_as_user

REASONS = [reason.value for reason in ReportReason]
DETAILS_MAX = reports.DETAILS_MAX  # for the dialog


class ReportState(rx.State):
    open: bool = False
    target_kind: str = ""
    target_id: str = ""
    target_label: str = ""
    reason: str = ReportReason.spam.value
    details: str = ""
    sending: bool = False

    @rx.event
    def start(self, kind: str, target_id: str, label: str) -> None:
        """Open the dialog for a post or comment id, or a username."""
        self.target_kind, self.target_id, self.target_label = kind, target_id, label
        self.reason, self.details, self.open = ReportReason.spam.value, "", True

    @rx.event
    def set_open(self, value: bool) -> None:
        self.open = value

    @rx.event
    def set_reason(self, value: str) -> None:
        self.reason = value

    @rx.event
    def set_details(self, value: str) -> None:
        self.details = value

    @rx.event
    async def send(self) -> Any:
        if self.sending:
            return None
        kind, target, reason, details = self.target_kind, self.target_id, self.reason, self.details

        def work(session: Session, user: User) -> None:
            reports.check_report(
                session,
                user,
                target_kind=kind,
                target_id=target,
                reason=reason,
                details=details,
            )

        self.sending = True
        try:
            sent = await run_as_user(self, work)
        finally:
            self.sending = False
        if isinstance(sent, Failed):
            return sent.toast
        self.open = False
        return rx.toast.success("Thanks: the moderators will look at it")
