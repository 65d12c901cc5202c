"""The tab's stream in the browser: nothing slips between a page's read and its listener, and a
tab that was away while a thousand messages happened shows every one of them, in order."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from socialhub.db import make_engine, transaction
from socialhub.domain import messages
from socialhub.models import User
from tests.e2e.conftest import BASE, AppServer, register, ui_login, unique

pytestmark = pytest.mark.e2e


def open_dm(sender: dict[str, str], username: str) -> str:
    response = httpx.post(
        f"{BASE}/api/v1/chats/dm",
        json={"username": username},
        headers={"Authorization": f"Bearer {sender['access_token']}"},
        timeout=10,
    )
    assert response.status_code in (200, 201), response.text
    chat_id: str = response.json()["id"]
    return chat_id


def shown(page: Page, prefix: str) -> list[str]:
    texts = page.locator(".message-body").all_inner_texts()
    return [t.strip() for t in texts if t.strip().startswith(prefix)]


def test_messages_committed_while_the_page_loads_all_appear(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    sender = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    chat = open_dm(sender, bob)
    b = new_context().new_page()
    ui_login(b, bob, next_path="/messages")
    headers = {"Authorization": f"Bearer {sender['access_token']}"}

    def flood() -> None:
        with httpx.Client(base_url=BASE, headers=headers, timeout=10) as client:
            for n in range(40):
                sent = client.post(f"/api/v1/chats/{chat}/messages", json={"body": f"race {n}"})
                assert sent.status_code == 201, sent.text

    # The sends run while the page reads its chat and starts its listener: whichever of them
    # commit between the two steps must still show up.
    thread = threading.Thread(target=flood)
    thread.start()
    b.goto(f"/messages/{chat}")
    thread.join(60)
    expect(b.locator(".message-body", has_text=re.compile(r"^race 39$"))).to_be_visible()
    assert shown(b, "race ") == [f"race {n}" for n in range(40)]


def test_a_tab_away_while_a_thousand_messages_arrive_shows_them_all_in_order(
    new_context: Callable[..., BrowserContext], app_server: AppServer
) -> None:
    alice, bob = unique("alice"), unique("bob")
    sender = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    chat = open_dm(sender, bob)
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/messages/{chat}")
    expect(b.locator("#chat-title")).to_have_text("Alice")
    b.goto("about:blank")  # the tab goes away (a phone puts the app to sleep)

    engine = make_engine(app_server.env["DATABASE_URL"])
    try:
        with transaction(engine) as s:
            author = s.query(User).filter(User.username == alice).one()
            for n in range(1_000):
                messages.check_send_message(s, author, chat, body=f"away {n:04d}")
    finally:
        engine.dispose()

    b.go_back()
    # More unread than a page: the chat opens at the first unread message, with the way down.
    expect(b.locator(".message-body", has_text="away 0000")).to_be_visible(timeout=20_000)
    b.get_by_role("button", name="Jump to latest").click()
    expect(b.locator(".message-body", has_text="away 0999")).to_be_visible(timeout=20_000)
    older = b.get_by_role("button", name="Load older messages")
    for _ in range(60):  # 20 pages of 50; a click lost in a redraw is pressed again
        if not older.is_visible():
            break
        before = b.locator(".message-body").count()
        older.click()
        # More messages, or none left (the last full page leaves the button for one more click).
        with contextlib.suppress(PlaywrightTimeout):
            b.wait_for_function(
                """n => document.querySelectorAll('.message-body').length > n ||
                    ![...document.querySelectorAll('button')].some(
                        x => x.textContent.includes('Load older messages'))""",
                arg=before,
                timeout=15_000,  # the browser draws every bubble again: slow on a busy machine
            )
    assert shown(b, "away ") == [f"away {n:04d}" for n in range(1_000)]
