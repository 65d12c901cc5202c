"""/api/v1/posts, /feed, /users/{username}/posts, /tags/{tag}/posts and /channels/{id}/posts:
posts, reposts, quotes and the feeds (a server's posts channels included), on the web app's
domain functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from pydantic import Field, ValidationError

from socialhub.api.deps import CurrentCaller, OptionalCaller, reader
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.api.params import AN_ID, one_of, text_rules
from socialhub.api.users import read_limited
from socialhub.db import transaction
from socialhub.domain import feeds, posts
from socialhub.domain.errors import InvalidInput
from socialhub.domain.pagination import ROW_ID_PATTERN
from socialhub.domain.visitors import PublicRead
from socialhub.models import PostVisibility
from socialhub.models.poll_views import PollSpec
from socialhub.models.post_views import FeedPage, NewPostsCount, PostUpdate, PostView

router = APIRouter(tags=["posts"], responses=ERROR_RESPONSES)

Before = Annotated[
    str | None,
    Query(
        pattern=ROW_ID_PATTERN,
        description="older than this post id: the previous page's next_cursor",
    ),
]
After = Annotated[
    str | None,
    Query(pattern=ROW_ID_PATTERN, description="newer than this post id (the newest you have)"),
]
Limit = Annotated[int, Query(ge=1, le=feeds.PAGE_MAX, description="posts per page")]


def _poll(raw: str | None) -> PollSpec | None:
    if not raw:
        return None
    try:
        return PollSpec.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidInput("poll must be JSON like the PollSpec schema", field="poll") from exc


VISIBILITY = one_of(v.value for v in PostVisibility)


class PostEdit(PostUpdate):
    """An edit by the author: give either field or both."""

    body: str | None = Field(
        default=None,
        description="new text (max 5,000 characters)",
        json_schema_extra=text_rules(posts.BODY_MAX),
    )
    visibility: str | None = Field(
        default=None,
        description="public or followers",
        json_schema_extra=one_of((v.value for v in PostVisibility), nullable=True),
    )


def no_content() -> Response:
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/posts", response_model=PostView, status_code=status.HTTP_201_CREATED)
def create_post(
    caller: CurrentCaller,
    body: Annotated[
        str,
        Form(
            description="text, max 5,000 characters; #tags and @mentions",
            json_schema_extra=text_rules(posts.BODY_MAX),
        ),
    ] = "",
    visibility: Annotated[
        str, Form(description="public or followers", json_schema_extra=VISIBILITY)
    ] = "public",
    images: Annotated[
        list[UploadFile],
        File(
            description="up to 4 JPEG, PNG, WebP or GIF files, one `images` part each",
            json_schema_extra={"maxItems": posts.IMAGES_MAX},
        ),
    ] = [],  # noqa: B006 (FastAPI reads the default, it is never mutated)
    poll: Annotated[
        str | None,
        Form(
            description='PollSpec as JSON: {"options": ["a", "b"], "multiple": false, '
            '"closes_in_minutes": 1440}',
            json_schema_extra={"contentMediaType": "application/json", "maxLength": 5000},
        ),
    ] = None,
    quote_of_id: Annotated[
        str | None, Form(description="the public post this one quotes", json_schema_extra=AN_ID)
    ] = None,
    channel_id: Annotated[
        str | None,
        Form(
            description="a server's posts channel to post in: only those who may view the "
            "channel see the post (then `visibility` is not used)",
            json_schema_extra=AN_ID,
        ),
    ] = None,
) -> PostView:
    """Publish a post (multipart/form-data): text, images, a poll, or a quote of a public post;
    with `channel_id`, into a server's posts channel (read it with `GET /channels/{id}/posts`).

    Empty text is allowed with images, a poll or a quote. Images are re-encoded to WebP (640 and
    1600 px) without their metadata. Errors: 422 `too_long`, `empty`, `bad_visibility`,
    `too_many_images`, `poll_*` or `invalid_input` (poll not JSON); 413 `too_large`; 415
    `unsupported_media` (not an image); 404 `post_not_found` and 403 `not_public` for the quote.
    In a channel: 404 `channel_not_found` (missing, or not visible to you), 422
    `not_a_posts_channel` (a text or announcement channel), 403 `missing_permission`
    (SEND_MESSAGES, or ATTACH_FILES for images) or `timed_out`, 403 `channel_post` when quoting
    a post of another channel.
    """
    with transaction() as db:
        author = caller.user(db)
        post = posts.check_create_post(
            db,
            author,
            body=body,
            visibility=visibility,
            images=[read_limited(image) for image in images],
            poll=_poll(poll),
            quote_of_id=quote_of_id or None,
            channel_id=channel_id or None,
        )
        return posts.post_view(db, author, post)


@router.get("/posts/{post_id}", response_model=PostView)
def get_post(post_id: str, caller: OptionalCaller) -> PostView:
    """A post as you see it; 404 `post_not_found` when it does not exist or is hidden from you.
    Without a token: public posts only (401 when the instance keeps reads behind login)."""
    with transaction() as db:
        return posts.get_post(db, reader(db, caller, PublicRead.post), post_id)


@router.patch("/posts/{post_id}", response_model=PostView)
def edit_post(post_id: str, body: PostEdit, caller: CurrentCaller) -> PostView:
    """The author changes the text or the audience; the post shows as edited.

    403 `not_author` on someone else's post you can see, 404 on one you cannot; 422
    `nothing_to_change`, `empty`, `too_long`, `bad_visibility`, or `repost` (reposts have no
    text)."""
    with transaction() as db:
        author = caller.user(db)
        post = posts.check_edit_post(
            db, author, post_id, body=body.body, visibility=body.visibility
        )
        return posts.post_view(db, author, post)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_post(post_id: str, caller: CurrentCaller) -> Response:
    """The author deletes a post, with its images, comments, likes, poll and reposts (403
    `not_author` / 404 as for edits). In a posts channel, members with MANAGE_MESSAGES there
    delete anyone's post (written to the server's audit log as `post_delete`)."""
    with transaction() as db:
        posts.check_delete_post(db, caller.user(db), post_id)
    return no_content()


@router.post("/posts/{post_id}/repost", response_model=PostView)
def repost(post_id: str, caller: CurrentCaller) -> PostView:
    """Share a public post with your followers; again: the same repost. Returns the repost
    (the original in `repost_of`). 403 `not_public` for a followers-only post, `channel_post`
    for a post of a posts channel (it stays in its channel)."""
    with transaction() as db:
        user = caller.user(db)
        return posts.post_view(db, user, posts.check_repost(db, user, post_id))


@router.delete("/posts/{post_id}/preview", status_code=status.HTTP_204_NO_CONTENT)
def remove_preview(post_id: str, caller: CurrentCaller) -> Response:
    """The author removes the link preview card under their post, for everyone (403
    `not_author` / 404 as for edits; 404 `preview_not_found` on a post without one)."""
    with transaction() as db:
        posts.check_remove_preview(db, caller.user(db), post_id)
    return no_content()


@router.delete("/posts/{post_id}/repost", status_code=status.HTTP_204_NO_CONTENT)
def undo_repost(post_id: str, caller: CurrentCaller) -> Response:
    """Take your repost of this post back (none: no change); the id of the original or of the
    repost."""
    with transaction() as db:
        posts.check_undo_repost(db, caller.user(db), post_id)
    return no_content()


@router.get("/feed/home", response_model=FeedPage)
def home(
    caller: CurrentCaller, before: Before = None, after: After = None, limit: Limit = 20
) -> FeedPage:
    """Posts and reposts of the people you follow, and yours, newest first."""
    with transaction() as db:
        return feeds.home_feed(db, caller.user(db), before=before, after=after, limit=limit)


@router.get("/feed/home/new-count", response_model=NewPostsCount)
def home_new_count(
    caller: CurrentCaller,
    since: Annotated[str, Query(pattern=ROW_ID_PATTERN, description="the newest post id shown")],
) -> NewPostsCount:
    """How many posts by others arrived above the newest one you have: the "N new posts" pill
    (then load them with `GET /feed/home?after=`)."""
    with transaction() as db:
        return NewPostsCount(count=feeds.count_new_home_posts(db, caller.user(db), since))


@router.get("/feed/explore", response_model=FeedPage)
def explore(
    caller: OptionalCaller, before: Before = None, after: After = None, limit: Limit = 20
) -> FeedPage:
    """Public posts from everyone (not reposts), newest first; also without a token."""
    with transaction() as db:
        viewer = reader(db, caller, PublicRead.explore)
        return feeds.explore_feed(db, viewer, before=before, after=after, limit=limit)


@router.get("/users/{username}/posts", response_model=FeedPage)
def timeline(
    username: str,
    caller: OptionalCaller,
    before: Before = None,
    after: After = None,
    limit: Limit = 20,
) -> FeedPage:
    """A user's posts and reposts that you may see (followers-only ones if you follow them;
    without a token, the public ones); 404 `user_not_found`."""
    with transaction() as db:
        viewer = reader(db, caller, PublicRead.timeline)
        return feeds.profile_feed(db, viewer, username, before=before, after=after, limit=limit)


@router.get("/tags/{tag}/posts", response_model=FeedPage)
def hashtag(
    tag: str, caller: OptionalCaller, before: Before = None, after: After = None, limit: Limit = 20
) -> FeedPage:
    """Posts with this hashtag (any case, without the #) that you may see (without a token, the
    public ones)."""
    with transaction() as db:
        viewer = reader(db, caller, PublicRead.hashtag)
        return feeds.hashtag_feed(db, viewer, tag, before=before, after=after, limit=limit)


@router.get("/channels/{channel_id}/posts", response_model=FeedPage)
def channel_posts(
    channel_id: str,
    caller: CurrentCaller,
    before: Before = None,
    after: After = None,
    limit: Limit = 20,
) -> FeedPage:
    """The feed of a server's posts channel, newest first (post with `POST /posts` and
    `channel_id`). 404 `channel_not_found` when it does not exist or you may not view it, 422
    `not_a_posts_channel` for a channel that takes messages."""
    with transaction() as db:
        return feeds.channel_feed(
            db, caller.user(db), channel_id, before=before, after=after, limit=limit
        )
