"""What an invite link leads to, shown before joining (joining itself is
`chats.check_join_by_invite`)."""

from __future__ import annotations

from sqlmodel import Session

from socialhub.domain import chats, media
from socialhub.domain.errors import NotFound
from socialhub.models import Conversation, InviteLink, User
from socialhub.models.base import utcnow
from socialhub.models.people_views import InvitePreview


def access_invite(session: Session, code: str) -> tuple[InviteLink, Conversation]:
    """A link that can still be used, and its group. Unknown, revoked, expired and used-up
    links are all the same NotFound: a preview tells a stranger nothing about dead links."""
    invite = session.get(InviteLink, code) if code else None
    if (
        invite is None
        or invite.revoked_at is not None
        or (invite.expires_at is not None and invite.expires_at < utcnow())
        or (invite.max_uses is not None and invite.uses >= invite.max_uses)
    ):
        raise NotFound("this invite link is not valid", code="invite_not_found")
    conversation = session.get(Conversation, invite.conversation_id)
    if conversation is None:
        raise NotFound("this invite link is not valid", code="invite_not_found")
    return invite, conversation


def preview_invite(session: Session, viewer: User, code: str) -> InvitePreview:
    invite, conversation = access_invite(session, code)
    return InvitePreview(
        code=invite.code,
        title=conversation.title,
        picture_url=chats.group_picture_url(conversation, media.AVATAR_SIZES[0]),
        member_count=conversation.member_count,
        is_member=chats.membership(session, conversation.id, viewer.id or 0) is not None,
    )
