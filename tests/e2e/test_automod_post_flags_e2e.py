"""Automod flag rules on a posts channel in a browser: the owner adds a flag rule in the server
settings, a member's matching post is published, and the owner's open automod settings list it
as a post in #channel (its text inert, a link to the post) until it is marked as reviewed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import ui_login
from tests.e2e.test_servers_more_e2e import TOAST, api, person, public_server

pytestmark = pytest.mark.e2e

BODY = "<b>free nitro</b> for everyone"


def test_a_flagged_post_reaches_the_owners_automod_settings(
    server: str, new_context: Callable[..., BrowserContext]
) -> None:
    owner, owner_token, _ = person("flagowner", "Owner")
    server_id, _ = public_server(owner_token, "Flag Board")
    board = api(
        owner_token,
        "POST",
        f"/servers/{server_id}/channels",
        json={"name": "board", "channel_type": "posts"},
    )["id"]
    member, member_token, _ = person("flagmember", "Member")
    api(member_token, "POST", f"/servers/{server_id}/join")

    # The owner adds a flag rule and keeps the automod settings open.
    a = new_context().new_page()
    ui_login(a, owner)
    a.goto(f"/servers/{server_id}/settings?section=automod")
    expect(a.locator("#automod-section")).to_be_visible()
    a.get_by_label("Word or pattern").fill("nitro")
    a.get_by_role("combobox", name="What to do").click()
    a.get_by_role("option", name="Flag it for moderators").click()
    a.locator("#add-rule").click()
    expect(a.locator('.ss-rule-row[data-value="nitro"]')).to_contain_text("Flag")
    expect(a.get_by_text("Nothing flagged waits for review.")).to_be_visible()

    # The member's matching post is published in the channel.
    b = new_context().new_page()
    ui_login(b, member, next_path=f"/servers/{server_id}/{board}")
    expect(b.locator("#channel-title")).to_have_text("board")
    b.get_by_label("New post").fill(BODY)
    b.locator("#publish-post").click()
    expect(b.locator(".post", has_text="for everyone")).to_be_visible()
    expect(b.get_by_label("New post")).to_have_value("")

    # The owner's open settings list it live, as a post in #board.
    row = a.locator('#flag-list .ss-flag[data-kind="post"]')
    expect(row).to_have_count(1)
    expect(row.locator(".ss-flag-where")).to_contain_text("Post in #board")
    expect(row.locator(".ss-flag-where")).to_contain_text("@" + member)
    expect(row.locator(".ss-flag-body")).to_have_text(BODY)  # inert: the tags are text
    expect(row.locator(".ss-flag-body b")).to_have_count(0)
    [flag] = api(owner_token, "GET", f"/servers/{server_id}/automod/flags")["flags"]
    assert (flag["kind"], flag["post"]["body"]) == ("post", BODY)
    expect(row.get_by_role("link", name="Open the post")).to_have_attribute(
        "href", "/p/" + flag["post"]["id"]
    )

    # Marked as reviewed: it leaves the list, here and through the API.
    row.get_by_role("button", name="Mark the post as reviewed").click()
    expect(a.locator(TOAST, has_text="Marked as reviewed")).to_be_visible()
    expect(row).to_have_count(0)
    expect(a.get_by_text("Nothing flagged waits for review.")).to_be_visible()
    assert api(owner_token, "GET", f"/servers/{server_id}/automod/flags")["flags"] == []
    resolved = api(owner_token, "GET", f"/servers/{server_id}/automod/flags?resolved=true")
    assert [f["id"] for f in resolved["flags"]] == [flag["id"]]
