"""More of the server settings in a browser: the bans with Unban, join requests accepted and
declined, an invite made with an expiry and a use limit, a category's overwrites, the audit
log's filter on the domain's actions. The data each step is not about is made through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import BASE, register, ui_login, unique

pytestmark = pytest.mark.e2e


def _api(tokens: dict[str, Any]) -> httpx.Client:
    return httpx.Client(
        base_url=BASE, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=15
    )


def _server(api: httpx.Client, name: str, **fields: object) -> str:
    created = api.post("/api/v1/servers", json={"name": name, **fields})
    assert created.status_code == 201, created.text
    server_id: str = created.json()["server"]["id"]
    return server_id


def test_bans_unban_join_requests_and_the_audit_filter(
    server: str, new_context: Callable[..., BrowserContext]
) -> None:
    owner, banned, asker, other = (unique(p) for p in ("own", "ban", "ask", "oth"))
    owner_tokens = register(owner)
    banned_tokens, asker_tokens = register(banned, "Banned One"), register(asker, "Asker A")
    other_tokens = register(other)
    banned_id = banned_tokens["user"]["id"]  # type: ignore[index]
    with _api(owner_tokens) as api:
        server_id = _server(api, "Gate Club", join_mode="request")
        response = api.put(f"/api/v1/servers/{server_id}/bans/{banned_id}", json={"reason": "spam"})
        assert response.status_code == 200, response.text
    for tokens, note in ((asker_tokens, "let me in"), (other_tokens, "")):
        with _api(tokens) as api:
            asked = api.post(f"/api/v1/servers/{server_id}/join-requests", json={"message": note})
            assert asked.status_code == 201, asked.text

    page = new_context().new_page()
    ui_login(page, owner)
    page.goto(f"/servers/{server_id}/settings?section=bans")
    row = page.locator(f'.ss-ban[data-username="{banned}"]')
    expect(row).to_contain_text("Banned One")
    expect(row).to_contain_text("spam")
    expect(row).to_contain_text(f"Banned by @{owner}")

    # Unban asks first: Cancel keeps the ban, the red button lifts it.
    row.get_by_role("button", name="Unban Banned One").click()
    page.locator("#unban-cancel").click()
    expect(row).to_be_visible()
    row.get_by_role("button", name="Unban Banned One").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Unban Banned One?")
    page.locator("#unban-confirm").click()
    expect(page.get_by_text("Banned One is no longer banned")).to_be_visible()
    expect(row).to_have_count(0)
    expect(page.locator("#no-bans")).to_be_visible()
    with _api(owner_tokens) as api:
        assert api.get(f"/api/v1/servers/{server_id}/bans").json()["bans"] == []

    # Join requests: accept one, decline the other; the list follows each.
    page.locator("#section-join-requests").click()
    asking = page.locator(f'.ss-request[data-username="{asker}"]')
    expect(asking).to_contain_text("let me in")
    expect(page.locator(".ss-request")).to_have_count(2)
    asking.get_by_role("button", name="Accept Asker A").click()
    expect(page.get_by_text("Asker A joined the server")).to_be_visible()
    expect(asking).to_have_count(0)
    page.locator(f'.ss-request[data-username="{other}"]').get_by_role(
        "button", name="Decline"
    ).click()
    expect(page.get_by_text(f"{other}'s request was declined")).to_be_visible()
    expect(page.locator(".ss-request")).to_have_count(0)
    with _api(owner_tokens) as api:
        members = api.get(f"/api/v1/servers/{server_id}/members").json()["members"]
    assert {m["user"]["username"] for m in members} == {owner, asker}

    # The audit log's filter offers the domain's actions, in words.
    page.locator("#section-audit-log").click()
    expect(page.locator('.ss-audit-row[data-action="member_unban"]')).to_have_count(1)
    page.get_by_role("combobox", name="Filter by action").click()
    page.get_by_role("option", name="Join request accepted").click()
    accepted = page.locator(".ss-audit-row")
    expect(accepted).to_have_count(1)
    expect(accepted).to_contain_text("@" + asker)
    expect(page.locator('.ss-audit-row[data-action="member_unban"]')).to_have_count(0)


def test_an_invite_with_expiry_and_limit_and_a_categorys_overwrites(
    server: str, new_context: Callable[..., BrowserContext]
) -> None:
    owner, member = unique("own"), unique("mem")
    owner_tokens, member_tokens = register(owner), register(member, "Member M")
    with _api(owner_tokens) as api:
        server_id = _server(api, "Invite Guild")
        role = api.post(f"/api/v1/servers/{server_id}/roles", json={"name": "Mods"})
        assert role.status_code == 201, role.text
        code = api.post(f"/api/v1/servers/{server_id}/invites", json={}).json()["code"]
    with _api(member_tokens) as api:
        assert api.post(f"/api/v1/server-invites/{code}/join").status_code == 200

    page = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    ui_login(page, owner)
    page.goto(f"/servers/{server_id}/settings?section=invites")
    page.get_by_role("combobox", name="Expires after").click()
    page.get_by_role("option", name="1 hour", exact=True).click()
    page.get_by_role("combobox", name="Number of uses").click()
    page.get_by_role("option", name="5 uses", exact=True).click()
    page.locator("#create-invite").click()
    expect(page.get_by_text("Invite created")).to_be_visible()
    url = page.locator("#new-invite-url").inner_text()
    new_code = url.rsplit("/", 1)[-1]
    assert url == f"{BASE}/server-invite/{new_code}"
    made = page.locator(f'[data-code="{new_code}"]')
    expect(made).to_contain_text("0 / 5")
    expect(made).to_contain_text("@" + owner)
    expect(made).not_to_contain_text("Never")
    page.locator("#copy-new-invite").click()
    expect(page.get_by_text("Link copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    with _api(owner_tokens) as api:
        listed = {i["code"]: i for i in api.get(f"/api/v1/servers/{server_id}/invites").json()}
    assert listed[new_code]["max_uses"] == 5
    assert listed[new_code]["expires_at"] is not None

    # A category's overwrites, with the channel's own editor: Mods may not send there.
    page.locator("#section-channels").click()
    general = page.locator('.ss-role[data-channel="general"]')
    expect(general.locator(".ss-sync")).to_have_text("Synced")
    page.get_by_role("button", name="Edit category Text channels").click()
    editor = page.locator("#category-editor")
    expect(editor).to_contain_text("Permissions in this category")
    expect(page.locator("#category-synced")).to_contain_text("general")
    page.locator("#add-role-overwrite").click()
    page.get_by_role("menuitem", name="Mods").click()
    send = page.locator('#overwrite-editor [data-permission="SEND_MESSAGES"]')
    send.get_by_role("radio", name="Deny").click()
    expect(page.get_by_text("Permissions saved").first).to_be_visible()
    expect(send.get_by_role("radio", name="Deny")).to_be_checked()
    # A member's overwrite is labelled with their name.
    editor.get_by_label("Add a member's overwrite").fill(member)
    editor.get_by_role("button", name="Member", exact=True).click()
    expect(editor.locator(".ss-target", has_text="Member M")).to_be_visible()

    # #general, synced, shows the category's overwrites: they are what applies there.
    page.get_by_role("button", name="Edit channel general").click()
    expect(page.locator("#channel-editor")).to_contain_text("Synced with its category")
    expect(page.locator("#channel-editor .ss-target", has_text="Mods")).to_be_visible()
    with _api(owner_tokens) as api:
        detail = api.get(f"/api/v1/servers/{server_id}").json()
        category_id = detail["categories"][0]["id"]
        overwrites = api.get(f"/api/v1/categories/{category_id}/overwrites")
    assert overwrites.status_code == 200, overwrites.text
    assert [o["target_type"] for o in overwrites.json()["overwrites"]] == ["role", "member"]


def test_the_open_settings_page_follows_changes_made_elsewhere(
    server: str, new_context: Callable[..., BrowserContext]
) -> None:
    owner, admin, asker = unique("own"), unique("adm"), unique("ask")
    owner_tokens, admin_tokens = register(owner), register(admin)
    asker_tokens = register(asker, "Late Asker")
    admin_id = admin_tokens["user"]["id"]  # type: ignore[index]
    with _api(owner_tokens) as api:
        server_id = _server(api, "Live Club", join_mode="request")
        role = api.post(
            f"/api/v1/servers/{server_id}/roles",
            json={"name": "Admins", "permissions": str(1 << 7)},
        )
        assert role.status_code == 201, role.text
        code = api.post(f"/api/v1/servers/{server_id}/invites", json={}).json()["code"]
    with _api(admin_tokens) as api:
        assert api.post(f"/api/v1/server-invites/{code}/join").status_code == 200

    page = new_context().new_page()
    ui_login(page, owner)
    page.goto(f"/servers/{server_id}/settings?section=join-requests")
    expect(page.locator("#join-requests-section")).to_contain_text("No requests wait")
    # Someone asks: the request appears without a reload.
    with _api(asker_tokens) as api:
        assert api.post(f"/api/v1/servers/{server_id}/join-requests", json={}).status_code == 201
    expect(page.locator(f'.ss-request[data-username="{asker}"]')).to_contain_text("Late Asker")

    # Another manager adds a channel and a role: the open sections show them at once.
    page.locator("#section-channels").click()
    expect(page.locator("#channel-list")).to_contain_text("general")
    with _api(owner_tokens) as api:
        assert (
            api.put(
                f"/api/v1/servers/{server_id}/members/{admin_id}/roles/{role.json()['id']}"
            ).status_code
            == 204
        )
    with _api(admin_tokens) as api:
        made = api.post(f"/api/v1/servers/{server_id}/channels", json={"name": "live-news"})
        assert made.status_code == 201, made.text
    expect(page.locator('.ss-role[data-channel="live-news"]')).to_be_visible()
    page.locator("#section-roles").click()
    with _api(owner_tokens) as api:
        created = api.post(f"/api/v1/servers/{server_id}/roles", json={"name": "Fresh"})
        assert created.status_code == 201, created.text
    expect(page.locator("#role-list .ss-role-name", has_text="Fresh")).to_be_visible()

    # A ban made elsewhere shows in the open Bans section.
    page.locator("#section-bans").click()
    expect(page.locator("#no-bans")).to_be_visible()
    with _api(owner_tokens) as api:
        banned = api.put(f"/api/v1/servers/{server_id}/bans/{admin_id}", json={"reason": "test"})
        assert banned.status_code == 200, banned.text
    expect(page.locator(f'.ss-ban[data-username="{admin}"]')).to_contain_text("test")
