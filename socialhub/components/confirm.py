"""The confirmation dialog for what cannot be undone (one per page, opened by `confirm_event`)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.state.confirm import ConfirmState


def confirm_event(kind: str, target: Any = "", label: Any = "") -> Any:
    """The event a destructive button sends instead of acting: it opens the dialog."""
    return ConfirmState.ask(kind, target, label)


def confirm_dialog() -> rx.Component:
    # An alert dialog: focus starts on Cancel, Escape cancels, a click outside does nothing.
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(ConfirmState.title),
            rx.alert_dialog.description(ConfirmState.body, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="confirm-cancel")
                ),
                rx.button(
                    ConfirmState.action,
                    color_scheme="red",
                    on_click=ConfirmState.confirm,
                    id="confirm-action",
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
            id="confirm-dialog",
        ),
        open=ConfirmState.open,
        on_open_change=ConfirmState.set_open,
    )
