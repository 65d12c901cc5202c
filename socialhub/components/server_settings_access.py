"""The bans section (Unban, confirmed) and the join requests section (Accept, Decline)."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import user_avatar
from socialhub.state.server_settings_access import (
    BanRow,
    BanSettingsState,
    JoinRequestSettingsState,
    RequestRow,
)

B = BanSettingsState
J = JoinRequestSettingsState


def _person(
    avatar_url: rx.Var[str], shown_name: rx.Var[str], username: rx.Var[str]
) -> rx.Component:
    return rx.hstack(
        user_avatar(avatar_url, shown_name, size="2"),
        rx.text(shown_name, weight="medium", size="2"),
        rx.text("@", username, size="1", color_scheme="gray"),
        spacing="2",
        align="center",
    )


def ban_row(ban: rx.Var[BanRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                _person(ban.avatar_url, ban.shown_name, ban.username),
                rx.text(
                    rx.cond(ban.reason != "", ban.reason, "No reason given"),
                    size="2",
                    class_name="ss-ban-reason",
                ),
                rx.text(
                    "Banned by ", ban.banned_by, " · ", ban.when, size="1", color_scheme="gray"
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.button(
                "Unban",
                size="1",
                variant="soft",
                on_click=B.ask_unban(ban.user_id, ban.shown_name),
                aria_label="Unban " + ban.shown_name,
            ),
            align="center",
            width="100%",
        ),
        class_name="ss-member ss-ban",
        data_username=ban.username,
    )


def unban_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Unban ", B.unban_name, "?"),
            rx.alert_dialog.description(
                "They may join again through an invite (or discovery, if the server is public). "
                "Their messages deleted with the ban do not come back.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="unban-cancel")
                ),
                rx.button("Unban", on_click=B.confirm_unban, id="unban-confirm"),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        open=B.unban_user_id != 0,
        on_open_change=B.set_unban_open,
    )


def bans_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Bans", size="5", as_="h2"),
        rx.text(
            "Banned people cannot come back through any invite until they are unbanned.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            B.bans.length() > 0,
            rx.el.ul(rx.foreach(B.bans, ban_row), class_name="ss-member-list", id="ban-list"),
            rx.text("Nobody is banned.", size="2", color_scheme="gray", id="no-bans"),
        ),
        rx.cond(
            B.next_cursor != "",
            rx.button("More bans", variant="soft", on_click=B.load_more, loading=B.loading),
        ),
        unban_dialog(),
        spacing="3",
        width="100%",
        id="bans-section",
    )


def request_row(request: rx.Var[RequestRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                _person(request.avatar_url, request.shown_name, request.username),
                rx.cond(request.message != "", rx.text(request.message, size="2")),
                rx.text("Asked ", request.when, size="1", color_scheme="gray"),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.button(
                "Accept",
                size="1",
                on_click=J.accept(request.user_id),
                aria_label="Accept " + request.shown_name,
            ),
            rx.button(
                "Decline",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=J.decline(request.user_id),
                aria_label="Decline " + request.shown_name,
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        class_name="ss-member ss-request",
        data_username=request.username,
    )


def join_requests_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Join requests", size="5", as_="h2"),
        rx.text(
            "People who asked to join. Accepting makes them a member at once.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            J.requests.length() > 0,
            rx.el.ul(
                rx.foreach(J.requests, request_row), class_name="ss-member-list", id="request-list"
            ),
            rx.text("No requests wait for an answer.", size="2", color_scheme="gray"),
        ),
        rx.cond(
            J.next_cursor != "",
            rx.button("More requests", variant="soft", on_click=J.load_more, loading=J.loading),
        ),
        spacing="3",
        width="100%",
        id="join-requests-section",
    )
