"""/messages and /messages/<chat id>: the messenger."""

from __future__ import annotations

import reflex as rx

from socialhub.components.chat import (
    chat_info_dialog,
    chat_list_item,
    composer,
    forward_dialog,
    history_dialog,
    message_scroller,
)
from socialhub.components.emoji import reaction_picker_dialog
from socialhub.components.getting_started import people_picker
from socialhub.components.layout import app_shell
from socialhub.components.membership import removed_notice
from socialhub.components.servers import pins_popover
from socialhub.components.ui import counted_noun, field_error
from socialhub.state.chat_list import ChatListState
from socialhub.state.conversation import ConversationState


def new_group_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("users", size=16), "New group", variant="soft", size="2")
        ),
        rx.dialog.content(
            rx.dialog.title("New group"),
            rx.form(
                rx.vstack(
                    rx.el.label("Group name", html_for="group-title", class_name="sh-label"),
                    rx.input(
                        id="group-title",
                        name="title",
                        max_length=100,
                        aria_label="Group name",
                        width="100%",
                    ),
                    field_error(ChatListState.field_errors, "title"),
                    people_picker("group", label="Members"),
                    field_error(ChatListState.field_errors, "members"),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", type="button")),
                        rx.button("Create", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    width="100%",
                ),
                on_submit=ChatListState.create_group,
            ),
        ),
    )


def chat_list() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Chats", size="5", as_="h1"),
            rx.spacer(),
            new_group_dialog(),
            width="100%",
            align="center",
        ),
        rx.cond(
            ChatListState.chats.length() == 0,
            rx.text(
                "No chats yet. Open someone's profile and press Message.",
                color_scheme="gray",
                size="2",
            ),
        ),
        rx.foreach(ChatListState.visible_chats, chat_list_item),
        rx.cond(
            (ChatListState.archived_count > 0) | ChatListState.show_archived,
            rx.button(
                rx.cond(ChatListState.show_archived, "Back to chats", "Archived chats"),
                variant="ghost",
                size="1",
                on_click=ChatListState.toggle_archived,
            ),
        ),
        width="100%",
        spacing="1",
        id="chat-list",
    )


def chat_view() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            # Shown on phones only (assets/chat_phone.css), where the chat hides the list.
            rx.link(
                rx.icon("arrow-left"),
                href="/messages",
                aria_label="Back to chats",
                class_name="sh-chat-back",
            ),
            rx.vstack(
                rx.hstack(
                    rx.heading(
                        ConversationState.open_title,
                        size="4",
                        as_="h2",
                        id="chat-title",
                        class_name="sh-ellipsis",
                    ),
                    rx.cond(
                        ChatListState.bot_chat_ids.contains(ConversationState.open_id),
                        rx.badge(
                            "BOT", size="1", variant="soft", class_name="bot-tag", id="chat-bot-tag"
                        ),
                    ),
                    spacing="2",
                    align="center",
                    min_width="0",
                ),
                rx.text(
                    ConversationState.open_presence,
                    size="1",
                    color_scheme="gray",
                    id="chat-presence",
                    class_name="sh-ellipsis",
                ),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                ConversationState.open_kind == "group",
                rx.text(
                    counted_noun(ConversationState.open_members, "member"),
                    size="2",
                    color_scheme="gray",
                    white_space="nowrap",
                    id="chat-members",
                ),
            ),
            pins_popover(),
            chat_info_dialog(),
            width="100%",
            align="center",
            class_name="sh-chat-header",
        ),
        message_scroller(),
        rx.cond(ConversationState.open_removed, removed_notice(), composer()),
        forward_dialog(),
        history_dialog(),
        reaction_picker_dialog(),
        # A chat read in a background tab is only delivered; coming back reads it.
        rx.window_event_listener(on_visibility_change=ConversationState.set_hidden),
        height="calc(100dvh - 9em)",
        width="100%",
        spacing="2",
        class_name="sh-chat-view",
    )


def messages_page() -> rx.Component:
    # Two columns on a wide screen; on a phone the list or the open chat (assets/chat_phone.css).
    return app_shell(
        rx.el.div(
            rx.box(chat_list(), class_name="sh-chat-list-pane"),
            rx.cond(
                ConversationState.open_chat_visible,
                chat_view(),
                rx.center(
                    rx.text("Choose a chat", color_scheme="gray"), class_name="sh-chat-empty"
                ),
            ),
            class_name="sh-messages",
            data_open=ConversationState.open_chat_visible.to(str),
        )
    )
