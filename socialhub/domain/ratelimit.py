"""Rate limits, with the `limits` library: log-in and sign-up per account and per IP; every
write a user can repeat (reports, posts, comments, stories, messages, reactions, typing, forwards,
groups, member adds, follows, friend requests, picture uploads, poll votes, file uploads) per
account."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from socialhub.config import get_settings
from socialhub.domain.errors import RateLimited

# limits' MemoryStorage is not safe across threads: two requests that both find its expiry
# timer stopped both start the same new timer, and the second one raises "threads can only be
# started once" (a 500 under concurrent sign-ups, seen in the load harness). Requests run in
# worker threads, so in-memory counting is serialised here; Redis needs no lock.
_memory_lock = threading.Lock()


@lru_cache(maxsize=1)
def _limiter() -> MovingWindowRateLimiter:
    url = get_settings().redis_url
    storage = storage_from_string(url) if url else MemoryStorage()
    return MovingWindowRateLimiter(storage)


@lru_cache(maxsize=64)
def _rule(text: str) -> RateLimitItem:
    return parse(text)


def _guard(limiter: MovingWindowRateLimiter) -> contextlib.AbstractContextManager[object]:
    if isinstance(limiter.storage, MemoryStorage):
        return _memory_lock
    return contextlib.nullcontext()


def hit(action: str, *keys: str, limit: str | None = None, cost: int = 1) -> None:
    """Count an attempt of `action` (worth `cost` units) against each key; refuse when any key
    is over its limit. A refused attempt counts for nothing, so waiting `retry_after` is enough."""
    settings = get_settings()
    rules = {
        "login": settings.rate_limit_login,
        "signup": settings.rate_limit_signup,
        "report": settings.rate_limit_report,
        "post": settings.rate_limit_post,
        "comment": settings.rate_limit_comment,
        "story": settings.rate_limit_story,
        "message": settings.rate_limit_message,
        "reaction": settings.rate_limit_reaction,
        "typing": settings.rate_limit_typing,
        "forward": settings.rate_limit_forward,
        "group": settings.rate_limit_group,
        "member_add": settings.rate_limit_member_add,
        "follow": settings.rate_limit_follow,
        "friend_request": settings.rate_limit_friend_request,
        "avatar": settings.rate_limit_avatar,
        "group_picture": settings.rate_limit_group_picture,
        "poll_vote": settings.rate_limit_poll_vote,
        "upload": settings.rate_limit_upload,
    }
    rule = _rule(limit or rules[action])
    limiter = _limiter()
    for key in keys:
        if not key:
            continue
        with _guard(limiter):
            allowed = limiter.hit(rule, action, key, cost=cost)
            reset_at = 0.0 if allowed else limiter.get_window_stats(rule, action, key)[0]
        if not allowed:
            retry_after = max(1, math.ceil(reset_at - time.time()))
            raise RateLimited(
                f"too many attempts; try again in {retry_after} s", retry_after=retry_after
            )


def reset() -> None:
    """Forget every counter (used between tests)."""
    _limiter().storage.reset()
