"""/servers (discovery and creating a server), /servers/<server>[/<channel>] (the Discord
layout: rail, channel sidebar, message pane, member list) and /server-invite/<code>."""

from __future__ import annotations

import reflex as rx

from socialhub.components.chat import composer, forward_dialog, history_dialog, message_scroller
from socialhub.components.emoji import reaction_picker_dialog
from socialhub.components.layout import app_shell
from socialhub.components.post import composer as post_composer
from socialhub.components.post import feed_list
from socialhub.components.server_join import join_button
from socialhub.components.servers import (
    channel_header,
    channel_sidebar,
    invite_dialog,
    member_panel,
    server_icon,
    server_profile_dialog,
    server_rail,
)
from socialhub.components.threads import thread_header, thread_layout
from socialhub.components.ui import counted_noun
from socialhub.state.conversation import ConversationState
from socialhub.state.server_invites import DiscoveryItem, ServerJoinState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.servers import ServerState


def posts_pane() -> rx.Component:
    """A posts channel: the social feed's composer and posts (likes, comments, polls), for
    the channel's members only."""
    return rx.vstack(
        channel_header(),
        rx.box(
            rx.vstack(post_composer(), feed_list(), spacing="3", width="100%"),
            flex="1",
            overflow_y="auto",
            width="100%",
            padding_y="0.5em",
            id="channel-posts",
        ),
        class_name="sh-channel-pane",
        spacing="2",
        width="100%",
        min_width="0",
    )


def message_pane() -> rx.Component:
    """The open channel: the messenger's own window, tail and composer."""
    return rx.vstack(
        channel_header(),
        message_scroller(),
        composer(),
        forward_dialog(),
        history_dialog(),
        reaction_picker_dialog(),
        rx.window_event_listener(on_visibility_change=ConversationState.set_hidden),
        class_name="sh-channel-pane",
        spacing="2",
        width="100%",
        min_width="0",
    )


def thread_pane() -> rx.Component:
    """The open thread: the messenger's own window, tail and composer, in the thread panel
    beside its channel's latest messages."""
    return thread_layout(
        rx.vstack(
            thread_header(),
            message_scroller(),
            composer(),
            forward_dialog(),
            history_dialog(),
            reaction_picker_dialog(),
            rx.window_event_listener(on_visibility_change=ConversationState.set_hidden),
            class_name="sh-channel-pane sh-thread-panel",
            id="thread-panel",
            spacing="2",
        )
    )


def discovery_card(server: rx.Var[DiscoveryItem]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.el.span(server_icon(server.icon_url, server.initials), class_name="sh-rail-icon"),
            rx.vstack(
                rx.text(server.name, weight="bold", class_name="sh-ellipsis"),
                rx.text(
                    server.description, size="2", color_scheme="gray", class_name="sh-ellipsis"
                ),
                rx.text(
                    counted_noun(server.member_count, "member"),
                    " · ",
                    server.online_count.to(str),
                    " online",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                server.is_member,
                rx.link(rx.button("Open", variant="soft"), href="/servers/" + server.id),
                join_button(server),
            ),
            align="center",
            width="100%",
        ),
        class_name="sh-discovery-card",
        data_server=server.name,
        width="100%",
    )


def discovery() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon_button(
                rx.icon("menu", size=20),
                variant="ghost",
                aria_label="Open servers",
                on_click=ServerState.toggle_drawer,
                class_name="sh-drawer-toggle",
            ),
            rx.heading("Discover servers", size="5", as_="h1"),
            align="center",
        ),
        rx.input(
            placeholder="Search public servers",
            aria_label="Search public servers",
            value=ServerJoinState.query,
            on_change=ServerJoinState.search.debounce(300),
            width="100%",
            id="discovery-search",
        ),
        rx.cond(
            ServerJoinState.results.length() == 0,
            rx.text("No public servers found.", color_scheme="gray", size="2"),
        ),
        rx.foreach(ServerJoinState.results, discovery_card),
        class_name="sh-discovery",
        width="100%",
        padding="1em",
        spacing="3",
    )


def servers_layout(main: rx.Component, *, with_sidebar: bool) -> rx.Component:
    return rx.el.div(
        rx.el.div(
            server_rail(),
            *([channel_sidebar()] if with_sidebar else []),
            class_name="sh-drawer",
            id="server-drawer",
        ),
        # A tap beside an open drawer closes it (phones).
        rx.el.div(
            class_name="sh-scrim",
            on_click=[ServerState.close_drawer, ServerMembersState.close],
            aria_hidden="true",
        ),
        main,
        *([member_panel()] if with_sidebar else []),
        invite_dialog(),
        server_profile_dialog(),
        class_name="sh-servers",
        data_drawer=ServerState.drawer_open.to(str),
        data_members=ServerMembersState.open.to(str),
        data_sidebar=str(with_sidebar).lower(),
    )


def servers_page() -> rx.Component:
    """/servers: the rail and discovery."""
    return app_shell(servers_layout(discovery(), with_sidebar=False), wide=True)


def server_page() -> rx.Component:
    """/servers/<server>[/<channel>]."""
    return app_shell(
        servers_layout(
            rx.cond(
                ServerState.channel_kind == "posts",
                posts_pane(),
                rx.cond(
                    ConversationState.open_chat_visible,
                    rx.cond(ServerState.channel_kind == "thread", thread_pane(), message_pane()),
                    rx.center(
                        rx.vstack(
                            channel_header(),
                            rx.text("No channel to show", color_scheme="gray"),
                            align="center",
                        ),
                        class_name="sh-channel-pane",
                    ),
                ),
            ),
            with_sidebar=True,
        ),
        wide=True,
    )


def invite_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("You are invited to join", size="2", color_scheme="gray"),
            rx.heading(ServerJoinState.invite_server, size="6", as_="h1", id="server-invite-name"),
            rx.cond(
                ServerJoinState.invite_description != "",
                rx.text(ServerJoinState.invite_description, size="2"),
            ),
            rx.text(
                counted_noun(ServerJoinState.invite_members, "member"),
                " · ",
                ServerJoinState.invite_online.to(str),
                " online",
                size="2",
                color_scheme="gray",
                id="server-invite-counts",
            ),
            rx.button(
                rx.cond(ServerJoinState.invite_is_member, "Open the server", "Join server"),
                on_click=ServerJoinState.join_by_invite,
                size="3",
                id="join-server",
            ),
            rx.link("Not now", href="/servers", size="2"),
            align="center",
            spacing="3",
            padding="1em",
        ),
        max_width="24em",
        width="100%",
    )


def server_invite_page() -> rx.Component:
    return app_shell(
        rx.center(
            rx.cond(
                ServerJoinState.invite_problem != "",
                rx.vstack(
                    rx.heading("This invite cannot be used", size="5", as_="h1"),
                    rx.text(ServerJoinState.invite_problem, color_scheme="gray"),
                    rx.link("Discover servers", href="/servers"),
                    align="center",
                    id="server-invite-problem",
                ),
                rx.cond(
                    ServerJoinState.invite_server != "",
                    invite_card(),
                    rx.spinner(aria_label="Loading the invite"),
                ),
            ),
            padding="2em",
        )
    )
