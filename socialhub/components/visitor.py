"""What a visitor without an account sees on a public page: a sign-up prompt where a member
has actions, and a bar with Log in / Sign up (both come back to the page afterwards)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from socialhub.state.session import SessionState

PROMPT = "Join SocialHub to like, reply and follow"


def _back_here(target: str) -> rx.Var[str]:
    """`/login?next=<this page>` (the login form accepts same-site paths only)."""
    path: rx.Var[str] = rx.State.router.url.path.to(str)
    return rx.Var.create(f"{target}?next=").to(str) + path


def account_buttons(size: str = "2") -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.button("Sign up", size=size, class_name="visitor-signup"),
            href=_back_here("/signup"),
        ),
        rx.link(
            rx.button("Log in", size=size, variant="soft", class_name="visitor-login"),
            href=_back_here("/login"),
        ),
        spacing="2",
        align="center",
    )


def join_prompt(text: str = PROMPT) -> rx.Component:
    """In place of a post's, a comment's or a profile's actions."""
    return rx.hstack(
        rx.text(text, size="2", color_scheme="gray"),
        account_buttons("1"),
        spacing="3",
        align="center",
        wrap="wrap",
        class_name="visitor-prompt",
    )


def members_row(*children: rx.Component, **props: Any) -> rx.Component:
    """A row of actions for members (an `rx.hstack` of `children`); the join prompt for a
    visitor. The actions would only answer "log in" to a visitor."""
    return rx.cond(SessionState.is_authenticated, rx.hstack(*children, **props), join_prompt())


def members_only(component: rx.Component) -> rx.Component:
    """Shown to members only (a report button): nothing for a visitor."""
    return rx.cond(SessionState.is_authenticated, component)


def members_only_row(*children: rx.Component, **props: Any) -> rx.Component:
    """A row of actions repeated down a list (a comment's Reply, Edit...): nothing for a
    visitor, who has the page's one join prompt instead."""
    return members_only(rx.hstack(*children, **props))


def members_form(*children: rx.Component, **props: Any) -> rx.Component:
    """A form only members can send (an `rx.form`); for a visitor, the join prompt."""
    return rx.cond(
        SessionState.is_authenticated,
        rx.form(*children, **props),
        join_prompt("Join SocialHub to reply"),
    )


def join_banner() -> rx.Component:
    """Above explore and hashtag pages (a visitor's front page is explore), for visitors."""
    banner = rx.callout(
        rx.hstack(
            rx.text("SocialHub is where people share posts, photos and chats. ", PROMPT, "."),
            account_buttons(),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        icon="sparkles",
        width="100%",
        id="join-banner",
    )
    return rx.cond(SessionState.is_authenticated, rx.fragment(), banner)


def visitor_navbar() -> rx.Component:
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
                rx.link("Explore", href="/explore", color_scheme="gray", high_contrast=True),
                rx.color_mode.button(aria_label="Toggle light and dark theme", variant="ghost"),
                account_buttons(),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            aria_label="Site",
        ),
        padding="0.75em 1em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
        background_color=rx.color("gray", 1),
        width="100%",
    )
