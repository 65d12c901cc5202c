"""/u/<username>: a user's profile."""

from __future__ import annotations

import reflex as rx

from socialhub.components.confirm import confirm_event
from socialhub.components.layout import app_shell
from socialhub.components.post import feed_list
from socialhub.components.report import report_button
from socialhub.components.stories import story_avatar
from socialhub.components.ui import count_link
from socialhub.components.visitor import members_row
from socialhub.state.chat_list import ChatListState
from socialhub.state.profile import ProfileState
from socialhub.state.session import SessionState


def profile_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            profile_card(),
            rx.cond(ProfileState.loaded & ~ProfileState.not_found, feed_list()),
            spacing="4",
            width="100%",
        ),
        public=True,
    )


def friend_button() -> rx.Component:
    """Add friend, cancel a sent request, answer a received one, or unfriend."""
    return rx.match(
        ProfileState.friend_status,
        (
            "friends",
            rx.button(
                "Friends",
                variant="soft",
                on_click=ProfileState.friend_action("unfriend"),
                id="friend-button",
                title="Unfriend",
            ),
        ),
        (
            "request_sent",
            rx.button(
                "Cancel request",
                variant="soft",
                on_click=ProfileState.friend_action("cancel"),
                id="friend-button",
            ),
        ),
        (
            "request_received",
            rx.hstack(
                rx.button(
                    "Accept friend",
                    on_click=ProfileState.friend_action("accept"),
                    id="friend-button",
                ),
                rx.button(
                    "Decline",
                    variant="soft",
                    on_click=ProfileState.friend_action("decline"),
                ),
            ),
        ),
        rx.button(
            "Add friend",
            variant="soft",
            on_click=ProfileState.friend_action("add"),
            id="friend-button",
        ),
    )


def block_button() -> rx.Component:
    """Block (asked first: it cuts every tie) or Unblock, from the real block state."""
    return rx.cond(
        ProfileState.you_block,
        rx.button("Unblock", variant="soft", on_click=ProfileState.unblock, id="block-button"),
        rx.button(
            "Block",
            variant="soft",
            color_scheme="red",
            on_click=confirm_event("block_profile", "", "@" + ProfileState.username),
            id="block-button",
        ),
    )


def profile_card() -> rx.Component:
    return rx.cond(
        ProfileState.not_found,
        rx.vstack(
            rx.heading("No such user", size="6", as_="h1"),
            rx.text("This account does not exist or is not available."),
            rx.link("Back home", href="/"),
        ),
        rx.cond(
            ProfileState.loaded,
            rx.card(
                rx.flex(
                    story_avatar(
                        ProfileState.avatar_url,
                        ProfileState.display_name,
                        ProfileState.username,
                        size="8",
                        id="profile-avatar",
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.heading(
                                ProfileState.display_name,
                                size="7",
                                as_="h1",
                                id="profile-display-name",
                            ),
                            rx.cond(
                                ProfileState.is_bot,
                                rx.badge(
                                    "BOT",
                                    size="2",
                                    variant="soft",
                                    class_name="bot-tag",
                                    id="profile-bot-tag",
                                ),
                            ),
                            spacing="2",
                            align="center",
                        ),
                        rx.text(
                            "@",
                            ProfileState.username,
                            color_scheme="gray",
                            id="profile-username",
                        ),
                        rx.cond(
                            ProfileState.status_text,
                            rx.badge(ProfileState.status_text, size="2", id="profile-status"),
                        ),
                        rx.text(ProfileState.bio, white_space="pre-wrap", id="profile-bio"),
                        rx.text("Joined ", ProfileState.joined, color_scheme="gray", size="2"),
                        rx.hstack(
                            count_link(
                                ProfileState.followers_count,
                                "follower",
                                "/u/" + ProfileState.username + "/followers",
                                id="followers-count",
                            ),
                            count_link(
                                ProfileState.following_count,
                                "following",
                                "/u/" + ProfileState.username + "/following",
                                id="following-count",
                                many="following",
                            ),
                            count_link(
                                ProfileState.friends_count,
                                "friend",
                                rx.cond(
                                    ProfileState.user_id == SessionState.user_id,
                                    "/friends",
                                    "/u/" + ProfileState.username,
                                ),
                                id="friends-count",
                            ),
                            rx.cond(
                                ProfileState.follows_you,
                                rx.badge("Follows you", variant="soft"),
                            ),
                            spacing="3",
                            align="center",
                        ),
                        rx.cond(
                            ProfileState.user_id == SessionState.user_id,
                            rx.link(rx.button("Edit profile", variant="soft"), href="/settings"),
                            members_row(
                                rx.button(
                                    rx.cond(ProfileState.is_following, "Following", "Follow"),
                                    variant=rx.cond(ProfileState.is_following, "soft", "solid"),
                                    on_click=ProfileState.toggle_follow,
                                    id="follow-button",
                                ),
                                friend_button(),
                                rx.button(
                                    rx.icon("message-circle", size=16),
                                    "Message",
                                    variant="soft",
                                    on_click=ChatListState.start_dm(ProfileState.username),
                                    id="start-dm",
                                ),
                                block_button(),
                                report_button(
                                    "user", ProfileState.username, "@" + ProfileState.username
                                ),
                            ),
                        ),
                        spacing="2",
                        align="start",
                    ),
                    spacing="5",
                    direction=rx.breakpoints(initial="column", sm="row"),
                    align=rx.breakpoints(initial="center", sm="start"),
                ),
                width="100%",
                size="3",
            ),
            rx.spinner(aria_label="Loading profile"),
        ),
    )
