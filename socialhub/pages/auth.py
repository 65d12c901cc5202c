"""/login and /signup."""

from __future__ import annotations

import reflex as rx

from socialhub.components.layout import public_shell
from socialhub.components.ui import labelled_input
from socialhub.state.auth_forms import LoginState, SignupState
from socialhub.state.session import SessionState


def _card(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return public_shell(
        rx.card(
            rx.vstack(
                rx.heading(title, size="6", as_="h1"), form, footer, spacing="4", width="100%"
            ),
            width="100%",
            max_width="26em",
            size="3",
        )
    )


def login_page() -> rx.Component:
    return _card(
        "Log in",
        rx.form(
            rx.vstack(
                rx.cond(
                    rx.State.router.url.query_parameters["ended"] == "1",
                    rx.callout(
                        "Your session was ended. Please log in again.", icon="info", role="status"
                    ),
                ),
                labelled_input(
                    "Username or email", "login", LoginState.field_errors, autocomplete="username"
                ),
                labelled_input(
                    "Password",
                    "password",
                    LoginState.field_errors,
                    type="password",
                    autocomplete="current-password",
                ),
                rx.button(
                    "Log in",
                    type="submit",
                    width="100%",
                    size="3",
                    loading=LoginState.busy,
                    id="login-submit",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=LoginState.submit,
            aria_label="Log in",
        ),
        rx.text("New here? ", rx.link("Create an account", href="/signup"), size="2"),
    )


def signup_page() -> rx.Component:
    return _card(
        "Create your account",
        rx.form(
            rx.vstack(
                labelled_input(
                    "Username",
                    "username",
                    SignupState.field_errors,
                    placeholder="3-30 of a-z, 0-9, _",
                    autocomplete="username",
                    max_length=30,
                ),
                labelled_input(
                    "Display name",
                    "display_name",
                    SignupState.field_errors,
                    autocomplete="name",
                    max_length=50,
                ),
                labelled_input(
                    "Email", "email", SignupState.field_errors, type="email", autocomplete="email"
                ),
                labelled_input(
                    "Password",
                    "password",
                    SignupState.field_errors,
                    type="password",
                    placeholder="at least 8 characters",
                    autocomplete="new-password",
                ),
                labelled_input(
                    "Confirm password",
                    "confirm",
                    SignupState.field_errors,
                    type="password",
                    autocomplete="new-password",
                ),
                rx.button(
                    "Sign up",
                    type="submit",
                    width="100%",
                    size="3",
                    loading=SignupState.busy,
                    id="signup-submit",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=SignupState.submit,
            aria_label="Sign up",
        ),
        rx.text("Already have an account? ", rx.link("Log in", href="/login"), size="2"),
    )


ON_LOAD = SessionState.redirect_if_signed_in
