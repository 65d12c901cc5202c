"""/ : your home feed, the composer, and finding people."""

from __future__ import annotations

import reflex as rx

from socialhub.components.getting_started import follow_suggestions
from socialhub.components.layout import app_shell
from socialhub.components.post import composer, feed_list
from socialhub.components.stories import story_tray
from socialhub.components.ui import user_avatar
from socialhub.state.people import PeopleState, PersonRow
from socialhub.state.session import SessionState


def person_row(person: rx.Var[PersonRow]) -> rx.Component:
    return rx.link(
        rx.hstack(
            user_avatar(person.avatar_url, person.display_name),
            rx.vstack(
                rx.text(person.display_name, weight="bold"),
                rx.text("@", person.username, color_scheme="gray", size="2"),
                spacing="0",
            ),
            rx.spacer(),
            rx.text(person.status_text, color_scheme="gray", size="2", trim="both"),
            align="center",
            width="100%",
            padding="0.5em",
        ),
        href="/u/" + person.username,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        aria_label="Profile of " + person.username,
        width="100%",
    )


def home_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading("Welcome, ", SessionState.display_name, size="6", as_="h1"),
            rx.input(
                rx.input.slot(rx.icon("search")),
                placeholder="Find people by username or name",
                value=PeopleState.query,
                on_change=PeopleState.search.debounce(250),
                aria_label="Search people",
                id="people-search",
                width="100%",
                size="3",
                max_length=50,
            ),
            rx.vstack(
                rx.foreach(PeopleState.results, person_row),
                rx.cond(
                    PeopleState.searched & (PeopleState.results.length() == 0),
                    rx.text("Nobody matches that.", color_scheme="gray"),
                ),
                width="100%",
                spacing="1",
                id="people-results",
            ),
            story_tray(),
            follow_suggestions(),
            composer(),
            feed_list(),
            spacing="4",
            width="100%",
            max_width="42em",
            margin_x="auto",
        )
    )
