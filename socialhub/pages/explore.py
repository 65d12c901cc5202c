"""/explore and /tag/<tag>: public posts from everyone, and the posts of one hashtag."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.post import feed_list
from socialhub.components.visitor import join_banner
from socialhub.state.feed import FeedState, TrendRow


def trend_link(trend: rx.Var[TrendRow]) -> rx.Component:
    return rx.link(
        rx.badge(
            "#",
            trend.tag,
            rx.text(trend.authors, " people", size="1", color_scheme="gray"),
            size="2",
            variant="soft",
        ),
        href="/tag/" + trend.tag,
        underline="none",
        class_name="trend",
    )


def trending_card() -> rx.Component:
    """The top hashtags of the last 24 hours (the trending job refreshes them every 5 minutes)."""
    return rx.card(
        rx.vstack(
            rx.heading("Trending", size="3", as_="h2"),
            rx.flex(rx.foreach(FeedState.trending, trend_link), wrap="wrap", gap="2"),
            spacing="2",
        ),
        width="100%",
        id="trending",
    )


def explore_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            join_banner(),
            rx.heading(FeedState.title, size="6", as_="h1", id="feed-title"),
            rx.cond(FeedState.trending.length() > 0, trending_card()),
            feed_list(),
            spacing="4",
            width="100%",
            max_width="42em",
            margin_x="auto",
        ),
        public=True,
    )
