"""Posts: writing, editing and deleting them, reposts and quotes (who may see one: post_access).

Events: a new post (or repost) is stored for its author and every follower (type "post", op
"add", data {"post_id", "author_id"}) and pushed on topic "profile:<author id>" and, for a public
post that is not a repost, "explore". An edit is pushed on topic "post:<id>" (op "edit", data
{"post_id", "post": PostContent}; "post" is None when the edit narrowed the audience, so a
watcher who may no longer see the post reloads it instead of reading it), a delete on
"post:<id>" (op "delete", data {"post_id"}); counters on "post:<id>" (op "counts").

Reposts: only public posts can be reposted or quoted (code "not_public"), your own included; a
repost of a repost shares the original; reposting twice is the same repost.

Posts channels: a post given a `channel_id` lives in that server channel's feed (feeds.
channel_feed) and is seen only by those who may view the channel (post_access); it needs
SEND_MESSAGES there (ATTACH_FILES for images), has no audience of its own, no hashtags, and
is never reposted, nor quoted outside its channel (code "channel_post"). Its events go into the
channel's stream, for the channel's viewers only: type "post", op "add" (data {"post_id",
"author_id"}), "update" (data {"post_id", "post": PostContent}) and "delete" (data {"post_id"}),
each with "channel_id" and "server_id"; watchers of "post:<id>" hear an edit with "post"
None (they reload it through the access rule) and the delete. Moderators with MANAGE_MESSAGES
delete any post of the channel (audited "post_delete").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, or_, select

from socialhub.config import get_settings
from socialhub.db import on_commit, on_rollback
from socialhub.domain import automod, graph, link_previews, media, polls, ratelimit, text
from socialhub.domain.audit import do_audit
from socialhub.domain.channel_messages import (
    channel_access,
    check_may_write,
    do_note_written,
    screen,
)
from socialhub.domain.chats import user_brief
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import ChannelAccess, Permission, channel_not_found
from socialhub.domain.post_access import access_post as access_post  # shared visibility rule
from socialhub.domain.post_access import may_see_post as may_see_post
from socialhub.domain.post_access import may_view_channel, post_channel
from socialhub.domain.validation import clean_text
from socialhub.models import (
    Block,
    ChannelType,
    Conversation,
    Follow,
    Post,
    PostHashtag,
    PostLike,
    PostVisibility,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.link_previews import PostLinkPreview
from socialhub.models.poll_views import PollSpec
from socialhub.models.post_views import PictureView, PostContent, PostView
from socialhub.realtime.events import publish_on_commit

BODY_MAX = 5000
IMAGES_MAX = 4
FEED_IMAGE, FULL_IMAGE = 640, 1600


def _own_post(session: Session, actor: User, post_id: str) -> Post:
    """A post the actor wrote: hidden or missing is NotFound, someone else's is refused."""
    post = access_post(session, actor, post_id)
    if post.author_id != actor.id:
        raise PermissionDenied("only the author can change this post", code="not_author")
    return post


# Views -------------------------------------------------------------------------------------------


def picture_view(record: dict[str, Any]) -> PictureView:
    return PictureView(
        url=media.picture_url(record, FEED_IMAGE),
        full_url=media.picture_url(record, FULL_IMAGE),
        width=int(record["width"]),
        height=int(record["height"]),
    )


def _load(session: Session, ids: set[str]) -> dict[str, Post]:
    if not ids:
        return {}
    return {p.id: p for p in session.exec(select(Post).where(col(Post.id).in_(ids))).all()}


class _Audience:
    """may_see_post for many posts at once: the authors, blocks and follows in three queries,
    and each posts channel's access once."""

    def __init__(self, session: Session, viewer: User, posts: Sequence[Post]) -> None:
        assert viewer.id is not None
        self.viewer_id = viewer.id
        author_ids = {p.author_id for p in posts}
        self.channels = {
            channel_id: may_view_channel(session, viewer, channel_id)
            for channel_id in {p.channel_id for p in posts if p.channel_id is not None}
        }
        others = author_ids - {viewer.id}
        self.authors = (
            {u.id: u for u in session.exec(select(User).where(col(User.id).in_(author_ids)))}
            if author_ids
            else {}
        )
        self.blocked: set[int] = set()
        self.followed: set[int] = set()
        if others:
            for blocker, blocked in session.exec(
                select(Block.blocker_id, Block.blocked_id).where(
                    or_(
                        (col(Block.blocker_id) == viewer.id) & col(Block.blocked_id).in_(others),
                        (col(Block.blocked_id) == viewer.id) & col(Block.blocker_id).in_(others),
                    )
                )
            ).all():
                self.blocked.add(blocked if blocker == viewer.id else blocker)
            self.followed = set(
                session.exec(
                    select(Follow.followee_id).where(
                        col(Follow.follower_id) == viewer.id, col(Follow.followee_id).in_(others)
                    )
                ).all()
            )

    def may_see(self, post: Post) -> bool:
        """The same rule as post_access.may_see_post."""
        if post.channel_id is not None and not self.channels[post.channel_id]:
            return False
        if post.author_id == self.viewer_id:
            return True
        author = self.authors.get(post.author_id)
        if author is None or author.suspended_at is not None or post.author_id in self.blocked:
            return False
        return (
            post.channel_id is not None
            or post.visibility != PostVisibility.followers.value
            or post.author_id in self.followed
        )


def post_views(
    session: Session, viewer: User, posts: Sequence[Post], *, visible_only: bool = False
) -> list[PostView]:
    """Views of a page of posts for `viewer`, in a fixed number of queries. The caller has
    checked that the viewer may see `posts`, or asks for `visible_only`: then the others are
    left out.

    A repost carries its original in `repost_of` (with the original's own quote), a quote post
    the quoted post in `quote_of`; either is None when the viewer may not see it (then a quote
    is marked `quote_unavailable`).
    """
    assert viewer.id is not None
    if not posts:
        return []
    originals = _load(session, {p.repost_of_id or p.quote_of_id or "" for p in posts} - {""})
    # A reposted quote post shows what it quotes too; deeper nesting is not shown.
    shared = [originals[p.repost_of_id] for p in posts if p.repost_of_id in originals]
    embedded = _load(session, {o.quote_of_id for o in shared if o.quote_of_id} - set(originals))
    referenced = {**originals, **embedded}
    everything = [*posts, *referenced.values()]
    audience = _Audience(session, viewer, everything)
    if visible_only:
        posts = [p for p in posts if audience.may_see(p)]
    visible = {i: p for i, p in referenced.items() if audience.may_see(p)}
    shown = [*posts, *visible.values()]
    ids = [p.id for p in shown]
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
    poll_views = polls.poll_views(session, viewer, [p.id for p in shown if p.has_poll])
    previews = link_previews.previews_for_posts(session, [p.id for p in shown if p.body])

    def view(post: Post, *, top: bool = True, in_repost: bool = False) -> PostView:
        original = visible.get(post.repost_of_id or post.quote_of_id or "")
        # Top level: its original or quote; inside a repost: the original's quote; no deeper.
        embeds = top or in_repost
        nested = (
            view(original, top=False, in_repost=top and bool(post.repost_of_id))
            if original and embeds
            else None
        )
        return PostView(
            id=post.id,
            author=user_brief(audience.authors[post.author_id]),
            body=post.body,
            html=text.render(post.body) if post.body else "",
            visibility=post.visibility,
            channel_id=post.channel_id,
            images=[picture_view(record) for record in post.images],
            created_at=post.created_at,
            edited=post.edited_at is not None,
            edited_at=post.edited_at,
            like_count=post.like_count,
            comment_count=post.comment_count,
            repost_count=post.repost_count,
            liked_by_me=post.id in liked,
            reposted_by_me=post.id in reposted,
            is_mine=post.author_id == viewer.id,
            has_poll=post.has_poll,
            poll=poll_views.get(post.id),
            repost_of=nested if post.repost_of_id else None,
            quote_of=nested if post.quote_of_id else None,
            quote_unavailable=embeds and bool(post.quote_of_id) and original is None,
            preview=previews.get(post.id),
        )

    return [view(post) for post in posts]


def post_view(session: Session, viewer: User, post: Post) -> PostView:
    return post_views(session, viewer, [post])[0]


def get_post(session: Session, viewer: User, post_id: str) -> PostView:
    """The post page: NotFound when missing or hidden from the viewer."""
    return post_view(session, viewer, access_post(session, viewer, post_id))


def get_posts(session: Session, viewer: User, post_ids: Collection[str]) -> list[PostView]:
    """The posts among `post_ids` that `viewer` may see now, by the rule of get_post: a live
    reload leaves out a post that was deleted or narrowed to an audience the viewer is not in,
    and never shows its new content."""
    return post_views(
        session, viewer, list(_load(session, set(post_ids)).values()), visible_only=True
    )


def post_content(post: Post) -> PostContent:
    return PostContent(
        id=post.id,
        body=post.body,
        html=text.render(post.body) if post.body else "",
        visibility=post.visibility,
        edited=post.edited_at is not None,
        edited_at=post.edited_at,
    )


# Writing -----------------------------------------------------------------------------------------


def _visibility(value: str) -> str:
    try:
        return PostVisibility(value).value
    except ValueError as exc:
        raise InvalidInput(
            "visibility must be public or followers", field="visibility", code="bad_visibility"
        ) from exc


def _body(value: str) -> str:
    return clean_text(value, field="body", max_length=BODY_MAX, multiline=True)


def _store_images(session: Session, author: User, images: Sequence[bytes]) -> list[dict[str, Any]]:
    """Check every image, then store them; each stored one is deleted again if the transaction
    rolls back, so a failed post leaves no files."""
    if len(images) > IMAGES_MAX:
        raise InvalidInput(
            f"a post has at most {IMAGES_MAX} images", field="images", code="too_many_images"
        )
    limit = get_settings().avatar_max_bytes
    processed = [media.process_picture(data, max_bytes=limit, field="images") for data in images]
    records = []
    for picture in processed:
        record = media.store_picture(f"posts/{author.id}", picture)
        on_rollback(session, partial(media.delete_picture, record))
        records.append(record)
    return records


def _set_hashtags(session: Session, post: Post) -> None:
    """The tags of the post's text, for hashtag pages and trending: none in a posts channel,
    whose posts never show there."""
    session.execute(sa.delete(PostHashtag).where(col(PostHashtag.post_id) == post.id))
    if post.channel_id is not None:
        return
    for tag in text.hashtags(post.body):
        session.add(
            PostHashtag(
                tag=tag, post_id=post.id, author_id=post.author_id, created_at=post.created_at
            )
        )


def _publish_in_channel(session: Session, op: str, channel_id: str, **data: Any) -> None:
    """A channel post's event, stored once in its channel's stream (whoever may view the
    channel when the stream is read gets it); `server_id` marks it as a server's."""
    channel = session.get(Conversation, channel_id)
    publish_on_commit(
        session,
        type="post",
        op=op,
        data={**data, "channel_id": channel_id, "server_id": channel and channel.server_id},
        conversation=channel_id,
    )


def _publish_new(session: Session, post: Post) -> None:
    """Stored for the author and their followers (all of whom may see it: a block ends the
    follow), pushed to their profile's and, for an original public post, explore's watchers.
    A channel post: stored once in the channel's stream, for those who may view it."""
    if post.channel_id is not None:
        _publish_in_channel(
            session, "add", post.channel_id, post_id=post.id, author_id=post.author_id
        )
        return
    topics = [f"profile:{post.author_id}"]
    if post.visibility == PostVisibility.public.value and post.repost_of_id is None:
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


def _shareable(
    session: Session, actor: User, post_id: str, *, field: str, channel_id: str | None = None
) -> Post:
    """The post to repost or quote (into `channel_id`, or the social feeds): a repost stands
    for its original, which must be public; a channel post is only quoted in its channel."""
    original = access_post(session, actor, post_id)
    if original.repost_of_id:
        original = access_post(session, actor, original.repost_of_id)
    if original.channel_id is not None and original.channel_id != channel_id:
        raise PermissionDenied(
            "a post of a posts channel stays in its channel",
            code="channel_post",
            details={"field": field},
        )
    if original.visibility != PostVisibility.public.value:
        raise PermissionDenied(
            "only public posts can be shared", code="not_public", details={"field": field}
        )
    return original


def access_posts_channel(session: Session, actor: User, channel_id: str) -> ChannelAccess:
    """A posts channel the actor may view: NotFound (`channel_not_found`) when missing or
    hidden, InvalidInput (`not_a_posts_channel`) for a text or announcement channel."""
    channel = session.get(Conversation, channel_id) if channel_id else None
    if channel is None:
        raise channel_not_found()
    access = channel_access(session, actor, channel)
    if channel.channel_type != ChannelType.posts.value:
        raise InvalidInput(
            "posts go to a posts channel; this one takes messages",
            field="channel_id",
            code="not_a_posts_channel",
        )
    return access


def _check_channel_post(
    session: Session, author: User, channel_id: str, *, body: str, images: Sequence[bytes]
) -> tuple[ChannelAccess, list[int]]:
    """May the author post this (with these images) in the channel now: as for a message
    (SEND_MESSAGES, which a timeout takes away; slow mode; the server's automod, whose
    blocking rules refuse it), and ATTACH_FILES for images. With the flag rules it matches."""
    access = access_posts_channel(session, author, channel_id)
    check_may_write(session, access, author, now=utcnow(), what="post")
    if images:
        access.require(Permission.ATTACH_FILES, "you may not attach pictures in this channel")
    return access, screen(session, access, author, body)


def check_create_post(
    session: Session,
    author: User,
    *,
    body: str,
    visibility: str = PostVisibility.public.value,
    images: Sequence[bytes] = (),
    poll: PollSpec | None = None,
    quote_of_id: str | None = None,
    channel_id: str | None = None,
) -> Post:
    """A new post: text (up to 5,000 characters) with #hashtags and @mentions, up to 4 images,
    an optional poll, or a quote of a public post. Empty text needs images, a poll or a quote.

    With `channel_id`, a post in that server's posts channel: its audience is the channel's
    (`visibility` is not used), see the module's notes.

    Everything is checked before anything is written; images are stored last and removed if
    the transaction does not commit.
    """
    assert author.id is not None
    text_body = _body(body)
    audience = _visibility(visibility)
    screened: tuple[ChannelAccess, list[int]] | None = None
    if channel_id is not None:
        screened = _check_channel_post(session, author, channel_id, body=text_body, images=images)
        audience = PostVisibility.public.value
    quoted = (
        _shareable(session, author, quote_of_id, field="quote_of_id", channel_id=channel_id)
        if quote_of_id
        else None
    )
    if not text_body and not images and poll is None and quoted is None:
        raise InvalidInput("the post is empty", field="body", code="empty")
    if poll is not None:
        polls.check_poll_spec(poll)
    ratelimit.hit("post", f"user:{author.id}")
    post = Post(
        author_id=author.id,
        body=text_body,
        visibility=audience,
        quote_of_id=quoted.id if quoted else None,
        channel_id=channel_id,
    )
    post.images = _store_images(session, author, images)
    session.add(post)
    session.flush()
    if screened is not None:
        access, flagged = screened
        do_note_written(session, access.channel.id, author.id, now=post.created_at)
        automod.do_flag_post(session, access, post, flagged)
    if poll is not None:
        polls.do_attach_poll(session, post, poll)
    _set_hashtags(session, post)
    session.flush()
    link_previews.do_attach_to_post(session, post.id, post.body)
    _publish_new(session, post)
    return post


# Link previews -----------------------------------------------------------------------------------


def _publish_reload(session: Session, post_id: str) -> None:
    """The post's watchers read it again, each through the rule of `get_posts`."""
    publish_on_commit(
        session,
        type="post",
        op="edit",
        data={"post_id": post_id, "post": None},
        topics=[f"post:{post_id}"],
    )


def do_publish_preview(session: Session, preview_id: str) -> int:
    """A preview became ready: the watchers of every post showing it read it again (an
    `edit` without content, as after a narrowing). Returns how many posts."""
    post_ids = link_previews.posts_showing(session, preview_id)
    for post_id in post_ids:
        _publish_reload(session, post_id)
    return len(post_ids)


def check_remove_preview(session: Session, actor: User, post_id: str) -> Post:
    """The author removes their post's card, for everyone."""
    post = _own_post(session, actor, post_id)
    link = session.get(PostLinkPreview, post.id)
    if link is None or link.removed_at is not None:
        raise NotFound("this post has no preview", code="preview_not_found")
    link.removed_at = utcnow()
    session.add(link)
    session.flush()
    _publish_reload(session, post.id)
    return post


def check_edit_post(
    session: Session,
    actor: User,
    post_id: str,
    *,
    body: str | None = None,
    visibility: str | None = None,
) -> Post:
    """The author changes the text or the audience; the post is marked edited and its hashtags
    follow the new text. Giving the same values again changes nothing."""
    post = _own_post(session, actor, post_id)
    if post.repost_of_id:
        raise InvalidInput("a repost has no text to edit", code="repost")
    if body is None and visibility is None:
        raise InvalidInput("give a new body or visibility", code="nothing_to_change")
    new_body = post.body if body is None else _body(body)
    new_visibility = post.visibility if visibility is None else _visibility(visibility)
    if post.channel_id is not None and new_visibility != post.visibility:
        raise InvalidInput(
            "a post in a posts channel is for the channel's members",
            field="visibility",
            code="channel_post",
        )
    if not new_body and not post.images and not post.has_poll and not post.quote_of_id:
        raise InvalidInput("the post is empty", field="body", code="empty")
    if (new_body, new_visibility) == (post.body, post.visibility):
        return post
    screened: tuple[ChannelAccess, list[int]] | None = None
    if post.channel_id is not None and new_body != post.body:
        # A new text in the channel: the server's automod screens it as it screened the post.
        access = access_posts_channel(session, actor, post.channel_id)
        screened = access, screen(session, access, actor, new_body)
    narrowed = new_visibility != post.visibility and new_visibility != PostVisibility.public.value
    post.body, post.visibility = new_body, new_visibility
    post.edited_at = utcnow()
    session.add(post)
    _set_hashtags(session, post)
    session.flush()
    if screened is not None:
        automod.do_flag_post(session, screened[0], post, screened[1])
    if post.channel_id is not None:
        _publish_in_channel(
            session,
            "update",
            post.channel_id,
            post_id=post.id,
            post=post_content(post).model_dump(mode="json"),
        )
    # Watchers of a channel post reload it through the channel's rule, as after a narrowing.
    hidden = narrowed or post.channel_id is not None
    content = None if hidden else post_content(post).model_dump(mode="json")
    publish_on_commit(
        session,
        type="post",
        op="edit",
        data={"post_id": post.id, "post": content},
        topics=[f"post:{post.id}"],
    )
    return post


def _deletable(session: Session, actor: User, post_id: str) -> Post:
    """A post the actor may delete: their own, or in a posts channel where they have
    MANAGE_MESSAGES (audited)."""
    post = access_post(session, actor, post_id)
    if post.author_id == actor.id:
        return post
    access = post_channel(session, actor, post)
    if access is None or not access.can(Permission.MANAGE_MESSAGES):
        raise PermissionDenied("only the author can change this post", code="not_author")
    do_audit(
        session,
        access.server.server.id,
        actor.id,
        "post_delete",
        target_type="post",
        target_id=post.id,
        changes={"channel_id": post.channel_id, "author_id": post.author_id},
    )
    return post


def check_delete_post(session: Session, actor: User, post_id: str) -> None:
    """The author deletes a post, with its comments, likes, poll and reposts (the database
    cascades); its images go once the deletion is committed. Quotes of it lose their quote.
    In a posts channel, a moderator with MANAGE_MESSAGES may delete anyone's."""
    post = _deletable(session, actor, post_id)
    channel_id = post.channel_id
    records = list(post.images)
    original_id = post.repost_of_id
    session.delete(post)
    session.flush()
    if original_id:
        _count_reposts(session, original_id, -1)
    for record in records:
        on_commit(session, partial(media.delete_picture, record))
    if channel_id is not None:
        _publish_in_channel(session, "delete", channel_id, post_id=post_id)
    publish_on_commit(
        session, type="post", op="delete", data={"post_id": post_id}, topics=[f"post:{post_id}"]
    )


def do_drop_channel_images(session: Session, channel_ids: Collection[str]) -> None:
    """The posts of these channels are about to go with them (by cascade, a channel's or its
    server's deletion): their images are removed once that deletion commits."""
    if not channel_ids:
        return
    found = session.exec(select(Post.images).where(col(Post.channel_id).in_(channel_ids)))
    for records in found:
        for record in records:
            on_commit(session, partial(media.delete_picture, record))


def _count_reposts(session: Session, post_id: str, delta: int) -> None:
    session.execute(
        sa.update(Post)
        .where(col(Post.id) == post_id)
        .values(repost_count=col(Post.repost_count) + delta)
    )
    publish_counts(session, post_id)


def _repost_of(session: Session, actor: User, original_id: str) -> Post | None:
    return session.exec(
        select(Post).where(col(Post.author_id) == actor.id, col(Post.repost_of_id) == original_id)
    ).first()


def check_repost(session: Session, actor: User, post_id: str) -> Post:
    """Share a public post with your followers (again: the same repost)."""
    assert actor.id is not None
    original = _shareable(session, actor, post_id, field="post_id")
    existing = _repost_of(session, actor, original.id)
    if existing is not None:
        return existing
    # Lock the original's row first: a concurrent repost by the same user waits here, then
    # finds this one instead of breaking the one-repost-per-user index.
    session.execute(
        sa.update(Post)
        .where(col(Post.id) == original.id)
        .values(repost_count=col(Post.repost_count))
    )
    existing = _repost_of(session, actor, original.id)
    if existing is not None:
        return existing
    repost = Post(author_id=actor.id, repost_of_id=original.id)
    session.add(repost)
    session.flush()
    _count_reposts(session, original.id, +1)
    _publish_new(session, repost)
    return repost


def check_undo_repost(session: Session, actor: User, post_id: str) -> None:
    """Take your repost of a post back, given the original's id, your repost's, or anyone's
    repost of it (when there is none: no change). Works even once the original is hidden from
    you: your repost is still yours."""
    repost = _repost_of(session, actor, post_id)
    if repost is None:
        post = session.get(Post, post_id) if post_id else None
        if post is None or (post.author_id != actor.id and not may_see_post(session, actor, post)):
            raise NotFound("no such post", code="post_not_found")
        if post.repost_of_id:
            repost = (
                post
                if post.author_id == actor.id
                else _repost_of(session, actor, post.repost_of_id)
            )
    if repost is not None:
        check_delete_post(session, actor, repost.id)
