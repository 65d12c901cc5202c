"""Helpers shared by the social network's domain tests: act as a user in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import graph, posts
from socialhub.models import Post, User
from tests.support.chat import load_user

T = TypeVar("T")


def act(user_id: int, work: Callable[[Session, User], T]) -> T:
    """Run `work(session, user)` as `user_id` in its own transaction."""
    with transaction() as s:
        return work(s, load_user(s, user_id))


def post(user_id: int, body: str = "hello", **options: object) -> str:
    def work(s: Session, user: User) -> str:
        created: Post = posts.check_create_post(s, user, body=body, **options)  # type: ignore[arg-type]
        return created.id

    return act(user_id, work)


def follow(follower: int, username: str) -> None:
    act(follower, lambda s, u: graph.check_follow(s, u, username))
