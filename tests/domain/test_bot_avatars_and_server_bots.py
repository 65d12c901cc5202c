"""A bot's avatar (set and removed by its owner, through the users' avatar pipeline), the list
of a server's bots, and removing a bot from a server (a kick)."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import bots, chats, media, permissions, users
from socialhub.domain.errors import NotFound, PermissionDenied, UnsupportedMedia
from socialhub.domain.permissions import Permission
from socialhub.models import AuditLogEntry, MemberRoleLink, Role, Server, ServerMember, User
from socialhub.models.bots import BotWithToken
from tests.support import images
from tests.support.chat import load_user
from tests.support.servers import make_server


def create(owner: int, name: str = "Deploy Bot") -> BotWithToken:
    with transaction() as s:
        return bots.check_create_bot(s, load_user(s, owner), name=name)


def test_the_owner_sets_and_removes_a_bots_avatar(
    make_user: Callable[..., int], session: Session, events: list
) -> None:
    alice = make_user("alice")
    bot = create(alice)
    events.clear()
    with transaction() as s:
        view = bots.check_set_bot_avatar(s, load_user(s, alice), bot.id, images.photo_with_exif())
    assert view.avatar_url is not None
    assert view.avatar_url.startswith(f"/api/v1/media/avatars/{bot.id}/")
    assert view.avatar_small_url is not None
    user = session.get(User, bot.id)
    assert user is not None
    for size in media.AVATAR_SIZES:
        blob = media.get_storage().path(users.avatar_key(user, size)).read_bytes()
        with Image.open(io.BytesIO(blob)) as image:
            assert (image.format, image.size) == ("WEBP", (size, size))
            assert not image.getexif()
        assert b"SpyCam" not in blob
    # Whoever shows the bot (its profile, the member list) hears of the change.
    assert f"topic:profile:{bot.id}" in [key for key, _ in events]
    with transaction() as s:
        assert bots.list_my_bots(s, load_user(s, alice))[0].avatar_url == view.avatar_url
        removed = bots.check_remove_bot_avatar(s, load_user(s, alice), bot.id)
    assert (removed.avatar_url, removed.avatar_small_url) == (None, None)
    assert not any(media.get_storage().path(f"avatars/{bot.id}").iterdir())
    with transaction() as s:  # removing it again changes nothing
        assert bots.check_remove_bot_avatar(s, load_user(s, alice), bot.id).avatar_url is None


def test_someone_elses_bot_is_not_found_and_a_bad_file_stores_nothing(
    make_user: Callable[..., int], session: Session
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    bot = create(alice)
    for call in (
        lambda s: bots.check_set_bot_avatar(s, load_user(s, bob), bot.id, images.png()),
        lambda s: bots.check_remove_bot_avatar(s, load_user(s, bob), bot.id),
        lambda s: bots.check_set_bot_avatar(s, load_user(s, alice), bob, images.png()),
    ):
        with transaction() as s, pytest.raises(NotFound) as caught:
            call(s)
        assert caught.value.code == "bot_not_found"
    with transaction() as s, pytest.raises(UnsupportedMedia):
        bots.check_set_bot_avatar(s, load_user(s, alice), bot.id, images.SCRIPT_AS_PNG)
    user = session.get(User, bot.id)
    assert user is not None
    assert user.avatar_version is None


def test_a_server_lists_its_bots_with_their_roles(make_user: Callable[..., int]) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    server_id = make_server(alice, members=(bob,))
    helper, zeta = create(alice, "Helper"), create(alice, "Zeta")
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        low = Role(server_id=server_id, name="low", position=1, permissions=0)
        high = Role(server_id=server_id, name="high", position=2, permissions=0)
        s.add_all([low, high])
        s.flush()
        low_id, high_id = low.id, high.id
    with transaction() as s:
        me = load_user(s, alice)
        bots.check_add_bot_to_server(s, me, server_id, bot_id=zeta.id)
        bots.check_add_bot_to_server(s, me, server_id, bot_id=helper.id, role_id=low_id)
    with transaction() as s:
        s.add(MemberRoleLink(server_id=server_id, user_id=helper.id, role_id=high_id))
    with transaction() as s:
        listed = bots.list_server_bots(s, load_user(s, bob), server_id)
    # Bots only (not alice or bob), by shown name, roles highest first.
    assert [b.user.id for b in listed] == [helper.id, zeta.id]
    assert [b.shown_name for b in listed] == ["Helper", "Zeta"]
    assert all(b.user.is_bot for b in listed)
    assert [r.name for r in listed[0].roles] == ["high", "low"]
    assert listed[1].roles == []
    with transaction() as s, pytest.raises(NotFound) as caught:
        bots.list_server_bots(s, load_user(s, carol), server_id)
    assert caught.value.code == "server_not_found"


def test_removing_a_bot_is_a_kick(make_user: Callable[..., int], session: Session) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    bot = create(alice)
    with transaction() as s:
        bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=bot.id)
    with transaction() as s, pytest.raises(PermissionDenied) as refused:
        bots.check_remove_bot_from_server(s, load_user(s, bob), server_id, bot.id)
    assert refused.value.code == "missing_permission"
    for target in (bob, 2**31 - 1):  # a person, or nobody, is no bot member
        with transaction() as s, pytest.raises(NotFound) as caught:
            bots.check_remove_bot_from_server(s, load_user(s, alice), server_id, target)
        assert caught.value.code == "bot_not_found"
    with transaction() as s:
        bots.check_remove_bot_from_server(s, load_user(s, alice), server_id, bot.id, reason="old")
    with transaction() as s:
        assert s.get(ServerMember, (server_id, bot.id)) is None
        assert bots.list_server_bots(s, load_user(s, alice), server_id) == []
        kicks = s.exec(
            select(AuditLogEntry).where(
                AuditLogEntry.server_id == server_id, AuditLogEntry.action == "member_kick"
            )
        ).all()
        assert [(k.actor_id, k.target_id, k.reason) for k in kicks] == [(alice, str(bot.id), "old")]
    with transaction() as s, pytest.raises(NotFound):  # gone already
        bots.check_remove_bot_from_server(s, load_user(s, alice), server_id, bot.id)


def test_kick_members_without_manage_server_removes_a_bot_below_them(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    bot = create(alice)
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        kickers = Role(
            server_id=server_id,
            name="kickers",
            position=2,
            permissions=int(Permission.KICK_MEMBERS),
        )
        s.add(kickers)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=bob, role_id=kickers.id))
        permissions.bump_version(s, server)
        bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=bot.id)
    with transaction() as s:
        bots.check_remove_bot_from_server(s, load_user(s, bob), server_id, bot.id)
    with transaction() as s:
        assert s.get(ServerMember, (server_id, bot.id)) is None


def test_a_dm_with_a_bot_is_tagged_in_the_chat_list(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    make_user("bob")
    bot = create(alice)
    with transaction() as s:
        me = load_user(s, alice)
        with_bot = chats.check_open_dm(s, me, bot.username).id
        with_bob = chats.check_open_dm(s, me, "bob").id
    with transaction() as s:
        tagged = {c.id: c.dm_is_bot for c in chats.list_chats(s, load_user(s, alice))}
        profile = users.user_view(users.access_user(s, bot.username))
    assert tagged == {with_bot: True, with_bob: False}
    assert profile.is_bot
