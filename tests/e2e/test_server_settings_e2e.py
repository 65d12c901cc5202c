"""The server settings pages in a browser: a role with permissions, reordered; an overwrite on
a channel; slow mode; a ban that the audit log shows; an automod word."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


def _api(tokens: dict[str, str]) -> httpx.Client:
    return httpx.Client(
        base_url=BASE, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=15
    )


def _role_names(page: Page) -> list[str]:
    return page.locator("#role-list .ss-role-name").all_inner_texts()


def test_server_settings_main_flows(
    server: str, new_context: Callable[..., BrowserContext]
) -> None:
    owner, member = unique("own"), unique("mem")
    owner_tokens, member_tokens = register(owner), register(member)
    with _api(owner_tokens) as api_a, _api(member_tokens) as api_b:
        created = api_a.post("/api/v1/servers", json={"name": "Settings Guild"})
        assert created.status_code == 201, created.text
        server_id = created.json()["server"]["id"]
        invite = api_a.post(f"/api/v1/servers/{server_id}/invites", json={})
        assert invite.status_code == 201, invite.text
        joined = api_b.post(f"/api/v1/server-invites/{invite.json()['code']}/join")
        assert joined.status_code == 200, joined.text

    page = new_context().new_page()
    ui_login(page, owner)
    page.goto(f"/servers/{server_id}/settings?section=roles")
    expect(page.locator("#settings-title")).to_contain_text("Settings Guild")
    expect(page.locator("#roles-section")).to_be_visible()

    # A role with a permission: created, its toggle on, saved.
    for name in ("Mods", "Helpers"):
        page.get_by_label("New role name").fill(name)
        page.locator("#create-role").click()
        expect(page.locator("#role-list .ss-role-name", has_text=name)).to_be_visible()
    page.get_by_role("button", name="Edit role Mods").click()
    kick = page.get_by_role("switch", name="Kick members")
    expect(kick).to_have_attribute("aria-checked", "false")
    kick.click()
    page.locator("#save-role").click()
    expect(page.get_by_text("Role saved")).to_be_visible()
    page.reload()
    page.get_by_role("button", name="Edit role Mods").click()
    expect(page.get_by_role("switch", name="Kick members")).to_have_attribute(
        "aria-checked", "true"
    )

    # Reordered with the arrow buttons (the accessible twin of dragging).
    expect(page.locator("#role-list .ss-role-name")).to_have_count(3)
    first, second = _role_names(page)[:2]
    page.get_by_role("button", name=f"Move {first} down").click()
    expect(page.locator("#role-list .ss-role-name").nth(0)).to_have_text(second)
    expect(page.locator("#role-list .ss-role-name").nth(1)).to_have_text(first)

    # And by dragging: the lower role dropped on the higher takes its place.
    page.locator(".ss-role", has_text=first).drag_to(page.locator(".ss-role", has_text=second))
    expect(page.locator("#role-list .ss-role-name").nth(0)).to_have_text(first)

    # A channel overwrite: Mods may not send in #general.
    page.locator("#section-channels").click()
    page.get_by_role("button", name="Edit channel general").click()
    expect(page.locator("#channel-editor")).to_be_visible()
    page.locator("#add-role-overwrite").click()
    page.get_by_role("menuitem", name="Mods").click()
    send = page.locator('#overwrite-editor [data-permission="SEND_MESSAGES"]')
    send.get_by_role("radio", name="Deny").click()
    expect(page.get_by_text("Permissions saved").first).to_be_visible()
    expect(send.get_by_role("radio", name="Deny")).to_be_checked()
    expect(page.locator("#sync-channel")).to_be_enabled()

    # Slow mode.
    page.get_by_role("combobox", name="Slow mode").click()
    page.get_by_role("option", name="10 seconds").click()
    expect(page.get_by_text("Slow mode set to 10 seconds")).to_be_visible()
    with _api(owner_tokens) as api_a:
        detail = api_a.get(f"/api/v1/servers/{server_id}").json()
    channels = [*detail["channels"], *(c for cat in detail["categories"] for c in cat["channels"])]
    general = next(c for c in channels if c["name"] == "general")
    assert general["slow_mode_seconds"] == 10

    # A ban, with its reason in the audit log.
    page.locator("#section-members").click()
    row = page.locator(f'.ss-member[data-username="{member}"]')
    expect(row).to_be_visible()
    row.get_by_role("button", name=f"Moderate {member}").click()
    page.get_by_role("menuitem", name="Ban…").click()
    page.get_by_label("Reason").fill("spam links")
    page.locator("#mod-confirm").click()
    expect(page.get_by_text(f"{member} was banned")).to_be_visible()
    expect(row).to_have_count(0)
    page.locator("#section-audit-log").click()
    ban_entry = page.locator('.ss-audit-row[data-action="member_ban"]')
    expect(ban_entry).to_contain_text("spam links")
    expect(ban_entry).to_contain_text("@" + member)
    page.get_by_role("combobox", name="Filter by action").click()
    page.get_by_role("option", name="Role created").click()
    expect(page.locator('.ss-audit-row[data-action="member_ban"]')).to_have_count(0)
    expect(page.locator('.ss-audit-row[data-action="role_create"]')).to_have_count(2)

    # An automod word.
    page.locator("#section-automod").click()
    page.get_by_label("Word or pattern").fill("badword")
    page.locator("#add-rule").click()
    expect(page.locator('.ss-rule-row[data-value="badword"]')).to_contain_text("Block")

    # Back to the server.
    expect(page.locator("#back-to-server")).to_have_attribute("href", f"/servers/{server_id}")
