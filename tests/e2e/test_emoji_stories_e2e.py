"""The emoji picker (composer and reactions) and the story viewer (bars, auto-advance, tap
zones, hold to pause, Escape) in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def warm_server(browser: Browser) -> None:
    """A server just built answers its first signed-in page slowly on a loaded machine (past
    the 15 s of a check): one sign-in first, with time to spare."""
    username = unique("warm")
    register(username)
    context = browser.new_context(base_url=BASE)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible(timeout=90_000)
    context.close()


def api(tokens: dict[str, str], method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    return httpx.request(method, f"{BASE}/api/v1{path}", headers=headers, timeout=10, **kwargs)


def composer_box(page: Page) -> Locator:
    return page.get_by_label("Message", exact=True)


def picker(page: Page) -> Locator:
    """The picker on screen (emoji-mart draws itself in an open shadow root, which Playwright's
    CSS locators enter)."""
    return page.locator("em-emoji-picker")


def pick(page: Page, search: str, emoji: str) -> None:
    shown = picker(page)
    shown.locator("input[type=search]").fill(search)
    shown.locator(f'button[aria-label="{emoji}"]').first.click()


def open_dm_page(
    new_context: Callable[..., BrowserContext],
) -> tuple[Page, dict[str, str], str, str]:
    """Alice's page on her DM with Bob (made through the API); Bob's tokens, the chat's URL."""
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    bob_tokens = register(bob, display_name="Bob")
    chat = api(bob_tokens, "POST", "/chats/dm", json={"username": alice})
    assert chat.status_code == 200, chat.text
    chat_url = f"/messages/{chat.json()['id']}"
    page = new_context().new_page()
    ui_login(page, alice, next_path=chat_url)
    expect(composer_box(page)).to_be_editable()
    return page, bob_tokens, chat.json()["id"], chat_url


def bodies(tokens: dict[str, str], chat_id: str) -> list[str]:
    listed = api(tokens, "GET", f"/chats/{chat_id}/messages")
    assert listed.status_code == 200, listed.text
    return [message["body"] for message in listed.json()]


def test_a_searched_emoji_goes_in_at_the_caret_and_the_message_is_sent_whole(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, bob, chat_id, _ = open_dm_page(new_context)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    box = composer_box(page)
    box.fill("Hello world")
    box.press("End")
    for _ in "world":
        box.press("ArrowLeft")
    scripts_before = {url for url in requests if url.endswith(".js")}

    # The picker's code and data arrive when it opens, from this server and nowhere else.
    page.get_by_label("Emoji", exact=True).click()
    pick(page, "unicorn", "🦄")
    expect(picker(page)).to_have_count(0)  # typing closed it
    expect(box).to_be_focused()
    expect(box).to_have_value("Hello 🦄world")
    assert {url for url in requests if url.endswith(".js")} - scripts_before
    assert [url for url in requests if not url.startswith(BASE)] == []

    # A skin tone is remembered; the caret stayed after the first emoji.
    page.get_by_label("Emoji", exact=True).click()
    picker(page).get_by_role("button", name="Choose default skin tone").click()
    picker(page).locator(".menu").get_by_text("Medium", exact=True).click()
    pick(page, "thumbs up", "👍🏽")
    expect(box).to_have_value("Hello 🦄👍🏽world")

    # The draft (assets/composer.js) saw the inserts: it survives a reload.
    page.reload()
    expect(box).to_have_value("Hello 🦄👍🏽world")
    box.press("Enter")
    expect(page.locator(".message-body", has_text="Hello 🦄👍🏽world")).to_be_visible()
    expect(box).to_have_value("")
    assert bodies(bob, chat_id) == ["Hello 🦄👍🏽world"]


def test_react_with_a_picked_emoji_and_find_it_among_the_recent(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, bob, chat_id, _ = open_dm_page(new_context)
    sent = api(bob, "POST", f"/chats/{chat_id}/messages", json={"body": "launch at noon"})
    assert sent.status_code == 201, sent.text
    theirs = page.locator(".message", has_text="launch at noon")
    theirs.get_by_label("Message actions").click()
    page.get_by_role("menuitem", name="React").click()
    page.get_by_role("menuitem", name="More…").click()
    dialog = page.get_by_role("dialog", name="Add a reaction")
    expect(dialog).to_be_visible()
    pick(page, "rocket", "🚀")
    expect(dialog).to_have_count(0)
    expect(theirs.locator(".reaction")).to_have_text(re.compile(r"🚀\s*1"))
    listed = api(bob, "GET", f"/chats/{chat_id}/messages").json()
    assert [r["emoji"] for r in listed[0]["reactions"]] == ["🚀"]

    # The composer's picker lists it with the frequently used ones, without a search.
    page.get_by_label("Emoji", exact=True).click()
    recent = picker(page).locator('.category[data-id="frequent"]')
    expect(recent.locator('button[aria-label="🚀"]')).to_be_visible()


def publish_story(tokens: dict[str, str], body: str) -> str:
    made = api(tokens, "POST", "/stories", data={"body": body})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def bar_states(page: Page) -> list[str | None]:
    bars = page.locator("#story-bars .story-bar")
    return [bars.nth(i).get_attribute("data-state") for i in range(bars.count())]


# The current bar's clock: how far its animation has run (ms), whether it runs, and the story's
# time on screen (ms).
BAR_CLOCK = """(() => {
    const fill = document.querySelector('#story-bars .story-bar[data-state="current"] > *');
    const animation = fill && fill.getAnimations()[0];
    if (!animation) return null;
    const timing = animation.effect.getComputedTiming();
    return [animation.currentTime, animation.playState, timing.duration];
})()"""


def story_pair(
    new_context: Callable[..., BrowserContext], count: int, padding: str = ""
) -> tuple[Page, dict[str, str], str, list[str]]:
    """Alice posts `count` text stories (short ones show 5 s, each character of `padding` adds
    about 1/15 s); Bob, who follows her, opens her stories."""
    alice, bob = unique("alice"), unique("bob")
    alice_tokens = register(alice, display_name="Alice")
    bob_tokens = register(bob, display_name="Bob")
    assert api(bob_tokens, "POST", f"/users/{alice}/follow").status_code == 200
    ids = [publish_story(alice_tokens, f"story {n} {padding}") for n in range(1, count + 1)]
    page = new_context().new_page()
    ui_login(page, bob, next_path=f"/stories/{alice}")
    expect(page.locator("#story-progress")).to_have_text(f"1 / {count}")
    return page, alice_tokens, alice, ids


def test_stories_show_bars_and_advance_on_their_own_recording_views(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, alice_tokens, alice, _ = story_pair(new_context, 2)
    assert bar_states(page) == ["current", "todo"]
    # About 5 s each, with nothing pressed.
    expect(page.locator("#story-progress")).to_have_text("2 / 2")
    assert bar_states(page) == ["done", "current"]
    expect(page).to_have_url(re.compile(r"/$"))
    shown = api(alice_tokens, "GET", f"/users/{alice}/stories").json()["stories"]
    assert [story["view_count"] for story in shown] == [1, 1]


def test_story_tap_zones_hold_and_escape(new_context: Callable[..., BrowserContext]) -> None:
    # 10 s a story: time enough for the taps on a busy machine.
    page, _, _, _ = story_pair(new_context, 3, padding="·" * 150)
    stage = page.locator("#story-stage")
    box = stage.bounding_box()
    assert box
    right = (box["x"] + box["width"] * 0.8, box["y"] + box["height"] / 2)
    left = (box["x"] + box["width"] * 0.15, box["y"] + box["height"] / 2)

    # A tap on the right two thirds goes forward, on the left third back.
    page.mouse.click(*right)
    expect(page.locator("#story-progress")).to_have_text("2 / 3")
    expect(page.locator("#story-bars .story-bar").nth(1)).to_have_attribute("data-state", "current")
    page.mouse.click(*left)
    expect(page.locator("#story-progress")).to_have_text("1 / 3")
    assert bar_states(page) == ["current", "todo", "todo"]

    # Held, the bar stands still past the moment the story would have ended, and letting go
    # moves nowhere: the story then runs out its time and the next one comes.
    page.mouse.move(*right)
    page.mouse.down()
    page.wait_for_function(f"() => {BAR_CLOCK}?.[1] === 'paused'")
    held_at, _, duration = page.evaluate(BAR_CLOCK)
    ends_unheld = page.evaluate("performance.now()") + duration - held_at
    page.wait_for_function(
        "until => performance.now() > until",
        arg=ends_unheld + 500,
        polling=250,
        timeout=duration + 5_000,
    )
    # Still paused, a full story's time later: the clock moved at most the frame in which the
    # pause took hold (a story left running would be seconds further).
    now_at, state, still = page.evaluate(BAR_CLOCK)
    assert (state, still) == ("paused", duration)
    assert held_at <= now_at <= held_at + 100
    expect(page.locator("#story-progress")).to_have_text("1 / 3")
    page.mouse.up()
    page.wait_for_function(f"() => {BAR_CLOCK}?.[1] === 'running'")
    expect(page.locator("#story-progress")).to_have_text("1 / 3")
    expect(page.locator("#story-progress")).to_have_text("2 / 3", timeout=duration + 5_000)

    # Pause stops the clock until Play.
    page.get_by_label("Pause stories").click()
    page.wait_for_function(f"() => {BAR_CLOCK}?.[1] === 'paused'")
    expect(page.get_by_label("Play stories")).to_have_attribute("aria-pressed", "true")
    page.get_by_label("Play stories").click()
    page.wait_for_function(f"() => {BAR_CLOCK}?.[1] === 'running'")

    # Escape closes the viewer.
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(r"/$"))
