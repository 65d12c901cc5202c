"""Factories for the server tests: a server with its owner, members joining, roles."""

from __future__ import annotations

from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import servers
from socialhub.models import Conversation, Role, Server, User


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    assert user is not None
    return user


def make_server(
    owner: int, name: str = "Guild", *, members: tuple[int, ...] = (), **kw: object
) -> str:
    """A server owned by `owner` with these other members; its id."""
    with transaction() as s:
        server = servers.check_create_server(s, _user(s, owner), name=name, **kw)  # type: ignore[arg-type]
        for member in members:
            servers.do_add_member(s, server, _user(s, member))
        return server.id


def add_members(server_id: str, *user_ids: int) -> None:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        for user_id in user_ids:
            servers.do_add_member(s, server, _user(s, user_id))


def general(s: Session, server_id: str) -> Conversation:
    """The #general channel every new server has."""
    return s.exec(
        select(Conversation).where(
            Conversation.server_id == server_id, Conversation.title == "general"
        )
    ).one()


def everyone(s: Session, server_id: str) -> Role:
    return s.exec(select(Role).where(Role.server_id == server_id, Role.is_everyone)).one()
