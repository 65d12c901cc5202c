"""Lists of people: /u/<username>/followers and /following, and /friends with its request tabs."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.ui import load_more, user_avatar
from socialhub.state.graph_lists import GraphListState, GraphRow


def row_actions(row: rx.Var[GraphRow]) -> rx.Component:
    return rx.match(
        GraphListState.kind,
        (
            "incoming",
            rx.hstack(
                rx.button(
                    "Accept", size="1", on_click=GraphListState.answer(row.username, "accept")
                ),
                rx.button(
                    "Decline",
                    size="1",
                    variant="soft",
                    on_click=GraphListState.answer(row.username, "decline"),
                ),
            ),
        ),
        (
            "outgoing",
            rx.button(
                "Cancel request",
                size="1",
                variant="soft",
                on_click=GraphListState.answer(row.username, "cancel"),
            ),
        ),
        rx.cond(
            row.is_self,
            rx.fragment(),
            rx.button(
                rx.cond(row.is_following, "Following", "Follow"),
                size="1",
                variant=rx.cond(row.is_following, "soft", "solid"),
                on_click=GraphListState.toggle_follow(row.username, row.is_following),
                class_name="row-follow",
            ),
        ),
    )


def person(row: rx.Var[GraphRow]) -> rx.Component:
    return rx.hstack(
        rx.link(user_avatar(row.avatar, row.name), href="/u/" + row.username),
        rx.vstack(
            rx.link(row.name, href="/u/" + row.username, weight="bold"),
            rx.text("@", row.username, size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.cond(row.follows_you & ~row.is_self, rx.badge("Follows you", variant="soft")),
        rx.cond(row.friend_status == "friends", rx.badge("Friend", color_scheme="green")),
        rx.spacer(),
        row_actions(row),
        align="center",
        width="100%",
        class_name="person-row",
    )


def friend_tabs() -> rx.Component:
    def tab(label: str, href: str, kind: str) -> rx.Component:
        return rx.link(
            rx.button(
                label, size="2", variant=rx.cond(GraphListState.kind == kind, "solid", "soft")
            ),
            href=href,
        )

    return rx.hstack(
        tab("Friends", "/friends", "friends"),
        tab("Requests", "/friends/requests", "incoming"),
        tab("Sent", "/friends/sent", "outgoing"),
        spacing="2",
    )


def people_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading(GraphListState.title, size="6", as_="h1", id="people-title"),
            rx.cond(
                GraphListState.username != "",
                rx.link("@", GraphListState.username, href="/u/" + GraphListState.username),
                friend_tabs(),
            ),
            rx.vstack(
                rx.foreach(GraphListState.rows, person),
                rx.cond(
                    GraphListState.rows.length() == 0,
                    rx.text("Nobody here yet.", color_scheme="gray"),
                ),
                width="100%",
                spacing="2",
                id="people-list",
            ),
            load_more(GraphListState.next_cursor, GraphListState.load_more, GraphListState.loading),
            spacing="4",
            width="100%",
            max_width="36em",
            margin_x="auto",
        )
    )
