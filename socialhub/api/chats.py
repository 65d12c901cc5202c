"""/api/v1/chats, /messages, /invites, /blocks: the messenger, on the same domain functions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller
from socialhub.api.errors import ERROR_RESPONSES, ErrorResponse
from socialhub.api.params import A_USERNAME, AN_ID, text_rules
from socialhub.api.users import read_limited
from socialhub.db import transaction
from socialhub.domain import blocks, chats, messages
from socialhub.domain import users as users_domain
from socialhub.models import MemberRole, SendPolicy
from socialhub.models.chat import ChatSummary, InviteView, MemberView, MessageView
from socialhub.models.users import UserView

router = APIRouter(tags=["chats"], responses=ERROR_RESPONSES)


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class DMRequest(BaseModel):
    username: str = Field(json_schema_extra=A_USERNAME)


TITLE = text_rules(chats.TITLE_MAX, visible=True)
DESCRIPTION = text_rules(chats.DESCRIPTION_MAX)
MESSAGE = text_rules(messages.BODY_MAX, visible=True)


class GroupCreate(BaseModel):
    title: str = Field(json_schema_extra=TITLE)
    usernames: list[Annotated[str, Field(json_schema_extra=A_USERNAME)]] = Field(
        default_factory=list, max_length=300
    )
    description: str = Field(default="", json_schema_extra=DESCRIPTION)


class GroupUpdate(BaseModel):
    title: str | None = Field(default=None, json_schema_extra=TITLE)
    description: str | None = Field(default=None, json_schema_extra=DESCRIPTION)
    send_policy: SendPolicy | None = None


class ChatFlags(BaseModel):
    muted: bool | None = None
    pinned: bool | None = None
    archived: bool | None = None


class MembersAdd(BaseModel):
    usernames: list[Annotated[str, Field(json_schema_extra=A_USERNAME)]] = Field(
        min_length=1, max_length=300
    )


class RoleChange(BaseModel):
    role: MemberRole


EXPIRY_MIN_SECONDS = int(chats.INVITE_EXPIRY_MIN.total_seconds())
EXPIRY_MAX_SECONDS = int(chats.INVITE_EXPIRY_MAX.total_seconds())


class InviteCreate(BaseModel):
    # Bounds documented here, refused by the domain (422 `invalid_input`).
    expires_in_seconds: int | None = Field(
        default=None,
        description="a minute to a year; none: never expires",
        json_schema_extra={"minimum": EXPIRY_MIN_SECONDS, "maximum": EXPIRY_MAX_SECONDS},
    )
    max_uses: int | None = Field(
        default=None,
        description="none: unlimited",
        json_schema_extra={"minimum": 1, "maximum": chats.INVITE_USES_MAX},
    )


class InvitesRevoked(BaseModel):
    revoked: int = Field(description="how many live invite links were revoked")


class MessageCreate(BaseModel):
    body: str = Field(json_schema_extra=MESSAGE)
    client_id: str | None = Field(
        default=None,
        description="your id for this send: retrying with it never duplicates",
        json_schema_extra=text_rules(messages.CLIENT_ID_MAX),
    )
    reply_to_id: str | None = Field(default=None, json_schema_extra=AN_ID)


class MessageEditRequest(BaseModel):
    body: str = Field(json_schema_extra=MESSAGE)


class EditView(BaseModel):
    body: str
    edited_at: str


class ForwardRequest(BaseModel):
    conversation_ids: list[Annotated[str, Field(json_schema_extra=AN_ID)]] = Field(
        min_length=1, max_length=50
    )


class Position(BaseModel):
    seq: int = Field(ge=0, description="a message's sequence number in the chat")


def _summary(caller: CurrentCaller, conversation_id: str) -> ChatSummary:
    with transaction() as db:
        return chats.get_chat(db, caller.user(db), conversation_id)


@router.get("/chats", response_model=list[ChatSummary])
def list_chats(caller: CurrentCaller) -> list[ChatSummary]:
    """Your chats, pinned first, then latest activity first, with unread counts. A group an
    admin removed you from stays, read-only up to the removal (`removed`, `removed_by`)."""
    with transaction() as db:
        return chats.list_chats(db, caller.user(db))


@router.post("/chats", response_model=ChatSummary, status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, caller: CurrentCaller) -> ChatSummary:
    """Create a group; you become its admin."""
    with transaction() as db:
        user = caller.user(db)
        group = chats.check_create_group(
            db, user, title=body.title, usernames=body.usernames, description=body.description
        )
        return chats.get_chat(db, user, group.id)


@router.post("/chats/dm", response_model=ChatSummary)
def open_dm(body: DMRequest, caller: CurrentCaller) -> ChatSummary:
    """The direct chat with a user, created on first use."""
    with transaction() as db:
        user = caller.user(db)
        return chats.get_chat(db, user, chats.check_open_dm(db, user, body.username).id)


@router.get("/chats/{chat_id}", response_model=ChatSummary)
def get_chat(chat_id: str, caller: CurrentCaller) -> ChatSummary:
    return _summary(caller, chat_id)


@router.patch("/chats/{chat_id}", response_model=ChatSummary)
def update_group(chat_id: str, body: GroupUpdate, caller: CurrentCaller) -> ChatSummary:
    """Group admins: rename, describe, or restrict sending to admins."""
    with transaction() as db:
        user = caller.user(db)
        chats.check_update_group(
            db,
            user,
            chat_id,
            title=body.title,
            description=body.description,
            send_policy=body.send_policy,
        )
        return chats.get_chat(db, user, chat_id)


@router.patch("/chats/{chat_id}/settings", response_model=ChatSummary)
def set_flags(chat_id: str, body: ChatFlags, caller: CurrentCaller) -> ChatSummary:
    """Your own mute, pin and archive flags for a chat."""
    with transaction() as db:
        user = caller.user(db)
        chats.check_set_flags(
            db, user, chat_id, muted=body.muted, pinned=body.pinned, archived=body.archived
        )
        return chats.get_chat(db, user, chat_id)


@router.put("/chats/{chat_id}/picture", response_model=ChatSummary)
def set_picture(
    chat_id: str,
    file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF, <= 10 MB")],
    caller: CurrentCaller,
) -> ChatSummary:
    """Group admins set the group picture (re-encoded to WebP, metadata removed)."""
    data = read_limited(file)
    with transaction() as db:
        user = caller.user(db)
        chats.check_set_group_picture(db, user, chat_id, data)
        return chats.get_chat(db, user, chat_id)


@router.get("/chats/{chat_id}/members", response_model=list[MemberView])
def list_members(chat_id: str, caller: CurrentCaller) -> list[MemberView]:
    with transaction() as db:
        return chats.list_members(db, caller.user(db), chat_id)


@router.post("/chats/{chat_id}/members", response_model=list[MemberView])
def add_members(chat_id: str, body: MembersAdd, caller: CurrentCaller) -> list[MemberView]:
    """Group admins add members (a group has at most `GROUP_MAX_MEMBERS`, 256 by default)."""
    with transaction() as db:
        user = caller.user(db)
        chats.check_add_members(db, user, chat_id, body.usernames)
        return chats.list_members(db, user, chat_id)


@router.delete("/chats/{chat_id}/members/{username}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(chat_id: str, username: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        chats.check_remove_member(db, caller.user(db), chat_id, username)
    return no_content()


@router.put("/chats/{chat_id}/members/{username}/role", status_code=status.HTTP_204_NO_CONTENT)
def set_role(chat_id: str, username: str, body: RoleChange, caller: CurrentCaller) -> Response:
    """Group admins promote or demote; a group always keeps one admin."""
    with transaction() as db:
        chats.check_set_role(db, caller.user(db), chat_id, username, body.role)
    return no_content()


@router.post("/chats/{chat_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
def leave(chat_id: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        chats.check_leave(db, caller.user(db), chat_id)
    return no_content()


@router.post("/chats/{chat_id}/invites", response_model=InviteView, status_code=201)
def create_invite(chat_id: str, body: InviteCreate, caller: CurrentCaller) -> InviteView:
    """Group admins make an invite link, optionally expiring or limited in uses."""
    seconds = body.expires_in_seconds
    # Out of range stays out of range (and 0 is not "never"), within what a timedelta holds.
    expires = (
        timedelta(seconds=max(0, min(seconds, EXPIRY_MAX_SECONDS + 1)))
        if seconds is not None
        else None
    )
    with transaction() as db:
        invite = chats.check_create_invite(
            db, caller.user(db), chat_id, expires_in=expires, max_uses=body.max_uses
        )
        return chats.invite_view(invite)


@router.get("/chats/{chat_id}/invites", response_model=list[InviteView])
def list_invites(chat_id: str, caller: CurrentCaller) -> list[InviteView]:
    with transaction() as db:
        return [chats.invite_view(i) for i in chats.list_invites(db, caller.user(db), chat_id)]


@router.delete(
    "/chats/{chat_id}/invites",
    response_model=InvitesRevoked,
    responses={
        403: {
            "model": ErrorResponse,
            "description": "Not a group (`not_a_group`), not an admin (`not_admin`)",
        },
        404: {
            "model": ErrorResponse,
            "description": "No such chat, or not yours (`chat_not_found`)",
        },
    },
)
def revoke_all_invites(chat_id: str, caller: CurrentCaller) -> InvitesRevoked:
    """Group admins revoke every invite link of the group at once (links already used keep
    their members; nobody new can join with them)."""
    with transaction() as db:
        return InvitesRevoked(revoked=chats.check_revoke_all_invites(db, caller.user(db), chat_id))


@router.delete("/invites/{code}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_invite(code: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        chats.check_revoke_invite(db, caller.user(db), code)
    return no_content()


@router.post("/invites/{code}/join", response_model=ChatSummary)
def join(code: str, caller: CurrentCaller) -> ChatSummary:
    with transaction() as db:
        user = caller.user(db)
        return chats.get_chat(db, user, chats.check_join_by_invite(db, user, code).id)


@router.get("/chats/{chat_id}/messages", response_model=list[MessageView])
def list_messages(
    chat_id: str,
    caller: CurrentCaller,
    before: Annotated[int | None, Query(ge=0, description="messages with seq below this")] = None,
    after: Annotated[int | None, Query(ge=0, description="messages with seq above this")] = None,
    around: Annotated[
        str | None, Query(description="a message id to centre on", json_schema_extra=AN_ID)
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[MessageView]:
    """A page of history in ascending order (keyset pagination on `seq`). A member an admin
    removed still reads the history up to their removal, and nothing after it."""
    with transaction() as db:
        return messages.list_messages(
            db, caller.user(db), chat_id, before=before, after=after, around=around, limit=limit
        )


@router.post("/chats/{chat_id}/messages", response_model=MessageView, status_code=201)
def send(chat_id: str, body: MessageCreate, caller: CurrentCaller) -> MessageView:
    """Send a message. Repeating a `client_id` returns the stored message instead of a copy.
    A member an admin removed gets 403 `removed_from_group`."""
    with transaction() as db:
        message = messages.check_send_message(
            db,
            caller.user(db),
            chat_id,
            body=body.body,
            client_id=body.client_id,
            reply_to_id=body.reply_to_id,
        )
        return messages.message_view(db, message)


@router.post(
    "/chats/{chat_id}/typing",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        403: {
            **ERROR_RESPONSES[403],
            "description": "You may not send here (admins only; blocked)",
        },
        404: {**ERROR_RESPONSES[404], "description": "No such chat, or you are not in it"},
        429: {**ERROR_RESPONSES[429], "description": "Over RATE_LIMIT_TYPING (see Retry-After)"},
    },
)
def typing(chat_id: str, caller: CurrentCaller) -> Response:
    """You are typing: the other members get a `typing`/`start` event (never stored). Send it
    at most every 2 s while typing; others show it for 4 s after the last one."""
    with transaction() as db:
        messages.check_typing(db, caller.user(db), chat_id)
    return no_content()


@router.post("/chats/{chat_id}/read", status_code=status.HTTP_204_NO_CONTENT)
def mark_read(chat_id: str, body: Position, caller: CurrentCaller) -> Response:
    """You have seen everything up to `seq`."""
    with transaction() as db:
        messages.check_mark_read(db, caller.user(db), chat_id, body.seq)
    return no_content()


@router.post("/chats/{chat_id}/delivered", status_code=status.HTTP_204_NO_CONTENT)
def mark_delivered(chat_id: str, body: Position, caller: CurrentCaller) -> Response:
    """Everything up to `seq` reached this device (the event stream does this for you)."""
    with transaction() as db:
        messages.check_mark_delivered(db, caller.user(db), chat_id, body.seq)
    return no_content()


@router.patch("/messages/{message_id}", response_model=MessageView)
def edit(message_id: str, body: MessageEditRequest, caller: CurrentCaller) -> MessageView:
    """Authors edit their text; the earlier versions are kept."""
    with transaction() as db:
        message = messages.check_edit_message(db, caller.user(db), message_id, body=body.body)
        return messages.message_view(db, message)


@router.get("/messages/{message_id}/edits", response_model=list[EditView])
def edits(message_id: str, caller: CurrentCaller) -> list[EditView]:
    with transaction() as db:
        return [
            EditView(body=e.body, edited_at=e.edited_at.isoformat())
            for e in messages.list_edits(db, caller.user(db), message_id)
        ]


@router.delete("/messages/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(
    message_id: str,
    caller: CurrentCaller,
    for_everyone: Annotated[bool, Query(description="false: hide it only for you")] = False,
) -> Response:
    """Delete for you, or for everyone (authors, and group admins); a tombstone remains."""
    with transaction() as db:
        messages.check_delete_message(db, caller.user(db), message_id, for_everyone=for_everyone)
    return no_content()


@router.delete(
    "/chats/{chat_id}/messages/{message_id}/preview",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        403: {**ERROR_RESPONSES[403], "description": "Not the sender (`not_author`)"},
        404: {
            **ERROR_RESPONSES[404],
            "description": "No such message in this chat (`message_not_found`), or it shows no "
            "link preview (`preview_not_found`)",
        },
    },
)
def remove_preview(chat_id: str, message_id: str, caller: CurrentCaller) -> Response:
    """The sender removes the link preview card under their message, for everyone."""
    with transaction() as db:
        messages.check_remove_preview(db, caller.user(db), chat_id, message_id)
    return no_content()


@router.put("/messages/{message_id}/reactions/{emoji}", status_code=204)
def react(message_id: str, emoji: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        messages.check_react(db, caller.user(db), message_id, emoji)
    return no_content()


@router.delete("/messages/{message_id}/reactions/{emoji}", status_code=204)
def unreact(message_id: str, emoji: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        messages.check_unreact(db, caller.user(db), message_id, emoji)
    return no_content()


@router.post(
    "/messages/{message_id}/forward",
    response_model=list[MessageView],
    responses={
        404: {
            **ERROR_RESPONSES[404],
            "description": "No such message (`message_not_found`) or target chat "
            "(`chat_not_found`), or a sticker message forwarded to a chat that is not a "
            "channel of the sticker's own server (`sticker_not_found`)",
        },
    },
)
def forward(message_id: str, body: ForwardRequest, caller: CurrentCaller) -> list[MessageView]:
    """Copy a message into several of your chats at once (all or none: each target's rules
    for sending apply, in channels automod and slow mode too); a sticker message goes only to
    the channels of the sticker's own server."""
    with transaction() as db:
        sent = messages.check_forward(db, caller.user(db), message_id, body.conversation_ids)
        return messages.message_views(db, sent)


@router.get("/blocks", response_model=list[UserView])
def list_blocks(caller: CurrentCaller) -> list[UserView]:
    with transaction() as db:
        return [users_domain.user_view(u) for u in blocks.list_blocked(db, caller.user(db))]


@router.put("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT)
def block(username: str, caller: CurrentCaller) -> Response:
    """They can no longer message you or see your presence."""
    with transaction() as db:
        blocks.check_block(db, caller.user(db), username)
    return no_content()


@router.delete("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT)
def unblock(username: str, caller: CurrentCaller) -> Response:
    with transaction() as db:
        blocks.check_unblock(db, caller.user(db), username)
    return no_content()
