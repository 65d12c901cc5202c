"""Shared plumbing for state handlers: running domain code off the event loop as the tab's user,
errors as toasts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, TypeVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain.errors import DomainError
from socialhub.models import User

if TYPE_CHECKING:
    from socialhub.state.session import SessionState

T = TypeVar("T")

SESSION_COOKIE = "sh_session"


async def in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction on a worker thread: a sync DB call must never block the loop."""

    def run() -> T:
        with transaction() as session:
            return work(session)

    return await asyncio.to_thread(run)


@dataclass(frozen=True)
class Failed:
    """What a domain call that raised leaves for its handler: the error, and the toast to show."""

    error: DomainError

    @property
    def toast(self) -> EventSpec:
        return error_toast(self.error)


async def run_guarded(work: Callable[[Session], T]) -> T | Failed:
    """`work`'s result, or Failed if it raised a DomainError (nothing of it was committed)."""
    try:
        return await in_transaction(work)
    except DomainError as exc:
        return Failed(exc)


async def run_as_user(state: rx.State, work: Callable[[Session, User], T]) -> T | Failed:
    """Run `work(session, the tab's signed-in user)` in a transaction off the event loop.

    Handlers read `result = await run_as_user(self, lambda s, u: ...)`, then
    `if isinstance(result, Failed): return result.toast`. A tab that is not signed in (any more)
    fails like any other domain call.
    """
    session_state = await _session_state(state)
    return await run_guarded(lambda session: work(session, session_state._authenticate(session)))


def cookie_value(cookie_header: str, name: str = SESSION_COOKIE) -> str:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""


def error_toast(exc: DomainError) -> EventSpec:
    toast: EventSpec = rx.toast.error(exc.message, id=exc.code, close_button=True)
    return toast


async def login_redirect(state: rx.State) -> EventSpec | None:
    """For a signed-in page's on_load: None when the tab is signed in, else the redirect to
    /login (and back afterwards)."""
    return await (await _session_state(state))._ensure_signed_in()


async def _session_state(state: rx.State) -> SessionState:
    # session.py builds on this module, so the tab's identity is imported when first needed.
    from socialhub.state.session import SessionState

    return await state.get_state(SessionState)
