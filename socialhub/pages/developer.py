"""/settings/developer: my bot accounts."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.ui import (
    IMAGE_TYPES,
    copy_button,
    renew_and_delete,
    upload_zone,
    user_avatar,
)
from socialhub.state.developer import (
    BOT_AVATAR_UPLOAD_ID,
    DESCRIPTION_MAX,
    MAX_BOTS_PER_OWNER,
    NAME_MAX,
    BotRow,
    DeveloperState,
)
from socialhub.state.uploads import UploadState

D = DeveloperState


def bot_row(bot: rx.Var[BotRow]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            user_avatar(bot.avatar_url, bot.name, size="4", class_name="dev-bot-avatar"),
            bot_details(bot),
            spacing="3",
            align="start",
            width="100%",
        ),
        class_name="dev-bot",
        data_bot=bot.id,
    )


def bot_details(bot: rx.Var[BotRow]) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(bot.name, weight="medium", size="2", class_name="dev-bot-name"),
            rx.badge("BOT", size="1", variant="soft", class_name="bot-tag"),
            rx.text("@", bot.username, size="1", color_scheme="gray", class_name="dev-bot-user"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(bot.description != "", rx.text(bot.description, size="1")),
        rx.text("Created ", bot.created, size="1", color_scheme="gray"),
        rx.hstack(
            rx.button(
                "Avatar",
                size="1",
                variant="soft",
                on_click=D.open_avatar(bot.id),
                aria_label="Change the avatar of " + bot.name,
            ),
            *renew_and_delete(D.ask, bot.id, bot.name, renew="regenerate", what="token"),
            spacing="2",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
    )


def avatar_dialog() -> rx.Component:
    """One picker for whichever bot's dialog is open (an upload id is one per page)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Avatar of ", D.avatar_name),
            rx.hstack(
                user_avatar(D.avatar_src, D.avatar_name, size="7", id="bot-avatar-preview"),
                upload_zone(
                    "Bot avatar image",
                    rx.vstack(
                        rx.button("Choose image", type="button", variant="soft"),
                        rx.text(
                            "JPEG, PNG, WebP or GIF up to 10 MB", size="1", color_scheme="gray"
                        ),
                        align="start",
                    ),
                    id=BOT_AVATAR_UPLOAD_ID,
                    multiple=False,
                    max_files=1,
                    accept=IMAGE_TYPES,
                    on_drop=D.upload_avatar(rx.upload_files(upload_id=BOT_AVATAR_UPLOAD_ID)),
                    on_drop_rejected=UploadState.refuse,
                    aria_label="Upload the bot's avatar",
                ),
                rx.cond(D.uploading, rx.spinner(aria_label="Uploading")),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            rx.hstack(
                rx.cond(
                    D.avatar_src != "",
                    rx.button(
                        "Remove avatar",
                        variant="soft",
                        color_scheme="red",
                        on_click=D.remove_avatar,
                        id="bot-avatar-remove",
                    ),
                ),
                rx.dialog.close(
                    rx.button("Done", variant="soft", color_scheme="gray", id="bot-avatar-done")
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="30em",
            id="bot-avatar-dialog",
        ),
        open=D.avatar_bot != 0,
        on_open_change=D.set_avatar_open,
    )


def token_box() -> rx.Component:
    return rx.cond(
        D.new_token != "",
        rx.callout.root(
            rx.callout.text(
                "The token of ",
                rx.text.strong(D.new_token_bot),
                ", shown this once: copy it now. The bot sends it as ",
                rx.code("Authorization: Bearer <token>"),
                ".",
            ),
            rx.hstack(
                rx.code(D.new_token, id="bot-token", size="1", word_break="break-all"),
                copy_button(D.new_token, id="copy-bot-token", label="Copy token"),
                rx.button("Done", size="1", variant="ghost", on_click=D.hide_token),
                align="center",
                wrap="wrap",
            ),
            id="bot-token-box",
            width="100%",
        ),
    )


def confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(D.confirm_title),
            rx.alert_dialog.description(D.confirm_label, ": ", D.confirm_body, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="bot-cancel")
                ),
                rx.button(
                    D.confirm_action, color_scheme="red", on_click=D.confirm, id="bot-confirm"
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        open=D.confirm_kind != "",
        on_open_change=D.set_confirm_open,
    )


def developer_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading("Developer", size="6", as_="h1"),
            rx.text(
                "Bot accounts use the REST API (/api/docs) with their token, under the same "
                f"permissions and rate limits as everyone. You may own {MAX_BOTS_PER_OWNER}.",
                size="2",
                color_scheme="gray",
            ),
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("New bot", size="4", as_="h2"),
                        rx.el.label("Name", html_for="bot-name", class_name="sh-label"),
                        rx.input(id="bot-name", name="name", max_length=NAME_MAX, width="100%"),
                        rx.el.label(
                            "Description", html_for="bot-description", class_name="sh-label"
                        ),
                        rx.input(
                            id="bot-description",
                            name="description",
                            max_length=DESCRIPTION_MAX,
                            width="100%",
                        ),
                        rx.button("Create bot", type="submit", id="create-bot"),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=D.create_bot,
                    reset_on_submit=True,
                ),
                width="100%",
            ),
            token_box(),
            rx.heading("My bots", size="4", as_="h2"),
            rx.cond(
                D.bots.length() > 0,
                rx.el.ul(rx.foreach(D.bots, bot_row), id="my-bots", class_name="dev-bots"),
                rx.text("No bots yet.", size="2", color_scheme="gray", id="no-bots"),
            ),
            confirm_dialog(),
            avatar_dialog(),
            spacing="4",
            width="100%",
        )
    )
