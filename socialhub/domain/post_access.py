"""Who may see a post: the one rule every part of the social network checks."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from socialhub.domain import blocks, graph
from socialhub.domain.channel_messages import channel_access
from socialhub.domain.errors import NotFound
from socialhub.domain.permissions import ChannelAccess, Permission, channel_viewers
from socialhub.models import Conversation, Post, PostVisibility, Server, User


def author_reachable(session: Session, viewer_id: int, author_id: int) -> bool:
    """The author's account is active and no block stands between them and the viewer."""
    author = session.get(User, author_id)
    if author is None or author.suspended_at is not None:
        return False
    return not blocks.is_blocked_between(session, viewer_id, author_id)


def may_view_channel(session: Session, viewer: User, channel_id: str) -> bool:
    """Whether `viewer` may view the server channel (VIEW_CHANNEL by the permission function):
    the audience of every post in a posts channel, whatever its author or visibility."""
    channel = session.get(Conversation, channel_id)
    if channel is None:
        return False
    try:
        channel_access(session, viewer, channel)
    except NotFound:
        return False
    return True


def may_see_post(session: Session, viewer: User, post: Post) -> bool:
    """A post in a posts channel is for those who may view the channel, and nobody else (its
    author neither, once they lose the channel). Otherwise authors see their posts; public
    posts are for everyone, followers-only posts for followers. A block either way, or a
    suspended author, hides the post."""
    assert viewer.id is not None
    if post.channel_id is not None and not may_view_channel(session, viewer, post.channel_id):
        return False
    if post.author_id == viewer.id:
        return True
    if not author_reachable(session, viewer.id, post.author_id):
        return False
    if post.channel_id is None and post.visibility == PostVisibility.followers.value:
        return graph.is_following(session, viewer.id, post.author_id)
    return True


def access_post(session: Session, viewer: User, post_id: str) -> Post:
    """The post if `viewer` may see it; NotFound otherwise (hidden and missing look the same)."""
    post = session.get(Post, post_id) if post_id else None
    if post is None or not may_see_post(session, viewer, post):
        raise NotFound("no such post", code="post_not_found")
    return post


def post_channel(session: Session, actor: User, post: Post) -> ChannelAccess | None:
    """The actor's access to the posts channel that holds `post` (None: a post of the social
    feeds). NotFound, as for the post itself, when they may not view the channel."""
    if post.channel_id is None:
        return None
    channel = session.get(Conversation, post.channel_id)
    if channel is None:
        raise NotFound("no such post", code="post_not_found")
    try:
        return channel_access(session, actor, channel)
    except NotFound as exc:
        raise NotFound("no such post", code="post_not_found") from exc


def require_in_channel(session: Session, actor: User, post: Post, flag: Permission) -> None:
    """In a posts channel, taking part (liking, commenting) needs the channel permission too;
    elsewhere seeing the post is enough."""
    access = post_channel(session, actor, post)
    if access is not None:
        access.require(flag)


def post_audience(session: Session, post: Post, user_ids: Iterable[int]) -> list[int]:
    """Which of `user_ids` may be told about the post: for a channel post, those who still
    may view the channel (an author who lost it hears nothing more about it)."""
    wanted = sorted(set(user_ids))
    if post.channel_id is None or not wanted:
        return wanted
    channel = session.get(Conversation, post.channel_id)
    server = session.get(Server, channel.server_id) if channel and channel.server_id else None
    if server is None:
        return []
    return sorted(channel_viewers(session, server, post.channel_id, wanted))
