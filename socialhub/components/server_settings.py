"""The server settings page's frame (the section list) and its overview section."""

from __future__ import annotations

import reflex as rx

from socialhub.components.ui import IMAGE_TYPES, upload_zone, user_avatar
from socialhub.state.server_settings import SECTIONS, ServerSettingsState
from socialhub.state.server_settings_overview import ICON_UPLOAD_ID, OverviewState
from socialhub.state.uploads import UploadState

S = ServerSettingsState


def section_link(section: str, label: str, icon: str) -> rx.Component:
    current = S.section == section
    button = rx.button(
        rx.icon(icon, size=16),
        label,
        on_click=S.open_section(section),
        variant=rx.cond(current, "solid", "ghost"),
        aria_current=rx.cond(current, "page", "false"),
        justify="start",
        width="100%",
        id=f"section-{section}",
        class_name="ss-section-link",
    )
    return rx.cond(S.shown_sections.contains(section), button)


def section_nav() -> rx.Component:
    return rx.el.nav(
        rx.vstack(
            *[section_link(*s) for s in SECTIONS],
            rx.link(
                rx.hstack(rx.icon("arrow-left", size=16), rx.text("Back to the server")),
                href=S.server_href,
                id="back-to-server",
                size="2",
                class_name="sh-target",
            ),
            spacing="1",
            width="100%",
        ),
        aria_label="Server settings sections",
        class_name="ss-nav",
    )


def section_heading(title: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="5", as_="h2"),
        *([rx.text(hint, size="2", color_scheme="gray")] if hint else []),
        spacing="1",
    )


# Overview ------------------------------------------------------------------------------------

OV = OverviewState


def overview_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Server name", html_for="server-name", class_name="sh-label"),
            rx.input(
                id="server-name",
                name="name",
                default_value=S.name,
                key=S.name,
                max_length=100,
                aria_label="Server name",
                width="100%",
            ),
            rx.el.label("Description", html_for="server-description", class_name="sh-label"),
            rx.text_area(
                id="server-description",
                name="description",
                default_value=S.description,
                key=S.description,
                aria_label="Description",
                rows="3",
                width="100%",
            ),
            rx.hstack(
                rx.switch(
                    checked=OV.is_public,
                    on_change=OV.set_public,
                    id="server-public",
                    name="is_public",
                    aria_label="Public: listed in discovery",
                ),
                rx.el.label("Public: listed in discovery", html_for="server-public"),
                align="center",
            ),
            rx.el.label("Who can join", html_for="join-mode", class_name="sh-label"),
            rx.select.root(
                rx.select.trigger(aria_label="Who can join", id="join-mode"),
                rx.select.content(
                    rx.select.item("Anyone (open)", value="open"),
                    rx.select.item("People with an invite", value="invite"),
                    rx.select.item("People who ask and are accepted", value="request"),
                ),
                value=OV.join_mode,
                on_change=OV.set_join_mode,
            ),
            rx.button("Save changes", type="submit", loading=OV.saving, id="save-overview"),
            spacing="2",
            width="100%",
        ),
        on_submit=OV.save,
        reset_on_submit=False,
        aria_label="Server overview",
        width="100%",
    )


def icon_card() -> rx.Component:
    return rx.hstack(
        user_avatar(S.icon_url, S.name, size="7", id="server-icon"),
        upload_zone(
            "Server icon",
            rx.vstack(
                rx.button("Change icon", type="button", variant="soft"),
                rx.text("JPEG, PNG, WebP or GIF", size="1", color_scheme="gray"),
                align="start",
            ),
            id=ICON_UPLOAD_ID,
            multiple=False,
            max_files=1,
            accept=IMAGE_TYPES,
            on_drop=OV.upload_icon(rx.upload_files(upload_id=ICON_UPLOAD_ID)),
            on_drop_rejected=UploadState.refuse,
            aria_label="Upload server icon",
        ),
        rx.cond(OV.uploading, rx.spinner(aria_label="Uploading")),
        spacing="4",
        align="center",
        wrap="wrap",
    )


def transfer_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Transfer ownership", size="3", as_="h3"),
                rx.text(
                    "The new owner gets every permission; you stay a member with your roles.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.hstack(
                    rx.input(
                        name="username",
                        placeholder="username",
                        aria_label="New owner's username",
                        id="transfer-username",
                    ),
                    rx.button("Transfer", type="submit", color_scheme="orange", id="transfer"),
                    spacing="2",
                ),
                spacing="2",
            ),
            on_submit=OV.transfer,
            reset_on_submit=True,
        ),
        width="100%",
    )


def delete_dialog() -> rx.Component:
    """Deleting asks for the server's name, typed (the domain checks it again)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Delete server", color_scheme="red", variant="soft", id="delete-server")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", S.name, "?"),
            rx.alert_dialog.description(
                "Every channel, message, role and invite goes with it, for everyone. "
                "This cannot be undone. Type the server's name to confirm.",
                size="2",
            ),
            rx.input(
                value=OV.delete_typed,
                on_change=OV.set_delete_typed,
                aria_label="Type the server's name",
                id="delete-confirm-name",
                margin_top="0.75em",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", id="delete-cancel")
                ),
                rx.button(
                    "Delete for good",
                    color_scheme="red",
                    disabled=OV.delete_typed != S.name,
                    on_click=OV.delete_server,
                    id="delete-confirm",
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="28em",
        ),
        on_open_change=OV.reset_delete,
    )


def overview_section() -> rx.Component:
    return rx.vstack(
        section_heading("Overview"),
        rx.cond(
            S.can_manage_server,
            rx.vstack(icon_card(), overview_form(), spacing="4", width="100%"),
            rx.vstack(
                rx.hstack(
                    user_avatar(S.icon_url, S.name, size="6"),
                    rx.heading(S.name, size="4", as_="h3"),
                    align="center",
                ),
                rx.text(S.description, size="2"),
                rx.text(
                    "Only members who may manage the server can change this.",
                    size="1",
                    color_scheme="gray",
                ),
            ),
        ),
        rx.cond(
            S.is_owner,
            rx.vstack(
                transfer_card(),
                rx.card(
                    rx.vstack(
                        rx.heading("Delete the server", size="3", as_="h3"),
                        delete_dialog(),
                        spacing="2",
                    ),
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        id="overview-section",
    )
