"""A visitor without an account on the public pages: read-only, a sign-up prompt where members
have actions, followers-only posts absent, and the HTML a link crawler gets carries the preview."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique


def publish(tokens: dict[str, str], body: str, visibility: str = "public") -> str:
    response = httpx.post(
        f"{BASE}/api/v1/posts",
        data={"body": body, "visibility": visibility},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    post_id: str = response.json()["id"]
    return post_id


@pytest.fixture
def author(server: str) -> dict[str, str]:
    """An author with a public post and a followers-only one, both under a fresh hashtag."""
    name, tag = unique("pub"), unique("tag")
    tokens = register(name, display_name="Pat <i>Public</i>")
    return {
        "name": name,
        "tag": tag,
        "public": publish(tokens, f"open to all #{tag}"),
        "secret": publish(tokens, f"only followers #{tag}", visibility="followers"),
    }


def expect_read_only(page: Page) -> None:
    """The post on screen offers the join prompt and none of a member's actions."""
    card = page.locator(".post").first
    expect(card.locator(".visitor-prompt")).to_contain_text(
        "Join SocialHub to like, reply and follow"
    )
    expect(card.locator(".like-button")).to_have_count(0)
    expect(card.locator(".report-button")).to_have_count(0)


def test_a_visitor_reads_profiles_posts_explore_and_tags(
    new_context: Callable[..., BrowserContext], author: dict[str, str]
) -> None:
    page = new_context().new_page()

    page.goto(f"/u/{author['name']}")
    expect(page.locator("#profile-display-name")).to_have_text("Pat <i>Public</i>")
    expect(page.get_by_text(f"open to all #{author['tag']}")).to_be_visible()
    expect(page.get_by_text(f"only followers #{author['tag']}")).to_have_count(0)
    expect(page.locator("#follow-button")).to_have_count(0)
    expect(page.locator("#start-dm")).to_have_count(0)
    expect_read_only(page)

    page.goto(f"/p/{author['public']}")
    expect(page.get_by_text(f"open to all #{author['tag']}")).to_be_visible()
    expect_read_only(page)
    expect(page.locator("#comments .visitor-prompt")).to_contain_text("Join SocialHub to reply")
    expect(page.locator("#comment-input")).to_have_count(0)

    page.goto(f"/tag/{author['tag']}")
    expect(page.locator("#feed-title")).to_have_text(f"#{author['tag']}")
    expect(page.get_by_text(f"open to all #{author['tag']}")).to_be_visible()
    expect(page.get_by_text(f"only followers #{author['tag']}")).to_have_count(0)
    expect(page.locator("#join-banner")).to_be_visible()

    page.goto("/explore")
    expect(page.locator("#join-banner")).to_be_visible()
    expect(page.get_by_text(f"open to all #{author['tag']}")).to_be_visible()
    expect_read_only(page)

    page.goto(f"/p/{author['secret']}")
    expect(page.get_by_role("heading", name="Post not found")).to_be_visible()
    expect(page.get_by_text(f"only followers #{author['tag']}")).to_have_count(0)


def test_a_visitor_at_the_front_page_sees_explore_with_the_prompt(
    new_context: Callable[..., BrowserContext], author: dict[str, str]
) -> None:
    page = new_context().new_page()
    page.goto("/")
    expect(page.locator("#join-banner")).to_contain_text("Join SocialHub")
    expect(page.locator("#feed-title")).to_have_text("Explore")
    expect(page.get_by_text(f"open to all #{author['tag']}")).to_be_visible()
    expect(page.locator("#publish-post")).to_have_count(0)
    expect(page).to_have_url(f"{BASE}/")


def test_the_prompts_log_in_comes_back_to_the_page(
    new_context: Callable[..., BrowserContext], author: dict[str, str]
) -> None:
    reader = unique("reader")
    register(reader)
    page = new_context().new_page()
    page.goto(f"/p/{author['public']}")
    page.locator(".post .visitor-login").click()
    expect(page).to_have_url(re.compile(rf"/login\?next=/p/{author['public']}$"))
    page.get_by_label("Username or email").fill(reader)
    page.get_by_label("Password").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{BASE}/p/{author['public']}")
    expect(page.locator(".post .like-button")).to_be_visible()
    expect(page.locator(".visitor-prompt")).to_have_count(0)


def test_the_html_a_crawler_gets_carries_the_preview(author: dict[str, str]) -> None:
    post = httpx.get(f"{BASE}/p/{author['public']}", timeout=10)
    assert post.status_code == 200
    assert '<meta property="og:title" content="Pat &lt;i&gt;Public&lt;/i&gt; on SocialHub' in (
        post.text
    )
    assert f'<meta property="og:description" content="open to all #{author["tag"]}">' in (post.text)
    assert "<i>Public</i>" not in post.text
    assert post.text.count("<title>") == 1
    assert '<div id="root"' in post.text or "<script" in post.text  # still the app's shell

    profile = httpx.get(f"{BASE}/u/{author['name']}", timeout=10)
    title = re.search(r'<meta property="og:title" content="([^"]*)">', profile.text)
    assert title is not None
    assert html.unescape(title.group(1)) == f"Pat <i>Public</i> (@{author['name']}) · SocialHub"

    hidden = httpx.get(f"{BASE}/p/{author['secret']}", timeout=10)
    assert hidden.status_code == 404
    assert "only followers" not in hidden.text
    assert '<meta name="robots" content="noindex">' in hidden.text

    # The prerendered pages: private ones are not indexed, public ones describe themselves.
    messages = httpx.get(f"{BASE}/messages", timeout=10, follow_redirects=True).text
    assert '<meta content="noindex" name="robots"/>' in messages
    explore = httpx.get(f"{BASE}/explore", timeout=10, follow_redirects=True).text
    assert 'name="description"/>' in explore
    assert "noindex" not in explore

    robots = httpx.get(f"{BASE}/robots.txt", timeout=10)
    assert robots.status_code == 200
    assert "Disallow: /messages" in robots.text


def test_a_visitor_logging_in_from_a_profile_sees_its_actions(
    new_context: Callable[..., BrowserContext], author: dict[str, str]
) -> None:
    reader = unique("fan")
    register(reader)
    page = new_context().new_page()
    ui_login(page, reader, next_path=f"/u/{author['name']}")
    expect(page.locator("#follow-button")).to_be_visible()
    expect(page.locator(".visitor-prompt")).to_have_count(0)
