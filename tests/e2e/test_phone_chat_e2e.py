"""The chat on a 390 x 844 phone: the list or the open chat, never both; the composer stays on
screen; a back arrow returns to the list; touch targets of 44 px; actions on a long press."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 390, 844
PHONE: dict[str, Any] = {
    "viewport": {"width": WIDTH, "height": HEIGHT},
    "has_touch": True,
    "is_mobile": True,
}


def api_send(tokens: dict[str, str], partner: str, body: str) -> str:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    chat = httpx.post(f"{BASE}/api/v1/chats/dm", json={"username": partner}, headers=headers)
    response = httpx.post(
        f"{BASE}/api/v1/chats/{chat.json()['id']}/messages", json={"body": body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return str(chat.json()["id"])


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, locator
    return dict(found)


def inside(locator: Locator, height: int, width: int = WIDTH) -> None:
    shown = box(locator)
    assert shown["x"] >= 0
    assert shown["y"] >= 0
    assert shown["x"] + shown["width"] <= width
    assert shown["y"] + shown["height"] <= height, shown


def centre_y(locator: Locator) -> float:
    shown = box(locator)
    return shown["y"] + shown["height"] / 2


def phone_with_a_chat(new_context: Callable[..., BrowserContext]) -> Page:
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    bob_tokens = register(bob, display_name="Bob")
    api_send(bob_tokens, alice, "hello from bob")
    page = new_context(**PHONE).new_page()
    ui_login(page, alice, next_path="/messages")
    return page


def test_the_phone_shows_the_list_then_only_the_chat_and_back(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = phone_with_a_chat(new_context)
    chat_list = page.locator("#chat-list")
    expect(chat_list).to_be_visible()
    expect(page.get_by_text("Choose a chat")).to_be_hidden()

    page.get_by_label("Chat with Bob").click()
    expect(page).to_have_url(re.compile(r"/messages/[0-9a-f]{32}"))
    composer = page.get_by_label("Message", exact=True)
    expect(composer).to_be_visible()
    expect(page.locator(".message-body", has_text="hello from bob")).to_be_visible()
    # Only the conversation: no list, no app navigation above it.
    expect(chat_list).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    # The composer is at the bottom of the screen, not below the fold.
    inside(composer, HEIGHT)
    inside(page.get_by_label("Send"), HEIGHT)
    assert box(page.get_by_label("Send"))["y"] > HEIGHT * 0.8
    # The header is one row: back arrow, title and info side by side.
    back = page.get_by_role("link", name="Back to chats")
    title_y = centre_y(page.locator("#chat-title"))
    for control in (back, page.get_by_label("Chat info")):
        assert abs(centre_y(control) - title_y) < 12
    inside(back, HEIGHT)

    composer.fill("hi bob, from my phone")
    composer.press("Enter")
    mine = page.locator(".message", has_text="hi bob, from my phone")
    expect(mine).to_have_attribute("data-status", re.compile("sent|delivered|read"))
    inside(composer, HEIGHT)

    # Touch targets: the message actions button and the back arrow are at least 44 px.
    for target in (mine.get_by_label("Message actions"), back, page.get_by_label("Send")):
        size = box(target)
        assert size["width"] >= 44, target
        assert size["height"] >= 44, target

    # The on-screen keyboard resizes the page (interactive-widget=resizes-content): the
    # composer stays above it.
    page.set_viewport_size({"width": WIDTH, "height": 460})
    expect(composer).to_be_in_viewport()
    page.wait_for_function("window.visualViewport.height === 460")
    inside(composer, 460)

    back.click()
    expect(page).to_have_url(re.compile(r"/messages/?$"))
    expect(chat_list).to_be_visible()
    expect(page.get_by_label("Chat with Bob")).to_contain_text("hi bob, from my phone")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_long_press_opens_the_message_actions(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = phone_with_a_chat(new_context)
    page.get_by_label("Chat with Bob").click()
    body = page.locator(".message-body", has_text="hello from bob")
    expect(body).to_be_visible()
    reply = page.get_by_role("menuitem", name="Reply")
    expect(reply).to_have_count(0)

    # A real touch, held: Chromium turns it into the pointer events a phone sends.
    where = box(body)
    point = {"x": where["x"] + where["width"] / 2, "y": where["y"] + where["height"] / 2}
    touch = page.context.new_cdp_session(page)
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    expect(reply).to_be_visible()
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(reply).to_be_visible()  # lifting the finger does not close it

    reply.click()
    expect(page.get_by_text("Replying to Bob: hello from bob")).to_be_visible()


def test_a_wide_screen_shows_the_list_beside_the_chat(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    chat = api_send(register(bob, display_name="Bob"), alice, "hello from bob")
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    ui_login(page, alice, next_path=f"/messages/{chat}")
    expect(page.locator(".message-body", has_text="hello from bob")).to_be_visible()
    expect(page.locator("#chat-list")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name="Back to chats")).to_be_hidden()
    assert box(page.locator("#chat-list"))["x"] < box(page.locator("#chat-title"))["x"]
