"""/join/<code>: what an invite link leads to (name, picture, member count), then Join."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.ui import user_avatar
from socialhub.state.getting_started import InvitePreviewState


def preview_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            user_avatar(InvitePreviewState.picture_url, InvitePreviewState.title, size="7"),
            rx.text("You are invited to join", size="2", color_scheme="gray"),
            rx.heading(InvitePreviewState.title, size="6", as_="h1", id="invite-title"),
            rx.text(
                InvitePreviewState.members_text, size="2", color_scheme="gray", id="invite-members"
            ),
            rx.button(
                rx.cond(InvitePreviewState.is_member, "Open the chat", "Join group"),
                on_click=InvitePreviewState.join,
                loading=InvitePreviewState.joining,
                size="3",
                id="join-group",
            ),
            rx.link("Not now", href="/messages", size="2"),
            align="center",
            spacing="3",
            padding="1em",
        ),
        max_width="24em",
        width="100%",
    )


def join_page() -> rx.Component:
    return app_shell(
        rx.center(
            rx.cond(
                InvitePreviewState.problem != "",
                rx.vstack(
                    rx.heading("This invite link is not valid", size="5", as_="h1"),
                    rx.text(
                        "It may have expired or been revoked. Ask for a new one.",
                        color_scheme="gray",
                    ),
                    rx.link("Back to chats", href="/messages"),
                    align="center",
                    id="invite-problem",
                ),
                rx.cond(
                    InvitePreviewState.title != "",
                    preview_card(),
                    rx.spinner(aria_label="Loading the invite"),
                ),
            ),
            padding="2em",
        )
    )
