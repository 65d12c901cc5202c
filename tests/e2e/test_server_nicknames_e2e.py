"""Server nicknames in a browser: B sets their own from the server menu and A's member list
shows it live; A, the owner, renames B in the settings' Members section; a member who may not
rename others is not offered it, and a refusal of the domain arrives as a toast."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import ui_login
from tests.e2e.test_servers_more_e2e import api, person, public_server

pytestmark = pytest.mark.e2e


def edit_server_profile(page: Page) -> None:
    page.locator("#server-menu").click()
    page.get_by_role("menuitem", name="Edit server profile").click()
    expect(page.get_by_role("dialog")).to_be_visible()


def test_nicknames_set_shown_live_renamed_and_refused(
    new_context: Callable[..., BrowserContext],
) -> None:
    alice, alice_token, _ = person("alice", "Alice")
    bob, bob_token, _ = person("bob", "Bob")
    carol, carol_token, _ = person("carol", "Carol")
    server_id, general = public_server(alice_token, f"Names {alice}")
    api(bob_token, "POST", f"/servers/{server_id}/join")
    api(carol_token, "POST", f"/servers/{server_id}/join")

    a = new_context().new_page()
    ui_login(a, alice, next_path=f"/servers/{server_id}/{general}")
    a.get_by_role("button", name="Member list", exact=True).click()
    bob_in_list = a.locator(f'#member-list [data-username="{bob}"]')
    expect(bob_in_list).to_contain_text("Bob")

    # B sets their nickname from the server menu; A's member list follows, live.
    b = new_context().new_page()
    ui_login(b, bob, next_path=f"/servers/{server_id}/{general}")
    edit_server_profile(b)
    b.get_by_label("Nickname").fill("  Bobby   Tables ")
    b.locator("#server-nickname-save").click()
    expect(b.get_by_text("Nickname saved")).to_be_visible()
    expect(b.get_by_role("dialog")).to_have_count(0)
    expect(bob_in_list).to_contain_text("Bobby Tables")

    # A, the owner, renames B in the settings' Members section.
    a.goto(f"/servers/{server_id}/settings?section=members")
    row = a.locator(f'.ss-member[data-username="{bob}"]')
    expect(row).to_contain_text("Bobby Tables")
    row.get_by_role("button", name="Nickname of Bobby Tables").click()
    field = a.locator("#member-nickname")
    expect(field).to_have_value("Bobby Tables")
    field.fill("Robert")
    a.locator("#member-nickname-save").click()
    expect(a.get_by_text("Nickname saved")).to_be_visible()
    expect(row).to_contain_text("Robert")
    # B's own dialog shows the new nickname.
    edit_server_profile(b)
    expect(b.get_by_label("Nickname")).to_have_value("Robert")
    b.keyboard.press("Escape")

    # C may not rename others: only C's own row offers it.
    c = new_context().new_page()
    ui_login(c, carol, next_path=f"/servers/{server_id}/settings?section=members")
    expect(c.locator(f'.ss-member[data-username="{bob}"]')).to_contain_text("Robert")
    expect(c.locator(".ss-member-nickname")).to_have_count(1)
    expect(
        c.locator(f'.ss-member[data-username="{carol}"]').locator(".ss-member-nickname")
    ).to_have_count(1)

    # C starts typing a nickname, then the owner takes Change nickname from @everyone: the
    # domain refuses the save, and the toast says why.
    c.goto(f"/servers/{server_id}/{general}")
    edit_server_profile(c)
    c.get_by_label("Nickname").fill("Caz")
    everyone = next(
        r for r in api(alice_token, "GET", f"/servers/{server_id}/roles") if r["is_everyone"]
    )
    change_nickname = next(
        int(p["bit"])
        for p in api(alice_token, "GET", "/permissions")
        if p["name"] == "CHANGE_NICKNAME"
    )
    api(
        alice_token,
        "PATCH",
        f"/servers/{server_id}/roles/{everyone['id']}",
        json={"permissions": str(int(everyone["permissions"]) & ~change_nickname)},
    )
    c.locator("#server-nickname-save").click()
    expect(c.get_by_text("you need the Change nickname permission")).to_be_visible()
    c.keyboard.press("Escape")
    edit_server_profile(c)
    expect(c.get_by_label("Nickname")).to_be_disabled()
    expect(c.get_by_text("This server does not let you change your nickname.")).to_be_visible()
    shown = {
        m["user"]["username"]: m["shown_name"]
        for m in api(carol_token, "GET", f"/servers/{server_id}/members")["members"]
    }
    assert shown[carol] == "Carol"
