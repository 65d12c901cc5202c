"""Accessibility basics Lighthouse checks, held in the browser: every control has a name,
links inside text are underlined, small links are at least 24 px tall."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e

# A role that needs a name, shown by Playwright's ARIA snapshot without one: `- button` or
# `- combobox:` rather than `- button "Post"`.
UNNAMED = re.compile(
    r"^\s*- (button|combobox|textbox|checkbox|switch|link|slider)\s*(\[.*\])?:?\s*$"
)


def unnamed_controls(page: Page) -> list[str]:
    snapshot = page.locator("body").aria_snapshot()
    return [line for line in snapshot.splitlines() if UNNAMED.match(line)]


def test_home_and_explore_name_every_control_and_mark_links(
    new_context: Callable[..., BrowserContext],
) -> None:
    author = unique("a11y")
    tokens = register(author, display_name="Ada")
    created = httpx.post(
        f"{BASE}/api/v1/posts",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        data={"body": "Morning swim #lake"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    page = new_context().new_page()
    ui_login(page, author)
    post = page.locator(".post", has_text="Morning swim")
    expect(post).to_be_visible()
    assert unnamed_controls(page) == []
    expect(page.get_by_role("button", name="Add a story")).to_have_attribute(
        "aria-haspopup", "dialog"
    )
    expect(page.get_by_role("combobox", name="Who can see it")).to_be_visible()
    expect(page.locator("#post-images input[type=file]")).to_have_attribute(
        "aria-label", "Add images"
    )

    tag = post.locator("a.hashtag")
    expect(tag).to_have_css("text-decoration-line", "underline")
    author_link = post.get_by_role("link", name="Ada")
    box = author_link.bounding_box()
    assert box is not None
    assert box["height"] >= 24, box

    page.goto("/explore")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert unnamed_controls(page) == []
