"""Query parameters several routers share, documented as tightly as the domain checks them, so
a client (and the fuzzer) can tell a well-formed request from the schema alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import Path, Query

from socialhub.domain.auth import DEVICE_MAX
from socialhub.domain.pagination import ROW_ID_PATTERN, TIME_CURSOR_PATTERN
from socialhub.domain.users import USERNAME_INPUT_PATTERN
from socialhub.domain.validation import VISIBLE_PATTERN

# The largest integer row id (users, bans, automod rules, audit entries): a 32-bit signed key.
ROW_MAX = 2**31 - 1
# Integer ids in a path: a user (member, bot) and any other integer row.
UserId = Annotated[int, Path(ge=1, le=ROW_MAX, description="the member's user id")]
BotId = Annotated[int, Path(ge=1, le=ROW_MAX, description="the bot's user id")]
RowId = Annotated[int, Path(ge=1, le=ROW_MAX)]
ServerId = Annotated[str, Path(max_length=32, description="the server's id")]

# A post, comment or report id given as a keyset cursor.
IdCursor = Annotated[
    str | None,
    Query(pattern=ROW_ID_PATTERN, description="an id: the previous page's next_cursor"),
]
# `next_cursor` of a page of people (followers, likers, story viewers).
TimeCursor = Annotated[
    str | None,
    Query(pattern=TIME_CURSOR_PATTERN, description="next_cursor from the previous page"),
]


def text_rules(
    max_length: int | None = None, *, min_length: int = 0, visible: bool = False
) -> dict[str, Any]:
    """The JSON schema of text the domain checks itself, with its own error codes (`too_long`,
    `empty`): documented here, enforced there, from the same constants."""
    rules: dict[str, Any] = {}
    if max_length is not None:
        rules["maxLength"] = max_length
    if min_length:
        rules["minLength"] = min_length
    if visible:
        rules["pattern"] = VISIBLE_PATTERN
    return rules


# Post, comment, message and chat ids are UUIDv7s as 32 hex characters.
AN_ID: dict[str, Any] = {"pattern": ROW_ID_PATTERN}
# A username as given (the domain trims and lowercases it before looking it up).
A_USERNAME: dict[str, Any] = {"pattern": USERNAME_INPUT_PATTERN}
# Tokens we issued: JWTs and refresh tokens are far below this.
A_TOKEN = text_rules(2048, min_length=1)
# What the session list shows; the domain keeps the first 200 characters.
A_DEVICE = text_rules(DEVICE_MAX)


def one_of(values: Iterable[str], *, nullable: bool = False) -> dict[str, Any]:
    """The JSON schema of a choice the domain checks itself (`bad_visibility`, `bad_reason`);
    `nullable` for an optional field, whose schema lists null beside the choices."""
    choices: list[str | None] = list(values)
    return {"enum": [*choices, None] if nullable else choices}
