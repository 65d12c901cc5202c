"""Comments on posts, with one level of replies.

Events: a comment's add, edit or delete is pushed on topic "post:<id>" (type "comment", op
"add"/"edit"/"delete", data {"post_id", "comment_id"}) with the post's new counts; a new comment
is stored for the post's author and, for a reply, the parent comment's author (type "comment",
op "add"), never for the commenter.

In a posts channel, commenting needs SEND_MESSAGES there; only those who may view the channel are
told; moderators with MANAGE_MESSAGES there delete any comment (audited "comment_delete").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from socialhub.domain import blocks, ratelimit, text
from socialhub.domain.audit import do_audit
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.pagination import id_cursor
from socialhub.domain.permissions import Permission
from socialhub.domain.post_access import (
    access_post,
    post_audience,
    post_channel,
    require_in_channel,
)
from socialhub.domain.posts import publish_counts
from socialhub.domain.validation import clean_text
from socialhub.models import Block, Comment, Post, User
from socialhub.models.base import utcnow
from socialhub.models.interaction_views import CommentPage, CommentView
from socialhub.realtime.events import publish_on_commit

BODY_MAX = 2000
PAGE_MAX = 100
REPLIES_SHOWN = 3


def _clean(body: str) -> str:
    cleaned = clean_text(body, field="body", max_length=BODY_MAX, multiline=True)
    if not cleaned:
        raise InvalidInput("the comment is empty", field="body", code="empty")
    return cleaned


def access_comment(session: Session, viewer: User, comment_id: str) -> tuple[Comment, Post]:
    """The comment and its post, if the viewer may see both."""
    comment = session.get(Comment, comment_id) if comment_id else None
    if comment is None:
        raise NotFound("no such comment", code="comment_not_found")
    post = access_post(session, viewer, comment.post_id)
    assert viewer.id is not None
    if blocks.is_blocked_between(session, viewer.id, comment.author_id):
        raise NotFound("no such comment", code="comment_not_found")
    return comment, post


def _count(session: Session, post_id: str, delta: int) -> None:
    session.execute(
        sa.update(Post)
        .where(col(Post.id) == post_id)
        .values(comment_count=col(Post.comment_count) + delta)
    )
    publish_counts(session, post_id)


def _publish(session: Session, op: str, comment: Comment, users: Sequence[int] = ()) -> None:
    publish_on_commit(
        session,
        type="comment",
        op=op,
        data={"post_id": comment.post_id, "comment_id": comment.id},
        users=users,
        topics=[f"post:{comment.post_id}"],
    )


def check_add_comment(
    session: Session, actor: User, post_id: str, *, body: str, reply_to_id: str | None = None
) -> Comment:
    """Comment on a post you may see, or reply to a comment on it (a reply to a reply joins the
    same thread: one level). Not across a block with the post's author."""
    assert actor.id is not None
    post = access_post(session, actor, post_id)
    if blocks.is_blocked_between(session, actor.id, post.author_id):
        raise PermissionDenied("you cannot comment on this post", code="blocked")
    require_in_channel(session, actor, post, Permission.SEND_MESSAGES)
    cleaned = _clean(body)
    parent: Comment | None = None
    if reply_to_id:
        parent, parent_post = access_comment(session, actor, reply_to_id)
        if parent_post.id != post.id:
            raise NotFound("that comment is not on this post", code="comment_not_found")
        if parent.parent_id:
            parent = session.get(Comment, parent.parent_id)
    ratelimit.hit("comment", f"user:{actor.id}")
    comment = Comment(
        post_id=post.id, author_id=actor.id, parent_id=parent.id if parent else None, body=cleaned
    )
    session.add(comment)
    session.flush()
    _count(session, post.id, +1)
    told = {post.author_id, parent.author_id if parent else post.author_id} - {actor.id}
    _publish(session, "add", comment, post_audience(session, post, told))
    return comment


def check_edit_comment(session: Session, actor: User, comment_id: str, *, body: str) -> Comment:
    comment, _ = access_comment(session, actor, comment_id)
    if comment.author_id != actor.id:
        raise PermissionDenied("only its author can edit a comment", code="not_author")
    comment.body = _clean(body)
    comment.edited_at = utcnow()
    session.add(comment)
    session.flush()
    _publish(session, "edit", comment)
    return comment


def _moderates(session: Session, actor: User, post: Post) -> bool:
    """The actor holds MANAGE_MESSAGES in the posts channel of `post`."""
    access = post_channel(session, actor, post)
    return access is not None and access.can(Permission.MANAGE_MESSAGES)


def check_delete_comment(session: Session, actor: User, comment_id: str) -> None:
    """Its author or the post's author deletes a comment (and its replies); in a posts
    channel, a moderator too."""
    comment, post = access_comment(session, actor, comment_id)
    if actor.id not in (comment.author_id, post.author_id):
        if not _moderates(session, actor, post):
            raise PermissionDenied(
                "only its author or the post's author can delete a comment", code="not_author"
            )
        access = post_channel(session, actor, post)
        assert access is not None
        do_audit(
            session,
            access.server.server.id,
            actor.id,
            "comment_delete",
            target_type="comment",
            target_id=comment.id,
            changes={"post_id": post.id, "author_id": comment.author_id},
        )
    replies = session.exec(
        select(func.count()).select_from(Comment).where(col(Comment.parent_id) == comment.id)
    ).one()
    session.execute(sa.delete(Comment).where(col(Comment.parent_id) == comment.id))
    session.delete(comment)
    session.flush()
    _count(session, post.id, -(1 + int(replies)))
    _publish(session, "delete", comment)


# Reading -----------------------------------------------------------------------------------------


def _hidden_authors(viewer: User) -> sa.Select[tuple[int]]:
    """Users the viewer blocks or is blocked by: their comments are not shown."""
    return sa.union(
        select(Block.blocked_id).where(col(Block.blocker_id) == viewer.id),
        select(Block.blocker_id).where(col(Block.blocked_id) == viewer.id),
    )  # type: ignore[return-value]


def comment_views(
    session: Session, viewer: User, post: Post, comments: Sequence[Comment]
) -> list[CommentView]:
    ids = [c.id for c in comments]
    moderator = bool(comments) and _moderates(session, viewer, post)
    authors = {
        u.id: u
        for u in session.exec(select(User).where(col(User.id).in_({c.author_id for c in comments})))
    }
    reply_counts: Counter[str] = Counter()
    if ids:
        for parent_id, count in session.exec(
            select(Comment.parent_id, func.count())
            .where(
                col(Comment.parent_id).in_(ids),
                col(Comment.author_id).not_in(_hidden_authors(viewer)),
            )
            .group_by(col(Comment.parent_id))
        ):
            reply_counts[parent_id or ""] = int(count)
    return [
        CommentView(
            id=c.id,
            post_id=c.post_id,
            parent_id=c.parent_id,
            author=user_brief(authors[c.author_id]),
            body=c.body,
            html=text.render(c.body),
            created_at=c.created_at,
            edited=c.edited_at is not None,
            can_edit=c.author_id == viewer.id,
            can_delete=moderator or viewer.id in (c.author_id, post.author_id),
            reply_count=reply_counts[c.id],
        )
        for c in comments
    ]


def _comments(
    session: Session,
    viewer: User,
    post: Post,
    *,
    parent_id: str | None,
    after: str | None,
    limit: int,
) -> tuple[list[Comment], str | None]:
    limit = max(1, min(limit, PAGE_MAX))
    query = select(Comment).where(
        col(Comment.post_id) == post.id,
        col(Comment.parent_id) == parent_id if parent_id else col(Comment.parent_id).is_(None),
        col(Comment.author_id).not_in(_hidden_authors(viewer)),
    )
    if (after := id_cursor(after, "after")) is not None:
        query = query.where(col(Comment.id) > after)
    rows = list(session.exec(query.order_by(col(Comment.id)).limit(limit + 1)).all())
    page = rows[:limit]
    return page, page[-1].id if len(rows) > limit else None


def list_comments(
    session: Session, viewer: User, post_id: str, *, after: str | None = None, limit: int = 20
) -> CommentPage:
    """Top-level comments, oldest first, each with its first replies."""
    post = access_post(session, viewer, post_id)
    page, next_cursor = _comments(session, viewer, post, parent_id=None, after=after, limit=limit)
    views = comment_views(session, viewer, post, page)
    replies: dict[str, list[Comment]] = defaultdict(list)
    for view in views:
        if view.reply_count:
            first, _ = _comments(
                session, viewer, post, parent_id=view.id, after=None, limit=REPLIES_SHOWN
            )
            replies[view.id] = first
    for view in views:
        view.replies = comment_views(session, viewer, post, replies[view.id])
    return CommentPage(comments=views, next_cursor=next_cursor)


def list_replies(
    session: Session, viewer: User, comment_id: str, *, after: str | None = None, limit: int = 20
) -> CommentPage:
    comment, post = access_comment(session, viewer, comment_id)
    page, next_cursor = _comments(
        session, viewer, post, parent_id=comment.id, after=after, limit=limit
    )
    return CommentPage(comments=comment_views(session, viewer, post, page), next_cursor=next_cursor)


def get_comment(session: Session, viewer: User, comment_id: str) -> CommentView:
    comment, post = access_comment(session, viewer, comment_id)
    return comment_views(session, viewer, post, [comment])[0]
