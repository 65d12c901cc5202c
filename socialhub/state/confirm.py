"""The one confirmation dialog of the app shell, for what cannot be undone.

A button asks (`ask(kind, target, label)`) instead of acting; the dialog says what will happen;
its red button runs the feature's own handler with the target. The handlers check everything
again on the server, so asking first is a courtesy, not a permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from socialhub.state.chat_admin import ChatAdminState
from socialhub.state.conversation import ConversationState
from socialhub.state.feed import FeedState
from socialhub.state.profile import ProfileState
from socialhub.state.server_invites import ServerLeaveState
from socialhub.state.stories import StoryState


@dataclass(frozen=True)
class Confirmation:
    title: str
    # What will happen; `{label}` is the thing named on the button that asked.
    body: str
    action: str
    handler: Any  # an @rx.event handler of the feature's state
    # Whether the handler takes the target (a message, post or comment id, a username).
    with_target: bool = True


CONFIRMATIONS: dict[str, Confirmation] = {
    "delete_message": Confirmation(
        "Delete for everyone?",
        "The message disappears for everyone in this chat. This cannot be undone.",
        "Delete for everyone",
        ConversationState.delete_for_everyone,
    ),
    "delete_post": Confirmation(
        "Delete this post?",
        "The post, its comments and its likes are gone for good. This cannot be undone.",
        "Delete post",
        FeedState.delete_post,
    ),
    "delete_comment": Confirmation(
        "Delete this comment?",
        "The comment is gone for everyone. This cannot be undone.",
        "Delete comment",
        FeedState.delete_comment,
    ),
    "delete_story": Confirmation(
        "Delete this story?",
        "Nobody will see it again, and its list of viewers goes with it.",
        "Delete story",
        StoryState.delete_current,
        with_target=False,
    ),
    "leave_group": Confirmation(
        "Leave {label}?",
        "You stop receiving its messages and it leaves your chat list. To come back you need "
        "an invite link or an admin to add you.",
        "Leave group",
        ChatAdminState.leave_group,
        with_target=False,
    ),
    "remove_member": Confirmation(
        "Remove {label} from the group?",
        "They keep the messages up to now but can no longer read or send anything here, and "
        "older invite links will not let them back in.",
        "Remove",
        ChatAdminState.remove_member,
    ),
    "block_partner": Confirmation(
        "Block {label}?",
        "They can no longer message you, follow you or see your posts, and any follow or "
        "friendship between you ends. You can unblock them later, but the ties stay cut.",
        "Block",
        ChatAdminState.block_partner,
        with_target=False,
    ),
    "block_profile": Confirmation(
        "Block {label}?",
        "They can no longer message you, follow you or see your posts, and any follow or "
        "friendship between you ends. You can unblock them later, but the ties stay cut.",
        "Block",
        ProfileState.block,
        with_target=False,
    ),
    "leave_server": Confirmation(
        "Leave {label}?",
        "Its channels leave your list. To come back you need an invite, or the server must be "
        "public.",
        "Leave server",
        ServerLeaveState.leave,
        with_target=False,
    ),
}


class ConfirmState(rx.State):
    open: bool = False
    title: str = ""
    body: str = ""
    action: str = ""
    _kind: str = ""
    _target: str = ""

    @rx.event
    def ask(self, kind: str, target: str = "", label: str = "") -> None:
        """Open the dialog for a `kind` of CONFIRMATIONS on `target`, called `label`."""
        confirmation = CONFIRMATIONS.get(kind)
        if confirmation is None:
            return
        self._kind, self._target = kind, target
        self.title = confirmation.title.format(label=label or "this")
        self.body = confirmation.body.format(label=label or "them")
        self.action = confirmation.action
        self.open = True

    @rx.event
    def set_open(self, value: bool) -> None:
        """Cancel or Escape closes it; the pending action is dropped."""
        self.open = value
        if not value:
            self._kind = ""

    @rx.event
    def confirm(self) -> Any:
        confirmation = CONFIRMATIONS.get(self._kind)
        target, self._kind, self.open = self._target, "", False
        if confirmation is None:
            return None
        return confirmation.handler(target) if confirmation.with_target else confirmation.handler
