"""/servers/<id>/settings?section=...: a server's settings, one section at a time."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import app_shell
from socialhub.components.server_settings import overview_section, section_nav
from socialhub.components.server_settings_access import bans_section, join_requests_section
from socialhub.components.server_settings_bots import bots_section
from socialhub.components.server_settings_channels import channels_section
from socialhub.components.server_settings_emoji import emoji_section
from socialhub.components.server_settings_members import invites_section, members_section
from socialhub.components.server_settings_moderation import audit_log_section, automod_section
from socialhub.components.server_settings_roles import roles_section
from socialhub.components.server_settings_webhooks import webhooks_section
from socialhub.state import server_settings_live  # noqa: F401  (the page follows the stream)
from socialhub.state.server_settings import ServerSettingsState

S = ServerSettingsState
# What the page's on_load reads (after the stream position, before the listener starts).
LOADERS = [ServerSettingsState.load]


def current_section() -> rx.Component:
    return rx.match(
        S.section,
        ("roles", roles_section()),
        ("channels", channels_section()),
        ("members", members_section()),
        ("bans", bans_section()),
        ("join-requests", join_requests_section()),
        ("invites", invites_section()),
        ("audit-log", audit_log_section()),
        ("automod", automod_section()),
        ("webhooks", webhooks_section()),
        ("emoji", emoji_section()),
        ("bots", bots_section()),
        overview_section(),
    )


def missing_notice() -> rx.Component:
    return rx.vstack(
        rx.heading("This server is not available", size="5", as_="h1"),
        rx.text(
            "It may have been deleted, or you are not a member.", color_scheme="gray", size="2"
        ),
        rx.link("Back home", href="/"),
        id="server-missing",
    )


def server_settings_page() -> rx.Component:
    return app_shell(
        rx.fragment(
            rx.el.link(rel="stylesheet", href="/server_settings.css"),
            rx.script(src="/server_settings.js"),
            rx.cond(
                S.missing,
                missing_notice(),
                rx.cond(
                    S.loaded,
                    rx.vstack(
                        rx.heading(S.name, " · settings", size="6", as_="h1", id="settings-title"),
                        rx.el.div(
                            section_nav(),
                            rx.el.section(current_section(), class_name="ss-content"),
                            class_name="ss-layout",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    rx.center(rx.spinner(aria_label="Loading the settings"), padding="3em"),
                ),
            ),
        )
    )
