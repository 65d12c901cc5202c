"""The audit log of a server: every administrative action, written in the same transaction as
the action itself (so nothing is logged that did not happen, nor done without being logged)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from socialhub.models import AuditLogEntry

# Every action the domain records, with what it means in words (the settings page's filter and
# labels read this; a test checks that every `do_audit` call names one of these).
ACTIONS: dict[str, str] = {
    "server_create": "Server created",
    "server_update": "Server settings changed",
    "server_transfer": "Ownership transferred",
    "role_create": "Role created",
    "role_update": "Role changed",
    "role_move": "Roles reordered",
    "role_delete": "Role deleted",
    "member_role_add": "Role given",
    "member_role_remove": "Role taken away",
    "channel_create": "Channel created",
    "channel_update": "Channel changed",
    "channel_delete": "Channel deleted",
    "channel_sync": "Channel synced with its category",
    "category_create": "Category created",
    "category_update": "Category changed",
    "category_delete": "Category deleted",
    "overwrite_create": "Permission overwrite added",
    "overwrite_update": "Permission overwrite changed",
    "overwrite_delete": "Permission overwrite removed",
    "member_kick": "Member kicked",
    "member_ban": "Member banned",
    "member_unban": "Member unbanned",
    "member_timeout": "Member timed out",
    "member_timeout_remove": "Timeout ended",
    "member_nickname": "Nickname changed",
    "join_request_accept": "Join request accepted",
    "join_request_decline": "Join request declined",
    "message_delete": "Message deleted",
    "message_pin": "Message pinned",
    "message_unpin": "Message unpinned",
    "post_delete": "Post deleted",
    "comment_delete": "Comment deleted",
    "invite_create": "Invite created",
    "invite_revoke": "Invite revoked",
    "automod_rule_create": "Automod rule added",
    "automod_rule_delete": "Automod rule deleted",
    "automod_flag_resolve": "Flagged message reviewed",
    "webhook_create": "Webhook created",
    "webhook_regenerate": "Webhook URL regenerated",
    "webhook_delete": "Webhook deleted",
    "outgoing_webhook_set": "Outgoing webhook set",
    "outgoing_webhook_secret": "Outgoing webhook secret regenerated",
    "outgoing_webhook_delete": "Outgoing webhook removed",
    "emoji_create": "Emoji added",
    "emoji_update": "Emoji renamed",
    "emoji_delete": "Emoji deleted",
    "emoji_settings_update": "Emoji settings changed",
    "sticker_create": "Sticker added",
    "sticker_update": "Sticker renamed",
    "sticker_delete": "Sticker deleted",
}


def action_label(action: str) -> str:
    """What an action means in words (an action recorded by an older version: its name)."""
    return ACTIONS.get(action) or action.replace("_", " ").capitalize()


def do_audit(
    session: Session,
    server_id: str,
    actor_id: int | None,
    action: str,
    *,
    target_type: str = "",
    target_id: str | int = "",
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditLogEntry:
    entry = AuditLogEntry(
        server_id=server_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason,
        changes=changes or {},
    )
    session.add(entry)
    return entry
