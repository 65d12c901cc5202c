"""Rate limits high enough that no test meets one by accident (a test of a limit lowers it)."""

from __future__ import annotations

GENEROUS_LIMITS = {
    f"RATE_LIMIT_{name}": "1000/minute"
    for name in (
        "LOGIN",
        "SIGNUP",
        "POST",
        "COMMENT",
        "STORY",
        "MESSAGE",
        "REACTION",
        "TYPING",
        "FORWARD",
        "GROUP",
        "MEMBER_ADD",
        "FOLLOW",
        "FRIEND_REQUEST",
        "AVATAR",
        "GROUP_PICTURE",
        "POLL_VOTE",
        "UPLOAD",
    )
}
