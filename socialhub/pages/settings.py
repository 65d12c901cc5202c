"""/settings: profile, avatar, sessions."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.ui import (
    IMAGE_TYPES,
    counted,
    field_error,
    labelled_input,
    upload_zone,
    user_avatar,
)
from socialhub.models import Presence
from socialhub.state.settings import AVATAR_UPLOAD_ID, BIO_MAX, SessionRow, SettingsState
from socialhub.state.uploads import UploadState

PRESENCE_LABELS = {
    Presence.online.value: "Online",
    Presence.idle.value: "Idle",
    Presence.dnd.value: "Do not disturb",
    Presence.invisible.value: "Invisible",
}


def profile_section() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Profile", size="4", as_="h2"),
                labelled_input(
                    "Display name",
                    "display_name",
                    SettingsState.field_errors,
                    default_value=SettingsState.display_name,
                    max_length=50,
                ),
                labelled_input(
                    "Status",
                    "status_text",
                    SettingsState.field_errors,
                    default_value=SettingsState.status_text,
                    max_length=100,
                ),
                rx.vstack(
                    rx.el.label("Bio", html_for="bio", class_name="sh-label"),
                    counted(
                        rx.text_area(
                            id="bio",
                            name="bio",
                            value=SettingsState.bio,
                            on_change=SettingsState.set_bio,
                            aria_label="Bio",
                            width="100%",
                            rows="4",
                        ),
                        BIO_MAX,
                        label="Bio",
                    ),
                    field_error(SettingsState.field_errors, "bio"),
                    width="100%",
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label("Presence", html_for="presence", class_name="sh-label"),
                    rx.select.root(
                        rx.select.trigger(aria_label="Presence", id="presence"),
                        rx.select.content(
                            *[
                                rx.select.item(label, value=value)
                                for value, label in PRESENCE_LABELS.items()
                            ]
                        ),
                        value=SettingsState.presence,
                        on_change=SettingsState.set_presence,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label(
                        "Who sees when I'm online",
                        html_for="presence-visibility",
                        class_name="sh-label",
                    ),
                    rx.select.root(
                        rx.select.trigger(
                            aria_label="Who sees when I'm online", id="presence-visibility"
                        ),
                        rx.select.content(
                            rx.select.item("Everyone", value="everyone"),
                            rx.select.item("People I have chats with", value="contacts"),
                            rx.select.item("Nobody", value="nobody"),
                        ),
                        value=SettingsState.presence_visibility,
                        on_change=SettingsState.set_presence_visibility,
                    ),
                    spacing="1",
                ),
                rx.button(
                    "Save profile", type="submit", loading=SettingsState.saving, id="save-profile"
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=SettingsState.save_profile,
            reset_on_submit=False,
            aria_label="Profile",
        ),
        width="100%",
    )


def avatar_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Avatar", size="4", as_="h2"),
            rx.hstack(
                user_avatar(
                    SettingsState.avatar_url,
                    SettingsState.display_name,
                    size="7",
                    id="settings-avatar",
                ),
                upload_zone(
                    "Avatar image",
                    rx.vstack(
                        rx.button(
                            "Choose image",
                            type="button",
                            variant="soft",
                            aria_label="Choose avatar image",
                        ),
                        rx.text(
                            "JPEG, PNG, WebP or GIF up to 10 MB", size="1", color_scheme="gray"
                        ),
                        align="start",
                    ),
                    id=AVATAR_UPLOAD_ID,
                    multiple=False,
                    max_files=1,
                    accept=IMAGE_TYPES,
                    on_drop=SettingsState.upload_avatar(
                        rx.upload_files(upload_id=AVATAR_UPLOAD_ID)
                    ),
                    on_drop_rejected=UploadState.refuse,
                    aria_label="Upload avatar",
                ),
                rx.cond(SettingsState.uploading, rx.spinner(aria_label="Uploading")),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            spacing="3",
        ),
        width="100%",
    )


def session_row(row: rx.Var[SessionRow]) -> rx.Component:
    return rx.hstack(
        rx.icon(rx.cond(row.kind == "browser", "monitor", "terminal"), size=18),
        rx.vstack(
            rx.text(row.device, size="2", weight="medium", trim="both"),
            rx.text(row.ip, " · last active ", row.last_active, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            row.current,
            rx.badge("This device", color_scheme="green"),
            rx.button(
                "End",
                on_click=SettingsState.revoke(row.id),
                color_scheme="red",
                variant="soft",
                size="1",
                aria_label="End session on " + row.device,
                class_name="revoke-session",
            ),
        ),
        align="center",
        width="100%",
        class_name="session-row",
    )


def sessions_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Signed-in devices", size="4", as_="h2"),
            rx.foreach(SettingsState.sessions, session_row),
            spacing="3",
            width="100%",
            id="sessions",
        ),
        width="100%",
    )


def settings_page() -> rx.Component:
    return app_shell(
        rx.vstack(
            rx.heading("Settings", size="6", as_="h1"),
            rx.text("Signed in as ", SettingsState.email, color_scheme="gray", size="2"),
            profile_section(),
            avatar_section(),
            sessions_section(),
            rx.link(
                "Developer: your bot accounts", href="/settings/developer", id="developer-link"
            ),
            spacing="4",
            width="100%",
        )
    )
