"""Finding people: `@mention` candidates, people search (the member picker) and whom a new user
might follow.

Nobody a block stands between (in either direction), no suspended account and never the viewer
themselves is ever offered. Prefixes match the start of a username or a display name, ignoring
case and a leading "@".
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, func, or_, select

from socialhub.domain import chats
from socialhub.domain.errors import InvalidInput
from socialhub.domain.users import DISPLAY_NAME_MAX
from socialhub.models import Block, ConversationMember, Follow, User
from socialhub.models.people_views import FollowSuggestion, MentionCandidate, PersonResult

LIMIT_MAX = 50


def _prefix(raw: str, *, field: str = "q") -> str:
    if not isinstance(raw, str):
        raise InvalidInput("search text must be text", field=field)
    text = raw.strip().lower().lstrip("@")
    if len(text) > DISPLAY_NAME_MAX:
        raise InvalidInput("search text is too long", field=field, code="too_long")
    return text


def _limit(limit: int) -> int:
    if not 1 <= limit <= LIMIT_MAX:
        raise InvalidInput(f"limit must be 1-{LIMIT_MAX}", field="limit")
    return limit


def _matches(text: str) -> Any:
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(
        col(User.username_lower).like(pattern, escape="\\"),
        col(User.display_name_lower).like(pattern, escape="\\"),
    )


def _offerable(viewer_id: int) -> list[Any]:
    """Conditions on `User` for anyone who may be offered to the viewer."""
    blocked = sa.exists().where(
        or_(
            sa.and_(col(Block.blocker_id) == viewer_id, col(Block.blocked_id) == col(User.id)),
            sa.and_(col(Block.blocker_id) == col(User.id), col(Block.blocked_id) == viewer_id),
        )
    )
    return [col(User.id) != viewer_id, col(User.suspended_at).is_(None), ~blocked]


def _followed_by(viewer_id: int) -> Any:
    return sa.exists().where(
        col(Follow.follower_id) == viewer_id, col(Follow.followee_id) == col(User.id)
    )


def _member_of(conversation_id: str) -> Any:
    return sa.exists().where(
        col(ConversationMember.conversation_id) == conversation_id,
        col(ConversationMember.user_id) == col(User.id),
        col(ConversationMember.left_at).is_(None),
    )


def mention_candidates(
    session: Session,
    viewer: User,
    prefix: str,
    *,
    conversation_id: str | None = None,
    limit: int = 8,
) -> list[MentionCandidate]:
    """Whom `@prefix` may mean: in a chat its members first, then people the viewer follows,
    then everyone else. A bare "@" offers only the first two (members, people followed).
    A chat the viewer is not in is NotFound, like every other read of it."""
    assert viewer.id is not None
    text = _prefix(prefix)
    limit = _limit(limit)
    in_chat: Any = sa.false()
    if conversation_id:
        conversation, _ = chats.access_conversation(session, viewer, conversation_id)
        in_chat = _member_of(conversation.id)
    following = _followed_by(viewer.id)
    rank = sa.case((in_chat, 0), (following, 1), else_=2)
    conditions = _offerable(viewer.id)
    conditions.append(_matches(text) if text else or_(in_chat, following))
    rows = session.exec(
        select(User, in_chat.label("in_chat"), following.label("following"))
        .where(*conditions)
        .order_by(rank, col(User.username_lower))
        .limit(limit)
    ).all()
    return [
        MentionCandidate(
            **chats.user_brief(user).model_dump(), in_chat=bool(member), is_following=bool(follows)
        )
        for user, member, follows in rows
    ]


def search_people(
    session: Session,
    viewer: User,
    query: str,
    *,
    not_in_conversation: str | None = None,
    limit: int = 20,
) -> list[PersonResult]:
    """People whose username or display name starts with `query`, those the viewer follows
    first; with `not_in_conversation`, nobody already in that chat (one the viewer is in)."""
    assert viewer.id is not None
    text = _prefix(query)
    limit = _limit(limit)
    if not text:
        return []
    conditions = [*_offerable(viewer.id), _matches(text)]
    if not_in_conversation:
        conversation, _ = chats.access_conversation(session, viewer, not_in_conversation)
        conditions.append(~_member_of(conversation.id))
    following = _followed_by(viewer.id)
    rows = session.exec(
        select(User, following.label("following"))
        .where(*conditions)
        .order_by(sa.case((following, 0), else_=1), col(User.username_lower))
        .limit(limit)
    ).all()
    return [
        PersonResult(**chats.user_brief(user).model_dump(), is_following=bool(follows))
        for user, follows in rows
    ]


def suggest_follows(session: Session, viewer: User, *, limit: int = 8) -> list[FollowSuggestion]:
    """Whom the viewer might follow, not yet followed: people followed by those they follow
    first (friends of friends), then the most followed, then the newest accounts (so a
    brand-new instance still suggests someone)."""
    assert viewer.id is not None
    limit = _limit(limit)
    theirs = aliased(Follow)
    mine = aliased(Follow)
    mutual = (
        select(func.count())
        .select_from(theirs)
        .join(mine, col(mine.followee_id) == col(theirs.follower_id))
        .where(col(theirs.followee_id) == col(User.id), col(mine.follower_id) == viewer.id)
        .scalar_subquery()
    )
    followers = (
        select(func.count())
        .select_from(Follow)
        .where(col(Follow.followee_id) == col(User.id))
        .scalar_subquery()
    )
    rows = session.exec(
        select(User, mutual.label("mutual"), followers.label("followers"))
        .where(*_offerable(viewer.id), ~_followed_by(viewer.id))
        .order_by(mutual.desc(), followers.desc(), col(User.created_at).desc(), col(User.id))
        .limit(limit)
    ).all()
    return [
        FollowSuggestion(
            **chats.user_brief(user).model_dump(),
            followers_count=int(count),
            mutual_count=int(shared),
        )
        for user, shared, count in rows
    ]
