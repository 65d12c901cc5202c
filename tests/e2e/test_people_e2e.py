"""Getting started in the browser: @mention autocomplete in a message and a post (chat members
first, Enter picks instead of sending), the people picker creating a group and adding members,
the invite link's copy and share buttons, the preview before joining, and people to follow on
a new user's empty home."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


def auth(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def api_group(tokens: dict[str, str], title: str, usernames: list[str]) -> str:
    response = httpx.post(
        f"{BASE}/api/v1/chats",
        json={"title": title, "usernames": usernames},
        headers=auth(tokens),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    chat: str = response.json()["id"]
    return chat


def mention_options(page: Page) -> list[str]:
    return [
        str(name)
        for name in page.locator("#mention-list [role=option]").evaluate_all(
            "items => items.map(item => item.dataset.username)"
        )
    ]


def test_mention_autocomplete_in_a_message_offers_members_first(
    new_context: Callable[..., BrowserContext],
) -> None:
    base = unique("mn")
    owner, member, other = base + "owner", base + "zmember", base + "aother"
    owner_tokens = register(owner, display_name="Owner")
    register(member, display_name="Member")
    register(other, display_name="Other")
    chat = api_group(owner_tokens, "Mentioners", [member])
    page = new_context().new_page()
    ui_login(page, owner, next_path=f"/messages/{chat}")
    box = page.get_by_label("Message", exact=True)

    box.press_sequentially(f"hi @{base}")
    popup = page.locator("#mention-popup")
    expect(popup).to_be_visible()
    expect(page.locator("#mention-list [role=option]")).to_have_count(2)
    # The member sorts after the other by name, yet comes first: they are in this chat.
    assert mention_options(page) == [member, other]
    expect(page.locator(f"#mention-option-{member}")).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(page.locator(f"#mention-option-{other}")).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    box.press("Enter")  # picks, does not send
    expect(popup).to_be_hidden()
    expect(box).to_have_value(f"hi @{member} ")
    expect(page.locator(".message", has_text="hi @")).to_have_count(0)

    box.press_sequentially("see you")
    box.press("Enter")
    expect(page.locator(".message", has_text=f"hi @{member} see you")).to_be_visible()
    expect(box).to_have_value("")

    box.press_sequentially(f"@{base}")
    expect(popup).to_be_visible()
    box.press("Escape")
    expect(popup).to_be_hidden()
    expect(box).to_have_value(f"@{base}")


def test_mention_autocomplete_in_a_post_by_click(
    new_context: Callable[..., BrowserContext],
) -> None:
    base = unique("mp")
    me, friend = base + "writer", base + "friend"
    register(me)
    register(friend, display_name="Friend Person")
    page = new_context().new_page()
    ui_login(page, me)
    draft = page.get_by_label("New post")
    draft.press_sequentially(f"thanks @{base}fr")
    option = page.locator(f"#mention-option-{friend}")
    expect(option).to_be_visible()
    expect(page.locator("#mention-list [role=option]")).to_have_count(1)
    option.click()
    expect(draft).to_have_value(f"thanks @{friend} ")
    expect(draft).to_be_focused()
    draft.press_sequentially("for all")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("#feed").get_by_role("link", name=f"@{friend}")).to_be_visible()


def test_people_picker_creates_a_group_and_adds_members(
    new_context: Callable[..., BrowserContext],
) -> None:
    base = unique("pk")
    owner, first, second, third = (base + n for n in ("owner", "first", "second", "third"))
    register(owner, display_name="Owner")
    for name in (first, second, third):
        register(name, display_name=name.title())
    page = new_context().new_page()
    ui_login(page, owner, next_path="/messages")
    page.get_by_role("button", name="New group").click()
    page.get_by_label("Group name").fill("Pickers")
    search = page.get_by_label("Members")
    search.fill(base)
    expect(page.get_by_label(f"Choose {first}")).to_be_visible()
    expect(page.get_by_label(f"Choose {owner}")).to_have_count(0)  # never myself
    page.get_by_label(f"Choose {first}").click()
    page.get_by_label(f"Choose {second}").click()
    chosen = page.locator("#picker-group-chosen .sh-picker-chip")
    expect(chosen).to_have_count(2)
    # The results stay where they were, ticked: the list never moves under the pointer.
    expect(page.get_by_label(f"Choose {first}")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label(f"Choose {third}")).to_have_attribute("aria-pressed", "false")
    page.get_by_label(f"Remove {second}").click()
    expect(chosen).to_have_count(1)
    expect(chosen).to_have_attribute("data-username", first)
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#chat-title")).to_have_text("Pickers")
    expect(page.locator(".system-message").first).to_have_text(f"{owner} created the group")

    page.get_by_label("Chat info").click()
    expect(page.locator(".member-row")).to_have_count(2)
    page.get_by_label("Add members").fill(base)
    expect(page.get_by_label(f"Choose {third}")).to_be_visible()
    expect(page.get_by_label(f"Choose {first}")).to_have_count(0)  # in the group already
    page.get_by_label(f"Choose {third}").click()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Members added")).to_be_visible()
    expect(page.locator(".member-row")).to_have_count(3)
    expect(page.locator("#picker-add-chosen")).to_have_count(0)


def test_invite_link_copy_and_share(new_context: Callable[..., BrowserContext]) -> None:
    owner = unique("inv")
    chat = api_group(register(owner), "Copiers", [])
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    # Headless Chromium on Linux has no share sheet: stand in for the browser's, to see what
    # the page hands it.
    context.add_init_script(
        "navigator.share = (data) => { window.__shared = data; return Promise.resolve(); };"
    )
    page = context.new_page()
    ui_login(page, owner, next_path=f"/messages/{chat}")
    page.get_by_label("Chat info").click()
    page.get_by_role("button", name="Create invite link").click()
    link = page.locator("#invite-url")
    expect(link).to_have_text(re.compile(r"/join/"))
    url = link.inner_text()

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    page.get_by_role("button", name="Share").click()
    page.wait_for_function("window.__shared !== undefined")
    assert page.evaluate("window.__shared.url") == url


def test_share_button_hidden_without_web_share(new_context: Callable[..., BrowserContext]) -> None:
    owner = unique("noshare")
    chat = api_group(register(owner), "Plain", [])
    context = new_context()
    context.add_init_script("delete Navigator.prototype.share;")
    page = context.new_page()
    ui_login(page, owner, next_path=f"/messages/{chat}")
    page.get_by_label("Chat info").click()
    page.get_by_role("button", name="Create invite link").click()
    expect(page.get_by_role("button", name="Copy link")).to_be_visible()
    expect(page.locator("#share-invite")).to_be_hidden()


def test_invite_preview_before_joining(new_context: Callable[..., BrowserContext]) -> None:
    owner, guest = unique("host"), unique("guest")
    owner_tokens = register(owner)
    guest_tokens = register(guest)
    chat = api_group(owner_tokens, "Climbers", [])
    invite = httpx.post(
        f"{BASE}/api/v1/chats/{chat}/invites", json={}, headers=auth(owner_tokens), timeout=10
    ).json()["code"]
    page = new_context().new_page()
    ui_login(page, guest, next_path=f"/join/{invite}")
    expect(page.locator("#invite-title")).to_have_text("Climbers")
    expect(page.locator("#invite-members")).to_have_text("1 member")
    # Seeing the preview joined nothing.
    chats = httpx.get(f"{BASE}/api/v1/chats", headers=auth(guest_tokens), timeout=10).json()
    assert [c["id"] for c in chats] == []

    page.get_by_role("button", name="Join group").click()
    expect(page).to_have_url(re.compile(f"/messages/{chat}"))
    expect(page.locator("#chat-title")).to_have_text("Climbers")

    page.goto("/join/no-such-invite")
    expect(page.get_by_role("heading", name="This invite link is not valid")).to_be_visible()


def test_a_new_users_empty_home_suggests_people_to_follow(
    new_context: Callable[..., BrowserContext],
) -> None:
    popular, newcomer = unique("popular"), unique("newbie")
    register(popular, display_name="Popular")
    tokens = register(newcomer)
    page = new_context().new_page()
    ui_login(page, newcomer)
    card = page.locator("#follow-suggestions")
    expect(card.get_by_role("heading", name="People to follow")).to_be_visible()
    expect(card.get_by_role("link", name="Explore what everyone is posting")).to_have_attribute(
        "href", "/explore"
    )
    first = card.locator(".suggestion-row").first
    button = first.get_by_role("button", name=re.compile("^Follow "))
    name = str(button.get_attribute("aria-label")).removeprefix("Follow ")
    button.click()
    expect(first.get_by_role("button", name=f"Unfollow {name}")).to_have_text("Following")
    following = httpx.get(
        f"{BASE}/api/v1/users/{newcomer}/following", headers=auth(tokens), timeout=10
    ).json()
    assert [p["username"] for p in following["people"]] == [name]

    # Once following someone, home no longer suggests.
    page.reload()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("#feed")).to_be_visible()
    expect(card).to_have_count(0)
