"""Bot accounts: creation limits, the token shown once and regenerated, deletion, signing in,
and being added to a server (MANAGE_SERVER, with a role by the role code's rules)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from socialhub.db import transaction
from socialhub.domain import auth, bots, permissions
from socialhub.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from socialhub.domain.permissions import Permission
from socialhub.models import AuthSession, MemberRoleLink, Role, Server, ServerMember, User
from socialhub.models.bots import BotAccount, BotWithToken
from tests.support.chat import load_user
from tests.support.servers import make_server


def create(owner: int, name: str = "Deploy Bot", description: str = "") -> BotWithToken:
    with transaction() as s:
        return bots.check_create_bot(s, load_user(s, owner), name=name, description=description)


def sign_in(token: str) -> User:
    with transaction() as s:
        return bots.authenticate_bot_token(s, token)[1]


def test_a_bot_is_a_user_marked_as_bot_owned_by_its_creator(
    make_user: Callable[..., int], session: Session
) -> None:
    alice = make_user("alice")
    bot = create(alice, "Deploy Bot", "ships things")
    assert bot.name == "Deploy Bot"
    assert bot.description == "ships things"
    assert bot.username.startswith("deploy_bot_")
    user = session.get(User, bot.id)
    assert user is not None
    assert user.is_bot
    assert user.display_name == "Deploy Bot"
    account = session.get(BotAccount, bot.id)
    assert account is not None
    assert account.owner_id == alice
    # Only a hash is kept: the token appears nowhere in the database.
    secret = bot.token.split(".", 1)[1]
    hashes = session.exec(select(AuthSession.secret_hash).where(AuthSession.user_id == bot.id))
    assert secret not in list(hashes)
    assert all(h for h in hashes)
    assert sign_in(bot.token).id == bot.id
    with transaction() as s:
        assert [b.id for b in bots.list_my_bots(s, load_user(s, alice))] == [bot.id]
        assert "token" not in bots.list_my_bots(s, load_user(s, alice))[0].model_dump()


@pytest.mark.parametrize("name", ["", "x", " y ", "n" * 33, 7])
def test_a_bad_name_is_refused(make_user: Callable[..., int], name: object) -> None:
    alice = make_user("alice")
    with pytest.raises(InvalidInput) as caught:
        create(alice, name)  # type: ignore[arg-type]
    assert caught.value.field == "name"


def test_an_owner_has_at_most_ten_bots(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    for n in range(bots.MAX_BOTS_PER_OWNER):
        create(alice, f"bot {n}")
    with pytest.raises(Conflict) as caught:
        create(alice, "one more")
    assert caught.value.code == "too_many_bots"
    create(make_user("bob"), "bob's bot")  # per owner


def test_a_bot_cannot_create_bots(make_user: Callable[..., int]) -> None:
    bot = create(make_user("alice"))
    with pytest.raises(PermissionDenied):
        create(bot.id, "child")


def test_regenerate_ends_the_old_token_at_once(make_user: Callable[..., int]) -> None:
    alice = make_user("alice")
    bot = create(alice)
    with transaction() as s:
        fresh = bots.check_regenerate_token(s, load_user(s, alice), bot.id)
    assert fresh.token != bot.token
    with pytest.raises(NotAuthenticated):
        sign_in(bot.token)
    assert sign_in(fresh.token).id == bot.id


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "x",
        lambda t: t.split(".")[0] + ".",
        lambda t: "bot_nosuchsession.secret",
        lambda t: "bot_",
        lambda t: t.replace("bot_", "bot_x", 1),
    ],
)
def test_a_wrong_token_is_refused(
    make_user: Callable[..., int], mangle: Callable[[str], str]
) -> None:
    bot = create(make_user("alice"))
    with pytest.raises(NotAuthenticated) as caught:
        sign_in(mangle(bot.token))
    assert caught.value.code == "invalid_token"


def test_only_the_owner_regenerates_or_deletes(make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    bot = create(alice)
    with transaction() as s:
        with pytest.raises(NotFound):
            bots.check_regenerate_token(s, load_user(s, bob), bot.id)
        with pytest.raises(NotFound):
            bots.check_delete_bot(s, load_user(s, bob), bot.id)
        assert bots.list_my_bots(s, load_user(s, bob)) == []
    assert sign_in(bot.token).id == bot.id


def test_delete_removes_the_bot_its_sessions_and_memberships(
    make_user: Callable[..., int], session: Session
) -> None:
    alice = make_user("alice")
    bot = create(alice)
    server_id = make_server(alice)
    with transaction() as s:
        bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=bot.id)
    with transaction() as s:
        bots.check_delete_bot(s, load_user(s, alice), bot.id)
    session.expire_all()
    assert session.get(BotAccount, bot.id) is None
    tombstone = session.get(User, bot.id)
    assert tombstone is not None
    assert tombstone.suspended_at is not None
    assert tombstone.display_name == "Deleted bot"
    assert bot.username != tombstone.username
    assert session.exec(select(AuthSession).where(AuthSession.user_id == bot.id)).all() == []
    assert session.get(ServerMember, (server_id, bot.id)) is None
    server = session.get(Server, server_id)
    assert server is not None
    assert server.member_count == 1
    with pytest.raises(NotAuthenticated):
        sign_in(bot.token)
    with transaction() as s:
        assert bots.list_my_bots(s, load_user(s, alice)) == []
        with pytest.raises(NotFound):
            bots.check_delete_bot(s, load_user(s, alice), bot.id)
    create(alice, bot.name)  # the name may be used again


def test_a_bot_cannot_log_in_with_a_password(make_user: Callable[..., int]) -> None:
    bot = create(make_user("alice"))
    for password in ("", "!", "password"):
        with transaction() as s, pytest.raises(NotAuthenticated):
            auth.authenticate(s, login=bot.username, password=password or "x", ip="1.2.3.4")


def test_manage_server_adds_a_bot_by_id_or_username(make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    one, two = create(bob, "one"), create(bob, "two")
    with transaction() as s:
        with pytest.raises(PermissionDenied) as caught:
            bots.check_add_bot_to_server(s, load_user(s, bob), server_id, bot_id=one.id)
        assert caught.value.code == "missing_permission"
    with transaction() as s:
        bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=one.id)
        bots.check_add_bot_to_server(
            s, load_user(s, alice), server_id, username=two.username.upper()
        )
    with transaction() as s:
        assert s.get(ServerMember, (server_id, one.id)) is not None
        assert s.get(ServerMember, (server_id, two.id)) is not None
        with pytest.raises(Conflict):
            bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=one.id)
        with pytest.raises(NotFound):  # a person is not a bot
            bots.check_add_bot_to_server(s, load_user(s, alice), server_id, bot_id=bob)
        with pytest.raises(NotFound):
            bots.check_add_bot_to_server(s, load_user(s, alice), server_id, username="nobody")
        with pytest.raises(InvalidInput):
            bots.check_add_bot_to_server(s, load_user(s, alice), server_id)


def test_the_role_given_follows_the_role_rules(make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        high = Role(server_id=server_id, name="high", position=3, permissions=0)
        mods = Role(
            server_id=server_id,
            name="mods",
            position=2,
            permissions=int(Permission.MANAGE_SERVER | Permission.MANAGE_ROLES),
        )
        s.add_all([high, mods])
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=bob, role_id=mods.id))
        permissions.bump_version(s, server)
        high_id, mods_id = high.id, mods.id
    bot = create(bob)
    # Refused before anything is done, even for a caller that goes on (the role is above
    # bob's highest).
    with transaction() as s, pytest.raises(PermissionDenied) as caught:
        bots.check_add_bot_to_server(
            s, load_user(s, bob), server_id, bot_id=bot.id, role_id=high_id
        )
    assert caught.value.code == "role_above_you"
    with transaction() as s:
        assert s.get(ServerMember, (server_id, bot.id)) is None  # nothing half-done
    with transaction() as s:
        bots.check_add_bot_to_server(
            s, load_user(s, alice), server_id, bot_id=bot.id, role_id=mods_id
        )
    with transaction() as s:
        assert s.get(MemberRoleLink, (server_id, bot.id, mods_id)) is not None
