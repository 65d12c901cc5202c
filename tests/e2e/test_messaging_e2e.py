"""Two people chat live in the browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.e2e.conftest import BASE, AppServer, register, ui_login, unique
from tests.support import images

pytestmark = pytest.mark.e2e


def send(page: Page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Send").click()


def send_with_enter(page: Page, text: str) -> None:
    """Send as the keyboard does: while the server is down, the "cannot connect" toast covers the
    Send button, and the toasts of a fast sender may too."""
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def bubble(page: Page, text: str) -> object:
    return page.locator(".message", has_text=text)


def dm_pair(
    new_context: Callable[..., BrowserContext], first: str
) -> tuple[Page, Page, BrowserContext]:
    """Alice opens a DM with Bob from his profile and sends `first`; Bob opens it too."""
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    alice_context = new_context()
    a = alice_context.new_page()
    ui_login(a, alice, next_path=f"/u/{bob}")
    a.get_by_role("button", name="Message").click()
    expect(a).to_have_url(re.compile(r"/messages/[0-9a-f]{32}"))
    send(a, first)
    b = new_context().new_page()
    ui_login(b, bob, next_path="/messages")
    b.get_by_label("Chat with Alice").click()
    expect(b.locator(".message", has_text=first)).to_be_visible()
    return a, b, alice_context


def test_two_people_chat_live(new_context: Callable[..., BrowserContext]) -> None:
    alice, bob = unique("alice"), unique("bob")
    register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/u/{bob}")
    b = new_context().new_page()
    ui_login(b, bob, next_path="/messages")

    a.get_by_role("button", name="Message").click()
    expect(a).to_have_url(re.compile(r"/messages/[0-9a-f]{32}"))
    expect(a.locator("#chat-title")).to_have_text("Bob")
    send(a, "hello bob")
    mine = a.locator(".message", has_text="hello bob")
    expect(mine).to_have_attribute("data-status", re.compile("sent|delivered"))

    # B has the chat list open: the new chat shows up with its unread count, live.
    item = b.get_by_label("Chat with Alice")
    expect(item).to_contain_text("hello bob")
    expect(item.get_by_label("unread messages")).to_have_text("1")
    item.click()
    expect(b.locator(".message", has_text="hello bob")).to_be_visible()
    # Opening the chat reads it: A's tick turns to read without a reload.
    expect(mine).to_have_attribute("data-status", "read")

    send(b, "hi alice")
    expect(a.locator(".message", has_text="hi alice")).to_be_visible()

    # A reaction, an edit and a delete for everyone reach the other side.
    theirs = a.locator(".message", has_text="hi alice")
    theirs.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="React").click()
    a.get_by_label("React 👍").click()
    expect(b.locator(".message", has_text="hi alice").locator(".reaction")).to_contain_text("👍 1")

    mine.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Edit").click()
    a.get_by_label("Edit message").fill("hello bob, edited")
    a.get_by_role("button", name="Save").click()
    edited = b.locator(".message", has_text="hello bob, edited")
    expect(edited).to_contain_text("edited")

    a.locator(".message", has_text="hello bob, edited").get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Delete for everyone").click()
    expect(b.get_by_text("This message was deleted")).to_be_visible()
    expect(b.get_by_text("hello bob, edited")).to_have_count(0)


def test_typing_shows_and_expires(new_context: Callable[..., BrowserContext]) -> None:
    a, b, _ = dm_pair(new_context, "ping")

    # The composer sends "typing" at most every 2 s, and sending "ping" may have used this window:
    # type for longer than that, as a person does.
    a.get_by_label("Message", exact=True).press_sequentially("typing away " * 5, delay=45)
    expect(b.locator("#typing")).to_have_text("Alice is typing…")
    expect(b.locator("#typing")).to_have_text("", timeout=8_000)
    a.get_by_label("Send").click()
    expect(b.locator(".message", has_text="typing away")).to_be_visible()


def test_group_admin_invite_and_read_counts(new_context: Callable[..., BrowserContext]) -> None:
    owner, friend, guest = unique("owner"), unique("friend"), unique("guest")
    register(owner, display_name="Owner")
    register(friend, display_name="Friend")
    register(guest, display_name="Guest")
    o = new_context().new_page()
    ui_login(o, owner, next_path="/messages")
    o.get_by_role("button", name="New group").click()
    o.get_by_label("Group name").fill("Climbers")
    o.get_by_label("Members").fill(friend)
    o.get_by_label(f"Choose {friend}").click()
    o.get_by_role("button", name="Create").click()
    expect(o.locator("#chat-title")).to_have_text("Climbers")
    expect(o.locator(".system-message").first).to_have_text(f"{owner} created the group")

    o.get_by_label("Chat info").click()
    o.get_by_role("button", name="Create invite link").click()
    invite = o.locator("#invite-url").inner_text()
    assert "/join/" in invite
    o.get_by_role("button", name="Close").click()

    g = new_context().new_page()
    ui_login(g, guest)
    g.goto(invite)
    g.get_by_role("button", name="Join group").click()
    expect(g.locator("#chat-title")).to_have_text("Climbers")
    expect(o.locator(".system-message", has_text="joined via an invite link")).to_be_visible()

    f = new_context().new_page()
    ui_login(f, friend, next_path="/messages")
    g.goto("/messages")  # with the chat open, the guest would read the message on arrival
    expect(g.get_by_label("Chat with Climbers")).to_be_visible()
    send(o, "who is in?")
    mine = o.locator(".message", has_text="who is in?")
    f.get_by_label("Chat with Climbers").click()
    expect(mine).to_have_attribute("data-status", "read by 1 of 2")
    g.get_by_label("Chat with Climbers").click()
    expect(mine).to_have_attribute("data-status", "read")


def test_every_message_exactly_once_across_a_server_restart(
    new_context: Callable[..., BrowserContext], app_server: AppServer
) -> None:
    a, b, _ = dm_pair(new_context, "before 1")
    send(b, "before 2")
    expect(a.locator(".message", has_text="before 2")).to_be_visible()

    app_server.stop()
    # Sent while the server is down: kept in the tab's outbox, sent again on reconnect.
    send_with_enter(a, "while down")
    assert "while down" in a.evaluate("localStorage.getItem('sh_outbox')")
    pending = a.locator(".message-pending", has_text="while down")
    expect(pending).to_be_visible()
    expect(pending).to_have_attribute("data-status", "pending")
    app_server.start()

    # Both tabs reconnect by themselves and the queued message arrives, once.
    expect(b.locator(".message", has_text="while down")).to_be_visible(timeout=30_000)
    expect(a.locator(".message", has_text="while down")).to_have_attribute(
        "data-status", re.compile("sent|delivered|read"), timeout=15_000
    )
    assert a.evaluate("localStorage.getItem('sh_outbox')") == "[]"
    expect(pending).to_have_count(0)
    send(a, "after 1")
    expect(b.locator(".message", has_text="after 1")).to_be_visible()
    send(b, "after 2")
    expect(a.locator(".message", has_text="after 2")).to_be_visible()
    for page in (a, b):
        for text in ("before 1", "before 2", "while down", "after 1", "after 2"):
            expect(page.locator(".message-body", has_text=text)).to_have_count(1)


def test_a_burst_over_the_message_limit_waits_and_arrives_once_in_order(
    new_context: Callable[..., BrowserContext], app_server: AppServer
) -> None:
    """The outbox treats a 429 (RateLimited) as "wait and retry", never as a refusal: with a
    message limit of 2 per 5 s, everything queued while the server was down is resent in a burst
    on reconnect, and every message still arrives, once, in the order it was written."""
    a, b, _ = dm_pair(new_context, "before")
    queued = [f"queued {n}" for n in range(5)]
    fast = [f"fast {n}" for n in range(3)]
    usual = app_server.env["RATE_LIMIT_MESSAGE"]
    app_server.stop()
    try:
        for text in queued:
            send_with_enter(a, text)
        expect(a.locator(".message-pending")).to_have_count(len(queued))
        app_server.env["RATE_LIMIT_MESSAGE"] = "2/5second"
        app_server.start()

        expect(b.locator(".message-body", has_text="queued 4")).to_be_visible(timeout=60_000)
        expect(a.locator(".message", has_text="queued 4")).to_have_attribute(
            "data-status", re.compile("sent|delivered|read"), timeout=15_000
        )
        a.wait_for_function("localStorage.getItem('sh_outbox') === '[]'")
        expect(a.locator(".message-pending")).to_have_count(0)

        # Online, the composer says when it is over the limit, and sends by itself afterwards.
        for text in fast:
            send_with_enter(a, text)
            # Shown (sent, or queued behind the limit) before the next is typed.
            expect(a.locator(".message, .message-pending", has_text=text).first).to_be_visible()
        expect(a.get_by_text("Sending too fast", exact=False).first).to_be_visible()
        expect(b.locator(".message-body", has_text="fast 2")).to_be_visible(timeout=30_000)
        expect(a.locator(".message", has_text="fast 2")).to_have_attribute(
            "data-status", re.compile("sent|delivered|read"), timeout=15_000
        )
        a.wait_for_function("localStorage.getItem('sh_outbox') === '[]'")
        for page in (a, b):
            shown = [t.strip() for t in page.locator(".message-body").all_inner_texts()]
            assert [t for t in shown if t in queued + fast] == queued + fast
    finally:
        app_server.stop()
        app_server.env["RATE_LIMIT_MESSAGE"] = usual
        app_server.start()


def set_hidden(page: Page, hidden: bool) -> None:
    """Play the browser sending the tab to the background (or back)."""
    page.evaluate(
        """(hidden) => {
            Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
            Object.defineProperty(document, "visibilityState", {
                configurable: true, get: () => (hidden ? "hidden" : "visible")});
            document.dispatchEvent(new Event("visibilitychange", {bubbles: true}));
        }""",
        hidden,
    )


def test_a_background_tab_receives_but_does_not_read(
    new_context: Callable[..., BrowserContext],
) -> None:
    a, b, _ = dm_pair(new_context, "hello")
    set_hidden(b, True)
    b.wait_for_timeout(1_000)  # let the tab tell the server before the message arrives
    send(a, "are you there?")
    mine = a.locator(".message", has_text="are you there?")
    expect(mine).to_have_attribute("data-status", "delivered")
    expect(b.locator(".message", has_text="are you there?")).to_be_visible()
    a.wait_for_timeout(2_500)  # past the receiver's one-second acknowledgement flush
    expect(mine).to_have_attribute("data-status", "delivered")

    set_hidden(b, False)
    expect(mine).to_have_attribute("data-status", "read")


def test_presence_and_last_seen_in_a_dm(new_context: Callable[..., BrowserContext]) -> None:
    _, b, alice_context = dm_pair(new_context, "are you there?")
    expect(b.locator("#chat-presence")).to_have_text("online")

    alice_context.close()
    # Alice's only tab is gone: Bob sees it live once her listener notices (its 15 s grace, a
    # 5 s wake-up, and the server seeing the socket go, which on a busy machine can take longer).
    expect(b.locator("#chat-presence")).to_have_text(re.compile("^last seen "), timeout=60_000)


def test_markdown_mentions_and_inert_html(new_context: Callable[..., BrowserContext]) -> None:
    a, b, _ = dm_pair(new_context, "hello")
    bob = b.locator("nav").get_by_label("Profile").get_attribute("href").rsplit("/", 1)[-1]  # type: ignore[union-attr]
    send(a, f"**loud** hi @{bob} <img src=x onerror=\"document.title='pwned'\">")
    body = b.locator(".message-body", has_text="loud")
    expect(body.locator("strong")).to_have_text("loud")
    expect(body.locator("a.mention")).to_have_attribute("href", f"/u/{bob}")
    expect(body).to_contain_text("<img src=x")
    assert body.locator("img").count() == 0
    assert b.evaluate("document.title") != "pwned"


def api_send(tokens: dict[str, str], partner: str, body: str) -> None:
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    chat = httpx.post(f"{BASE}/api/v1/chats/dm", json={"username": partner}, headers=headers)
    response = httpx.post(
        f"{BASE}/api/v1/chats/{chat.json()['id']}/messages", json={"body": body}, headers=headers
    )
    assert response.status_code == 201, response.text


def test_chat_list_reorders_live(new_context: Callable[..., BrowserContext]) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    alice_tokens = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    carol_tokens = register(carol, display_name="Carol")
    api_send(alice_tokens, bob, "from alice, earlier")
    api_send(carol_tokens, bob, "from carol, later")
    b = new_context().new_page()
    ui_login(b, bob, next_path="/messages")
    rows = b.locator("[aria-label^='Chat with ']")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("aria-label", "Chat with Carol")

    api_send(alice_tokens, bob, "alice again")
    expect(rows.first).to_have_attribute("aria-label", "Chat with Alice")
    expect(rows.first).to_contain_text("alice again")
    expect(rows.first.get_by_label("unread messages")).to_have_text("2")
    expect(rows.nth(1)).to_contain_text("from carol, later")
    expect(rows.nth(1).get_by_label("unread messages")).to_have_text("1")


def test_reply_quote_jumps_to_an_old_message(new_context: Callable[..., BrowserContext]) -> None:
    alice, bob = unique("alice"), unique("bob")
    alice_tokens = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    headers = {"Authorization": f"Bearer {alice_tokens['access_token']}"}
    chat = httpx.post(f"{BASE}/api/v1/chats/dm", json={"username": bob}, headers=headers).json()[
        "id"
    ]
    first = httpx.post(
        f"{BASE}/api/v1/chats/{chat}/messages", json={"body": "the very first"}, headers=headers
    ).json()["id"]
    for i in range(60):
        httpx.post(
            f"{BASE}/api/v1/chats/{chat}/messages", json={"body": f"filler {i}"}, headers=headers
        )
    httpx.post(
        f"{BASE}/api/v1/chats/{chat}/messages",
        json={"body": "about that first one", "reply_to_id": first},
        headers=headers,
    )
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/messages/{chat}")
    expect(b.locator(".message-body", has_text="about that first one")).to_be_visible()
    expect(b.locator(".message-body", has_text="the very first")).to_have_count(0)
    b.get_by_label("Show the message this replies to").click()
    expect(b.locator(".message-body", has_text="the very first")).to_be_in_viewport()
    b.get_by_role("button", name="Jump to latest").click()
    expect(b.locator(".message-body", has_text="filler 59")).to_be_visible()


def test_forward_edit_history_and_archive(new_context: Callable[..., BrowserContext]) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    alice_tokens = register(alice, display_name="Alice")
    register(bob, display_name="Bob")
    register(carol, display_name="Carol")
    headers = {"Authorization": f"Bearer {alice_tokens['access_token']}"}
    to_bob = httpx.post(f"{BASE}/api/v1/chats/dm", json={"username": bob}, headers=headers).json()
    httpx.post(f"{BASE}/api/v1/chats/dm", json={"username": carol}, headers=headers)
    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/messages/{to_bob['id']}")
    send(a, "draft one")
    mine = a.locator(".message", has_text="draft one")
    expect(mine).to_have_attribute("data-status", re.compile("sent|delivered|read"))
    mine.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Edit").click()
    a.get_by_label("Edit message").fill("final text")
    a.get_by_role("button", name="Save").click()
    final = a.locator(".message", has_text="final text")
    expect(final).to_contain_text("edited")

    final.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Edit history").click()
    expect(a.locator("#edit-history")).to_contain_text("draft one")
    a.get_by_role("button", name="Close").click()

    final.get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Forward").click()
    a.get_by_label("Forward to Carol").click()
    expect(a.get_by_text("Forwarded", exact=True).first).to_be_visible()
    a.get_by_label("Chat with Carol").click()
    expect(a.locator("#chat-title")).to_have_text("Carol")
    expect(a.locator(".message", has_text="final text")).to_contain_text("Forwarded")

    a.get_by_label("Chat info").click()
    a.get_by_label("Archive").click()
    a.get_by_role("button", name="Close").click()
    expect(a.get_by_label("Chat with Carol")).to_have_count(0)
    a.get_by_role("button", name="Archived chats").click()
    expect(a.get_by_label("Chat with Carol")).to_be_visible()


def test_group_picture(new_context: Callable[..., BrowserContext]) -> None:
    owner = unique("owner")
    tokens = register(owner, display_name="Owner")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    group = httpx.post(f"{BASE}/api/v1/chats", json={"title": "Painters"}, headers=headers).json()
    o = new_context().new_page()
    ui_login(o, owner, next_path=f"/messages/{group['id']}")
    o.get_by_label("Chat info").click()
    o.locator("input[type=file]").last.set_input_files(
        files=[{"name": "g.png", "mimeType": "image/png", "buffer": images.png((200, 200))}]
    )
    expect(o.get_by_text("Group picture updated")).to_be_visible()
    o.get_by_role("button", name="Close").click()
    expect(o.get_by_label("Chat with Painters").locator("img")).to_have_attribute(
        "src", re.compile(r"/api/v1/media/groups/")
    )


def test_revoke_all_invite_links(new_context: Callable[..., BrowserContext]) -> None:
    owner = unique("owner")
    tokens = register(owner, display_name="Owner")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    group = httpx.post(f"{BASE}/api/v1/chats", json={"title": "Hikers"}, headers=headers).json()
    invites = f"{BASE}/api/v1/chats/{group['id']}/invites"
    httpx.post(invites, json={}, headers=headers).raise_for_status()
    o = new_context().new_page()
    ui_login(o, owner, next_path=f"/messages/{group['id']}")
    o.get_by_label("Chat info").click()
    o.get_by_role("button", name="Create invite link").click()
    expect(o.locator("#invite-url")).to_be_visible()
    o.get_by_role("button", name="Revoke all invite links").click()
    expect(o.get_by_text("All invite links revoked")).to_be_visible()
    expect(o.locator("#invite-url")).to_have_count(0)
    assert httpx.get(invites, headers=headers).json() == []


def composer_box(page: Page) -> Locator:
    return page.get_by_label("Message", exact=True)


def bodies(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".message-body").all_inner_texts()]


def test_typing_right_after_enter_is_sent_whole(new_context: Callable[..., BrowserContext]) -> None:
    """The box is emptied by the browser as it sends, so keys typed at once after Enter belong
    to the next message (a clear sent back by the server used to eat the first of them)."""
    a, b, _ = dm_pair(new_context, "hello")
    composer_box(a).click()
    sent = []
    for n in range(3):
        first, second = f"first {n}", f"second {n}"
        a.keyboard.type(first)
        a.keyboard.press("Enter")
        a.keyboard.type(second)  # no wait for the server
        a.keyboard.press("Enter")
        sent += [first, second]
    for page in (a, b):
        expect(page.locator(".message-body", has_text="second 2")).to_be_visible()
        assert [t for t in bodies(page) if t != "hello"] == sent
    expect(composer_box(a)).to_have_value("")


def test_shift_enter_makes_a_two_line_message(new_context: Callable[..., BrowserContext]) -> None:
    a, b, _ = dm_pair(new_context, "hello")
    composer_box(a).click()
    a.keyboard.type("line one")
    a.keyboard.press("Shift+Enter")
    a.keyboard.type("line two")
    expect(composer_box(a)).to_have_value("line one\nline two")
    a.keyboard.press("Enter")
    for page in (a, b):
        shown = page.locator(".message-body", has_text="line two")
        expect(shown).to_have_count(1)
        assert shown.inner_text().strip() == "line one\nline two"
        # Drawn as two lines: twice as tall as the one-line message above it.
        one_line = page.locator(".message-body", has_text="hello").bounding_box()
        two_lines = shown.bounding_box()
        assert one_line
        assert two_lines
        assert two_lines["height"] > 1.6 * one_line["height"]


def test_a_draft_survives_navigation_and_a_reload(
    new_context: Callable[..., BrowserContext],
) -> None:
    a, _, _ = dm_pair(new_context, "hello")
    chat_url = a.url
    composer_box(a).click()
    a.keyboard.type("half written")
    a.get_by_label("Home", exact=True).click()
    expect(a.locator("#feed")).to_be_visible()
    a.get_by_label("Messages", exact=True).click()
    a.get_by_label("Chat with Bob").click()
    expect(a).to_have_url(chat_url)
    expect(composer_box(a)).to_have_value("half written")
    a.reload()
    expect(composer_box(a)).to_have_value("half written")

    # Sent, it is no draft any more.
    composer_box(a).press("Enter")
    expect(a.locator(".message-body", has_text="half written")).to_be_visible()
    expect(composer_box(a)).to_have_value("")
    a.reload()
    expect(a.locator(".message-body", has_text="half written")).to_be_visible()
    expect(composer_box(a)).to_have_value("")
    assert a.evaluate("Object.keys(localStorage).filter(k => k.startsWith('sh_draft:'))") == []


def test_up_arrow_in_the_empty_box_edits_my_last_message(
    new_context: Callable[..., BrowserContext],
) -> None:
    a, b, _ = dm_pair(new_context, "hello bob")
    send(b, "hi alice")
    expect(a.locator(".message-body", has_text="hi alice")).to_be_visible()
    composer_box(a).click()
    a.keyboard.press("ArrowUp")
    editor = a.get_by_label("Edit message")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("hello bob")
    editor.fill("hello bob, fixed")
    editor.press("Enter")
    expect(b.locator(".message", has_text="hello bob, fixed")).to_contain_text("edited")


def test_a_message_over_the_limit_is_refused_and_kept(
    new_context: Callable[..., BrowserContext],
) -> None:
    a, b, _ = dm_pair(new_context, "hello")
    counter = a.locator(".sh-counted", has=composer_box(a)).locator(".sh-counter")
    composer_box(a).fill("x" * 3_000)
    expect(counter).to_have_text("")
    composer_box(a).fill("y" * 4_097)
    expect(counter).to_have_text("4,097 / 4,096")
    expect(counter).to_have_attribute("data-over", "true")
    composer_box(a).press("Enter")
    expect(a.get_by_text("Text is too long: 4,097 characters", exact=False)).to_be_visible()
    # Not cut, not sent, not queued: the text waits in the box to be shortened.
    expect(composer_box(a)).to_have_value("y" * 4_097)
    assert a.evaluate("localStorage.getItem('sh_outbox')") in (None, "[]")
    composer_box(a).press("Backspace")
    expect(counter).to_have_text("4,096 / 4,096")
    expect(counter).to_have_attribute("data-over", "false")
    composer_box(a).press("Enter")
    expect(b.locator(".message-body", has_text="y" * 100)).to_have_count(1)
    expect(composer_box(a)).to_have_value("")
