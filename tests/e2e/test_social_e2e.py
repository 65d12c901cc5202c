"""The social network in two browsers: follow, befriend, post with an image and a poll, live
updates."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import BASE, AppServer, register, ui_login, unique
from tests.support import images

pytestmark = pytest.mark.e2e


def test_follow_post_like_vote_and_comment_live(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/u/{alice}")
    b.locator("#follow-button").click()
    expect(b.locator("#follow-button")).to_have_text("Following")
    expect(b.locator("#followers-count")).to_have_text("1 follower")
    b.locator("#friend-button").click()
    expect(b.locator("#friend-button")).to_have_text("Cancel request")
    b.goto("/")
    expect(b.locator("#feed")).to_be_visible()

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/u/{bob}")
    expect(a.locator("#friend-button")).to_have_text("Accept friend")
    a.locator("#friend-button").click()
    expect(a.locator("#friend-button")).to_have_text("Friends")
    expect(a.locator("#friends-count")).to_have_text("1 friend")
    a.goto("/")
    picture = tmp_path / "summit.png"
    picture.write_bytes(images.png(size=(800, 600)))
    a.get_by_label("New post").fill("Summit day #alps with @" + bob)
    a.locator("#post-images input[type=file]").set_input_files(str(picture))
    expect(a.locator("#selected-images")).to_contain_text("summit.png")
    a.get_by_label("Add a poll").click()
    a.get_by_label("Poll option 1").fill("Yes")
    a.get_by_label("Poll option 2").fill("No")
    a.locator("#publish-post").click()
    mine = a.locator(".post", has_text="Summit day")
    expect(mine).to_be_visible()
    expect(mine.locator(".post-image")).to_have_count(1)

    # Bob's feed offers the new post as a pill, then shows it on top.
    pill = b.locator("#new-posts-pill")
    expect(pill).to_have_text(re.compile(r"1 new post$"))
    pill.click()
    theirs = b.locator(".post", has_text="Summit day")
    expect(theirs.locator(".post-image")).to_have_count(1)
    expect(theirs.locator("a.hashtag")).to_have_attribute("href", "/tag/alps")

    theirs.get_by_label("Like").click()
    expect(mine.locator(".like-button")).to_contain_text("1")
    theirs.get_by_label("Vote Yes").click()
    expect(theirs.locator(".poll-percent").first).to_have_text("100%")
    expect(mine.locator(".poll-percent").first).to_have_text("100%")
    expect(mine.locator(".poll-summary")).to_contain_text("1 vote")

    theirs.get_by_label("Open post").click()
    expect(b).to_have_url(re.compile(r"/p/[0-9a-f]{32}"))
    b.get_by_label("Comment", exact=True).fill("Looks great <script>alert(1)</script>")
    b.get_by_role("button", name="Comment", exact=True).click()
    expect(b.locator(".comment", has_text="Looks great")).to_be_visible()
    expect(mine.locator(".comment-count")).to_contain_text("1")

    mine.get_by_label("Open post").click()
    comment = a.locator(".comment", has_text="Looks great")
    expect(comment).to_contain_text("<script>alert(1)</script>")
    assert comment.locator("script").count() == 0
    # The post's author may delete any comment under it; Bob's page follows live.
    comment.get_by_label("Delete comment").click()
    a.locator("#confirm-action").click()  # it cannot be undone: asked first
    expect(b.locator(".comment", has_text="Looks great")).to_have_count(0)


def test_a_story_rings_for_followers_and_lists_its_viewers_live(
    new_context: Callable[..., BrowserContext], tmp_path: Path
) -> None:
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    bob_tokens = register(bob, display_name="Bob")
    followed = httpx.post(
        f"{BASE}/api/v1/users/{alice}/follow",
        headers={"Authorization": f"Bearer {bob_tokens['access_token']}"},
        timeout=10,
    )
    assert followed.status_code == 200
    b = new_context().new_page()
    ui_login(b, bob)
    expect(b.locator("#story-tray")).to_be_visible()
    expect(b.locator(f"#ring-{alice}")).to_have_count(0)

    # Alice shares a text story, then a picture with a caption.
    a = new_context().new_page()
    ui_login(a, alice)
    a.locator("#add-story").click()
    a.get_by_label("Story text").fill("Off to the <b>mountains</b>")
    a.get_by_role("radio", name="jade").click()
    a.locator("#publish-story").click()
    expect(a.locator(f"#ring-{alice}")).to_contain_text("Your story")
    picture = tmp_path / "peak.jpg"
    picture.write_bytes(images.photo_with_exif(size=(900, 1200)))
    a.locator("#add-story").click()
    a.get_by_label("Story text").fill("The peak")
    a.locator("#story-image input[type=file]").set_input_files(str(picture))
    a.locator("#publish-story").click()
    expect(a.get_by_text("Story added").first).to_be_visible()

    # Bob's tray gains Alice's ring live, coloured while unseen.
    ring = b.locator(f"#ring-{alice} .sh-ring")
    expect(ring).to_have_attribute("data-unseen", "true")

    # Alice watches her first story with its (empty) viewer list open.
    a.locator(f"#ring-{alice}").click()
    expect(a.locator("#story-progress")).to_have_text("1 / 2")
    # Stories move on by themselves; paused, the steps below are the test's.
    a.get_by_label("Pause stories").click()
    a.locator("#story-viewers-button").click()
    expect(a.locator("#story-viewers")).to_contain_text("Nobody has seen it yet")

    b.locator(f"#ring-{alice}").click()
    expect(b.locator("#story-progress")).to_have_text("1 / 2")
    b.get_by_label("Pause stories").click()
    shown = b.locator("#story-viewer")
    expect(shown).to_contain_text("Off to the <b>mountains</b>")
    assert shown.locator("b").count() == 0
    b.locator("#story-next").click()
    expect(b.locator("#story-progress")).to_have_text("2 / 2")
    expect(shown.get_by_role("img", name="Story picture")).to_be_visible()
    expect(shown).to_contain_text("The peak")
    b.locator("#story-next").click()
    expect(b).to_have_url(re.compile(r"/$"))
    expect(ring).to_have_attribute("data-unseen", "false")

    # Bob shows up in Alice's viewer list without a reload.
    expect(a.locator("#story-viewers .story-viewer")).to_contain_text("Bob")
    expect(a.locator("#story-viewers-button")).to_contain_text("Seen by 1")
    a.locator("#delete-story").click()
    a.locator("#confirm-action").click()  # it cannot be undone: asked first
    expect(a.locator("#story-progress")).to_have_text("1 / 1")


def test_trending_on_explore_and_reporting_a_post(
    new_context: Callable[..., BrowserContext], app_server: AppServer
) -> None:
    alice, bob = unique("alice"), unique("bob")
    tag = unique("trend").replace("_", "")
    for name in (alice, bob):
        tokens = register(name, display_name=name.title())
        published = httpx.post(
            f"{BASE}/api/v1/posts",
            data={"body": f"Look at this #{tag}"},
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
            timeout=10,
        )
        assert published.status_code == 201, published.text
    # The periodic job, run as the worker runs it, on the server's database.
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from backend_jobs import social; social.refresh_trending.call_local()",
        ],
        env=app_server.env,
        check=True,
    )
    b = new_context().new_page()
    ui_login(b, bob, next_path="/explore")
    trend = b.locator("#trending .trend", has_text=tag)
    expect(trend).to_contain_text("2 people")
    trend.click()
    expect(b.locator("#feed-title")).to_have_text(f"#{tag}")

    theirs = b.locator(".post", has_text=alice)
    theirs.get_by_label("Report post").click()
    b.get_by_role("button", name="Send report").click()
    expect(b.get_by_text("Thanks: the moderators will look at it")).to_be_visible()
    theirs.get_by_label("Report post").click()
    b.get_by_role("button", name="Send report").click()
    expect(b.get_by_text("you have already reported this")).to_be_visible()
    expect(b.get_by_role("dialog")).to_be_visible()  # still open: nothing was sent


def test_edit_quote_comment_edit_and_infinite_scroll(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice = unique("alice")
    tokens = register(alice, display_name="Alice")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    for n in range(25):
        made = httpx.post(
            f"{BASE}/api/v1/posts", data={"body": f"Entry number {n}."}, headers=headers, timeout=10
        )
        assert made.status_code == 201, made.text
    a = new_context().new_page()
    ui_login(a, alice)
    cards = a.locator(".post")
    expect(cards).to_have_count(20)
    # Scrolling to the end loads the next page without a click.
    a.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(25)
    expect(a.locator("#load-more")).to_have_count(0)

    # Edit a post in place: it shows the new text, marked edited.
    top = cards.first
    expect(top).to_contain_text("Entry number 24.")
    top.get_by_label("Edit post").click()
    top.get_by_label("Edit text").fill("Entry number 24, corrected #fixed")
    top.get_by_role("button", name="Save").click()
    expect(top).to_contain_text("corrected")
    expect(top).to_contain_text("edited")
    expect(top.locator("a.hashtag")).to_have_attribute("href", "/tag/fixed")

    # Quote a post: the quote appears on top with the quoted text inside.
    cards.filter(has_text="Entry number 20.").get_by_label("Quote").click()
    a.get_by_label("Quote text").fill("Still true today")
    a.get_by_role("button", name="Post quote").click()
    quote = cards.first
    expect(quote).to_contain_text("Still true today")
    expect(quote.locator(".quoted-post")).to_contain_text("Entry number 20.")

    # Comment, then edit the comment.
    quote.get_by_label("Open post").click()
    a.get_by_label("Comment", exact=True).fill("first tkae")
    a.get_by_role("button", name="Comment", exact=True).click()
    comment = a.locator(".comment", has_text="first tkae")
    comment.get_by_label("Edit comment").click()
    comment.get_by_label("Edit text").fill("first take")
    comment.get_by_role("button", name="Save").click()
    fixed = a.locator(".comment", has_text="first take")
    expect(fixed).to_contain_text("edited")

    # Once the quoted post is gone, the quote says so.
    a.goto("/")
    original = cards.filter(has_text="Entry number 20.").filter(has_not_text="Still true")
    original.get_by_label("Delete post").click()
    a.locator("#confirm-action").click()  # it cannot be undone: asked first
    expect(original).to_have_count(0)
    a.reload()
    quote = cards.filter(has_text="Still true today")
    expect(quote.locator(".quoted-post")).to_have_text("This post is unavailable")


def test_a_post_narrowed_to_followers_leaves_a_non_followers_open_pages(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, carol = unique("alice"), unique("carol")
    tokens = register(alice, display_name="Alice")
    register(carol, display_name="Carol")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    made = httpx.post(
        f"{BASE}/api/v1/posts", data={"body": "Open plans for all"}, headers=headers, timeout=10
    )
    assert made.status_code == 201, made.text
    post_id = made.json()["id"]

    def edit(**change: str) -> None:
        edited = httpx.patch(
            f"{BASE}/api/v1/posts/{post_id}", json=change, headers=headers, timeout=10
        )
        assert edited.status_code == 200, edited.text

    # Carol, who does not follow Alice, has the post open, and explore in another tab.
    context = new_context()
    c = context.new_page()
    ui_login(c, carol, next_path=f"/p/{post_id}")
    expect(c.locator(".post")).to_contain_text("Open plans for all")
    explore = context.new_page()
    explore.goto("/explore")
    expect(explore.locator(".post", has_text="Open plans for all")).to_have_count(1)

    # A public edit reaches both tabs live...
    edit(body="Open plans, revised")
    expect(c.locator(".post")).to_contain_text("Open plans, revised")
    expect(explore.locator(".post", has_text="Open plans, revised")).to_have_count(1)

    # ...narrowing it to followers takes it off both, and its new text never shows.
    edit(body="Secret plans", visibility="followers")
    expect(c.get_by_role("heading", name="Post not found")).to_be_visible()
    expect(c.locator(".post")).to_have_count(0)
    expect(explore.locator(".post", has_text="plans")).to_have_count(0)
    for page in (c, explore):
        expect(page.get_by_text("Secret plans")).to_have_count(0)


def test_follower_lists_and_friend_requests_pages(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, carol, dave = unique("alice"), unique("carol"), unique("dave")
    register(alice, display_name="Alice")
    for name in (carol, dave):
        tokens = register(name, display_name=name.title())
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        followed = httpx.post(f"{BASE}/api/v1/users/{alice}/follow", headers=headers, timeout=10)
        assert followed.status_code == 200
    asked = httpx.post(
        f"{BASE}/api/v1/users/{alice}/friend-request", headers=headers, timeout=10
    )  # dave asks
    assert asked.status_code == 200, asked.text

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/u/{alice}")
    a.locator("#followers-count").click()
    expect(a.locator("#people-title")).to_have_text("Followers")
    rows = a.locator("#people-list .person-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(dave.title())  # newest first
    expect(rows.first).to_contain_text("Follows you")
    rows.first.get_by_role("button", name="Follow").click()
    expect(rows.first.locator(".row-follow")).to_have_text("Following")

    a.goto(f"/u/{alice}/following")
    # Until the page's load has run, the followers list may still be on screen: wait for it.
    expect(a.locator("#people-title")).to_have_text("Following")
    expect(a.locator("#people-list .person-row")).to_have_count(1)
    expect(a.locator("#people-list .person-row")).to_contain_text(dave.title())

    a.get_by_role("link", name="Friends").first.click()
    expect(a.locator("#people-title")).to_have_text("Friends")
    expect(a.locator("#people-list")).to_contain_text("Nobody here yet")
    a.get_by_role("button", name="Requests").click()
    expect(a.locator("#people-title")).to_have_text("Friend requests")
    request = a.locator("#people-list .person-row", has_text=dave.title())
    request.get_by_role("button", name="Accept").click()
    expect(request).to_have_count(0)
    a.get_by_role("button", name="Friends", exact=True).click()
    friend = a.locator("#people-list .person-row", has_text=dave.title())
    expect(friend).to_contain_text("Friend")


def test_a_post_over_the_limit_shows_the_counter_and_is_refused(
    new_context: Callable[..., BrowserContext],
) -> None:
    """No silent cut to 5,000 characters: the box counts near the limit, and Post is refused
    with a message while the text is over it, which stays for shortening."""
    alice = unique("alice")
    register(alice, display_name="Alice")
    a = new_context().new_page()
    ui_login(a, alice)
    draft = a.get_by_label("New post")
    counter = a.locator(".sh-counted", has=draft).locator(".sh-counter")
    draft.fill("x" * 4_950)
    expect(counter).to_have_text("4,950 / 5,000")
    expect(counter).to_have_attribute("data-over", "false")
    draft.fill("z" * 5_100)
    expect(counter).to_have_text("5,100 / 5,000")
    expect(counter).to_have_attribute("data-over", "true")
    a.locator("#publish-post").click()
    expect(
        a.get_by_text("Text is too long: 5,100 characters, the limit is 5,000", exact=False)
    ).to_be_visible()
    expect(draft).to_have_value("z" * 5_100)
    expect(a.locator(".post")).to_have_count(0)
    a.reload()
    expect(a.locator("#feed")).to_be_visible()
    expect(a.locator(".post")).to_have_count(0)
