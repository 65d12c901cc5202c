"""Bots in a browser, part two: the owner gives a bot an avatar and takes it away on the
developer page; a server's settings list its bots, add one by username with a role and remove
one (confirmed); the BOT tag on a bot's profile, in the member list and the @mention list."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, FilePayload, expect

from tests.e2e.conftest import ui_login, unique
from tests.e2e.test_servers_more_e2e import api, person, public_server
from tests.support.images import png

pytestmark = pytest.mark.e2e


def test_the_owner_sets_and_removes_a_bots_avatar(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bot = api(alice_token, "POST", "/bots", json={"name": "Avatar Bot"})
    page = new_context().new_page()
    ui_login(page, alice, next_path="/settings/developer")
    row = page.locator(f'.dev-bot[data-bot="{bot["id"]}"]')
    expect(row.locator(".dev-bot-avatar img")).to_have_count(0)  # initials stand in

    row.get_by_role("button", name="Change the avatar of Avatar Bot").click()
    dialog = page.locator("#bot-avatar-dialog")
    expect(dialog).to_contain_text("Avatar of Avatar Bot")
    expect(page.locator("#bot-avatar-remove")).to_have_count(0)
    # A file that only claims to be an image is refused by the server, with its message.
    fake: FilePayload = {"name": "x.png", "mimeType": "image/png", "buffer": b"#!/bin/sh\n"}
    dialog.locator("input[type=file]").set_input_files(files=[fake])
    expect(page.get_by_text("only JPEG, PNG, WebP or GIF images are accepted")).to_be_visible()

    real: FilePayload = {"name": "bot.png", "mimeType": "image/png", "buffer": png((80, 60))}
    dialog.locator("input[type=file]").set_input_files(files=[real])
    expect(page.get_by_text("Avatar updated")).to_be_visible()
    avatar = re.compile(rf"/api/v1/media/avatars/{bot['id']}/")
    expect(row.locator(".dev-bot-avatar img")).to_have_attribute("src", avatar)
    expect(page.locator("img#bot-avatar-preview")).to_have_attribute("src", avatar)

    page.locator("#bot-avatar-remove").click()
    expect(page.get_by_text("Avatar removed")).to_be_visible()
    expect(row.locator(".dev-bot-avatar img")).to_have_count(0)
    page.locator("#bot-avatar-done").click()
    expect(dialog).to_have_count(0)
    assert api(alice_token, "GET", "/bots")[0]["avatar_url"] is None


def test_server_settings_add_and_remove_a_bot_and_the_bot_tag(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    server_id, general = public_server(alice_token, f"Bot home {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    role = api(alice_token, "POST", f"/servers/{server_id}/roles", json={"name": "helpers"})
    # Bob's bot: alice only knows its username.
    slug = unique("tagbot")
    bot = api(bob_token, "POST", "/bots", json={"name": slug})

    page = new_context().new_page()
    ui_login(page, alice, next_path=f"/servers/{server_id}/settings?section=bots")
    expect(page.locator("#bots-section")).to_be_visible()
    expect(page.locator("#no-server-bots")).to_be_visible()

    page.locator("#bot-username").fill("nobody_at_all")
    page.locator("#add-bot").click()
    expect(page.get_by_text("no such bot")).to_be_visible()
    page.locator("#bot-username").fill(bob)  # a person is not a bot
    page.locator("#add-bot").click()
    expect(page.get_by_text("no such bot")).to_have_count(1)
    expect(page.locator("#no-server-bots")).to_be_visible()

    page.locator("#bot-username").fill(bot["username"])
    page.locator("#bot-role").click()
    page.get_by_role("option", name="helpers").click()
    page.locator("#add-bot").click()
    expect(page.get_by_text("Bot added")).to_be_visible()
    row = page.locator(f'.ss-bot[data-username="{bot["username"]}"]')
    expect(row.locator(".bot-tag")).to_have_text("BOT")
    expect(row).to_contain_text(slug)
    expect(row.locator(".ss-bot-roles")).to_have_text("helpers")
    members = api(alice_token, "GET", f"/servers/{server_id}/members")["members"]
    assert role["id"] in next(m for m in members if m["user"]["id"] == bot["id"])["role_ids"]

    # The tag wherever the bot's name shows: its profile (a person's has none) ...
    viewer = new_context().new_page()
    ui_login(viewer, bob, next_path=f"/u/{bot['username']}")
    expect(viewer.locator("#profile-display-name")).to_have_text(slug)
    expect(viewer.locator("#profile-bot-tag")).to_have_text("BOT")
    viewer.goto(f"/u/{alice}")
    expect(viewer.locator("#profile-display-name")).to_have_text("Alice")
    expect(viewer.locator("#profile-bot-tag")).to_have_count(0)
    # ... the member list and the @mention list.
    viewer.goto(f"/servers/{server_id}/{general}")
    expect(viewer.locator("#composer")).to_be_visible()
    viewer.get_by_role("button", name="Member list", exact=True).click()
    listed = viewer.locator(f'#member-list .sh-member[data-username="{bot["username"]}"]')
    expect(listed.locator(".bot-tag")).to_have_text("BOT")
    viewer.locator("#composer").press_sequentially(f"hi @{slug}")
    option = viewer.locator(f"#mention-option-{bot['username']}")
    expect(option.locator(".bot-tag")).to_have_text("BOT")

    # Removing is confirmed: cancelled first, then done.
    row.get_by_role("button", name=f"Remove {slug}").click()
    page.locator("#bot-remove-cancel").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name=f"Remove {slug}").click()
    expect(page.get_by_role("alertdialog")).to_contain_text(f"Remove {slug}?")
    page.locator("#bot-remove").click()
    expect(page.get_by_text("Bot removed")).to_be_visible()
    expect(page.locator("#no-server-bots")).to_be_visible()
    assert api(alice_token, "GET", f"/servers/{server_id}/bots") == []
