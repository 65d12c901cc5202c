"""Chat pieces: the chat list entry, a message bubble, the composer."""

from __future__ import annotations

import reflex as rx

from socialhub.components.commands import command_loader, command_notices
from socialhub.components.confirm import confirm_event
from socialhub.components.emoji import (
    composer_emoji_button,
    custom_emoji_loader,
    sticker_button,
)
from socialhub.components.getting_started import invite_link_actions, people_picker
from socialhub.components.link_preview import link_preview_card
from socialhub.components.threads import thread_chip
from socialhub.components.ui import counted, counted_noun, upload_zone, user_avatar
from socialhub.state.chat_admin import DESCRIPTION_MAX, GROUP_PICTURE_UPLOAD_ID, ChatAdminState
from socialhub.state.chat_list import ChatListState
from socialhub.state.chat_rows import ChatRow, MemberRow, MessageRow
from socialhub.state.conversation import (
    MESSAGE_MAX,
    ChatTailState,
    ChatTicksState,
    ConversationState,
)
from socialhub.state.emoji import ReactionPickerState
from socialhub.state.message_window import TAIL_CHUNKS
from socialhub.state.server_pins import ServerPinsState
from socialhub.state.servers import ServerState
from socialhub.state.threads import ThreadsState
from socialhub.state.uploads import UploadState

QUICK_REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")


def chat_list_item(chat: rx.Var[ChatRow]) -> rx.Component:
    return rx.link(
        rx.hstack(
            user_avatar(chat.avatar_url, chat.title, size="3"),
            rx.vstack(
                rx.hstack(
                    # No leading trim: it cuts the box to the letters' height, and the
                    # ellipsis' overflow then clipped underscores and descenders ("bob_x").
                    rx.text(chat.title, weight="bold", class_name="sh-ellipsis"),
                    rx.cond(
                        chat.bot, rx.badge("BOT", size="1", variant="soft", class_name="bot-tag")
                    ),
                    rx.spacer(),
                    rx.text(chat.when, size="1", color_scheme="gray"),
                    width="100%",
                ),
                rx.hstack(
                    rx.text(
                        chat.preview,
                        size="2",
                        color_scheme="gray",
                        class_name="sh-ellipsis",
                    ),
                    rx.spacer(),
                    rx.cond(chat.muted, rx.icon("bell-off", size=14, aria_label="Muted")),
                    rx.cond(
                        chat.unread > 0,
                        rx.badge(chat.unread, radius="full", aria_label="unread messages"),
                    ),
                    width="100%",
                ),
                spacing="0",
                width="100%",
                min_width="0",
            ),
            width="100%",
            padding="0.5em",
            align="center",
        ),
        href="/messages/" + chat.id,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        aria_label="Chat with " + chat.title,
        class_name="chat-item",
        width="100%",
        background_color=rx.cond(
            ConversationState.open_id == chat.id, rx.color("accent", 3), "transparent"
        ),
        border_radius="8px",
    )


def ticks(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("sending", rx.icon("clock", size=14, aria_label="sending")),
        ("queued", rx.icon("hourglass", size=14, aria_label="queued: sending too fast")),
        (
            "failed",
            rx.icon("circle-alert", size=14, color=rx.color("red", 9), aria_label="not sent"),
        ),
        ("sent", rx.icon("check", size=14, aria_label="sent")),
        ("delivered", rx.icon("check-check", size=14, aria_label="delivered")),
        ("read", rx.icon("check-check", size=14, color=rx.color("blue", 9), aria_label="read")),
        rx.cond(status != "", rx.text(status, size="1", aria_label=status)),
    )


def reactions(message: rx.Var[MessageRow]) -> rx.Component:
    return rx.hstack(
        rx.foreach(
            message.reactions,
            lambda r: rx.button(
                # A custom emoji shows its image (its still frame under reduced motion).
                rx.cond(
                    r["image_url"],
                    rx.el.picture(
                        rx.el.source(
                            src_set=r["still_url"].to(str),
                            media="(prefers-reduced-motion: reduce)",
                        ),
                        rx.el.img(
                            src=r["image_url"].to(str),
                            alt=":" + r["name"].to(str) + ":",
                            class_name="sh-emoji",
                        ),
                    ),
                    rx.cond(r["emoji"].to(str).startswith("custom:"), "?", r["emoji"].to(str)),
                ),
                " ",
                r["count"].to(str),
                size="1",
                variant="soft",
                radius="full",
                on_click=ConversationState.react(message.id, r["emoji"].to(str)),
                aria_label="Reaction "
                + rx.cond(r["name"], ":" + r["name"].to(str) + ":", r["emoji"].to(str)),
                class_name="reaction",
            ),
        ),
        spacing="1",
        wrap="wrap",
    )


def message_menu(message: rx.Var[MessageRow]) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=14),
                variant="ghost",
                size="1",
                aria_label="Message actions",
                class_name="message-actions",
            )
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.sub(
                rx.dropdown_menu.sub_trigger("React"),
                rx.dropdown_menu.sub_content(
                    *[
                        rx.dropdown_menu.item(
                            emoji,
                            on_click=ConversationState.react(message.id, emoji),
                            aria_label=f"React {emoji}",
                        )
                        for emoji in QUICK_REACTIONS
                    ],
                    rx.dropdown_menu.item(
                        "More…", on_click=ReactionPickerState.open_for(message.id)
                    ),
                ),
            ),
            rx.dropdown_menu.item("Reply", on_click=ConversationState.start_reply(message.id)),
            rx.cond(
                ServerState.can_start_thread
                & (ServerState.channel_kind != "thread")
                & (ConversationState.open_id == ServerState.channel_id)
                & (message.thread_id == ""),
                rx.dropdown_menu.item(
                    "Start thread", on_click=ThreadsState.start_from_message(message.id)
                ),
            ),
            rx.dropdown_menu.item("Forward", on_click=ConversationState.start_forward(message.id)),
            rx.cond(
                ConversationState.open_can_pin,
                rx.cond(
                    ServerPinsState.pinned_ids.contains(message.id),
                    rx.dropdown_menu.item("Unpin", on_click=ServerPinsState.unpin(message.id)),
                    rx.dropdown_menu.item("Pin", on_click=ServerPinsState.pin(message.id)),
                ),
            ),
            rx.cond(
                message.edited,
                rx.dropdown_menu.item(
                    "Edit history", on_click=ConversationState.show_history(message.id)
                ),
            ),
            rx.cond(
                message.mine,
                rx.dropdown_menu.item("Edit", on_click=ConversationState.start_edit(message.id)),
            ),
            rx.cond(
                message.mine & (message.preview_url != ""),
                rx.dropdown_menu.item(
                    "Remove preview", on_click=ConversationState.remove_preview(message.id)
                ),
            ),
            rx.dropdown_menu.item(
                "Delete for me", on_click=ConversationState.delete_for_me(message.id)
            ),
            rx.cond(
                message.mine
                | (ConversationState.open_role == "admin")
                | ConversationState.open_can_moderate,
                rx.dropdown_menu.item(
                    "Delete for everyone",
                    color="red",
                    on_click=confirm_event("delete_message", message.id),
                ),
            ),
        ),
        # Pin or Unpin as the message is now (someone else may have pinned it since).
        on_open_change=lambda is_open: ServerPinsState.menu_opened(message.id, is_open),
    )


def edit_form(message: rx.Var[MessageRow]) -> rx.Component:
    return rx.form(
        rx.hstack(
            counted(
                rx.text_area(
                    name="body",
                    default_value=message.body,
                    aria_label="Edit message",
                    id="edit-input",
                    width="100%",
                    rows="2",
                    auto_focus=True,
                    data_enter_submits="true",
                ),
                MESSAGE_MAX,
            ),
            rx.button("Save", type="submit", size="1"),
            rx.button(
                "Cancel",
                type="button",
                size="1",
                variant="soft",
                on_click=ConversationState.cancel_edit,
            ),
            width="100%",
        ),
        on_submit=ConversationState.save_edit,
        reset_on_submit=True,
    )


def message_bubble(message: rx.Var[MessageRow]) -> rx.Component:
    # A stored message's ticks come from the receipts (ChatTicksState), a pending send's from
    # its row (sending, queued, failed).
    status = rx.cond(message.pending, message.status, ChatTicksState.statuses[message.id].to(str))
    system = rx.center(
        rx.text(message.body, size="1", color_scheme="gray", class_name="system-message"),
        width="100%",
    )
    bubble = rx.box(
        rx.vstack(
            rx.cond(
                # Groups and server channels name the author; a DM does not need to.
                ~message.mine & ~message.grouped & (ConversationState.open_kind != "dm"),
                rx.hstack(
                    rx.text(message.author_name, size="1", weight="bold", color_scheme="violet"),
                    rx.cond(
                        message.webhook,
                        rx.badge("WEBHOOK", size="1", variant="soft", class_name="webhook-tag"),
                    ),
                    rx.cond(
                        message.bot,
                        rx.badge("BOT", size="1", variant="soft", class_name="bot-tag"),
                    ),
                    spacing="1",
                    align="center",
                ),
            ),
            rx.cond(
                message.command_line != "",
                rx.text(
                    rx.icon("square-slash", size=12),
                    " ",
                    message.command_line,
                    size="1",
                    color_scheme="gray",
                    class_name="command-line",
                ),
            ),
            rx.cond(
                message.forwarded,
                rx.text("Forwarded", size="1", color_scheme="gray", font_style="italic"),
            ),
            rx.cond(
                message.reply_to_id != "",
                rx.box(
                    rx.text(message.reply_author, size="1", weight="bold"),
                    rx.text(message.reply_body, size="1", class_name="sh-ellipsis"),
                    border_left=f"3px solid {rx.color('accent', 8)}",
                    padding_left="0.5em",
                    class_name="reply-quote",
                    cursor="pointer",
                    on_click=ConversationState.jump(message.reply_to_id),
                    role="button",
                    aria_label="Show the message this replies to",
                ),
            ),
            rx.cond(
                message.deleted,
                rx.text(
                    "This message was deleted", font_style="italic", color_scheme="gray", size="2"
                ),
                rx.cond(
                    # A pending send has no id yet: never "" == "" while nothing is edited.
                    (ConversationState.editing_id == message.id) & ~message.pending,
                    edit_form(message),
                    rx.cond(
                        message.html != "",
                        # Sanitised server-side (domain/text.py): markdown subset, escaped HTML.
                        rx.html(message.html, class_name="message-body sh-rich"),
                        rx.text(
                            message.body,
                            white_space="pre-wrap",
                            size="2",
                            class_name="message-body",
                        ),
                    ),
                ),
            ),
            rx.cond(
                (message.preview_url != "") & ~message.deleted,
                link_preview_card(
                    message.preview_url,
                    message.preview_title,
                    message.preview_description,
                    message.preview_site,
                    message.preview_image,
                ),
            ),
            reactions(message),
            thread_chip(message),
            rx.hstack(
                rx.cond(
                    message.edited & ~message.deleted,
                    rx.text("edited", size="1", color_scheme="gray"),
                ),
                rx.text(message.when, size="1", color_scheme="gray"),
                rx.cond(message.mine, ticks(status)),
                rx.cond(~message.deleted & ~message.pending, message_menu(message)),
                spacing="1",
                align="center",
                justify="end",
                width="100%",
            ),
            spacing="1",
            align="start",
        ),
        background_color=rx.cond(message.mine, rx.color("accent", 4), rx.color("gray", 3)),
        padding="0.5em 0.75em",
        border_radius="12px",
        max_width="min(80%, 36em)",
        class_name="message",
        data_mine=message.mine.to(str),
        data_status=status,
        data_client_id=message.client_id,
        id="m-" + message.seq.to(str),
    )
    # The separators and the grouping come from the state's arranging of the rows
    # (message_window.arrange).
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
            message.first_unread,
            rx.center(
                rx.text("Unread messages", size="1", weight="medium"),
                class_name="sh-unread-divider",
                id="unread-divider",
                data_seq=message.seq.to(str),
                role="separator",
                width="100%",
            ),
        ),
        rx.cond(
            message.kind == "system",
            system,
            rx.flex(
                bubble,
                justify=rx.cond(message.mine, "end", "start"),
                width="100%",
                class_name=rx.cond(message.grouped, "message-row sh-grouped", "message-row"),
            ),
        ),
    )


def composer() -> rx.Component:
    return rx.vstack(
        rx.text(
            ChatTailState.typing_text,
            size="1",
            color_scheme="gray",
            height="1.2em",
            id="typing",
            aria_live="polite",
        ),
        command_notices(),
        rx.cond(
            ConversationState.reply_to_id != "",
            rx.hstack(
                rx.text(
                    "Replying to ",
                    ConversationState.reply_preview,
                    size="1",
                    class_name="sh-ellipsis",
                ),
                rx.spacer(),
                rx.icon_button(
                    rx.icon("x", size=14),
                    size="1",
                    variant="ghost",
                    on_click=ConversationState.cancel_reply,
                    aria_label="Cancel reply",
                ),
                width="100%",
            ),
        ),
        rx.form(
            rx.hstack(
                counted(
                    # Enter sends and Shift+Enter adds a line (assets/composer.js, which also
                    # keeps the draft); the form's reset empties it as it is sent.
                    rx.text_area(
                        name="body",
                        id="composer",
                        placeholder="Message",
                        aria_label="Message",
                        width="100%",
                        size="3",
                        rows="1",
                        data_enter_submits="true",
                        on_change=ConversationState.typing.throttle(2000),
                    ),
                    MESSAGE_MAX,
                ),
                composer_emoji_button("composer"),
                rx.cond(
                    ConversationState.open_kind == "channel",
                    sticker_button(ConversationState.open_id),
                ),
                custom_emoji_loader(ConversationState.open_id),
                rx.cond(
                    ConversationState.open_kind == "channel",
                    command_loader(ConversationState.open_id),
                ),
                rx.icon_button(
                    rx.icon("send", size=18), type="submit", size="3", aria_label="Send"
                ),
                width="100%",
                align="end",
            ),
            rx.el.input(type="hidden", name="client_id", value=""),
            on_submit=ConversationState.send,
            reset_on_submit=True,
            width="100%",
            id="composer-form",
        ),
        # Pressed by assets/composer.js on Up arrow in the empty composer.
        rx.el.button(
            type="button",
            id="composer-edit-last",
            on_click=ConversationState.edit_last,
            tab_index=-1,
            aria_hidden="true",
            display="none",
        ),
        width="100%",
        spacing="1",
    )


def member_row(member: rx.Var[MemberRow]) -> rx.Component:
    is_admin_view = (ConversationState.open_role == "admin") & (
        ConversationState.open_kind == "group"
    )
    return rx.hstack(
        user_avatar(member.avatar_url, member.display_name, size="2"),
        rx.vstack(
            rx.text(member.display_name, size="2", weight="medium"),
            rx.text("@", member.username, size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        rx.cond(member.role == "admin", rx.badge("admin")),
        rx.cond(
            is_admin_view,
            rx.dropdown_menu.root(
                rx.dropdown_menu.trigger(
                    rx.icon_button(
                        rx.icon("ellipsis", size=14),
                        variant="ghost",
                        size="1",
                        aria_label="Manage " + member.username,
                    )
                ),
                rx.dropdown_menu.content(
                    rx.cond(
                        member.role == "admin",
                        rx.dropdown_menu.item(
                            "Remove admin",
                            on_click=ChatAdminState.set_role(member.username, "member"),
                        ),
                        rx.dropdown_menu.item(
                            "Make admin", on_click=ChatAdminState.set_role(member.username, "admin")
                        ),
                    ),
                    rx.dropdown_menu.item(
                        "Remove from group",
                        color="red",
                        on_click=confirm_event(
                            "remove_member", member.username, member.display_name
                        ),
                    ),
                ),
            ),
        ),
        width="100%",
        align="center",
        class_name="member-row",
    )


def group_admin_tools() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.vstack(
                rx.el.label("Group name", html_for="rename-title", class_name="sh-label"),
                rx.input(
                    id="rename-title",
                    name="title",
                    default_value=ConversationState.open_title,
                    max_length=100,
                    aria_label="Group name",
                    width="100%",
                ),
                rx.el.label("Description", html_for="rename-description", class_name="sh-label"),
                counted(
                    rx.text_area(
                        id="rename-description",
                        name="description",
                        default_value=ChatAdminState.description,
                        aria_label="Description",
                        width="100%",
                    ),
                    DESCRIPTION_MAX,
                    label="Description",
                ),
                rx.button("Save group info", type="submit", size="1"),
                width="100%",
                spacing="1",
            ),
            on_submit=ChatAdminState.rename,
            reset_on_submit=False,
        ),
        people_picker("add", label="Add members"),
        rx.hstack(
            rx.switch(
                checked=ChatAdminState.admins_only,
                on_change=ChatAdminState.set_admins_only,
                aria_label="Only admins can send",
            ),
            rx.text("Only admins can send messages", size="2"),
            align="center",
        ),
        upload_zone(
            "Group picture",
            rx.button("Change group picture", type="button", size="1", variant="soft"),
            id=GROUP_PICTURE_UPLOAD_ID,
            multiple=False,
            max_files=1,
            accept={"image/jpeg": [], "image/png": [], "image/webp": [], "image/gif": []},
            on_drop=ChatAdminState.upload_picture(
                rx.upload_files(upload_id=GROUP_PICTURE_UPLOAD_ID)
            ),
            on_drop_rejected=UploadState.refuse,
            aria_label="Upload group picture",
        ),
        rx.hstack(
            rx.button(
                "Create invite link",
                size="1",
                variant="soft",
                on_click=ChatAdminState.create_invite,
            ),
            rx.button(
                "Revoke all invite links",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=ChatAdminState.revoke_all_invites,
            ),
            rx.cond(
                ChatAdminState.invite_url != "",
                rx.hstack(
                    rx.code(ChatAdminState.invite_url, id="invite-url", size="1"),
                    invite_link_actions(ChatAdminState.invite_url),
                    align="center",
                    wrap="wrap",
                ),
            ),
            align="center",
            wrap="wrap",
        ),
        width="100%",
        spacing="3",
    )


def chat_info_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(rx.icon("info", size=18), variant="ghost", aria_label="Chat info")
        ),
        rx.dialog.content(
            rx.dialog.title(ConversationState.open_title),
            rx.vstack(
                rx.cond(
                    ChatAdminState.description != "",
                    rx.text(ChatAdminState.description, size="2", white_space="pre-wrap"),
                ),
                rx.hstack(
                    rx.switch(
                        checked=ChatAdminState.muted,
                        on_change=ChatAdminState.set_muted,
                        aria_label="Mute",
                    ),
                    rx.text("Mute", size="2"),
                    rx.switch(
                        checked=ChatAdminState.pinned,
                        on_change=ChatAdminState.set_pinned,
                        aria_label="Pin",
                    ),
                    rx.text("Pin", size="2"),
                    rx.switch(
                        checked=ChatAdminState.archived,
                        on_change=ChatAdminState.set_archived,
                        aria_label="Archive",
                    ),
                    rx.text("Archive", size="2"),
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(
                    ConversationState.open_kind == "group",
                    rx.vstack(
                        rx.heading(
                            counted_noun(ConversationState.open_members, "member"),
                            size="3",
                            as_="h3",
                            id="info-members",
                        ),
                        rx.foreach(ChatAdminState.members, member_row),
                        rx.cond(ConversationState.open_role == "admin", group_admin_tools()),
                        rx.button(
                            "Leave group",
                            color_scheme="red",
                            variant="soft",
                            on_click=confirm_event("leave_group", "", ConversationState.open_title),
                        ),
                        width="100%",
                        spacing="2",
                    ),
                    # Block or Unblock, from the real block state.
                    rx.cond(
                        ChatAdminState.partner_blocked,
                        rx.button(
                            "Unblock", variant="soft", on_click=ChatAdminState.unblock_partner
                        ),
                        rx.button(
                            "Block",
                            color_scheme="red",
                            variant="soft",
                            on_click=confirm_event(
                                "block_partner", "", ConversationState.open_title
                            ),
                        ),
                    ),
                ),
                rx.dialog.close(rx.button("Close", variant="soft", size="1")),
                width="100%",
                spacing="3",
            ),
        ),
        on_open_change=ChatAdminState.show_info,
    )


def forward_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Forward to"),
            rx.vstack(
                rx.foreach(
                    ChatListState.chats,
                    lambda chat: rx.button(
                        chat.title,
                        variant="soft",
                        width="100%",
                        on_click=ConversationState.forward_to(chat.id),
                        aria_label="Forward to " + chat.title,
                    ),
                ),
                rx.dialog.close(rx.button("Cancel", variant="ghost", size="1")),
                width="100%",
            ),
        ),
        open=ConversationState.forward_id != "",
        on_open_change=ConversationState.close_forward,
    )


def history_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Earlier versions"),
            rx.vstack(
                rx.foreach(
                    ConversationState.history,
                    lambda line: rx.text(line, size="2", white_space="pre-wrap"),
                ),
                rx.dialog.close(rx.button("Close", variant="soft", size="1")),
                id="edit-history",
            ),
        ),
        open=ConversationState.history.length() > 0,
        on_open_change=ConversationState.close_history,
    )


def message_scroller() -> rx.Component:
    """The open chat's messages, newest at the bottom: the window read when it opened, what
    arrived since (a live message re-renders only these), the sends the server has not seen
    yet (drawn by assets/outbox.js), and the ways to older and newer pages. A DM's, a
    group's and a server channel's alike."""
    return rx.box(
        rx.vstack(
            rx.cond(
                ConversationState.has_older,
                rx.center(
                    rx.button(
                        "Load older messages",
                        variant="ghost",
                        size="1",
                        on_click=ConversationState.load_older,
                    ),
                    width="100%",
                ),
            ),
            rx.foreach(ConversationState.messages, message_bubble),
            *(
                rx.foreach(getattr(ChatTailState, f"rows_{n}"), message_bubble)
                for n in range(TAIL_CHUNKS)
            ),
            rx.box(id="outbox-pending"),
            rx.cond(
                ConversationState.has_newer,
                rx.center(
                    rx.button(
                        "Jump to latest",
                        variant="soft",
                        size="1",
                        on_click=ConversationState.jump_latest,
                    ),
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
            id="messages",
        ),
        flex="1",
        overflow_y="auto",
        width="100%",
        display="flex",
        flex_direction="column-reverse",
        padding_y="0.5em",
        id="message-scroller",
    )
