"""Unread signals outside /messages: the Messages badge, the tab title and icon, and a toast
that opens the chat, all live while the reader is elsewhere in the app."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


def headers(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def open_dm(tokens: dict[str, str], partner: str) -> str:
    response = httpx.post(
        f"{BASE}/api/v1/chats/dm", json={"username": partner}, headers=headers(tokens)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def api_send(tokens: dict[str, str], chat: str, body: str) -> None:
    response = httpx.post(
        f"{BASE}/api/v1/chats/{chat}/messages", json={"body": body}, headers=headers(tokens)
    )
    assert response.status_code == 201, response.text


def messages_link(page: Page, name: str) -> object:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def toast(page: Page, text: str) -> object:
    return page.locator("[data-sonner-toast]", has_text=text)


def on_home(new_context: Callable[..., BrowserContext], username: str) -> Page:
    page = new_context().new_page()
    ui_login(page, username)
    expect(page.locator("#feed")).to_be_visible()
    expect(messages_link(page, "Messages")).to_be_visible()  # type: ignore[attr-defined]
    expect(page).to_have_title("SocialHub")
    return page


def test_a_dm_while_on_home_counts_live_toasts_and_reading_it_clears_the_count(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_tokens = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    b = on_home(new_context, bob)

    chat = open_dm(alice_tokens, bob)
    api_send(alice_tokens, chat, "hi bob, <b>lunch</b>?")
    badge = messages_link(b, "Messages, 1 unread")
    expect(badge).to_be_visible()  # type: ignore[attr-defined]
    expect(b.locator("#unread-badge")).to_have_text("1")
    expect(b).to_have_title("(1) SocialHub")
    icon = b.locator("link[rel='icon']")
    expect(icon).to_have_attribute("data-unread", "1")
    expect(icon).to_have_attribute("href", re.compile(r"^data:image/png;base64,"))
    told = toast(b, "hi bob, <b>lunch</b>?")  # the text as typed, inert
    expect(told).to_contain_text("Alice")

    api_send(alice_tokens, chat, "are you there?")
    expect(messages_link(b, "Messages, 2 unread")).to_be_visible()  # type: ignore[attr-defined]
    expect(b).to_have_title("(2) SocialHub")
    expect(b.locator("#unread-badge")).to_have_text("2")

    toast(b, "are you there?").get_by_role("button", name="Open chat").click()
    expect(b).to_have_url(f"{BASE}/messages/{chat}")
    expect(b.locator(".message-body", has_text="are you there?")).to_be_visible()
    # Reading the chat clears the count, live.
    expect(messages_link(b, "Messages")).to_be_visible()  # type: ignore[attr-defined]
    expect(b.locator("#unread-badge")).to_be_hidden()
    expect(b).to_have_title("Messages · SocialHub")
    expect(icon).not_to_have_attribute("data-unread", re.compile(".*"))

    # A message in the chat being read is neither counted nor toasted; back home, the next is.
    api_send(alice_tokens, chat, "see you at noon")
    expect(b.locator(".message-body", has_text="see you at noon")).to_be_visible()
    b.get_by_label("Home", exact=True).click()
    expect(b.locator("#feed")).to_be_visible()
    api_send(alice_tokens, chat, "one more thing")
    expect(toast(b, "one more thing")).to_be_visible()
    expect(b).to_have_title("(1) SocialHub")
    expect(toast(b, "see you at noon")).to_have_count(0)


def test_a_muted_chat_stays_silent_and_out_of_the_count(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    alice_tokens = register(alice, display_name="Alice")
    bob_tokens = register(bob, display_name="Bob")
    carol_tokens = register(carol, display_name="Carol")
    muted = open_dm(alice_tokens, bob)
    response = httpx.patch(
        f"{BASE}/api/v1/chats/{muted}/settings", json={"muted": True}, headers=headers(bob_tokens)
    )
    assert response.status_code == 200, response.text
    b = on_home(new_context, bob)

    api_send(alice_tokens, muted, "you muted me")
    # Carol's message comes after Alice's on Bob's stream: once it shows, Alice's was handled.
    api_send(carol_tokens, open_dm(carol_tokens, bob), "carol here")
    expect(toast(b, "carol here")).to_be_visible()
    expect(toast(b, "you muted me")).to_have_count(0)
    expect(b).to_have_title("(1) SocialHub")
    expect(messages_link(b, "Messages, 1 unread")).to_be_visible()  # type: ignore[attr-defined]


def test_a_mention_in_a_group_toasts_and_opens_the_group(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_tokens = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    group = httpx.post(
        f"{BASE}/api/v1/chats",
        json={"title": "Climbers", "usernames": [bob]},
        headers=headers(alice_tokens),
    )
    assert group.status_code == 201, group.text
    chat = group.json()["id"]
    b = on_home(new_context, bob)

    api_send(alice_tokens, chat, "who is in on saturday?")
    api_send(alice_tokens, chat, f"@{bob} you?")
    mention = toast(b, f"@{bob} you?")
    expect(mention).to_contain_text("Alice mentioned you")
    expect(b).to_have_title("(2) SocialHub")
    expect(toast(b, "who is in on saturday?")).to_have_count(0)
    mention.get_by_role("button", name="Open chat").click()
    expect(b).to_have_url(f"{BASE}/messages/{chat}")
    expect(b).to_have_title("Messages · SocialHub")
