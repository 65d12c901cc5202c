"""Servers in the browser, three people: A creates a server with a private moderators' channel
and a role, B joins by invite and chats live with A, C is banned and cannot join, B gets the
role and sees the private channel appear, A pins a message and B finds it in the pinned list,
a kicked member comes back with a new invite, and a phone's drawers work."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import select

from socialhub.db import make_engine, transaction
from socialhub.domain import channels, roles
from socialhub.domain.permissions import Permission
from socialhub.models import Role, User
from tests.e2e.conftest import BASE, AppServer, register, ui_login, unique
from tests.support.servers import general

pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def app_db(app_server: AppServer) -> Iterator[Engine]:
    """The running app's own database, for the setup that has no screen of this page."""
    engine = make_engine(f"sqlite:///{app_server.data / 'socialhub.db'}")
    yield engine
    engine.dispose()


def user_id(engine: Engine, username: str) -> int:
    with transaction(engine) as s:
        found = s.exec(select(User.id).where(User.username == username)).one()
        assert found is not None
        return found


def send(page: Page, text: str) -> None:
    """Once the composer has taken the channel in the URL (assets/composer.js restores that
    channel's draft into it, which would wipe text typed before)."""
    channel = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.locator(f'#composer[data-draft-chat="{channel}"]')).to_be_attached()
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def channel_link(page: Page, name: str) -> object:
    return page.locator(f'#channel-list a[data-channel="{name}"]')


def server_id_of(page: Page) -> str:
    match = re.search(r"/servers/([0-9a-f]{32})", page.url)
    assert match, page.url
    return match.group(1)


def create_server(page: Page, name: str) -> str:
    page.goto("/servers")
    page.get_by_label("Create a server").click()
    page.get_by_label("Server name").fill(name)
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/servers/[0-9a-f]{32}/[0-9a-f]{32}"))
    expect(page.locator("#channel-title")).to_have_text("general")
    expect(page.get_by_label(name, exact=True)).to_be_visible()  # its icon on the rail
    return server_id_of(page)


def invite_link(page: Page) -> str:
    page.get_by_label("Server menu").click()
    page.get_by_role("menuitem", name="Invite people").click()
    url = page.locator("#server-invite-url")
    expect(url).to_contain_text("/server-invite/")
    link = url.inner_text()
    page.get_by_role("button", name="Done").click()
    return link


def join_by_link(page: Page, link: str, server_name: str) -> None:
    page.goto(link)
    expect(page.locator("#server-invite-name")).to_have_text(server_name)
    page.get_by_role("button", name="Join server").click()
    expect(page).to_have_url(re.compile(r"/servers/[0-9a-f]{32}/[0-9a-f]{32}"))
    expect(page.locator("#channel-title")).to_have_text("general")


def add_private_channel(engine: Engine, server_id: str, owner: int) -> str:
    """#mods, seen only by the role Mods (@everyone denied VIEW_CHANNEL, Mods allowed); the
    role's id. Set up through the domain as the owner: making channels, roles and overwrites
    is the server settings pages' (another screen, with its own browser test)."""
    with transaction(engine) as s:
        actor = s.get(User, owner)
        assert actor is not None
        category = general(s, server_id).category_id
        channel = channels.check_create_channel(
            s, actor, server_id, name="mods", category_id=category, topic="Moderators only"
        )
        role = roles.check_create_role(s, actor, server_id, name="Mods", colour="#e5484d")
        everyone = s.exec(select(Role).where(Role.server_id == server_id, Role.is_everyone)).one()
        view = str(int(Permission.VIEW_CHANNEL))
        roles.check_set_overwrite(s, actor, "channel", channel.id, "role", everyone.id, deny=view)
        roles.check_set_overwrite(s, actor, "channel", channel.id, "role", role.id, allow=view)
        return role.id


def api(token: str, method: str, path: str, **kw: object) -> None:
    """A's moderation through the REST API, while the other tabs watch (the member actions'
    own screens are the server settings pages')."""
    response = httpx.request(
        method,
        f"{BASE}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=15,
        **kw,  # type: ignore[arg-type]
    )
    assert response.status_code < 300, response.text


def test_servers(new_context: Callable[..., BrowserContext], app_db: Engine) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    token = register(alice, display_name="Alice")["access_token"]
    register(bob, display_name="Bob")
    register(carol, display_name="Carol")
    a = new_context().new_page()
    ui_login(a, alice)
    server_name = f"Guild {alice}"
    server_id = create_server(a, server_name)

    # A private moderators' channel and a role: the owner sees it.
    mods_role = add_private_channel(app_db, server_id, user_id(app_db, alice))
    a.reload()
    expect(channel_link(a, "mods")).to_be_visible()

    # B joins by an invite link and chats live with A.
    link = invite_link(a)
    b = new_context().new_page()
    ui_login(b, bob)
    join_by_link(b, link, server_name)
    expect(channel_link(b, "general")).to_be_visible()
    expect(channel_link(b, "mods")).to_have_count(0)
    channel_link(a, "general").click()
    expect(a).to_have_url(re.compile(r"/servers/[0-9a-f]{32}/[0-9a-f]{32}"))
    send(a, "welcome bob")
    expect(b.locator(".message", has_text="welcome bob")).to_be_visible()
    send(b, "thanks alice")
    expect(a.locator(".message", has_text="thanks alice")).to_be_visible()

    # A message into a channel not on screen lights its dot, a mention adds to its badge, live;
    # opening the channel clears both.
    channel_link(a, "mods").click()
    expect(a.locator("#channel-title")).to_have_text("mods")
    # The pane shows #mods now (until then a message into #general is read on sight).
    expect(a.locator(".message", has_text="welcome bob")).to_have_count(0)
    send(b, f"@{alice} have a look")
    expect(channel_link(a, "general")).to_have_attribute("data-unread", "true")
    expect(channel_link(a, "general").get_by_label("mentions")).to_have_text("1")
    channel_link(a, "general").click()
    expect(a.locator(".message", has_text="have a look")).to_be_visible()
    expect(channel_link(a, "general")).to_have_attribute("data-unread", "false")
    expect(channel_link(a, "general").get_by_label("mentions")).to_have_count(0)

    # The member list: both, with the owner marked.
    b.get_by_label("Member list").click()
    members = b.locator("#member-list")
    expect(members.locator(f'[data-username="{alice}"]')).to_contain_text("Owner")
    expect(members.locator(f'[data-username="{bob}"]')).to_be_visible()

    # A pins a message from its menu; B finds it in the pinned list.
    a.locator(".message", has_text="welcome bob").get_by_label("Message actions").click()
    a.get_by_role("menuitem", name="Pin").click()
    expect(a.locator(".system-message", has_text="pinned a message")).to_be_visible()
    b.get_by_label("Pinned messages").click()
    expect(b.locator("#pins-list")).to_contain_text("welcome bob")
    b.keyboard.press("Escape")

    # C is banned: the invite shows the server, and joining is refused with a toast.
    carol_id, bob_id = user_id(app_db, carol), user_id(app_db, bob)
    api(token, "PUT", f"/servers/{server_id}/bans/{carol_id}", json={"reason": "spam"})
    c = new_context().new_page()
    ui_login(c, carol)
    c.goto(link)
    expect(c.locator("#server-invite-name")).to_have_text(server_name)
    c.get_by_role("button", name="Join server").click()
    expect(c.get_by_text("you are banned from this server")).to_be_visible()
    expect(c).to_have_url(re.compile(r"/server-invite/"))

    # B gets the role: the private channel appears for B, live.
    api(token, "PUT", f"/servers/{server_id}/members/{bob_id}/roles/{mods_role}")
    expect(channel_link(b, "mods")).to_be_visible()
    channel_link(b, "mods").click()
    expect(b.locator("#channel-title")).to_have_text("mods")
    expect(b.locator("#channel-topic")).to_have_text("Moderators only")

    # B is kicked: B's tab leaves the server on the spot, with a toast; a new invite brings
    # B back.
    api(token, "DELETE", f"/servers/{server_id}/members/{bob_id}")
    expect(b.get_by_text(f"You were removed from {server_name}")).to_be_visible()
    expect(b).to_have_url(re.compile(r"/servers$"))
    expect(b.get_by_label(server_name, exact=True)).to_have_count(0)
    join_by_link(b, invite_link(a), server_name)
    expect(b.get_by_label(server_name, exact=True)).to_be_visible()
    expect(channel_link(b, "mods")).to_have_count(0)  # the kick took the role with it

    # A phone: the rail and the sidebar are a drawer; a channel tapped closes it.
    phone = new_context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    ui_login(phone, alice)
    phone.goto(f"/servers/{server_id}")
    expect(phone.locator("#channel-title")).to_have_text("general")
    drawer = phone.locator("#server-drawer")
    expect(drawer).not_to_be_in_viewport()
    phone.get_by_label("Open channels").click()
    expect(drawer).to_be_in_viewport()
    channel_link(phone, "mods").click()
    expect(phone.locator("#channel-title")).to_have_text("mods")
    expect(drawer).not_to_be_in_viewport()
    phone.get_by_label("Member list").click()
    expect(phone.locator("#member-list")).to_be_in_viewport()
    phone.get_by_label("Close the member list").click()
    expect(phone.locator("#member-list")).to_have_count(0)
