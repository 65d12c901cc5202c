"""Accounts and profiles in the domain layer."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import media, users
from socialhub.domain.errors import (
    Conflict,
    FieldCheck,
    FieldErrors,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    UnsupportedMedia,
)
from socialhub.models import User
from socialhub.models.users import UserUpdate
from tests.conftest import PASSWORD
from tests.support import images


def register(username: str, email: str, password: str = PASSWORD, display_name: str = "") -> User:
    with transaction() as s:
        return users.check_register_user(
            s, username=username, email=email, password=password, display_name=display_name
        )


def load(session: Session, user_id: int) -> User:
    session.expire_all()
    user = session.get(User, user_id)
    assert user is not None
    return user


def test_register_normalises_username_and_keeps_email(database_url: str) -> None:
    user = register("  Alice_1 ", "Alice@Example.COM")
    assert user.username == "alice_1"
    assert user.email == "Alice@example.com"
    assert user.display_name == "alice_1"
    assert users.password_matches(PASSWORD, user.password_hash)
    assert not users.password_matches("wrong-password-x", user.password_hash)


@pytest.mark.parametrize("name", ["ab", "a" * 31, "bad-name", "émile", "", "has space", "x.y"])
def test_register_refuses_bad_usernames(database_url: str, name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        register(name, "x@example.com")
    assert err.value.code == "invalid_username"
    assert err.value.field == "username"


def test_register_reports_every_wrong_field_at_once(make_user: Callable[..., int]) -> None:
    make_user("bob", email="bob@example.com")
    with pytest.raises(FieldErrors) as err:
        register("BOB", "BOB@example.com", password="short")
    assert err.value.status == 422
    assert err.value.code == "invalid_fields"
    assert [(e.details["field"], e.code) for e in err.value.errors] == [
        ("password", "weak_password"),
        ("username", "username_taken"),
        ("email", "email_taken"),
    ]


def test_register_one_wrong_field_raises_it_as_it_is(database_url: str) -> None:
    with pytest.raises(InvalidInput) as err:
        register("ok_name", "not-an-email")
    assert not isinstance(err.value, FieldErrors)
    assert (err.value.code, err.value.field) == ("invalid_email", "email")


def test_field_check_raises_errors_without_a_field_at_once(database_url: str) -> None:
    check = FieldCheck()
    assert check(lambda: users.normalize_username("x")) is None
    with transaction() as s, pytest.raises(NotFound):
        check(lambda: users.access_user(s, "nobody_here"))
    assert [e.code for e in check.errors] == ["invalid_username"]
    with pytest.raises(InvalidInput) as err:
        check.raise_any()
    assert err.value.code == "invalid_username"


def test_username_is_unique_ignoring_case(make_user: Callable[..., int]) -> None:
    make_user("bob")
    with pytest.raises(Conflict) as err:
        register("BOB", "other@example.com")
    assert err.value.code == "username_taken"


def test_email_is_unique_ignoring_case(make_user: Callable[..., int]) -> None:
    make_user("bob", email="bob@example.com")
    with pytest.raises(Conflict) as err:
        register("robert", "BOB@EXAMPLE.com")
    assert err.value.code == "email_taken"


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@b.com", "a b@c.com", ""])
def test_register_refuses_bad_email(database_url: str, email: str) -> None:
    with pytest.raises(InvalidInput) as err:
        register("carol", email)
    assert err.value.code == "invalid_email"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("short1!", "weak_password"),
        ("password123", "common_password"),
        ("qwertyuiop", "common_password"),
        ("carol_the_user", "weak_password"),
        ("x" * 80, "too_long"),
    ],
)
def test_register_refuses_weak_passwords(database_url: str, password: str, code: str) -> None:
    name = "carol_the_user" if password == "carol_the_user" else "carol"
    with pytest.raises(InvalidInput) as err:
        register(name, "carol@example.com", password=password)
    assert err.value.code in {code, "common_password", "weak_password"}
    assert err.value.field == "password"


def test_refused_registration_writes_nothing(session: Session) -> None:
    with pytest.raises(InvalidInput):
        register("dave", "dave@example.com", password="password")
    assert users.get_user_by_username(session, "dave") is None


def test_hostile_text_is_stored_as_text(make_user: Callable[..., int], session: Session) -> None:
    user_id = make_user("eve")
    payload = "<script>alert('x')</script>'; DROP TABLE users; --"
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        users.check_update_profile(s, user, UserUpdate(bio=payload, status_text=payload[:100]))
    stored = load(session, user_id)
    assert stored.bio == payload
    assert users.search_users(session, "eve")[0].id == user_id


def test_update_profile_publishes_to_self_and_profile_watchers(
    make_user: Callable[..., int], events: list, session: Session
) -> None:
    user_id = make_user("frank")
    make_user("grace")
    events.clear()
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        users.check_update_profile(
            s,
            user,
            UserUpdate(display_name="  Frank  the Tank ", bio="hi\nthere", presence="dnd"),
        )
    stored = load(session, user_id)
    assert stored.display_name == "Frank the Tank"
    assert stored.display_name_lower == "frank the tank"
    assert stored.bio == "hi\nthere"
    assert stored.presence == "dnd"
    assert sorted(key for key, _ in events) == [f"topic:profile:{user_id}", f"user:{user_id}"]
    assert all(e["type"] == "user" and e["op"] == "update" for _, e in events)
    assert events[0][1]["data"]["display_name"] == "Frank the Tank"


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (UserUpdate(display_name="x" * 51), "display_name"),
        (UserUpdate(display_name="   "), "display_name"),
        (UserUpdate(bio="b" * 301), "bio"),
        (UserUpdate(status_text="s" * 101), "status_text"),
    ],
)
def test_update_profile_refuses_bad_values(
    make_user: Callable[..., int], events: list, update: UserUpdate, field: str
) -> None:
    user_id = make_user("heidi")
    events.clear()
    with pytest.raises(InvalidInput) as err, transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        users.check_update_profile(s, user, update)
    assert err.value.field == field
    assert events == []


def test_empty_update_publishes_nothing(make_user: Callable[..., int], events: list) -> None:
    user_id = make_user("ivan")
    events.clear()
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        users.check_update_profile(s, user, UserUpdate())
    assert events == []


def set_avatar(user_id: int, data: bytes) -> User:
    with transaction() as s:
        user = s.get(User, user_id)
        assert user is not None
        return users.check_set_avatar(s, user, data)


def test_avatar_is_reencoded_without_metadata(make_user: Callable[..., int], events: list) -> None:
    user_id = make_user("judy")
    events.clear()
    user = set_avatar(user_id, images.photo_with_exif())
    storage = media.get_storage()
    for size in (400, 64):
        blob = storage.path(users.avatar_key(user, size)).read_bytes()
        with Image.open(io.BytesIO(blob)) as image:
            assert image.format == "WEBP"
            assert image.size == (size, size)
            assert not image.getexif()
            assert "exif" not in image.info
        assert b"SpyCam" not in blob
    assert sorted(k for k, _ in events) == [f"topic:profile:{user_id}", f"user:{user_id}"]
    view = users.user_view(user)
    assert view.avatar_url is not None
    assert view.avatar_url.startswith(f"/api/v1/media/avatars/{user_id}/")


@pytest.mark.parametrize(
    "data",
    [images.png(), images.gif(), images.photo_with_exif("WEBP")],
    ids=["png", "gif", "webp"],
)
def test_avatar_accepts_each_image_format(make_user: Callable[..., int], data: bytes) -> None:
    user = set_avatar(make_user("kim"), data)
    assert user.avatar_version


@pytest.mark.parametrize(
    ("data", "error", "code"),
    [
        (images.SCRIPT_AS_PNG, UnsupportedMedia, "unsupported_media"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, UnsupportedMedia, "corrupt_image"),
        (images.decompression_bomb(), UnsupportedMedia, "image_too_large"),
        (b"", InvalidInput, "empty_file"),
    ],
    ids=["script-named-png", "corrupt-png", "decompression-bomb", "empty"],
)
def test_avatar_refuses_bad_files_and_stores_nothing(
    make_user: Callable[..., int], session: Session, data: bytes, error: type, code: str
) -> None:
    user_id = make_user("leo")
    with pytest.raises(error) as err:
        set_avatar(user_id, data)
    assert err.value.code == code
    assert load(session, user_id).avatar_version is None
    assert not media.get_storage().path(f"avatars/{user_id}").exists()


def test_avatar_size_limit(make_user: Callable[..., int]) -> None:
    user_id = make_user("mia")
    too_big = images.png() + b"\x00" * (10 * 1024 * 1024)
    with pytest.raises(PayloadTooLarge):
        set_avatar(user_id, too_big)


def test_search_by_prefix_of_username_or_display_name(
    make_user: Callable[..., int], session: Session
) -> None:
    make_user("nora", display_name="Zelda Nora")
    make_user("norbert")
    make_user("olga", display_name="Nobody")
    assert [u.username for u in users.search_users(session, "NOR")] == ["nora", "norbert"]
    assert [u.username for u in users.search_users(session, "zel")] == ["nora"]
    assert [u.username for u in users.search_users(session, "@olg")] == ["olga"]
    assert users.search_users(session, "%") == []
    assert users.search_users(session, "_") == []
    assert users.search_users(session, "  ") == []


def test_signed_media_urls_expire_and_resist_tampering() -> None:
    url = media.signed_url("avatars/1/abc-64.webp")
    key_part, query = url.removeprefix("/api/v1/media/").split("?")
    params = dict(p.split("=") for p in query.split("&"))
    assert media.verify_signature(key_part, int(params["exp"]), params["sig"])
    assert not media.verify_signature("avatars/2/abc-64.webp", int(params["exp"]), params["sig"])
    assert not media.verify_signature(key_part, int(params["exp"]) + 1, params["sig"])
    assert not media.verify_signature(key_part, 1_000, params["sig"])
