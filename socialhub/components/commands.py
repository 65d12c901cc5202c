"""The composer's slash commands: the open channel's command list for the `/` menu
(assets/commands.js), and what the invoker is told of their invocations (waiting, a private
answer, "did not answer"), shown above the composer to them alone."""

from __future__ import annotations

import reflex as rx

from socialhub.state.commands import CommandNotice, CommandState
from socialhub.state.conversation import ConversationState


def command_loader(chat_id: rx.Var[str]) -> rx.Component:
    """Reads the channel's commands whenever another chat opens (mounted again by its key)."""
    return rx.el.span(
        key=chat_id,
        on_mount=CommandState.load_for_chat(chat_id),
        display="none",
        aria_hidden="true",
        id="command-data",
        data_commands=CommandState.menu,
    )


def _notice(notice: rx.Var[CommandNotice]) -> rx.Component:
    icon = rx.match(
        notice.kind,
        ("pending", rx.spinner(size="1")),
        ("timeout", rx.icon("circle-alert", size=14, color=rx.color("red", 10))),
        rx.icon("eye", size=14),
    )
    return rx.cond(
        notice.channel_id == ConversationState.open_id,
        rx.hstack(
            icon,
            rx.vstack(
                rx.text(
                    notice.bot,
                    " · /",
                    notice.command,
                    " · Only you can see this",
                    size="1",
                    color_scheme="gray",
                ),
                # Text, never markup: a bot's answer is rendered inert.
                rx.text(notice.text, size="2", white_space="pre-wrap", class_name="notice-text"),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.icon_button(
                rx.icon("x", size=14),
                size="1",
                variant="ghost",
                on_click=CommandState.dismiss(notice.id),
                aria_label="Dismiss",
            ),
            class_name="command-notice",
            data_kind=notice.kind,
            width="100%",
            align="center",
            padding="0.4em 0.6em",
            border_radius="8px",
            background=rx.color("gray", 3),
        ),
    )


def command_notices() -> rx.Component:
    return rx.box(
        rx.foreach(CommandState.notices, _notice),
        role="status",
        aria_live="polite",
        width="100%",
        id="command-notices",
    )
