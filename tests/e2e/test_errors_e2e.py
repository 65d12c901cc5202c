"""Errors once and where they belong, and reading comfort in post cards, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique
from tests.support import images

pytestmark = pytest.mark.e2e

TOAST = "[data-sonner-toast]"


def post_as(tokens: dict[str, str], body: str, *, image: bytes | None = None) -> str:
    files = [("images", ("view.png", image, "image/png"))] if image else None
    response = httpx.post(
        f"{BASE}/api/v1/posts",
        data={"body": body},
        files=files,
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def signed_in(new_context: Callable[..., BrowserContext]) -> tuple[Page, dict[str, str]]:
    """A new user's signed-in page, and the user's API tokens."""
    name = unique("err")
    tokens = register(name)
    page = new_context().new_page()
    ui_login(page, name)
    return page, tokens


def test_signup_shows_every_wrong_field_under_it_and_no_toast(
    new_context: Callable[..., BrowserContext],
) -> None:
    taken = unique("taken")
    register(taken)
    page = new_context().new_page()
    page.goto("/signup")
    page.get_by_label("Username").fill(taken.upper())
    page.get_by_label("Email").fill("a@b")  # the browser accepts it, the server does not
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Confirm password").fill("different")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#username-error")).to_have_text("this username is taken")
    expect(page.locator("#email-error")).to_have_text("enter a valid email address")
    expect(page.locator("#password-error")).to_contain_text("at least 8 characters")
    expect(page.locator("#confirm-error")).to_have_text("the passwords do not match")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(TOAST)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/signup"))

    # Fixing one field leaves the others shown, and only those.
    page.get_by_label("Confirm password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#confirm-error")).to_have_count(0)
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator(TOAST)).to_have_count(0)


def test_an_error_that_belongs_to_no_field_is_one_toast(
    new_context: Callable[..., BrowserContext],
) -> None:
    name = unique("lone")
    register(name)
    page = new_context().new_page()
    page.goto("/login")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(TOAST)).to_have_text(re.compile("wrong username, email or password"))
    expect(page.locator(TOAST)).to_have_count(1)
    expect(page.locator("#login-error")).to_have_count(0)


def test_a_text_file_as_avatar_gets_exactly_one_clear_message(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, _ = signed_in(new_context)
    page.goto("/settings")
    expect(page.get_by_role("heading", name="Avatar")).to_be_visible()
    page.locator("#avatar-upload input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"just some notes"}]
    )
    toast = page.locator(TOAST)
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("not an image we accept: choose a JPEG, PNG, WebP or GIF")
    expect(page.get_by_text("Files not Accepted")).to_have_count(0)
    expect(page.get_by_text("choose an image first")).to_have_count(0)
    expect(page.get_by_text("File type must be")).to_have_count(0)

    # Text named .png passes the browser; the server sniffs it and refuses it, once too.
    page.reload()
    expect(page.get_by_role("heading", name="Avatar")).to_be_visible()
    page.locator("#avatar-upload input[type=file]").set_input_files(
        files=[{"name": "fake.png", "mimeType": "image/png", "buffer": b"not a picture at all"}]
    )
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text("only JPEG, PNG, WebP or GIF images are accepted")
    expect(page.locator("#settings-avatar img")).to_have_count(0)


def test_missing_post_and_profile_say_not_found_without_a_toast(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, _ = signed_in(new_context)
    page.goto("/p/01NOSUCHPOST0000000000000")
    expect(page.get_by_role("heading", name="Post not found")).to_be_visible()
    page.goto("/u/no_such_person_here")
    expect(page.get_by_role("heading", name="No such user")).to_be_visible()
    expect(page.locator(TOAST)).to_have_count(0)
    page.goto("/p/01NOSUCHPOST0000000000000")
    expect(page.get_by_role("heading", name="Post not found")).to_be_visible()
    expect(page.locator(TOAST)).to_have_count(0)


def test_an_unknown_url_is_a_styled_404_with_a_way_home(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, _ = signed_in(new_context)
    response = page.goto("/no/such/deep/path")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    # Inside the app shell, navigation and all.
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page).to_have_title(re.compile("Page not found"))
    page.get_by_role("link", name="Back home").click()
    expect(page).to_have_url(f"{BASE}/")
    expect(page.get_by_role("heading", name="Page not found")).to_have_count(0)

    visitor = new_context().new_page()
    visitor.goto("/u/someone/not-a-page")
    expect(visitor.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(visitor.get_by_role("link", name="Back home")).to_have_attribute("href", "/")


def test_a_long_post_collapses_and_expands(new_context: Callable[..., BrowserContext]) -> None:
    page, tokens = signed_in(new_context)
    long_id = post_as(tokens, "\n\n".join(f"Paragraph {n} of a long story." for n in range(1, 21)))
    short_id = post_as(tokens, "A short one.")
    page.goto("/")
    long_card = page.locator(f".post[data-post-id='{long_id}']")
    short_card = page.locator(f".post[data-post-id='{short_id}']")
    body = long_card.locator(".post-body")
    expect(body).to_contain_text("Paragraph 20")
    more = long_card.get_by_role("button", name="Show more")
    expect(more).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(short_card.locator(".post-body")).to_have_text("A short one.")
    expect(short_card.get_by_role("button", name="Show more")).to_be_hidden()

    def clipped() -> bool:
        return bool(body.evaluate("(el) => el.scrollHeight > el.clientHeight + 2"))

    assert clipped()
    height = body.evaluate("(el) => el.clientHeight")
    line = body.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight)")
    assert 7 * line <= height <= 9 * line
    more.click()
    less = long_card.get_by_role("button", name="Show less")
    expect(less).to_have_attribute("aria-expanded", "true")
    assert not clipped()
    assert body.evaluate("(el) => el.clientHeight") > 2 * height
    less.click()
    expect(long_card.get_by_role("button", name="Show more")).to_be_visible()
    assert clipped()


def test_an_image_opens_in_a_lightbox_and_escape_closes_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, tokens = signed_in(new_context)
    post_id = post_as(tokens, "A tall picture", image=images.png((400, 2000), (30, 90, 200)))
    page.goto(f"/p/{post_id}")
    thumb = page.locator(".post .post-image")
    expect(thumb).to_be_visible()
    box = thumb.bounding_box()
    assert box is not None
    assert box["height"] <= 28 * 16 + 1  # bounded, though the image is five times taller
    assert thumb.evaluate("(el) => getComputedStyle(el).objectFit") == "cover"

    page.get_by_role("button", name="Open image").click()
    lightbox = page.get_by_role("dialog", name="Image")
    expect(lightbox).to_be_visible()
    big = lightbox.locator("img")
    expect(big).to_have_attribute("alt", "Image in the post")
    expect(big).to_have_attribute("src", re.compile(r"-1600\.webp"))
    expect(lightbox.get_by_role("button", name="Close image")).to_be_focused()
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(page.get_by_role("button", name="Open image")).to_be_focused()

    page.get_by_role("button", name="Open image").click()
    expect(lightbox).to_be_visible()
    lightbox.get_by_role("button", name="Close image").click()
    expect(lightbox).to_be_hidden()


def test_the_comment_box_clears_after_a_comment(
    new_context: Callable[..., BrowserContext],
) -> None:
    page, tokens = signed_in(new_context)
    post_id = post_as(tokens, "Comment on me")
    page.goto(f"/p/{post_id}")
    box = page.get_by_label("Comment", exact=True)
    box.fill("First!")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator(".comment-body")).to_have_text("First!")
    expect(box).to_have_value("")
    box.fill("Second")
    box.press("Enter")
    expect(page.locator(".comment-body")).to_have_count(2)
    expect(box).to_have_value("")
