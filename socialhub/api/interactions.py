"""/api/v1 likes and comments, on the web app's domain functions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from socialhub.api.deps import CurrentCaller, OptionalCaller, reader
from socialhub.api.errors import ERROR_RESPONSES
from socialhub.db import transaction
from socialhub.domain import comments, likes, posts
from socialhub.domain.visitors import PublicRead
from socialhub.models.graph_views import PersonPage
from socialhub.models.interaction_views import CommentPage, CommentView
from socialhub.models.post_views import PostView

router = APIRouter(tags=["likes and comments"], responses=ERROR_RESPONSES)

After = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]


class CommentCreate(BaseModel):
    body: str = Field(description="1-2,000 characters")
    reply_to_id: str | None = Field(default=None, description="a comment on the same post")


class CommentUpdate(BaseModel):
    body: str


@router.post("/posts/{post_id}/like", response_model=PostView)
def like(post_id: str, caller: CurrentCaller) -> PostView:
    """Like a post (again: no change); returns the post with its new count."""
    with transaction() as db:
        user = caller.user(db)
        return posts.post_view(db, user, likes.check_like(db, user, post_id))


@router.delete("/posts/{post_id}/like", response_model=PostView)
def unlike(post_id: str, caller: CurrentCaller) -> PostView:
    with transaction() as db:
        user = caller.user(db)
        return posts.post_view(db, user, likes.check_unlike(db, user, post_id))


@router.get("/posts/{post_id}/likes", response_model=PersonPage)
def likers(
    post_id: str, caller: CurrentCaller, cursor: After = None, limit: Limit = 50
) -> PersonPage:
    """Who liked the post, most recent first."""
    with transaction() as db:
        return likes.list_likers(db, caller.user(db), post_id, cursor=cursor, limit=limit)


@router.get("/posts/{post_id}/comments", response_model=CommentPage)
def list_comments(
    post_id: str, caller: OptionalCaller, after: After = None, limit: Limit = 20
) -> CommentPage:
    """Comments oldest first, each with its first replies (without a token: of a public post)."""
    with transaction() as db:
        viewer = reader(db, caller, PublicRead.comments)
        return comments.list_comments(db, viewer, post_id, after=after, limit=limit)


@router.post(
    "/posts/{post_id}/comments", response_model=CommentView, status_code=status.HTTP_201_CREATED
)
def add_comment(post_id: str, body: CommentCreate, caller: CurrentCaller) -> CommentView:
    with transaction() as db:
        user = caller.user(db)
        comment = comments.check_add_comment(
            db, user, post_id, body=body.body, reply_to_id=body.reply_to_id
        )
        return comments.get_comment(db, user, comment.id)


@router.get("/comments/{comment_id}/replies", response_model=CommentPage)
def replies(
    comment_id: str, caller: OptionalCaller, after: After = None, limit: Limit = 20
) -> CommentPage:
    """Replies oldest first (without a token: on a public post)."""
    with transaction() as db:
        viewer = reader(db, caller, PublicRead.comments)
        return comments.list_replies(db, viewer, comment_id, after=after, limit=limit)


@router.patch("/comments/{comment_id}", response_model=CommentView)
def edit_comment(comment_id: str, body: CommentUpdate, caller: CurrentCaller) -> CommentView:
    """Its author edits a comment; it shows as edited."""
    with transaction() as db:
        user = caller.user(db)
        comments.check_edit_comment(db, user, comment_id, body=body.body)
        return comments.get_comment(db, user, comment_id)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_comment(comment_id: str, caller: CurrentCaller) -> Response:
    """Its author, or the post's author, deletes a comment and its replies."""
    with transaction() as db:
        comments.check_delete_comment(db, caller.user(db), comment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
