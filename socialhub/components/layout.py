"""The app shell: navigation, theme toggle and the per-tab realtime listener."""

from __future__ import annotations

import reflex as rx

from socialhub.components.confirm import confirm_dialog
from socialhub.components.getting_started import NoticeBridge, mention_popup
from socialhub.components.report import report_dialog
from socialhub.components.ui import ToastBridge, user_avatar
from socialhub.components.unread import unread_badge
from socialhub.components.visitor import visitor_navbar
from socialhub.state.session import SessionState
from socialhub.state.unread import UnreadState


def nav_link(
    text: str,
    href: rx.Var[str] | str,
    icon: str,
    *,
    badge: rx.Component | None = None,
    label: rx.Var[str] | None = None,
) -> rx.Component:
    """`badge`: shown after the text (a count); `label`: the accessible name that says it."""
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18),
            rx.text(text, class_name="sh-nav-text"),
            *([badge] if badge is not None else []),
            spacing="2",
            align="center",
        ),
        href=href,
        aria_label=text if label is None else label,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="0.5em",
    )


def navbar() -> rx.Component:
    return rx.box(
        rx.el.nav(
            rx.hstack(
                rx.link(
                    rx.text("SocialHub", size="5", weight="bold"),
                    href="/",
                    underline="none",
                    aria_label="SocialHub home",
                ),
                rx.spacer(),
                nav_link("Home", "/", "house"),
                nav_link("Explore", "/explore", "compass"),
                nav_link(
                    "Messages",
                    "/messages",
                    "message-circle",
                    badge=unread_badge(),
                    label=UnreadState.messages_label,
                ),
                nav_link("Servers", "/servers", "server"),
                nav_link("Friends", "/friends", "users"),
                nav_link("Profile", "/u/" + SessionState.username, "user"),
                nav_link("Settings", "/settings", "settings"),
                rx.color_mode.button(aria_label="Toggle light and dark theme", variant="ghost"),
                rx.hstack(
                    user_avatar(SessionState.avatar_small_url, SessionState.display_name, size="2"),
                    rx.button(
                        rx.icon("log-out", size=16),
                        rx.text("Log out", class_name="sh-nav-text"),
                        on_click=SessionState.logout,
                        variant="soft",
                        aria_label="Log out",
                        id="logout",
                    ),
                    spacing="2",
                    align="center",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            aria_label="Main",
        ),
        padding="0.75em 1em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
        background_color=rx.color("gray", 1),
        width="100%",
    )


def app_shell(content: rx.Component, *, public: bool = False, wide: bool = False) -> rx.Component:
    """A signed-in page: nothing shows until the session is known (pages are prerendered). A
    `public` page shows a visitor the content too, under the visitor's bar; a `wide` one (the
    servers' layout) spans the window."""
    member = SessionState.is_authenticated
    if public:
        shown, bar = member | SessionState.checked, rx.cond(member, navbar(), visitor_navbar())
    else:
        shown, bar = member, navbar()
    return rx.cond(
        shown,
        rx.box(
            bar,
            rx.el.main(
                content
                if wide
                else rx.container(content, size="3", padding_x="1em", padding_y="1.5em"),
            ),
            report_dialog(),
            confirm_dialog(),
            ToastBridge.create(),
            NoticeBridge.create(),
            mention_popup(),
            width="100%",
        ),
        rx.center(rx.spinner(size="3", aria_label="Loading"), height="100vh"),
    )


def public_shell(content: rx.Component) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text("SocialHub", size="5", weight="bold"),
            rx.spacer(),
            rx.color_mode.button(aria_label="Toggle light and dark theme", variant="ghost"),
            padding="0.75em 1em",
            width="100%",
            align="center",
        ),
        rx.el.main(rx.center(content, padding="1em", width="100%")),
        width="100%",
    )
