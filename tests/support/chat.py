"""Helpers shared by the messaging domain tests: users, recipients of captured events, chats."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import chats, messages
from socialhub.models import Message, User
from socialhub.models.chat import MessageView

Events = list[tuple[str, dict]]


def load_user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    assert user is not None
    return user


def key(user_id: int) -> str:
    return f"user:{user_id}"


def recipients(events: Events, type_: str, op: str) -> set[str]:
    return {k for k, e in events if e["type"] == type_ and e["op"] == op}


def only(events: Events, type_: str, op: str) -> list[dict]:
    return [e for _, e in events if e["type"] == type_ and e["op"] == op]


def open_dm(actor: int, username: str) -> str:
    with transaction() as s:
        return chats.check_open_dm(s, load_user(s, actor), username).id


def create_group(
    actor: int, usernames: Sequence[str], title: str = "Team", description: str = ""
) -> str:
    with transaction() as s:
        group = chats.check_create_group(
            s, load_user(s, actor), title=title, usernames=usernames, description=description
        )
        return group.id


def send(
    actor: int,
    conversation_id: str,
    body: str = "hello",
    *,
    client_id: str | None = None,
    reply_to_id: str | None = None,
) -> Message:
    with transaction() as s:
        return messages.check_send_message(
            s,
            load_user(s, actor),
            conversation_id,
            body=body,
            client_id=client_id,
            reply_to_id=reply_to_id,
        )


def history(actor: int, conversation_id: str, **cursor: object) -> list[MessageView]:
    with transaction() as s:
        return messages.list_messages(
            s,
            load_user(s, actor),
            conversation_id,
            **cursor,  # type: ignore[arg-type]
        )
