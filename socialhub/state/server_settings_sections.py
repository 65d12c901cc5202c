"""Which state reads each section of the server settings page."""

from __future__ import annotations

import reflex as rx


def section_state(section: str) -> type[rx.State] | None:
    """The state whose `_load_section(server_id)` reads `section` (None: nothing to read)."""
    from socialhub.state.server_settings_access import (
        BanSettingsState,
        JoinRequestSettingsState,
    )
    from socialhub.state.server_settings_bots import BotSettingsState
    from socialhub.state.server_settings_channels import ChannelSettingsState
    from socialhub.state.server_settings_emoji import EmojiSettingsState
    from socialhub.state.server_settings_members import InviteSettingsState, MemberSettingsState
    from socialhub.state.server_settings_moderation import AuditLogState, AutomodState
    from socialhub.state.server_settings_overview import OverviewState
    from socialhub.state.server_settings_roles import RoleSettingsState
    from socialhub.state.server_settings_webhooks import WebhookSettingsState

    states: dict[str, type[rx.State]] = {
        "overview": OverviewState,
        "roles": RoleSettingsState,
        "channels": ChannelSettingsState,
        "members": MemberSettingsState,
        "bans": BanSettingsState,
        "join-requests": JoinRequestSettingsState,
        "invites": InviteSettingsState,
        "audit-log": AuditLogState,
        "automod": AutomodState,
        "webhooks": WebhookSettingsState,
        "emoji": EmojiSettingsState,
        "bots": BotSettingsState,
    }
    return states.get(section)
