"""Posts: writing, editing and deleting them, reposts and quotes (who may see one: post_access).

Events: a new post (or repost) is stored for its author and every follower (type "post", op
"add", data {"post_id", "author_id"}), and pushed on topics "profile:<author id>" and, when
public, "explore". An edit or delete is pushed on topic "post:<id>" (op "edit"/"delete", data
{"post_id"}); counters on "post:<id>" (op "counts").
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.config import get_settings
from socialhub.db import on_commit, on_rollback
from socialhub.domain import graph, media, polls, text
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, PermissionDenied
from socialhub.domain.post_access import access_post, may_see_post
from socialhub.domain.validation import clean_text
from socialhub.models import Post, PostHashtag, PostLike, PostVisibility, User
from socialhub.models.base import utcnow
from socialhub.models.poll_views import PollSpec
from socialhub.models.post_views import PictureView, PostView
from socialhub.realtime.events import publish_on_commit

BODY_MAX = 5000
IMAGES_MAX = 4
FEED_IMAGE, FULL_IMAGE = 640, 1600


def _own_post(session: Session, actor: User, post_id: str) -> Post:
    post = access_post(session, actor, post_id)
    if post.author_id != actor.id:
        raise PermissionDenied("only the author can change this post", code="not_author")
    return post


# Views -------------------------------------------------------------------------------------------


def _picture(record: dict[str, Any]) -> PictureView:
    return PictureView(
        url=media.picture_url(record, FEED_IMAGE),
        full_url=media.picture_url(record, FULL_IMAGE),
        width=int(record["width"]),
        height=int(record["height"]),
    )


def post_views(session: Session, viewer: User, posts: Sequence[Post]) -> list[PostView]:
    """Views of a page of posts for `viewer`, in a fixed number of queries."""
    assert viewer.id is not None
    referenced = {p.repost_of_id or p.quote_of_id for p in posts} - {None}
    originals = (
        {
            o.id: o
            for o in session.exec(select(Post).where(col(Post.id).in_(referenced))).all()
            if may_see_post(session, viewer, o)
        }
        if referenced
        else {}
    )
    everything = [*posts, *originals.values()]
    ids = [p.id for p in everything]
    author_ids = {p.author_id for p in everything}
    authors = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(author_ids)))}
    liked = set(
        session.exec(
            select(PostLike.post_id).where(
                col(PostLike.user_id) == viewer.id, col(PostLike.post_id).in_(ids)
            )
        ).all()
    )
    reposted = set(
        session.exec(
            select(Post.repost_of_id).where(
                col(Post.author_id) == viewer.id, col(Post.repost_of_id).in_(ids)
            )
        ).all()
    )
    poll_views = polls.poll_views(session, viewer, [p.id for p in everything if p.has_poll])

    def view(post: Post, *, nested: bool) -> PostView:
        original = originals.get(post.repost_of_id or post.quote_of_id or "")
        return PostView(
            id=post.id,
            author=user_brief(authors[post.author_id]),
            body=post.body,
            html=text.render(post.body) if post.body else "",
            visibility=post.visibility,
            images=[_picture(record) for record in post.images],
            created_at=post.created_at,
            edited=post.edited_at is not None,
            like_count=post.like_count,
            comment_count=post.comment_count,
            repost_count=post.repost_count,
            liked_by_me=post.id in liked,
            reposted_by_me=post.id in reposted,
            is_mine=post.author_id == viewer.id,
            poll=poll_views.get(post.id),
            repost_of=view(original, nested=True)
            if post.repost_of_id and original and not nested
            else None,
            quote_of=view(original, nested=True)
            if post.quote_of_id and original and not nested
            else None,
            quote_unavailable=bool(post.quote_of_id) and original is None,
        )

    return [view(post, nested=False) for post in posts]


def post_view(session: Session, viewer: User, post: Post) -> PostView:
    return post_views(session, viewer, [post])[0]


def get_post(session: Session, viewer: User, post_id: str) -> PostView:
    return post_view(session, viewer, access_post(session, viewer, post_id))


# Writing -----------------------------------------------------------------------------------------


def _visibility(value: str) -> str:
    try:
        return PostVisibility(value).value
    except ValueError as exc:
        raise InvalidInput(
            "visibility must be public or followers", field="visibility", code="bad_visibility"
        ) from exc


def _store_images(session: Session, author: User, images: Sequence[bytes]) -> list[dict[str, Any]]:
    """Check every image first, then store them; they are deleted again if the post is not."""
    if len(images) > IMAGES_MAX:
        raise InvalidInput(
            f"a post has at most {IMAGES_MAX} images", field="images", code="too_many_images"
        )
    limit = get_settings().avatar_max_bytes
    processed = [media.process_picture(data, max_bytes=limit, field="images") for data in images]
    records = [media.store_picture(f"posts/{author.id}", picture) for picture in processed]
    for record in records:
        on_rollback(session, partial(media.delete_picture, record))
    return records


def _set_hashtags(session: Session, post: Post) -> None:
    session.execute(sa.delete(PostHashtag).where(col(PostHashtag.post_id) == post.id))
    for tag in text.hashtags(post.body):
        session.add(
            PostHashtag(
                tag=tag, post_id=post.id, author_id=post.author_id, created_at=post.created_at
            )
        )


def _publish_new(session: Session, post: Post) -> None:
    topics = [f"profile:{post.author_id}"]
    if post.visibility == PostVisibility.public.value:
        topics.append("explore")
    publish_on_commit(
        session,
        type="post",
        op="add",
        data={"post_id": post.id, "author_id": post.author_id},
        users=[post.author_id, *graph.follower_ids(session, post.author_id)],
        topics=topics,
    )


def publish_counts(session: Session, post_id: str) -> None:
    """Tell whoever shows the post its current like, comment and repost counts."""
    post = session.get(Post, post_id)
    if post is None:
        return
    session.refresh(post)
    publish_on_commit(
        session,
        type="post",
        op="counts",
        data={
            "post_id": post.id,
            "like_count": post.like_count,
            "comment_count": post.comment_count,
            "repost_count": post.repost_count,
        },
        topics=[f"post:{post.id}"],
    )


def _shareable(session: Session, actor: User, post_id: str, *, field: str) -> Post:
    original = access_post(session, actor, post_id)
    if original.repost_of_id:
        original = access_post(session, actor, original.repost_of_id)
    if original.visibility != PostVisibility.public.value:
        raise PermissionDenied(
            "only public posts can be shared", code="not_public", details={"field": field}
        )
    return original


def check_create_post(
    session: Session,
    author: User,
    *,
    body: str,
    visibility: str = PostVisibility.public.value,
    images: Sequence[bytes] = (),
    poll: PollSpec | None = None,
    quote_of_id: str | None = None,
) -> Post:
    """A new post: text with #hashtags and @mentions, up to 4 images, an optional poll, or a
    quote of a public post."""
    assert author.id is not None
    text_body = clean_text(body, field="body", max_length=BODY_MAX, multiline=True)
    quoted = _shareable(session, author, quote_of_id, field="quote_of_id") if quote_of_id else None
    if not text_body and not images and poll is None and quoted is None:
        raise InvalidInput("the post is empty", field="body", code="empty")
    if poll is not None:
        polls.check_poll_spec(poll)
    post = Post(
        author_id=author.id,
        body=text_body,
        visibility=_visibility(visibility),
        quote_of_id=quoted.id if quoted else None,
    )
    post.images = _store_images(session, author, images)
    session.add(post)
    session.flush()
    if poll is not None:
        polls.do_attach_poll(session, post, poll)
    _set_hashtags(session, post)
    session.flush()
    _publish_new(session, post)
    return post


def check_edit_post(
    session: Session,
    actor: User,
    post_id: str,
    *,
    body: str | None = None,
    visibility: str | None = None,
) -> Post:
    """The author changes the text or the audience; the post is marked edited."""
    post = _own_post(session, actor, post_id)
    if post.repost_of_id:
        raise InvalidInput("a repost has no text to edit", code="repost")
    if body is not None:
        new_body = clean_text(body, field="body", max_length=BODY_MAX, multiline=True)
        if not new_body and not post.images and not post.has_poll and not post.quote_of_id:
            raise InvalidInput("the post is empty", field="body", code="empty")
        post.body = new_body
    if visibility is not None:
        post.visibility = _visibility(visibility)
    post.edited_at = utcnow()
    session.add(post)
    _set_hashtags(session, post)
    session.flush()
    publish_on_commit(
        session, type="post", op="edit", data={"post_id": post.id}, topics=[f"post:{post.id}"]
    )
    return post


def check_delete_post(session: Session, actor: User, post_id: str) -> None:
    """The author deletes a post; its images go once the deletion is committed."""
    post = _own_post(session, actor, post_id)
    records = list(post.images)
    original_id = post.repost_of_id
    session.delete(post)
    session.flush()
    if original_id:
        _count_reposts(session, original_id, -1)
    for record in records:
        on_commit(session, partial(media.delete_picture, record))
    publish_on_commit(
        session, type="post", op="delete", data={"post_id": post_id}, topics=[f"post:{post_id}"]
    )


def _count_reposts(session: Session, post_id: str, delta: int) -> None:
    session.execute(
        sa.update(Post)
        .where(col(Post.id) == post_id)
        .values(repost_count=col(Post.repost_count) + delta)
    )
    publish_counts(session, post_id)


def check_repost(session: Session, actor: User, post_id: str) -> Post:
    """Share a public post with your followers (again: the same repost)."""
    assert actor.id is not None
    original = _shareable(session, actor, post_id, field="post_id")
    existing = session.exec(
        select(Post).where(col(Post.author_id) == actor.id, col(Post.repost_of_id) == original.id)
    ).first()
    if existing is not None:
        return existing
    repost = Post(author_id=actor.id, repost_of_id=original.id)
    session.add(repost)
    session.flush()
    _count_reposts(session, original.id, +1)
    _publish_new(session, repost)
    return repost


def check_undo_repost(session: Session, actor: User, post_id: str) -> None:
    """Take a repost back (when there is none: no change)."""
    original = access_post(session, actor, post_id)
    repost = session.exec(
        select(Post).where(col(Post.author_id) == actor.id, col(Post.repost_of_id) == original.id)
    ).first()
    if repost is not None:
        check_delete_post(session, actor, repost.id)
