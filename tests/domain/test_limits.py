"""Every long text box has a limit the domain enforces: up to it is kept whole, one character
more is refused with a message that says by how much (never cut to fit)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from socialhub.domain import chats, comments, messages, posts, users
from socialhub.domain.errors import InvalidInput
from socialhub.models import User
from socialhub.models.users import UserUpdate
from tests.support.social import act, post

# Each writes `text` into one long text box as alice (bob is there to chat with) and returns
# what was stored.
Write = Callable[[int, str], str]


def _post(alice: int, text: str) -> str:
    return act(alice, lambda s, u: posts.check_create_post(s, u, body=text).body)


def _comment(alice: int, text: str) -> str:
    on = post(alice, "a post to comment on")
    return act(alice, lambda s, u: comments.check_add_comment(s, u, on, body=text).body)


def _message(alice: int, text: str) -> str:
    chat = act(alice, lambda s, u: chats.check_open_dm(s, u, "bob").id)
    return act(alice, lambda s, u: messages.check_send_message(s, u, chat, body=text).body)


def _bio(alice: int, text: str) -> str:
    return act(alice, lambda s, u: users.check_update_profile(s, u, UserUpdate(bio=text)).bio)


def _description(alice: int, text: str) -> str:
    def work(s: Session, u: User) -> str:
        group = chats.check_create_group(s, u, title="Climbers", usernames=["bob"])
        return chats.check_update_group(s, u, group.id, description=text).description

    return act(alice, work)


BOXES: list[tuple[Write, int, str]] = [
    (_post, posts.BODY_MAX, "Text"),
    (_comment, comments.BODY_MAX, "Text"),
    (_message, messages.BODY_MAX, "Text"),
    (_bio, users.BIO_MAX, "Bio"),
    (_description, chats.DESCRIPTION_MAX, "Description"),
]
IDS = ["post", "comment", "message", "bio", "description"]


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    make_user("bob")
    return make_user("alice")


@pytest.mark.parametrize(("write", "limit", "label"), BOXES, ids=IDS)
def test_text_up_to_the_limit_is_kept_whole(
    alice: int, write: Write, limit: int, label: str
) -> None:
    text = "line one\nline two " + "x" * (limit - 18)
    assert len(text) == limit
    assert write(alice, text) == text


@pytest.mark.parametrize(("write", "limit", "label"), BOXES, ids=IDS)
def test_one_character_over_the_limit_is_refused_with_a_message(
    alice: int, write: Write, limit: int, label: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        write(alice, "x" * (limit + 1))
    assert refused.value.code == "too_long"
    assert refused.value.details["max_length"] == limit
    assert refused.value.message == (
        f"{label} is too long: {limit + 1:,} characters, the limit is {limit:,}"
    )
