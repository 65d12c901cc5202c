"""Servers: create, join, leave (the core every other server module builds on).

A new server has its @everyone role (the defaults of `permissions.DEFAULT_EVERYONE`), a "Text
channels" category holding #general, and its owner as the first member.
"""

from __future__ import annotations

from sqlmodel import Session

from socialhub.domain import permissions
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import InvalidInput
from socialhub.domain.validation import clean_text
from socialhub.models import (
    ChannelCategory,
    ChannelType,
    Conversation,
    ConversationKind,
    JoinMode,
    Role,
    Server,
    ServerMember,
    User,
)
from socialhub.realtime.events import head, publish_on_commit

NAME_MAX = 100
DESCRIPTION_MAX = 1000


def do_create_channel(
    session: Session,
    server: Server,
    *,
    name: str,
    channel_type: ChannelType = ChannelType.text,
    category_id: str | None = None,
    position: int = 0,
    topic: str = "",
    created_by: int | None = None,
) -> Conversation:
    """A channel: a conversation of kind `channel` in the server (no member rows: the
    permission function decides who sees it)."""
    channel = Conversation(
        kind=ConversationKind.channel.value,
        server_id=server.id,
        channel_type=channel_type.value,
        category_id=category_id,
        position=position,
        title=name,
        topic=topic,
        created_by=created_by,
    )
    session.add(channel)
    session.flush()
    permissions.bump_version(session, server)
    return channel


def do_create_server(
    session: Session,
    owner: User,
    *,
    name: str,
    description: str = "",
    is_public: bool = False,
    join_mode: JoinMode | None = None,
) -> Server:
    assert owner.id is not None
    server = Server(
        name=name,
        name_lower=name.lower(),
        description=description,
        owner_id=owner.id,
        is_public=is_public,
        join_mode=(join_mode or (JoinMode.open if is_public else JoinMode.invite)).value,
    )
    session.add(server)
    session.flush()
    session.add(
        Role(
            server_id=server.id,
            name="@everyone",
            position=0,
            permissions=permissions.DEFAULT_EVERYONE,
            is_everyone=True,
        )
    )
    category = ChannelCategory(server_id=server.id, name="Text channels", position=0)
    session.add(category)
    session.flush()
    do_create_channel(session, server, name="general", category_id=category.id, created_by=owner.id)
    do_add_member(session, server, owner)
    do_audit(
        session, server.id, owner.id, "server_create", target_type="server", target_id=server.id
    )
    return server


def check_create_server(
    session: Session,
    actor: User,
    *,
    name: str,
    description: str = "",
    is_public: bool = False,
    join_mode: str | None = None,
) -> Server:
    clean_name = clean_text(name, field="name", max_length=NAME_MAX)
    if not clean_name:
        raise InvalidInput("give the server a name", field="name", code="empty")
    clean_description = clean_text(
        description, field="description", max_length=DESCRIPTION_MAX, multiline=True
    )
    mode = None
    if join_mode is not None:
        try:
            mode = JoinMode(join_mode)
        except ValueError as exc:
            raise InvalidInput(
                "join_mode must be open, invite or request", field="join_mode"
            ) from exc
    return do_create_server(
        session,
        actor,
        name=clean_name,
        description=clean_description,
        is_public=is_public,
        join_mode=mode,
    )


def do_add_member(session: Session, server: Server, user: User) -> ServerMember:
    """`user` joins: their membership starts at the stream's head (what came before is not
    theirs to replay); they hear it in their own stream, the members in the server's."""
    assert user.id is not None
    member = ServerMember(server_id=server.id, user_id=user.id, joined_position=head(session))
    session.add(member)
    server.member_count += 1
    session.add(server)
    session.flush()
    permissions.publish_server_event(
        session,
        server.id,
        type="server_member",
        op="add",
        data={"user_id": user.id, "member_count": server.member_count},
    )
    publish_on_commit(
        session, type="server", op="add", data={"server_id": server.id}, users=[user.id]
    )
    return member
