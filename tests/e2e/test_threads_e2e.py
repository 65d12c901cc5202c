"""Threads in the browser, two people: A starts a thread from a message of #general, B sees it
appear under the channel live, opens it and answers, A sees the answer live in the thread
panel; the starter message shows the thread's summary; on a phone the panel is the whole
screen and closes back to the channel."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 740}


def api(token: str, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(
        method,
        f"{BASE}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
        **kw,
    )
    assert response.status_code < 300, response.text
    return response.json()


def send(page: Page, text: str) -> None:
    """Once the composer has taken the conversation in the URL (its draft is restored)."""
    chat = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.locator(f'#composer[data-draft-chat="{chat}"]')).to_be_attached()
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_a_thread_started_and_answered_live(new_context: Callable[..., BrowserContext]) -> None:
    alice, bob = unique("alice"), unique("bob")
    a_token = register(alice, display_name="Alice")["access_token"]
    b_token = register(bob, display_name="Bob")["access_token"]
    server = api(a_token, "POST", "/servers", json={"name": f"Threads {alice}"})
    server_id = server["server"]["id"]
    channels = [*server["channels"], *(c for k in server["categories"] for c in k["channels"])]
    general = next(c["id"] for c in channels if c["name"] == "general")
    invite = api(a_token, "POST", f"/servers/{server_id}/invites", json={})
    api(b_token, "POST", f"/server-invites/{invite['code']}/join")

    a = new_context().new_page()
    ui_login(a, alice)
    a.goto(f"/servers/{server_id}/{general}")
    b = new_context().new_page()
    ui_login(b, bob)
    b.goto(f"/servers/{server_id}/{general}")
    expect(b.locator("#channel-title")).to_have_text("general")
    send(a, "Who brings the snacks?")
    expect(b.locator(".message", has_text="Who brings the snacks?")).to_be_visible()

    # A starts a thread from the message: the thread panel opens beside the channel's column.
    a.locator(".message", has_text="Who brings the snacks?").get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Start thread").click()
    expect(a.locator("#thread-title")).to_have_text("Who brings the snacks?")
    expect(a.locator("#thread-panel")).to_be_visible()
    expect(a.locator(".sh-thread-parent")).to_be_visible()
    thread_id = a.url.rstrip("/").rsplit("/", 1)[-1]

    # B sees it listed under #general live, and on the starter message.
    row = b.locator('#channel-list a[data-thread="Who brings the snacks?"]')
    expect(row).to_be_visible()
    chip = b.locator(".message", has_text="Who brings the snacks?").locator(".sh-thread-chip")
    expect(chip).to_contain_text("0 messages")
    row.click()
    expect(b).to_have_url(re.compile(f"/servers/{server_id}/{thread_id}$"))
    expect(b.locator("#thread-title")).to_have_text("Who brings the snacks?")
    send(b, "I will, crisps and fruit")

    # A sees the answer live in the thread panel.
    expect(a.locator("#thread-panel .message", has_text="I will, crisps and fruit")).to_be_visible()
    send(a, "Great, thanks Bob")
    expect(b.locator("#thread-panel .message", has_text="Great, thanks Bob")).to_be_visible()

    # A archives it: B sees it archived, live; B's next message reopens it for both.
    a.get_by_role("button", name="Archive", exact=True).click()
    expect(b.locator("#thread-archived")).to_be_visible()
    send(b, "one more thing")
    expect(b.locator("#thread-archived")).to_have_count(0)
    expect(a.locator("#thread-archived")).to_have_count(0)
    expect(a.locator("#thread-panel .message", has_text="one more thing")).to_be_visible()
    a.get_by_label("Archive after").click()
    a.get_by_role("menuitem", name="1 week").click()
    expect(a.get_by_text("The thread archives after 1 week without a message")).to_be_visible()

    # B starts an empty thread from the thread list (in the channel's header beside the
    # panel); A sees it under #general.
    b.locator("#threads-button").click()
    b.locator("#new-thread-name").fill("Music")
    b.locator("#new-thread").click()
    expect(b.locator("#thread-title")).to_have_text("Music")
    expect(a.locator('#channel-list a[data-thread="Music"]')).to_be_visible()

    # Back in the channel, the starter message counts the thread's messages.
    a.locator("#thread-close").click()
    expect(a.locator("#channel-title")).to_have_text("general")
    expect(
        a.locator(".message", has_text="Who brings the snacks?").locator(".sh-thread-chip")
    ).to_contain_text("3 messages")
    # ... and goes on counting, live, while A reads the channel.
    b.locator('#channel-list a[data-thread="Who brings the snacks?"]').click()
    expect(b.locator("#thread-title")).to_have_text("Who brings the snacks?")
    send(b, "see you there")
    expect(
        a.locator(".message", has_text="Who brings the snacks?").locator(".sh-thread-chip")
    ).to_contain_text("4 messages")

    # A phone: the thread panel is the whole screen.
    phone = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    ui_login(phone, bob)
    phone.goto(f"/servers/{server_id}/{thread_id}")
    panel = phone.locator("#thread-panel")
    expect(panel.locator(".message", has_text="Great, thanks Bob")).to_be_visible()
    box = panel.bounding_box()
    assert box is not None
    assert box["width"] >= PHONE["width"] - 1
    expect(phone.locator(".sh-thread-parent")).to_be_hidden()
