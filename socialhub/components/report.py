"""The report button and its dialog (one dialog per page, opened by any report button)."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import choice, counted
from socialhub.state.report import DETAILS_MAX, REASONS, ReportState


def report_button(kind: str, target_id: rx.Var[str], label: rx.Var[str]) -> rx.Component:
    return rx.icon_button(
        rx.icon("flag", size=14),
        variant="ghost",
        color_scheme="gray",
        size="1",
        on_click=ReportState.start(kind, target_id, label),
        aria_label=f"Report {kind}",
        title=f"Report this {kind}",
        class_name="report-button",
    )


def report_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Report ", ReportState.target_label),
            rx.dialog.description(
                "The moderators see your report; the person reported does not.",
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                choice(
                    REASONS,
                    "Reason",
                    value=ReportState.reason,
                    on_change=ReportState.set_reason,
                    id="report-reason",
                ),
                counted(
                    rx.text_area(
                        value=ReportState.details,
                        on_change=ReportState.set_details,
                        placeholder="What is wrong? (needed for other)",
                        aria_label="Details",
                        width="100%",
                    ),
                    DETAILS_MAX,
                    label="Details",
                ),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                    rx.button(
                        "Send report",
                        color_scheme="red",
                        on_click=ReportState.send,
                        loading=ReportState.sending,
                        id="send-report",
                    ),
                    justify="end",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        open=ReportState.open,
        on_open_change=ReportState.set_open,
    )
