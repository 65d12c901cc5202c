"""More of the servers in the browser: a server created with an icon (a refused icon creates
nothing), notification levels and mutes from the header menus, pins in DMs and groups through
the same pinned panel as channels, and the member list under its hoisted roles. What a test
is not about is set up through the REST API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique
from tests.support.images import png

pytestmark = pytest.mark.e2e
TOAST = "[data-sonner-toast]"


def api(token: str, method: str, path: str, **kw: Any) -> Any:
    response = httpx.request(
        method,
        f"{BASE}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
        **kw,
    )
    assert response.status_code < 300, response.text
    return response.json() if response.content else None


def person(prefix: str, display_name: str) -> tuple[str, str, int]:
    """A new account: its username, bearer token and id."""
    username = unique(prefix)
    token = register(username, display_name=display_name)["access_token"]
    return username, token, int(api(token, "GET", "/users/me")["id"])


def public_server(token: str, name: str) -> tuple[str, str]:
    """A public server made through the API: its id and its #general's."""
    detail = api(token, "POST", "/servers", json={"name": name, "is_public": True})
    general = detail["categories"][0]["channels"][0]["id"]
    return detail["server"]["id"], general


def open_create_dialog(page: Page, name: str) -> None:
    page.goto("/servers")
    page.get_by_label("Create a server").click()
    page.get_by_label("Server name", exact=True).fill(name)


def pick_icon(page: Page, name: str, mime: str, data: bytes) -> None:
    payload: FilePayload = {"name": name, "mimeType": mime, "buffer": data}
    page.locator("#new-server-icon input[type=file]").set_input_files(files=[payload])


def test_a_server_with_an_icon(new_context: Callable[..., BrowserContext]) -> None:
    alice, _, _ = person("alice", "Alice")
    page = new_context().new_page()
    ui_login(page, alice)
    name = f"Icons {alice}"

    # Text named .png passes the browser; the server sniffs it and creates nothing.
    open_create_dialog(page, name)
    pick_icon(page, "fake.png", "image/png", b"not a picture at all")
    expect(page.locator("#new-server-icon-name")).to_have_text("fake.png")
    page.get_by_role("button", name="Create", exact=True).click()
    toast = page.locator(TOAST, has_text="The server was not created")
    expect(toast).to_contain_text("JPEG, PNG, WebP or GIF")
    expect(page).to_have_url(re.compile(r"/servers/?$"))
    expect(page.get_by_role("dialog")).to_be_visible()  # the name stays, to try again
    expect(page.get_by_label("Server name", exact=True)).to_have_value(name)
    expect(page.locator("#server-rail").get_by_label(name, exact=True)).to_have_count(0)

    # A file over the size limit: refused by the server (the browser's limit is advisory
    # only), and again nothing is created.
    pick_icon(page, "huge.png", "image/png", b"\0" * (10 * 1024 * 1024 + 1))
    expect(page.locator("#new-server-icon-name")).to_have_text("huge.png")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator(TOAST, has_text="larger than 10 MB")).to_contain_text(
        "The server was not created"
    )
    expect(page.locator("#server-rail").get_by_label(name, exact=True)).to_have_count(0)

    # A real image: the server is made with it, and its icon shows on the rail and the header.
    pick_icon(page, "icon.png", "image/png", png((128, 128), (200, 40, 40)))
    expect(page.locator("#new-server-icon-name")).to_have_text("icon.png")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/servers/[0-9a-f]{32}/[0-9a-f]{32}"))
    rail_icon = page.locator("#server-rail").get_by_label(name, exact=True)
    expect(rail_icon.locator("img.sh-server-icon")).to_have_attribute(
        "src", re.compile(r"/api/v1/media/servers/")
    )
    expect(page.locator("#server-header-icon img")).to_be_visible()

    # Without an icon: the initials, as before.
    open_create_dialog(page, "Plain Guild")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/servers/[0-9a-f]{32}/[0-9a-f]{32}"))
    expect(page.locator("#server-header-icon")).to_have_text("PG")
    plain = page.locator("#server-rail").get_by_label("Plain Guild", exact=True).first
    expect(plain).to_have_text("PG")


def test_notification_levels_and_mutes(new_context: Callable[..., BrowserContext]) -> None:
    alice, token, _ = person("alice", "Alice")
    _, bob_token, _ = person("bob", "Bob")
    name = f"Quiet {alice}"
    server_id, general = public_server(token, name)
    api(bob_token, "POST", f"/servers/{server_id}/join")
    news = api(token, "POST", f"/servers/{server_id}/channels", json={"name": "news"})["id"]
    page = new_context().new_page()
    ui_login(page, alice, next_path=f"/servers/{server_id}/{general}")
    expect(page.locator("#channel-title")).to_have_text("general")
    row = page.locator('#channel-list a[data-channel="general"]')

    # The channel's bell: mute for 1 hour; the sidebar dims it, the menu offers Unmute.
    page.get_by_label("Channel notifications").click()
    page.get_by_role("menuitem", name="Mute").click()
    page.get_by_role("menuitem", name="For 1 hour").click()
    expect(page.locator(TOAST, has_text="#general muted for 1 hour")).to_be_visible()
    expect(row).to_have_attribute("data-muted", "true")
    expect(row).to_have_css("opacity", "0.5")
    expect(row.get_by_label("muted")).to_be_visible()

    # Bob writes in it while Alice reads #news: the muted channel stays dim (no bold name
    # after a reload: its badge is the domain's, which honours the mute).
    page.locator(f'#channel-list a[href$="/{news}"]').click()
    expect(page.locator("#channel-title")).to_have_text("news")
    api(bob_token, "POST", f"/chats/{general}/messages", json={"body": "anyone?"})
    page.reload()
    expect(row).to_have_attribute("data-unread", "false")
    expect(row).to_have_attribute("data-muted", "true")

    # Its own level: mentions only, ticked in the menu.
    row.click()
    expect(page.locator("#channel-title")).to_have_text("general")
    page.get_by_label("Channel notifications").click()
    menu = page.locator("#channel-notifications")
    expect(menu).to_contain_text("Muted until")
    menu.get_by_role("menuitem", name="Only mentions").click()
    expect(page.locator(TOAST, has_text="#general: mentions only")).to_be_visible()
    # A click on the bell while the menu is still closing only finishes the closing.
    expect(menu).to_have_count(0)
    page.get_by_label("Channel notifications").click()
    expect(menu.get_by_role("menuitem", name="Only mentions")).to_have_attribute(
        "data-selected", "true"
    )
    menu.get_by_role("menuitem", name="Unmute").click()
    expect(row).to_have_attribute("data-muted", "false")
    expect(page.get_by_label("Channel notifications")).to_have_attribute("data-muted", "false")

    # The server's own level and mute, from the server menu.
    page.get_by_label("Server menu").click()
    page.get_by_role("menuitem", name="Notifications").click()
    page.locator("#server-notifications").get_by_role("menuitem", name="Nothing").click()
    expect(page.locator(TOAST, has_text=f"{name}: nothing")).to_be_visible()
    expect(page.locator("#server-notifications")).to_have_count(0)
    page.get_by_label("Server menu").click()
    page.get_by_role("menuitem", name="Notifications").click()
    levels = page.locator("#server-notifications")
    expect(levels.get_by_role("menuitem", name="Nothing")).to_have_attribute(
        "data-selected", "true"
    )
    levels.get_by_role("menuitem", name="Mute").click()
    page.get_by_role("menuitem", name="Until I turn it back on").click()
    expect(page.locator(TOAST, has_text="muted until you turn it back on")).to_be_visible()
    rail = page.locator(f'#server-rail [data-server="{server_id}"]')
    expect(rail).to_have_attribute("data-muted", "true")
    # As stored: the API reads what the menus wrote.
    stored = api(token, "GET", f"/servers/{server_id}/notifications")
    assert stored["server"]["level"] == "nothing"
    assert stored["server"]["muted"] is True
    assert stored["server"]["muted_until"] is None
    assert [(c["channel_id"], c["level"], c["muted"]) for c in stored["channels"]] == [
        (general, "mentions", False)
    ]


def open_menu(page: Page, text: str) -> None:
    page.locator(".message", has_text=text).get_by_label("Message actions").click()


def test_pins_in_a_dm_and_a_group(new_context: Callable[..., BrowserContext]) -> None:
    alice, token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    dm = api(token, "POST", "/chats/dm", json={"username": bob})["id"]
    api(bob_token, "POST", f"/chats/{dm}/messages", json={"body": "the address is 12 Elm St"})
    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/messages/{dm}")
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/messages/{dm}")
    expect(b.locator(".message", has_text="12 Elm St")).to_be_visible()

    # Bob's pinned panel is open and empty; Alice pins from the message's menu: it shows in
    # Bob's panel live, and "pinned a message" in the chat.
    b.get_by_label("Pinned messages").click()
    expect(b.locator("#pins-list")).to_contain_text("Nothing is pinned here yet.")
    open_menu(a, "12 Elm St")
    a.get_by_role("menuitem", name="Pin", exact=True).click()
    expect(a.locator(TOAST, has_text="Pinned")).to_be_visible()
    expect(b.locator("#pins-list")).to_contain_text("the address is 12 Elm St")
    expect(a.locator(".system-message", has_text="pinned a message")).to_be_visible()
    b.keyboard.press("Escape")

    # Bob's menu offers Unpin now; he unpins, and Alice's panel is empty.
    open_menu(b, "12 Elm St")
    b.get_by_role("menuitem", name="Unpin").click()
    expect(b.locator(TOAST, has_text="Unpinned")).to_be_visible()
    a.get_by_label("Pinned messages").click()
    expect(a.locator("#pins-list")).to_contain_text("Nothing is pinned here yet.")
    a.keyboard.press("Escape")

    # A group: Bob pins, Alice unpins from the panel.
    group = api(token, "POST", "/chats", json={"title": "Trip", "usernames": [bob]})["id"]
    api(token, "POST", f"/chats/{group}/messages", json={"body": "train at 9:40"})
    b.goto(f"/messages/{group}")
    expect(b.locator("#chat-title")).to_have_text("Trip")
    open_menu(b, "train at 9:40")
    b.get_by_role("menuitem", name="Pin", exact=True).click()
    expect(b.locator(TOAST, has_text="Pinned")).to_be_visible()
    a.goto(f"/messages/{group}")
    a.get_by_label("Pinned messages").click()
    pins = a.locator("#pins-list")
    expect(pins).to_contain_text("train at 9:40")
    pins.get_by_role("button", name="Unpin").click()
    expect(pins).to_contain_text("Nothing is pinned here yet.")
    assert api(token, "GET", f"/chats/{group}/pins") == []


def test_the_member_list_by_hoisted_role(new_context: Callable[..., BrowserContext]) -> None:
    alice, token, _ = person("alice", "Alice")
    bob, bob_token, bob_id = person("bob", "Bob")
    carol, carol_token, carol_id = person("carol", "Carol")
    server_id, general = public_server(token, f"Roles {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    api(carol_token, "POST", f"/servers/{server_id}/join")
    mods = api(
        token,
        "POST",
        f"/servers/{server_id}/roles",
        json={"name": "Mods", "colour": "#e5484d", "hoist": True},
    )["id"]
    helpers = api(
        token, "POST", f"/servers/{server_id}/roles", json={"name": "Helpers", "colour": "#30a46c"}
    )["id"]
    api(token, "PUT", f"/servers/{server_id}/members/{carol_id}/roles/{mods}")
    api(token, "PUT", f"/servers/{server_id}/members/{bob_id}/roles/{helpers}")

    page = new_context().new_page()
    ui_login(page, alice, next_path=f"/servers/{server_id}/{general}")
    page.get_by_role("button", name="Member list", exact=True).click()
    members = page.locator("#member-list")
    # Carol under Mods first, then everyone else under Members; names in role colours.
    expect(members.locator(".sh-member-group")).to_have_text(["Mods", "Members"])
    expect(members.locator(".sh-member")).to_have_count(3)
    expect(members.locator(".sh-member").first).to_have_attribute("data-username", carol)
    carol_name = members.locator(f'[data-username="{carol}"]').get_by_text("Carol")
    expect(carol_name).to_have_css("color", "rgb(229, 72, 77)")
    bob_row = members.locator(f'[data-username="{bob}"]')
    expect(bob_row).to_have_attribute("data-group", "")
    expect(bob_row.get_by_text("Bob", exact=True)).to_have_css("color", "rgb(48, 164, 108)")

    # Bob's role is hoisted too: the list read again has a group for it.
    api(token, "PATCH", f"/servers/{server_id}/roles/{helpers}", json={"hoist": True})
    page.get_by_role("button", name="Member list", exact=True).click()
    expect(members).to_have_count(0)
    page.get_by_role("button", name="Member list", exact=True).click()
    expect(members.locator(".sh-member-group")).to_have_text(["Mods", "Helpers", "Members"])


def test_discovery_shows_icons_and_takes_join_requests(
    new_context: Callable[..., BrowserContext],
) -> None:
    """A public server that takes requests, with an icon: discovery shows the icon, Request to
    join sends one (the moderators see it), Cancel request takes it back."""
    _, owner, _ = person("reqowner", "Owner")
    name = unique("Askers")
    detail = api(
        owner, "POST", "/servers", json={"name": name, "is_public": True, "join_mode": "request"}
    )
    server_id = detail["server"]["id"]
    api(owner, "PUT", f"/servers/{server_id}/icon", files={"file": ("i.png", png(), "image/png")})
    asker, _, asker_id = person("asker", "Asker")
    page = new_context().new_page()
    ui_login(page, asker, next_path="/servers")
    page.get_by_label("Search public servers").fill(name)
    card = page.locator(".sh-discovery-card", has_text=name)
    expect(card.locator("img.sh-server-icon")).to_have_attribute("src", re.compile(r"\.webp"))

    def requests() -> list[int]:
        listed = api(owner, "GET", f"/servers/{server_id}/join-requests")
        return [r["user"]["id"] for r in listed["requests"] if r["status"] == "pending"]

    card.get_by_role("button", name=f"Request to join {name}").click()
    expect(page.locator(TOAST, has_text="Request sent")).to_be_visible()
    cancel = card.get_by_role("button", name=f"Cancel the request to join {name}")
    expect(cancel).to_be_visible()
    assert requests() == [asker_id]
    cancel.click()
    expect(page.locator(TOAST, has_text="Request cancelled")).to_be_visible()
    expect(card.get_by_role("button", name=f"Request to join {name}")).to_be_visible()
    assert requests() == []


def test_a_posts_channel_is_a_feed_of_posts(new_context: Callable[..., BrowserContext]) -> None:
    """Two members in a posts channel: a post appears for the other as a new-posts pill, a
    like counts on both screens, and the channel's slow mode refuses a quick second post with
    a toast, the draft kept."""
    _, owner, _ = person("boardowner", "Owner")
    server_id, _ = public_server(owner, unique("Board"))
    board = api(
        owner,
        "POST",
        f"/servers/{server_id}/channels",
        json={"name": "board", "channel_type": "posts"},
    )["id"]
    reader, reader_token, _ = person("reader", "Reader")
    api(reader_token, "POST", f"/servers/{server_id}/join")
    owner_name = api(owner, "GET", "/users/me")["username"]
    a = new_context().new_page()
    ui_login(a, owner_name, next_path=f"/servers/{server_id}/{board}")
    b = new_context().new_page()
    ui_login(b, reader, next_path=f"/servers/{server_id}/{board}")
    expect(b.locator("#channel-title")).to_have_text("board")
    expect(b.get_by_label("Who can see it")).to_have_count(0)  # the channel decides

    a.get_by_label("New post").fill("Welcome to the board")
    a.locator("#publish-post").click()
    mine = a.locator(".post", has_text="Welcome to the board")
    expect(mine).to_be_visible()
    pill = b.locator("#new-posts-pill")
    expect(pill).to_have_text(re.compile(r"1 new post$"))
    pill.click()
    theirs = b.locator(".post", has_text="Welcome to the board")
    theirs.get_by_label("Like").click()
    expect(mine.locator(".like-button")).to_contain_text("1")
    # Never in the social feeds.
    explore = api(reader_token, "GET", "/feed/explore")["posts"]
    assert all("Welcome to the board" not in p["body"] for p in explore)

    api(owner, "PATCH", f"/channels/{board}", json={"slow_mode_seconds": 60})
    b.get_by_label("New post").fill("first from me")
    b.locator("#publish-post").click()
    expect(b.locator(".post", has_text="first from me")).to_be_visible()
    b.get_by_label("New post").fill("and again")
    b.locator("#publish-post").click()
    expect(b.locator(TOAST, has_text="slow mode")).to_be_visible()
    expect(b.get_by_label("New post")).to_have_value("and again")
