"""/stories/<username>: a person's stories, one at a time; the author also sees who viewed them."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.stories import story_viewer
from socialhub.state.stories import StoryState


def stories_page() -> rx.Component:
    return app_shell(
        rx.box(
            rx.cond(
                StoryState.items.length() > 0,
                story_viewer(),
                rx.vstack(
                    rx.heading("No stories", size="6", as_="h1"),
                    rx.text("There is nothing to watch here right now."),
                    rx.link("Back home", href="/"),
                    id="no-stories",
                ),
            ),
            width="100%",
            max_width="32em",
            margin_x="auto",
        )
    )
