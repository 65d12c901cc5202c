"""The social network in two browsers: follow, befriend, post with an image and a poll, live
updates."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import register, ui_login, unique
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
    expect(b.locator("#followers-count")).to_have_text("1 followers")
    b.locator("#friend-button").click()
    expect(b.locator("#friend-button")).to_have_text("Cancel request")
    b.goto("/")
    expect(b.locator("#feed")).to_be_visible()

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/u/{bob}")
    expect(a.locator("#friend-button")).to_have_text("Accept friend")
    a.locator("#friend-button").click()
    expect(a.locator("#friend-button")).to_have_text("Friends")
    expect(a.locator("#friends-count")).to_have_text("1 friends")
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
    expect(b.locator(".comment", has_text="Looks great")).to_have_count(0)
