"""Bots in a browser: a bot added to a server posts through the REST API with its token; a
member's open channel shows its message live with a BOT tag, and the member list tags it too."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import BASE, ui_login
from tests.e2e.test_servers_more_e2e import api, person, public_server

pytestmark = pytest.mark.e2e


def test_a_bots_message_and_membership_are_tagged_bot(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    server_id, general = public_server(alice_token, f"Bots {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    bot = api(alice_token, "POST", "/bots", json={"name": "Build Bot"})
    api(alice_token, "POST", f"/servers/{server_id}/bots", json={"bot_id": bot["id"]})

    page = new_context().new_page()
    ui_login(page, bob, next_path=f"/servers/{server_id}/{general}")
    expect(page.locator("#composer")).to_be_visible()

    sent = httpx.post(
        f"{BASE}/api/v1/chats/{general}/messages",
        json={"body": "build 7 passed"},
        headers={"Authorization": f"Bearer {bot['token']}"},
        timeout=15,
    )
    assert sent.status_code == 201, sent.text
    message = page.locator(".message", has_text="build 7 passed")
    expect(message).to_contain_text("Build Bot")
    expect(message.locator(".bot-tag")).to_have_text("BOT")
    # A person's message carries no tag.
    api(alice_token, "POST", f"/chats/{general}/messages", json={"body": "nice one"})
    expect(page.locator(".message", has_text="nice one").locator(".bot-tag")).to_have_count(0)

    page.get_by_role("button", name="Member list", exact=True).click()
    members = page.locator("#member-list")
    row = members.locator(f'.sh-member[data-username="{bot["username"]}"]')
    expect(row.locator(".bot-tag")).to_have_text("BOT")
    expect(members.locator(f'.sh-member[data-username="{bob}"] .bot-tag')).to_have_count(0)

    # The owner's member settings tag it too.
    owner = new_context().new_page()
    ui_login(owner, alice, next_path=f"/servers/{server_id}/settings?section=members")
    settings_row = owner.locator(f'.ss-member[data-username="{bot["username"]}"]')
    expect(settings_row.locator(".bot-tag")).to_have_text("BOT")
    expect(owner.locator(f'.ss-member[data-username="{bob}"] .bot-tag')).to_have_count(0)


def test_the_developer_page_creates_regenerates_and_deletes_a_bot(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, _, _ = person("alice", "Alice")
    page = new_context().new_page()
    ui_login(page, alice, next_path="/settings")
    page.locator("#developer-link").click()
    expect(page.locator("#no-bots")).to_be_visible()

    page.locator("#bot-name").fill("x")
    page.locator("#create-bot").click()
    expect(page.get_by_text("a bot's name is 2-32 characters")).to_be_visible()

    page.locator("#bot-name").fill("Release Bot")
    page.locator("#bot-description").fill("tags releases")
    page.locator("#create-bot").click()
    expect(page.get_by_text("Bot created: copy its token now")).to_be_visible()
    token = page.locator("#bot-token").inner_text()
    assert token.startswith("bot_")
    expect(page.locator("#copy-bot-token")).to_have_attribute("data-copy", token)
    row = page.locator(".dev-bot", has_text="Release Bot")
    expect(row).to_contain_text("tags releases")
    me = httpx.get(
        f"{BASE}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert me.status_code == 200
    assert me.json()["display_name"] == "Release Bot"

    # Regenerate, confirmed: a new token, the old one refused.
    row.get_by_role("button", name="Regenerate the token of Release Bot").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Regenerate the token?")
    page.locator("#bot-confirm").click()
    expect(page.get_by_text("New token made: the old one no longer works")).to_be_visible()
    expect(page.locator("#bot-token")).not_to_have_text(token)
    fresh = page.locator("#bot-token").inner_text()
    old = httpx.get(
        f"{BASE}/api/v1/users/me", headers={"Authorization": f"Bearer {token}"}, timeout=15
    )
    assert old.status_code == 401

    # Delete: cancelled first, then confirmed.
    row.get_by_role("button", name="Delete Release Bot").click()
    page.locator("#bot-cancel").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete Release Bot").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Delete this bot?")
    page.locator("#bot-confirm").click()
    expect(page.get_by_text("Bot deleted")).to_be_visible()
    expect(page.locator("#no-bots")).to_be_visible()
    gone = httpx.get(
        f"{BASE}/api/v1/users/me", headers={"Authorization": f"Bearer {fresh}"}, timeout=15
    )
    assert gone.status_code == 401
