"""/explore and /tag/<tag>: public posts from everyone, and the posts of one hashtag."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.post import feed_list
from socialhub.state.feed import FeedState


def explore_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading(FeedState.title, size="6", as_="h1", id="feed-title"),
            feed_list(),
            spacing="4",
            width="100%",
            max_width="42em",
            margin_x="auto",
        )
    )
