"""The bots section: the server's bot members (avatar, name, BOT tag, roles), adding one by
username with an optional role, and removing one (confirmed)."""

from __future__ import annotations

import reflex as rx

from socialhub.components.server_settings import section_heading
from socialhub.components.ui import user_avatar
from socialhub.state.server_settings import ServerSettingsState
from socialhub.state.server_settings_bots import (
    NO_ROLE,
    BotMemberRow,
    BotSettingsState,
    RoleChoice,
)

B = BotSettingsState
S = ServerSettingsState


def bot_member_row(bot: rx.Var[BotMemberRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            user_avatar(bot.avatar_url, bot.name, size="2"),
            rx.vstack(
                rx.hstack(
                    rx.text(bot.name, weight="medium", size="2", class_name="ss-bot-name"),
                    rx.badge("BOT", size="1", variant="soft", class_name="bot-tag"),
                    rx.text("@", bot.username, size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(
                    rx.cond(bot.roles != "", bot.roles, "No role"),
                    size="1",
                    color_scheme="gray",
                    class_name="ss-bot-roles",
                ),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                S.can_kick,
                rx.button(
                    "Remove",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=B.ask_remove(bot.id, bot.name),
                    aria_label="Remove " + bot.name,
                ),
            ),
            spacing="3",
            align="center",
            width="100%",
        ),
        class_name="ss-member ss-bot",
        data_username=bot.username,
    )


def role_select() -> rx.Component:
    def item(role: rx.Var[RoleChoice]) -> rx.Component:
        return rx.select.item(role.name, value=role.id)

    return rx.select.root(
        rx.select.trigger(aria_label="Role for the bot", id="bot-role"),
        rx.select.content(
            rx.select.item("No role", value=NO_ROLE),
            rx.foreach(B.role_choices, item),
        ),
        value=B.new_role,
        on_change=B.set_new_role,
    )


def remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove ", B.remove_label, "?"),
            rx.alert_dialog.description(
                "The bot leaves the server (a kick, in the audit log); adding it again brings "
                "it back.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="bot-remove-cancel")
                ),
                rx.button(
                    "Remove bot", color_scheme="red", on_click=B.confirm_remove, id="bot-remove"
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        open=B.remove_target != 0,
        on_open_change=B.set_remove_open,
    )


def bots_section() -> rx.Component:
    return rx.vstack(
        section_heading(
            "Bots",
            "Bot accounts act through the REST API with their token, under the server's "
            "permissions like every member. Add one by its username (its owner finds it on "
            "their Developer page).",
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="username",
                    placeholder="bot username",
                    aria_label="Bot username",
                    id="bot-username",
                    max_length=64,
                ),
                rx.cond(S.can_manage_roles, role_select()),
                rx.button("Add bot", type="submit", id="add-bot"),
                spacing="2",
                wrap="wrap",
            ),
            on_submit=B.add_bot,
            reset_on_submit=True,
        ),
        rx.cond(
            B.bots.length() > 0,
            rx.el.ul(
                rx.foreach(B.bots, bot_member_row), class_name="ss-member-list", id="bot-list"
            ),
            rx.text("No bots in this server.", size="2", color_scheme="gray", id="no-server-bots"),
        ),
        remove_dialog(),
        spacing="3",
        width="100%",
        id="bots-section",
    )
