"""Shared plumbing for state handlers: running domain code off the event loop, errors as toasts."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import TypeVar

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain.errors import DomainError

T = TypeVar("T")

SESSION_COOKIE = "sh_session"


async def in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction on a worker thread: a sync DB call must never block the loop."""

    def run() -> T:
        with transaction() as session:
            return work(session)

    return await asyncio.to_thread(run)


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
