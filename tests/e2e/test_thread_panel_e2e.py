"""The thread panel beside its channel, in the browser: while A has a thread open, the channel's
latest messages stay beside it and B's new message in the channel appears there live; the
starter messages there count their threads' messages live, and their chips switch the panel to
another thread; the panel closes back to the channel. On a phone the panel is the whole screen
(the channel is not even read there) and its back arrow goes to the channel; a window that
narrows lets the channel go and reads it again when it widens."""

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
WIDE = {"width": 1280, "height": 800}


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


def a_server_with_two_threads() -> dict[str, Any]:
    """Alice's server, Bob a member; two messages of #general, each with its thread."""
    alice, bob = unique("alice"), unique("bob")
    a_token = register(alice, display_name="Alice")["access_token"]
    b_token = register(bob, display_name="Bob")["access_token"]
    server = api(a_token, "POST", "/servers", json={"name": f"Panel {alice}"})
    server_id = server["server"]["id"]
    channels = [*server["channels"], *(c for k in server["categories"] for c in k["channels"])]
    general = next(c["id"] for c in channels if c["name"] == "general")
    invite = api(a_token, "POST", f"/servers/{server_id}/invites", json={})
    api(b_token, "POST", f"/server-invites/{invite['code']}/join")
    lunch = api(a_token, "POST", f"/chats/{general}/messages", json={"body": "Lunch at noon?"})
    dinner = api(b_token, "POST", f"/chats/{general}/messages", json={"body": "Dinner plans"})
    threads = [
        api(a_token, "POST", f"/channels/{general}/threads", json={"message_id": m["id"]})["id"]
        for m in (lunch, dinner)
    ]
    return {
        "alice": alice,
        "bob": bob,
        "b_token": b_token,
        "server_id": server_id,
        "general": general,
        "lunch": threads[0],
        "dinner": threads[1],
    }


def test_the_channel_stays_live_beside_the_thread(
    new_context: Callable[..., BrowserContext],
) -> None:
    s = a_server_with_two_threads()
    server_id, general = s["server_id"], s["general"]
    a = new_context(viewport=WIDE).new_page()
    ui_login(a, s["alice"])
    a.goto(f"/servers/{server_id}/{s['lunch']}")
    expect(a.locator("#thread-title")).to_have_text("Lunch at noon?")
    beside = a.locator("#thread-parent-messages")
    expect(beside.locator(".sh-parent-message", has_text="Dinner plans")).to_be_visible()
    expect(a.locator("#thread-parent-title")).to_have_text("general")
    panel, column = a.locator("#thread-panel").bounding_box(), beside.bounding_box()
    assert panel is not None
    assert column is not None
    assert column["x"] + column["width"] <= panel["x"] + 1, "side by side"

    # B writes in #general (the channel, not the thread): A sees it beside the thread, live.
    b = new_context(viewport=WIDE).new_page()
    ui_login(b, s["bob"])
    b.goto(f"/servers/{server_id}/{general}")
    expect(b.locator("#channel-title")).to_have_text("general")
    send(b, "Running late, start without me")
    expect(beside.locator(".sh-parent-message", has_text="Running late")).to_be_visible()
    expect(a.locator("#thread-panel .message", has_text="Running late")).to_have_count(0)

    # B answers in the other thread: its starter beside A's panel counts it, live.
    api(s["b_token"], "POST", f"/chats/{s['dinner']}/messages", json={"body": "Pizza?"})
    dinner_chip = beside.locator(".sh-parent-message", has_text="Dinner plans").locator(
        ".sh-thread-chip"
    )
    expect(dinner_chip).to_contain_text("1 message")

    # Its chip switches the panel to that thread; the channel stays beside it.
    dinner_chip.click()
    expect(a).to_have_url(re.compile(f"/servers/{server_id}/{s['dinner']}$"))
    expect(a.locator("#thread-title")).to_have_text("Dinner plans")
    expect(a.locator("#thread-panel .message", has_text="Pizza?")).to_be_visible()
    expect(beside.locator(".sh-parent-message", has_text="Running late")).to_be_visible()
    send(b, "Pizza it is")
    expect(beside.locator(".sh-parent-message", has_text="Pizza it is")).to_be_visible()

    # The thread list is in the channel's header there.
    a.locator("#threads-button").click()
    expect(a.locator('#thread-list a[data-thread="Lunch at noon?"]')).to_be_visible()
    a.keyboard.press("Escape")

    # A window narrowed to a phone's width: the panel is the whole screen; widened again,
    # the channel is back beside it, read again with what came meanwhile.
    a.set_viewport_size(PHONE)
    expect(a.locator(".sh-thread-parent")).to_be_hidden()
    expect(a.locator(".sh-parent-message")).to_have_count(0)
    send(b, "Who brings drinks?")
    a.set_viewport_size(WIDE)
    expect(beside.locator(".sh-parent-message", has_text="Who brings drinks?")).to_be_visible()

    # Closing the panel goes back to the channel, its composer there to write in.
    a.get_by_label("Close the thread").click()
    expect(a.locator("#channel-title")).to_have_text("general")
    expect(a.locator("#thread-panel")).to_have_count(0)
    expect(a.locator(".message", has_text="Who brings drinks?")).to_be_visible()
    send(a, "I will")
    expect(b.locator(".message", has_text="I will")).to_be_visible()


def test_on_a_phone_the_thread_is_the_whole_screen(
    new_context: Callable[..., BrowserContext],
) -> None:
    s = a_server_with_two_threads()
    server_id, general = s["server_id"], s["general"]
    api(s["b_token"], "POST", f"/chats/{s['lunch']}/messages", json={"body": "Count me in"})
    phone = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    ui_login(phone, s["bob"])
    phone.goto(f"/servers/{server_id}/{s['lunch']}")
    panel = phone.locator("#thread-panel")
    expect(panel.locator(".message", has_text="Count me in")).to_be_visible()
    box = panel.bounding_box()
    assert box is not None
    assert box["x"] <= 1
    assert box["width"] >= PHONE["width"] - 1
    # The channel is neither shown nor followed on a phone.
    expect(phone.locator(".sh-thread-parent")).to_be_hidden()
    expect(phone.locator(".sh-parent-message")).to_have_count(0)

    # Its back arrow goes to the channel.
    back = phone.get_by_label("Close the thread")
    expect(back).to_be_visible()
    back_box = back.bounding_box()
    assert back_box is not None
    assert back_box["width"] >= 44
    back.click()
    expect(phone).to_have_url(re.compile(f"/servers/{server_id}/{general}$"))
    expect(phone.locator("#channel-title")).to_have_text("general")
    expect(phone.locator(".message", has_text="Lunch at noon?")).to_be_visible()
