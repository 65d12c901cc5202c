"""Webhooks in a browser: the owner creates an incoming webhook in the server settings, a
script POSTs to its URL, and a member's open channel shows the message live with the webhook's
name and tag; regenerating the URL (confirmed) ends the old one, deleting ends the new one; an
outgoing webhook is saved and listed with its status."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import ui_login
from tests.e2e.test_servers_more_e2e import api, person, public_server

pytestmark = pytest.mark.e2e


def test_an_incoming_webhooks_message_appears_live_with_its_name_and_tag(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    server_id, general = public_server(alice_token, f"Hooks {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")

    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/servers/{server_id}/{general}")
    expect(b.locator("#composer")).to_be_visible()

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/servers/{server_id}/settings?section=webhooks")
    expect(a.locator("#webhooks-section")).to_be_visible()
    expect(a.locator("#webhook-channel")).to_contain_text("general")
    a.locator("#webhook-name").fill("Deploy Bot")
    a.locator("#create-webhook").click()
    expect(a.get_by_text("Webhook created: copy its URL")).to_be_visible()
    row = a.locator(".ss-webhook", has_text="Deploy Bot")
    expect(row).to_have_count(1)
    url = row.locator(".ss-webhook-url").inner_text()
    assert f"/api/v1/webhooks/{row.get_attribute('data-webhook')}/" in url
    expect(row.get_by_role("button", name="Copy URL")).to_have_attribute("data-copy", url)

    posted = httpx.post(url, json={"content": "Build **42** passed"}, timeout=15)
    assert posted.status_code == 201, posted.text
    message = b.locator(".message", has_text="Build 42 passed")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Deploy Bot")
    expect(message.locator(".webhook-tag")).to_have_text("WEBHOOK")
    expect(message.locator("strong")).to_have_text("42")

    overridden = httpx.post(url, json={"content": "from CI", "username": "CI Runner"}, timeout=15)
    assert overridden.status_code == 201
    second = b.locator(".message", has_text="from CI")
    expect(second).to_contain_text("CI Runner")
    expect(second.locator(".webhook-tag")).to_have_count(1)

    # Regenerate, confirmed: the old URL stops working, the new one posts.
    row.get_by_role("button", name="Regenerate the URL of Deploy Bot").click()
    expect(a.get_by_role("alertdialog")).to_contain_text("Regenerate the URL?")
    a.locator("#webhook-confirm").click()
    expect(a.get_by_text("New URL made: the old one no longer works")).to_be_visible()
    expect(row.locator(".ss-webhook-url")).not_to_have_text(url)
    new_url = row.locator(".ss-webhook-url").inner_text()
    gone = httpx.post(url, json={"content": "old"}, timeout=15)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "webhook_not_found")
    assert httpx.post(new_url, json={"content": "new URL"}, timeout=15).status_code == 201
    expect(b.locator(".message", has_text="new URL")).to_contain_text("Deploy Bot")

    # Delete, confirmed (cancel first: nothing happens).
    row.get_by_role("button", name="Delete Deploy Bot").click()
    a.locator("#webhook-cancel").click()
    expect(a.get_by_role("alertdialog")).to_have_count(0)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete Deploy Bot").click()
    a.locator("#webhook-confirm").click()
    expect(a.get_by_text("Webhook deleted")).to_be_visible()
    expect(a.locator(".ss-webhook")).to_have_count(0)
    assert httpx.post(new_url, json={"content": "x"}, timeout=15).status_code == 404

    # An outgoing webhook: a bad URL is refused with a toast, a good one is listed as active.
    a.locator("#outgoing-url").fill("ftp://example.com/")
    a.locator("#save-outgoing").click()
    expect(a.get_by_text("the URL must start with http:// or https://")).to_be_visible()
    a.locator("#outgoing-url").fill("https://hooks.example.com/in")
    a.locator("#save-outgoing").click()
    expect(a.get_by_text("Outgoing webhook saved")).to_be_visible()
    outgoing = a.locator(".ss-outgoing")
    expect(outgoing).to_contain_text("https://hooks.example.com/in")
    expect(outgoing).to_contain_text("Active")

    # Bob, without MANAGE_WEBHOOKS, is not offered the section.
    b.goto(f"/servers/{server_id}/settings")
    expect(b.locator("#settings-title")).to_be_visible()
    expect(b.locator("#section-webhooks")).to_have_count(0)
