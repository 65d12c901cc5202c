"""Link previews in the browser: Alice sends a link to a website on 127.0.0.1 in a DM, Bob
sees its card appear live (title, site name, description, image; the page's markup as plain
text), and Alice removes it from her message's menu: it goes on Bob's side too. A post's link
gets its card the same way, live, and its author removes it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import register, ui_login, unique
from tests.e2e.test_messaging_e2e import dm_pair, send
from tests.support.images import photo_with_exif
from tests.support.website import Page, website

pytestmark = pytest.mark.e2e

ARTICLE = b"""<!doctype html><html><head>
<meta property="og:title" content="Launch &lt;script&gt;alert(1)&lt;/script&gt; day">
<meta property="og:description" content="Everything about the launch.">
<meta property="og:site_name" content="Rocket Weekly">
<meta property="og:image" content="/cover.jpg">
</head><body></body></html>"""


def test_a_link_gets_its_card_live_and_the_sender_removes_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    with website() as site:
        site.pages["/launch"] = Page(ARTICLE)
        site.pages["/cover.jpg"] = Page(photo_with_exif(size=(900, 600)), "image/jpeg")
        a, b, _ = dm_pair(new_context, "hi")
        link = site.url("/launch")
        send(a, f"read this {link}")

        message = b.locator(".message", has_text="read this")
        card = message.locator(".link-preview")
        expect(card).to_be_visible()
        expect(card.locator(".link-preview-title")).to_have_text(
            "Launch <script>alert(1)</script> day"
        )
        expect(card.locator(".link-preview-site")).to_have_text("Rocket Weekly")
        expect(card).to_contain_text("Everything about the launch.")
        expect(card.locator("script")).to_have_count(0)
        expect(card).to_have_attribute("href", link)
        expect(card).to_have_attribute("target", "_blank")
        expect(card).to_have_attribute("rel", "noopener noreferrer nofollow")
        image = card.locator("img.link-preview-image")
        expect(image).to_have_attribute("src", re.compile(r"^/api/v1/media/link-previews/"))
        # The re-encoded image really loads (a decoded WebP, not a broken icon).
        b.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=image.element_handle())
        assert site.paths().count("/launch") == 1

        # Only the sender has the action; it removes the card for everyone.
        b.locator(".message", has_text="read this").get_by_label("Message actions").click()
        expect(b.get_by_role("menuitem", name="Delete for me")).to_be_visible()
        expect(b.get_by_role("menuitem", name="Remove preview")).to_have_count(0)
        b.keyboard.press("Escape")
        mine = a.locator(".message", has_text="read this")
        expect(mine.locator(".link-preview")).to_be_visible()
        mine.get_by_label("Message actions").click()
        a.get_by_role("menuitem", name="Remove preview").click()
        expect(a.get_by_text("Preview removed")).to_be_visible()
        expect(mine.locator(".link-preview")).to_have_count(0)
        expect(card).to_have_count(0)


def test_a_posts_link_gets_its_card_live_and_its_author_removes_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice = unique("alice")
    register(alice, display_name="Alice")
    with website() as site:
        site.pages["/trail"] = Page(
            b'<title>Trail guide</title><meta name="description" content="Ten walks.">'
        )
        a = new_context().new_page()
        ui_login(a, alice)
        a.get_by_label("New post").fill(f"Walk with me {site.url('/trail')}")
        a.locator("#publish-post").click()
        mine = a.locator(".post", has_text="Walk with me")
        expect(mine).to_be_visible()
        card = mine.locator(".link-preview")
        expect(card.locator(".link-preview-title")).to_have_text("Trail guide")
        expect(card).to_contain_text("Ten walks.")
        expect(card).to_have_attribute("rel", "noopener noreferrer nofollow")
        mine.get_by_label("Remove preview").click()
        expect(a.get_by_text("Preview removed")).to_be_visible()
        expect(card).to_have_count(0)
