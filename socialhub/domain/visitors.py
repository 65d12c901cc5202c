"""What a visitor without an account may read: the one rule the API and the web app ask.

As on Mastodon and X, public posts, public profiles, explore, hashtag pages and the comments of a
public post are readable by anyone, unless the instance turns that off (`PUBLIC_READS=false`).
Followers-only posts, chats, servers, people lists, settings and every write stay behind login.

A visitor reads as the anonymous reader: a User that is never stored, with an id no account has
(ids start at 1), so every audience rule that asks "does the viewer follow, block, like, own..."
answers no, and only what is public is found. Reads therefore run through the same `access_*`
and feed queries as for members; nothing is re-implemented for visitors.
"""

from __future__ import annotations

from enum import StrEnum

from socialhub.config import get_settings
from socialhub.domain.errors import NotAuthenticated
from socialhub.models import User

ANONYMOUS_ID = 0


class PublicRead(StrEnum):
    """The reads a visitor may make (each still filtered to public content by its own query)."""

    post = "post"
    comments = "comments"
    profile = "profile"
    timeline = "timeline"
    explore = "explore"
    hashtag = "hashtag"
    trending = "trending"


_PUBLIC = frozenset(read.value for read in PublicRead)


def public_reads_enabled() -> bool:
    return get_settings().public_reads


def anonymous_reader() -> User:
    """A fresh, transient reader for one visitor's read (never added to a session)."""
    return User(
        id=ANONYMOUS_ID,
        username="",
        username_lower="",
        email="",
        email_lower="",
        password_hash="",
    )


def is_visitor(reader: User) -> bool:
    return reader.id == ANONYMOUS_ID


def check_may_read(user: User | None, what: PublicRead | str) -> User:
    """Who a read of `what` runs as: the signed-in `user`, or for a visitor the anonymous
    reader when `what` is a public read and the instance allows them. NotAuthenticated
    otherwise (a visitor asking for anything else, or any visitor with PUBLIC_READS off)."""
    if user is not None:
        return user
    if str(what) not in _PUBLIC or not public_reads_enabled():
        raise NotAuthenticated("log in to see this", code="not_authenticated")
    return anonymous_reader()
