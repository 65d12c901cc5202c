"""Threads on the server page: the starter message's summary, the channel's thread list (with
"New thread"), and the thread panel beside its channel's latest messages (the whole screen on a
phone), which shows the thread through the messenger's own scroller and composer."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import counted_noun
from socialhub.state.chat_rows import MessageRow
from socialhub.state.conversation import ConversationState
from socialhub.state.server_members import ServerMembersState
from socialhub.state.server_reads import ChannelItem
from socialhub.state.servers import ServerState
from socialhub.state.thread_parent import ThreadParentState
from socialhub.state.threads import ARCHIVE_CHOICES, ThreadsState

NAME_MAX = 100


def thread_href(thread_id: rx.Var[str]) -> str:
    return "/servers/" + ServerState.server_id + "/" + thread_id


def thread_chip(message: rx.Var[MessageRow]) -> rx.Component:
    """Under a message that started a thread: its name and message count, opening it."""
    return rx.cond(
        message.thread_id != "",
        rx.link(
            rx.icon("messages-square", size=14),
            rx.text(message.thread_name, weight="medium", class_name="sh-ellipsis"),
            rx.text(counted_noun(message.thread_count, "message"), color_scheme="gray"),
            href=thread_href(message.thread_id),
            class_name="sh-thread-chip",
            data_thread=message.thread_name,
            size="1",
            underline="none",
        ),
    )


def thread_list_item(thread: rx.Var[ChannelItem]) -> rx.Component:
    return rx.link(
        rx.icon(rx.cond(thread.archived, "archive", "messages-square"), size=14),
        rx.text(thread.name, class_name="sh-ellipsis", flex="1"),
        rx.cond(thread.archived, rx.badge("archived", size="1", color_scheme="gray")),
        href=thread_href(thread.id),
        class_name="sh-thread-item",
        data_active=(ServerState.channel_id == thread.id).to(str),
        data_thread=thread.name,
        underline="none",
    )


def new_thread_form() -> rx.Component:
    return rx.cond(
        ServerState.can_start_thread,
        rx.form(
            rx.hstack(
                rx.input(
                    name="name",
                    placeholder="New thread name",
                    aria_label="New thread name",
                    max_length=NAME_MAX,
                    required=True,
                    id="new-thread-name",
                    flex="1",
                ),
                rx.select(
                    list(ARCHIVE_CHOICES),
                    name="archive",
                    default_value="24 hours",
                    aria_label="Archive after",
                    size="2",
                ),
                rx.button(
                    "Start", type="submit", size="2", loading=ThreadsState.creating, id="new-thread"
                ),
                width="100%",
            ),
            on_submit=ThreadsState.start_empty,
            reset_on_submit=True,
            width="100%",
        ),
    )


def thread_list() -> rx.Component:
    """The channel's threads, active first then archived, and "New thread"."""
    return rx.vstack(
        rx.heading("Threads", size="3", as_="h3"),
        new_thread_form(),
        rx.cond(
            ServerState.parent_threads.length() == 0,
            rx.text("No threads here yet.", size="2", color_scheme="gray"),
        ),
        rx.foreach(ServerState.parent_threads, thread_list_item),
        width="100%",
        spacing="2",
        id="thread-list",
    )


def threads_popover() -> rx.Component:
    """In the channel header: the channel's threads."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon("messages-square", size=18),
                variant="ghost",
                aria_label="Threads",
                id="threads-button",
            )
        ),
        rx.popover.content(
            rx.box(thread_list(), width="min(22em, 80vw)", max_height="60vh", overflow_y="auto")
        ),
    )


def thread_header() -> rx.Component:
    return rx.hstack(
        rx.link(
            # Beside the channel the panel closes (x); on a phone it goes back (arrow).
            rx.icon("x", size=18, class_name="sh-beside-only"),
            rx.icon("arrow-left", size=18, class_name="sh-phone-only"),
            href=parent_href(),
            aria_label="Close the thread",
            id="thread-close",
            class_name="sh-thread-close",
        ),
        rx.icon("messages-square", size=18),
        rx.vstack(
            rx.heading(
                ServerState.channel_name,
                size="4",
                as_="h2",
                id="thread-title",
                class_name="sh-ellipsis",
                width="100%",
            ),
            rx.text("in #", ServerState.thread_parent_name, size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            ServerState.thread_archived,
            rx.badge("archived", color_scheme="gray", id="thread-archived"),
        ),
        rx.cond(
            ServerState.thread_archived,
            rx.button("Reopen", size="1", variant="soft", on_click=ThreadsState.unarchive),
            rx.cond(
                ServerState.can_manage_thread,
                rx.button("Archive", size="1", variant="soft", on_click=ThreadsState.archive),
            ),
        ),
        rx.cond(
            ServerState.can_manage_thread,
            rx.dropdown_menu.root(
                rx.dropdown_menu.trigger(
                    rx.icon_button(
                        rx.icon("timer", size=18),
                        variant="ghost",
                        aria_label="Archive after",
                        id="thread-archive-delay",
                    )
                ),
                rx.dropdown_menu.content(
                    *[
                        rx.dropdown_menu.item(
                            choice, on_click=ThreadsState.set_archive_delay(choice)
                        )
                        for choice in ARCHIVE_CHOICES
                    ]
                ),
            ),
        ),
        rx.icon_button(
            rx.icon("users", size=18),
            variant="ghost",
            aria_label="Member list",
            aria_pressed=ServerMembersState.open.to(str),
            on_click=ServerMembersState.toggle,
        ),
        width="100%",
        align="center",
        class_name="sh-channel-header",
    )


def parent_reactions(message: rx.Var[MessageRow]) -> rx.Component:
    """The reactions on a message of the channel beside the thread, to read (reacting is the
    channel's own, once opened)."""
    return rx.hstack(
        rx.foreach(
            message.reactions,
            lambda r: rx.badge(
                rx.cond(r["name"], ":" + r["name"].to(str) + ":", r["emoji"].to(str)),
                " ",
                r["count"].to(str),
                variant="soft",
                radius="full",
                size="1",
            ),
        ),
        spacing="1",
        wrap="wrap",
    )


def parent_message(message: rx.Var[MessageRow]) -> rx.Component:
    """A message of the channel beside the thread: the channel's own row (author, text,
    reactions, its thread's chip, which opens that thread in the panel), without the actions."""
    return rx.fragment(
        rx.cond(
            message.separator != "",
            rx.center(
                rx.text(message.separator, size="1", weight="medium"),
                class_name="sh-day-separator",
                role="separator",
                width="100%",
            ),
        ),
        rx.cond(
            message.kind == "system",
            rx.center(rx.text(message.body, size="1", color_scheme="gray"), width="100%"),
            rx.box(
                rx.cond(
                    ~message.grouped,
                    rx.hstack(
                        rx.text(
                            message.author_name, size="1", weight="bold", color_scheme="violet"
                        ),
                        rx.cond(message.webhook, rx.badge("WEBHOOK", size="1", variant="soft")),
                        rx.cond(message.bot, rx.badge("BOT", size="1", variant="soft")),
                        rx.text(message.when, size="1", color_scheme="gray"),
                        spacing="1",
                        align="center",
                    ),
                ),
                rx.cond(
                    message.deleted,
                    rx.text(
                        "This message was deleted",
                        font_style="italic",
                        color_scheme="gray",
                        size="2",
                    ),
                    rx.cond(
                        message.html != "",
                        # Sanitised server-side (domain/text.py), as in the channel itself.
                        rx.html(message.html, class_name="message-body sh-rich"),
                        rx.text(message.body, white_space="pre-wrap", size="2"),
                    ),
                ),
                parent_reactions(message),
                thread_chip(message),
                class_name=rx.cond(
                    message.grouped, "sh-parent-message sh-grouped", "sh-parent-message"
                ),
                data_mine=message.mine.to(str),
                id="p-" + message.seq.to(str),
            ),
        ),
    )


def parent_href() -> rx.Var[str]:
    return "/servers/" + ServerState.server_id + "/" + ServerState.thread_parent_id


def thread_parent_column() -> rx.Component:
    """Beside the thread: its channel's latest messages, live, to read; its threads; and the
    way back to the channel to write there."""
    return rx.el.section(
        rx.hstack(
            rx.icon("hash", size=18),
            rx.link(
                rx.heading(ServerState.thread_parent_name, size="4", as_="h2"),
                href=parent_href(),
                underline="none",
                id="thread-parent-title",
                class_name="sh-ellipsis",
            ),
            rx.spacer(),
            threads_popover(),
            align="center",
            class_name="sh-channel-header",
            width="100%",
        ),
        # Bottom-anchored (column-reverse), as a chat reads: the newest at the bottom.
        rx.el.div(
            rx.el.div(
                rx.cond(
                    ThreadParentState.has_older,
                    rx.link(
                        "Earlier messages in #",
                        ServerState.thread_parent_name,
                        href=parent_href(),
                        size="1",
                        class_name="sh-parent-older",
                    ),
                ),
                rx.cond(
                    ThreadParentState.parent_id == "",
                    rx.center(rx.spinner(aria_label="Loading the channel"), padding="1em"),
                    rx.cond(
                        (ThreadParentState.messages.length() == 0)
                        & (ThreadParentState.tail.length() == 0),
                        rx.text("No messages here yet.", size="2", color_scheme="gray"),
                    ),
                ),
                rx.foreach(ThreadParentState.messages, parent_message),
                rx.foreach(ThreadParentState.tail, parent_message),
                class_name="sh-parent-rows",
            ),
            class_name="sh-parent-scroller",
            id="thread-parent-messages",
        ),
        rx.link(
            rx.button(
                rx.icon("pencil", size=14),
                "Write in #",
                ServerState.thread_parent_name,
                variant="soft",
                size="2",
                width="100%",
            ),
            href=parent_href(),
            id="thread-parent-write",
            underline="none",
            width="100%",
        ),
        class_name="sh-thread-parent",
        aria_label="The thread's channel",
    )


def thread_layout(panel: rx.Component) -> rx.Component:
    """The parent channel's latest messages (live) and the thread's panel beside them; on a
    phone the panel is the whole screen (the browser's width, told as it changes, decides
    whether the channel is followed at all)."""
    return rx.el.div(
        thread_parent_column(),
        panel,
        rx.window_event_listener(on_resize=ThreadParentState.set_width.debounce(300)),
        class_name="sh-thread-layout",
        data_open=ConversationState.open_id,
        on_unmount=ThreadParentState.leave,
    )
