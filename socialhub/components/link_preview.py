"""The card of a link (a message's or a post's first one): the page's title, description, site
name and image, as plain text (never the page's HTML), opening the page in a new tab."""

from __future__ import annotations

import reflex as rx


def link_preview_card(
    url: rx.Var[str],
    title: rx.Var[str],
    description: rx.Var[str],
    site: rx.Var[str],
    image: rx.Var[str],
) -> rx.Component:
    """The card of the message's first link: the page's text as plain text, never its HTML."""
    return rx.link(
        rx.hstack(
            rx.cond(
                image != "",
                rx.image(
                    src=image,
                    alt="",
                    loading="lazy",
                    width="72px",
                    height="72px",
                    object_fit="cover",
                    border_radius="6px",
                    class_name="link-preview-image",
                ),
            ),
            rx.vstack(
                rx.cond(
                    site != "",
                    rx.text(
                        site,
                        size="1",
                        color_scheme="gray",
                        class_name="link-preview-site",
                    ),
                ),
                rx.text(title, size="2", weight="bold", class_name="link-preview-title"),
                rx.cond(
                    description != "",
                    rx.text(
                        description,
                        size="1",
                        class_name="link-preview-description sh-ellipsis",
                    ),
                ),
                spacing="0",
                align="start",
                min_width="0",
            ),
            spacing="2",
            align="center",
        ),
        href=url,
        is_external=True,
        rel="noopener noreferrer nofollow",
        underline="none",
        color="inherit",
        border_left=f"3px solid {rx.color('accent', 8)}",
        padding="0.25em 0.5em",
        background_color=rx.color("gray", 2),
        border_radius="6px",
        max_width="100%",
        class_name="link-preview",
    )
