"""Errors once and where they belong: a failed submit puts every field's message under that
field and toasts only what belongs to no field of the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflex.istate.data import RouterData
from reflex.state import State

from socialhub.domain.errors import (
    Conflict,
    FieldErrors,
    InvalidInput,
    NotAuthenticated,
    PayloadTooLarge,
)
from socialhub.state.auth_forms import LoginState, SignupState
from socialhub.state.forms import split_errors
from socialhub.state.settings import SettingsState
from tests.state.conftest import SignedInTab


def toasts(events: list[Any]) -> list[str]:
    """The JavaScript of every toast among the events a handler returned or yielded."""
    flat: list[Any] = []
    for event in events:
        flat.extend(event if isinstance(event, list) else [event])
    return [
        str(value)
        for event in flat
        if event is not None
        for _, value in getattr(event, "args", ())
        if "__toast" in str(value)
    ]


def anonymous_root(path: str) -> State:
    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data(
        {"headers": {"origin": "http://socialhub.test"}, "pathname": path, "asPath": path}
    )
    return root


def test_split_puts_each_message_under_its_field_and_the_rest_aside() -> None:
    error = FieldErrors(
        [
            InvalidInput("bad name", field="username"),
            Conflict("taken", details={"field": "email"}),
            PayloadTooLarge("too big", details={"field": "file"}),
        ]
    )
    under, elsewhere = split_errors(error, {"username", "email"})
    assert under == {"username": "bad name", "email": "taken"}
    assert elsewhere == ["too big"]


def test_split_sends_an_error_without_a_field_aside() -> None:
    under, elsewhere = split_errors(NotAuthenticated("wrong password"), {"login"})
    assert (under, elsewhere) == ({}, ["wrong password"])


def test_split_maps_a_domain_field_to_the_forms_name() -> None:
    error = InvalidInput("too many", field="usernames")
    assert split_errors(error, {"members"}, {"usernames": "members"}) == (
        {"members": "too many"},
        [],
    )


async def test_signup_shows_every_wrong_field_at_once_and_no_toast(
    make_user: Callable[..., int],
) -> None:
    make_user("taken_name")
    tab = await anonymous_root("/signup").get_state(SignupState)
    form = {
        "username": "TAKEN_NAME",
        "display_name": "",
        "email": "not-an-email",
        "password": "short",
        "confirm": "different",
    }
    events = [e async for e in SignupState.submit.fn(tab, form)]
    assert set(tab.field_errors) == {"username", "email", "password", "confirm"}
    assert tab.field_errors["confirm"] == "the passwords do not match"
    assert tab.field_errors["username"] == "this username is taken"
    assert toasts(events) == []
    assert not tab.busy


async def test_signup_mismatch_alone_is_under_confirm(database_url: str) -> None:
    tab = await anonymous_root("/signup").get_state(SignupState)
    form = {"username": "newbie", "email": "n@example.com", "password": "x", "confirm": "y"}
    events = [e async for e in SignupState.submit.fn(tab, form)]
    assert set(tab.field_errors) == {"password", "confirm"}
    assert toasts(events) == []


async def test_wrong_credentials_belong_to_no_field_and_toast_once(
    make_user: Callable[..., int],
) -> None:
    make_user("lena")
    tab = await anonymous_root("/login").get_state(LoginState)
    events = [e async for e in LoginState.submit.fn(tab, {"login": "lena", "password": "nope"})]
    assert tab.field_errors == {}
    assert len(toasts(events)) == 1
    assert "wrong username, email or password" in toasts(events)[0]


async def test_login_empty_fields_are_shown_under_the_field(database_url: str) -> None:
    tab = await anonymous_root("/login").get_state(LoginState)
    events = [e async for e in LoginState.submit.fn(tab, {"login": "", "password": ""})]
    assert tab.field_errors == {
        "login": "enter your username or email",
        "password": "enter your password",
    }
    assert toasts(events) == []


async def test_profile_form_shows_every_wrong_field_and_no_toast(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    me = make_user("pat")
    tab = await (await signed_in_tab(me, "/settings")).get_state(SettingsState)
    assert isinstance(tab, SettingsState)
    tab.bio = "x" * 301
    form = {"display_name": "", "status_text": "y" * 101}
    events = [e async for e in SettingsState.save_profile.fn(tab, form)]
    assert set(tab.field_errors) == {"display_name", "bio", "status_text"}
    assert toasts(events) == []
    tab.bio = "fine"
    events = [e async for e in SettingsState.save_profile.fn(tab, {"display_name": "Pat"})]
    assert tab.field_errors == {}
    assert any("Profile saved" in t for t in toasts(events))
