"""The chat info dialog of the open chat: its settings (mute, pin, archive), and for groups the
members, their roles, the name, description, send policy and picture, invite links and leaving;
for DMs blocking the partner.

Read when the dialog opens (`show_info`) and again after each change, so neither the open chat
nor the chat list carries it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from socialhub.domain import blocks as blocks_domain
from socialhub.domain import chats as chats_domain
from socialhub.domain import media
from socialhub.models import MemberRole, SendPolicy, User
from socialhub.models.chat import ChatSummary, MemberView
from socialhub.state.base import Failed, run_as_user
from socialhub.state.chat_list import ChatListState
from socialhub.state.chat_rows import MemberRow, member_row
from socialhub.state.conversation import ConversationState

GROUP_PICTURE_UPLOAD_ID = "group-picture-upload"
DESCRIPTION_MAX = chats_domain.DESCRIPTION_MAX

T = TypeVar("T")
# A domain action on the open chat: (session, the tab's user, the chat's id).
ChatAction = Callable[[Session, User, str], T]


class ChatAdminState(rx.State):
    members: list[MemberRow] = []
    description: str = ""
    admins_only: bool = False
    muted: bool = False
    pinned: bool = False
    archived: bool = False
    invite_url: str = ""

    async def _conversation(self) -> ConversationState:
        return await self.get_state(ConversationState)

    async def _run(self, action: ChatAction[T]) -> T | Failed:
        """Run `action` on the open chat as the tab's user."""
        chat_id = (await self._conversation()).open_id
        return await run_as_user(self, lambda s, u: action(s, u, chat_id))

    async def _load_info(self) -> Failed | None:
        chat_id = (await self._conversation()).open_id
        if not chat_id:
            return None

        def work(session: Session, user: User) -> tuple[ChatSummary, list[MemberView]]:
            return (
                chats_domain.get_chat(session, user, chat_id),
                chats_domain.list_members(session, user, chat_id),
            )

        result = await run_as_user(self, work)
        if isinstance(result, Failed):
            return result
        summary, members = result
        self.description = summary.description
        self.admins_only = summary.send_policy == SendPolicy.admins
        self.muted = summary.muted
        self.pinned = summary.pinned
        self.archived = summary.archived
        self.members = [member_row(m) for m in members]
        return None

    @rx.event
    async def show_info(self, is_open: bool) -> Any:
        """The dialog opened (or closed): read what it shows of the open chat."""
        if not is_open:
            return None
        self.invite_url = ""
        failed = await self._load_info()
        return failed.toast if failed else None

    async def _change(self, action: ChatAction[object], success: str) -> Any:
        """Run a chat action, then read the open chat again so its header, window and this
        dialog are current."""
        result = await self._run(action)
        if isinstance(result, Failed):
            return result.toast
        conversation = await self._conversation()
        if conversation.open_id:
            failed = await conversation._open(conversation.open_id) or await self._load_info()
            if failed is not None:
                return failed.toast
        return rx.toast.success(success)

    async def _change_row(self, action: ChatAction[object], success: str) -> Any:
        """A change the chat's row in the list shows too: the list is read again with it."""
        result = await self._change(action, success)
        failed = await (await self.get_state(ChatListState))._refresh()
        return failed.toast if failed else result

    @rx.event
    async def set_role(self, username: str, role: str) -> Any:
        return await self._change(
            lambda s, u, chat: chats_domain.check_set_role(s, u, chat, username, MemberRole(role)),
            "Role changed",
        )

    @rx.event
    async def remove_member(self, username: str) -> Any:
        return await self._change(
            lambda s, u, chat: chats_domain.check_remove_member(s, u, chat, username),
            f"Removed {username}",
        )

    @rx.event
    async def rename(self, form: dict[str, Any]) -> Any:
        title, description = str(form.get("title", "")), str(form.get("description", ""))
        return await self._change(
            lambda s, u, chat: chats_domain.check_update_group(
                s, u, chat, title=title, description=description
            ),
            "Group updated",
        )

    @rx.event
    async def set_admins_only(self, value: bool) -> Any:
        policy = SendPolicy.admins if value else SendPolicy.everyone
        return await self._change(
            lambda s, u, chat: chats_domain.check_update_group(s, u, chat, send_policy=policy),
            "Only admins can send" if value else "Everyone can send",
        )

    async def _set_flag(self, flag: str, value: bool, toast: str) -> Any:
        return await self._change_row(
            lambda s, u, chat: chats_domain.check_set_flags(s, u, chat, **{flag: value}), toast
        )

    @rx.event
    async def set_muted(self, value: bool) -> Any:
        return await self._set_flag("muted", value, "Muted" if value else "Unmuted")

    @rx.event
    async def set_pinned(self, value: bool) -> Any:
        return await self._set_flag("pinned", value, "Pinned" if value else "Unpinned")

    @rx.event
    async def set_archived(self, value: bool) -> Any:
        return await self._set_flag(
            "archived", value, "Archived" if value else "Moved back to chats"
        )

    @rx.event
    async def upload_picture(self, files: list[rx.UploadFile]) -> Any:
        if not files:  # the picker refused the file and said why (state/uploads.py)
            return None
        data = await files[0].read(media.image_read_limit())
        result = await self._change_row(
            lambda s, u, chat: chats_domain.check_set_group_picture(s, u, chat, data),
            "Group picture updated",
        )
        return [rx.clear_selected_files(GROUP_PICTURE_UPLOAD_ID), result]

    @rx.event
    async def leave_group(self) -> Any:
        left = await self._run(chats_domain.check_leave)
        return left.toast if isinstance(left, Failed) else rx.redirect("/messages")

    @rx.event
    async def create_invite(self) -> Any:
        invite = await self._run(chats_domain.check_create_invite)
        if isinstance(invite, Failed):
            return invite.toast
        self.invite_url = f"{self.router.url.origin}/join/{invite.code}"
        return None

    @rx.event
    async def revoke_all_invites(self) -> Any:
        """Group admins: every invite link of the open group stops working."""
        revoked = await self._run(chats_domain.check_revoke_all_invites)
        if isinstance(revoked, Failed):
            return revoked.toast
        self.invite_url = ""
        return rx.toast.success("All invite links revoked")

    @rx.event
    async def block_partner(self) -> Any:
        partner = (await self._conversation()).open_partner
        return await self._change(
            lambda s, u, _chat: blocks_domain.check_block(s, u, partner), f"Blocked {partner}"
        )

    @rx.event
    async def unblock_partner(self) -> Any:
        partner = (await self._conversation()).open_partner
        return await self._change(
            lambda s, u, _chat: blocks_domain.check_unblock(s, u, partner), f"Unblocked {partner}"
        )
