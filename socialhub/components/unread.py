"""The unread count on the Messages link; `assets/unread.js` reads it for the tab title and
the icon."""

from __future__ import annotations

import reflex as rx

from socialhub.state.unread import UnreadState


def unread_badge() -> rx.Component:
    """Always in the page (hidden at zero), so the script finds the count on every page."""
    return rx.el.span(
        UnreadState.badge,
        id="unread-badge",
        class_name="sh-unread-badge",
        data_count=UnreadState.total.to(str),
        hidden=UnreadState.total == 0,
        aria_hidden="true",
    )
