"""What a member an admin removed from a group sees in place of the composer."""

from __future__ import annotations

import reflex as rx

from socialhub.state.conversation import ConversationState


def removed_notice() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("user-x", size=16)),
        rx.callout.text(
            rx.cond(
                ConversationState.open_removed_by != "",
                "You were removed from this group by " + ConversationState.open_removed_by + ".",
                "You were removed from this group.",
            ),
            " You can still read the messages up to then.",
        ),
        color_scheme="gray",
        width="100%",
        id="removed-notice",
        role="status",
    )
