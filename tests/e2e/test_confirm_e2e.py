"""What cannot be undone is asked first (Cancel keeps, the red button does), and what the
screens say is true: Block or Unblock, a removed member told so, counts with their plurals."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique


def api(tokens: dict[str, str], method: str, path: str, **kwargs: object) -> httpx.Response:
    response = httpx.request(
        method,
        f"{BASE}/api/v1{path}",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=15,
        **kwargs,  # type: ignore[arg-type]
    )
    assert response.status_code < 300, response.text
    return response


def signed_in(new_context: Callable[..., BrowserContext], username: str, path: str) -> Page:
    page = new_context().new_page()
    ui_login(page, username, next_path="" if path == "/" else path)
    return page


def cancel(page: Page, title: str) -> None:
    """The dialog says what it asks; Cancel closes it and nothing happens."""
    asked = page.get_by_role("alertdialog")
    expect(asked).to_be_visible()
    expect(asked).to_contain_text(title)
    asked.get_by_role("button", name="Cancel").click()
    expect(asked).to_have_count(0)


def confirm(page: Page, action: str) -> None:
    asked = page.get_by_role("alertdialog")
    expect(asked).to_be_visible()
    asked.get_by_role("button", name=action, exact=True).click()
    expect(asked).to_have_count(0)


def test_deleting_a_post_or_a_comment_is_asked_first(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice = unique("alice")
    tokens = register(alice)
    post = api(tokens, "POST", "/posts", data={"body": "A post to keep, then not"}).json()
    api(tokens, "POST", f"/posts/{post['id']}/comments", json={"body": "A comment to drop"})
    a = signed_in(new_context, alice, f"/p/{post['id']}")

    comment = a.locator(".comment", has_text="A comment to drop")
    comment.get_by_label("Delete comment").click()
    cancel(a, "Delete this comment?")
    expect(comment).to_be_visible()
    # The keyboard: the dialog starts on Cancel, and Escape cancels too.
    comment.get_by_label("Delete comment").click()
    expect(a.get_by_role("button", name="Cancel")).to_be_focused()
    a.keyboard.press("Escape")
    expect(a.get_by_role("alertdialog")).to_have_count(0)
    expect(comment).to_be_visible()
    comment.get_by_label("Delete comment").click()
    confirm(a, "Delete comment")
    expect(comment).to_have_count(0)

    card = a.locator(".post", has_text="A post to keep, then not").first
    card.get_by_label("Delete post").click()
    cancel(a, "Delete this post?")
    a.reload()
    expect(card).to_be_visible()
    card.get_by_label("Delete post").click()
    confirm(a, "Delete post")
    expect(a.get_by_text("A post to keep, then not")).to_have_count(0)


def test_deleting_a_story_is_asked_first(new_context: Callable[..., BrowserContext]) -> None:
    alice = unique("alice")
    tokens = register(alice)
    api(tokens, "POST", "/stories", data={"body": "Gone in a day"})
    a = signed_in(new_context, alice, "/")
    a.locator(f"#ring-{alice}").click()
    expect(a.locator("#story-viewer")).to_contain_text("Gone in a day")
    a.locator("#delete-story").click()
    cancel(a, "Delete this story?")
    expect(a.locator("#story-viewer")).to_contain_text("Gone in a day")
    a.locator("#delete-story").click()
    confirm(a, "Delete story")
    expect(a.get_by_text("Story deleted").first).to_be_visible()
    assert api(tokens, "GET", f"/users/{alice}/stories").json()["stories"] == []


def test_group_removal_leaving_and_delete_for_everyone(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob, carol, dave = (unique(n) for n in ("alice", "bob", "carol", "dave"))
    tokens = register(alice, "Alice")
    bob_tokens = register(bob, "Bob")
    register(carol, "Carol")
    register(dave, "Dave")
    group = api(
        tokens, "POST", "/chats", json={"title": "Hikers", "usernames": [bob, carol]}
    ).json()["id"]
    api(bob_tokens, "POST", f"/chats/{group}/messages", json={"body": "said before removal"})
    a = signed_in(new_context, alice, f"/messages/{group}")
    b = signed_in(new_context, bob, f"/messages/{group}")
    expect(b.locator(".message", has_text="said before removal")).to_be_visible()
    expect(a.locator("#chat-members")).to_have_text("3 members")

    # Delete for everyone: the menu asks first.
    a.get_by_label("Message", exact=True).fill("one to take back")
    a.get_by_label("Message", exact=True).press("Enter")
    mine = a.locator(".message", has_text="one to take back")
    expect(b.locator(".message", has_text="one to take back")).to_be_visible()
    mine.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Delete for everyone").click()
    cancel(a, "Delete for everyone?")
    expect(b.locator(".message", has_text="one to take back")).to_be_visible()
    mine.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Delete for everyone").click()
    confirm(a, "Delete for everyone")
    expect(b.get_by_text("This message was deleted")).to_be_visible()

    # Removing a member: asked, then bob is told and keeps what was said up to then.
    a.get_by_label("Chat info").click()
    info = a.get_by_role("dialog")
    expect(info.locator("#info-members")).to_have_text("3 members")
    info.get_by_label(f"Manage {bob}").click()
    a.get_by_role("menuitem", name="Remove from group").click()
    cancel(a, "Remove Bob from the group?")
    expect(info.locator(".member-row", has_text=bob)).to_be_visible()
    info.get_by_label(f"Manage {bob}").click()
    a.get_by_role("menuitem", name="Remove from group").click()
    confirm(a, "Remove")
    expect(info.locator(".member-row", has_text=bob)).to_have_count(0)
    expect(info.locator("#info-members")).to_have_text("2 members")

    expect(b.locator("#removed-notice")).to_contain_text(
        f"You were removed from this group by {alice}"
    )
    expect(b.get_by_label("Message", exact=True)).to_have_count(0)
    expect(b.locator(".message", has_text="said before removal")).to_be_visible()
    # After a reload too, and the chat stays in the list, ending with the removal.
    b.reload()
    expect(b.locator("#removed-notice")).to_be_visible()
    expect(b.locator(".message", has_text="said before removal")).to_be_visible()
    expect(b.get_by_label("Chat with Hikers")).to_contain_text(f"{alice} removed {bob}")
    api(tokens, "POST", f"/chats/{group}/messages", json={"body": "bob cannot read this"})
    expect(a.locator(".message", has_text="bob cannot read this")).to_be_attached()
    b.reload()
    expect(b.locator("#removed-notice")).to_be_visible()
    expect(b.get_by_text("bob cannot read this")).to_have_count(0)

    # Adding a member counts them once, in the dialog and the header alike.
    a.get_by_label("Add members").fill(dave)
    a.get_by_label(f"Choose {dave}").click()
    a.get_by_role("button", name="Add", exact=True).click()
    expect(info.locator(".member-row", has_text=dave)).to_be_visible()
    expect(info.locator("#info-members")).to_have_text("3 members")
    expect(a.locator("#chat-members")).to_have_text("3 members")

    # Leaving: asked, Cancel stays, confirming leaves.
    info.get_by_role("button", name="Leave group").click()
    cancel(a, "Leave Hikers?")
    expect(a).to_have_url(re.compile(f"/messages/{group}"))
    info.get_by_role("button", name="Leave group").click()
    confirm(a, "Leave group")
    expect(a).to_have_url(re.compile(r"/messages/?$"))
    expect(a.get_by_label("Chat with Hikers")).to_have_count(0)


def test_block_or_unblock_never_both_and_asked_first(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob = unique("alice"), unique("bob")
    tokens = register(alice, "Alice")
    register(bob, "Bob")
    chat = api(tokens, "POST", "/chats/dm", json={"username": bob}).json()["id"]
    a = signed_in(new_context, alice, f"/messages/{chat}")
    a.get_by_label("Chat info").click()
    info = a.get_by_role("dialog")
    block, unblock = (info.get_by_role("button", name=n, exact=True) for n in ("Block", "Unblock"))
    expect(block).to_be_visible()
    expect(unblock).to_have_count(0)
    block.click()
    cancel(a, "Block Bob?")
    expect(block).to_be_visible()
    assert api(tokens, "GET", "/blocks").json() == []
    block.click()
    confirm(a, "Block")
    expect(unblock).to_be_visible()
    expect(block).to_have_count(0)

    # The profile tells the same truth, and asks the same way.
    a.goto(f"/u/{bob}")
    button = a.locator("#block-button")
    expect(button).to_have_text("Unblock")
    button.click()
    expect(button).to_have_text("Block")
    button.click()
    cancel(a, f"Block @{bob}?")
    expect(button).to_have_text("Block")
    button.click()
    confirm(a, "Block")
    expect(button).to_have_text("Unblock")
    assert [u["username"] for u in api(tokens, "GET", "/blocks").json()] == [bob]


def test_counts_say_one_follower_and_two_followers(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    register(alice)
    bob_tokens = register(bob)
    carol_tokens = register(carol)
    api(bob_tokens, "POST", f"/users/{alice}/follow")
    a = signed_in(new_context, alice, f"/u/{alice}")
    expect(a.locator("#followers-count")).to_have_text("1 follower")
    expect(a.locator("#following-count")).to_have_text("0 following")
    expect(a.locator("#friends-count")).to_have_text("0 friends")
    api(carol_tokens, "POST", f"/users/{alice}/follow")
    expect(a.locator("#followers-count")).to_have_text("2 followers")
    api(bob_tokens, "POST", f"/users/{alice}/friend-request")
    a.goto(f"/u/{bob}")
    a.locator("#friend-button").click()
    a.goto(f"/u/{alice}")
    expect(a.locator("#friends-count")).to_have_text("1 friend")
