"""Who may see a post: the one rule every part of the social network checks."""

from __future__ import annotations

from sqlmodel import Session

from socialhub.domain import blocks, graph
from socialhub.domain.errors import NotFound
from socialhub.models import Post, PostVisibility, User


def author_reachable(session: Session, viewer_id: int, author_id: int) -> bool:
    """The author's account is active and no block stands between them and the viewer."""
    author = session.get(User, author_id)
    if author is None or author.suspended_at is not None:
        return False
    return not blocks.is_blocked_between(session, viewer_id, author_id)


def may_see_post(session: Session, viewer: User, post: Post) -> bool:
    """Authors see their posts; public posts are for everyone, followers-only posts for
    followers; a block either way, or a suspended author, hides the post."""
    assert viewer.id is not None
    if post.author_id == viewer.id:
        return True
    if not author_reachable(session, viewer.id, post.author_id):
        return False
    if post.visibility == PostVisibility.followers.value:
        return graph.is_following(session, viewer.id, post.author_id)
    return True


def access_post(session: Session, viewer: User, post_id: str) -> Post:
    """The post if `viewer` may see it; NotFound otherwise (hidden and missing look the same)."""
    post = session.get(Post, post_id) if post_id else None
    if post is None or not may_see_post(session, viewer, post):
        raise NotFound("no such post", code="post_not_found")
    return post
