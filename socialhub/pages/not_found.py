"""Any unknown address: a styled 404 inside the app shell (the public one for visitors), with a
way home. Registered as Reflex's own 404 page, so the production build serves it, with status
404, for every path no route matches, however deep."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell, public_shell
from socialhub.state.session import SessionState

TITLE = "Page not found · SocialHub"


def _content() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("map-pin-off", size=40, color=rx.color("accent", 9), aria_hidden="true"),
            rx.text("404", size="2", color_scheme="gray", weight="medium"),
            rx.heading("Page not found", size="6", as_="h1"),
            rx.text(
                "There is nothing at this address. The link may be mistyped, or what it "
                "pointed to was moved or removed.",
                color_scheme="gray",
                align="center",
            ),
            rx.hstack(
                rx.link(rx.button("Back home", size="3"), href="/", id="not-found-home"),
                rx.link(rx.button("Explore", variant="soft", size="3"), href="/explore"),
                spacing="3",
                wrap="wrap",
                justify="center",
            ),
            align="center",
            spacing="3",
            padding="1.5em",
        ),
        class_name="sh-not-found",
        max_width="32em",
        margin_x="auto",
        width="100%",
    )


def not_found_page() -> rx.Component:
    return rx.cond(
        SessionState.is_authenticated,
        app_shell(_content()),
        public_shell(_content()),
    )
