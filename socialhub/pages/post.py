"""/p/<id>: one post with its comments."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.post import comment_thread, post_card, quote_dialog
from socialhub.state.feed import FeedState


def post_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.cond(
                FeedState.not_found,
                rx.vstack(
                    rx.heading("Post not found", size="6", as_="h1"),
                    rx.text("It was deleted, or you may not see it."),
                    rx.link("Back home", href="/"),
                ),
                rx.vstack(
                    rx.foreach(FeedState.posts, post_card),
                    quote_dialog(),
                    comment_thread(),
                    width="100%",
                    spacing="4",
                ),
            ),
            width="100%",
            max_width="42em",
            margin_x="auto",
        ),
        public=True,
    )
