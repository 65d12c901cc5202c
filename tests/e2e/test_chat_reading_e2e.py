"""Reading comfort in the chat: date separators, runs of one author, the unread divider and the
jump to it, a chat list that clips nothing and previews plain text, times in the viewer's zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


def api(tokens: dict[str, str]) -> httpx.Client:
    return httpx.Client(
        base_url=f"{BASE}/api/v1",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )


def dm(client: httpx.Client, partner: str) -> str:
    return str(client.post("/chats/dm", json={"username": partner}).json()["id"])


def say(client: httpx.Client, chat: str, body: str) -> dict[str, str]:
    response = client.post(f"/chats/{chat}/messages", json={"body": body})
    assert response.status_code == 201, response.text
    found: dict[str, str] = response.json()
    return found


def gap(upper: Locator, lower: Locator) -> float:
    top, bottom = upper.bounding_box(), lower.bounding_box()
    assert top is not None
    assert bottom is not None
    return bottom["y"] - (top["y"] + top["height"])


def test_opening_a_chat_jumps_to_the_first_unread_under_a_divider(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_api, bob_api = api(register(alice, "Alice")), api(register(bob, "Bob"))
    chat = dm(bob_api, alice)
    say(bob_api, chat, "an old question")
    say(alice_api, chat, "my old answer")  # writing reads what came before
    for n in range(60):
        say(bob_api, chat, f"unread {n}")

    page = new_context().new_page()
    ui_login(page, alice, next_path=f"/messages/{chat}")
    divider = page.locator("#unread-divider")
    expect(divider).to_have_text("Unread messages")
    expect(divider).to_be_in_viewport()
    expect(page.locator(".message-body", has_text=re.compile("^unread 0$"))).to_be_in_viewport()
    # Opened at the first unread, not at the bottom.
    expect(page.locator(".message-body", has_text="my old answer")).to_be_visible()
    expect(page.locator(".message-body", has_text="unread 59")).to_have_count(0)
    expect(page.get_by_role("button", name="Jump to latest")).to_be_visible()

    # One separator for today; Bob's burst is one run, broken only by the divider.
    expect(page.locator(".sh-day-separator")).to_have_text(["Today"])
    first_unread = page.locator(".message-row", has=page.get_by_text("unread 0", exact=True))
    expect(first_unread).not_to_have_class(re.compile("sh-grouped"))
    second = page.locator(".message-row", has=page.get_by_text("unread 1", exact=True))
    expect(second).to_have_class(re.compile("sh-grouped"))
    answer = page.locator(".message-row", has=page.get_by_text("my old answer", exact=True))
    expect(answer).not_to_have_class(re.compile("sh-grouped"))  # another author
    question = page.locator(".message-row", has=page.get_by_text("an old question", exact=True))
    # A run sits closer together than messages of two authors.
    assert gap(first_unread, second) < gap(question, answer)

    # The first page (up to "unread 47") is read now; the latest page marks the rest.
    page.get_by_role("button", name="Jump to latest").click()
    expect(page.locator(".message-body", has_text="unread 59")).to_be_visible()
    expect(page.locator("#unread-divider + .message-row")).to_contain_text("unread 48")
    page.reload()
    expect(page.locator(".message-body", has_text="unread 59")).to_be_visible()
    expect(divider).to_have_count(0)  # all read


def test_the_chat_list_clips_no_name_and_previews_plain_text(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob_x")
    register(alice, "Alice")
    bob_api = api(register(bob))  # no display name: the list shows "bob_x…"
    say(bob_api, dm(bob_api, alice), "**bold** move, _quietly_ and `code`")
    page = new_context().new_page()
    ui_login(page, alice, next_path="/messages")
    item = page.get_by_label(f"Chat with {bob}")
    expect(item).to_contain_text("bold move, quietly and code")
    expect(item).not_to_contain_text("*")
    title = item.get_by_text(bob, exact=True)
    preview = item.get_by_text("bold move", exact=False)
    for line in (title, preview):
        # The box is as tall as its text: nothing (the underscore) is cut off.
        clipped = line.evaluate("el => el.scrollHeight > el.clientHeight")
        assert clipped is False, line
    glyphs = title.evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " const t = r.getBoundingClientRect(), b = el.getBoundingClientRect();"
        " return [t.top, t.bottom, b.top, b.bottom]; }"
    )
    text_top, text_bottom, box_top, box_bottom = glyphs
    assert box_top <= text_top
    assert text_bottom <= box_bottom


def test_times_are_shown_in_the_viewers_time_zone(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_api = api(register(alice, "Alice"))
    register(bob, "Bob")
    chat = dm(alice_api, bob)
    sent = say(alice_api, chat, "what time is it where you are?")
    created = datetime.fromisoformat(sent["created_at"].replace("Z", "+00:00"))
    if created.tzinfo is None:
        created = created.replace(tzinfo=ZoneInfo("UTC"))
    tokyo = created.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")  # UTC+9
    utc = created.astimezone(ZoneInfo("UTC")).strftime("%H:%M")
    assert tokyo != utc

    context = new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    ui_login(page, bob, next_path=f"/messages/{chat}")
    zone = next(c["value"] for c in context.cookies() if c["name"] == "sh_tz")
    assert unquote(zone) == "Asia/Tokyo"
    bubble = page.locator(".message", has_text="what time is it")
    expect(bubble).to_contain_text(tokyo)
    expect(bubble).not_to_contain_text(utc)
    expect(page.get_by_label("Chat with Alice")).to_contain_text(tokyo)
