"""Servers in the browser, three people: A creates a server with a private moderators' channel
and a role, B joins by invite and chats live with A, C is banned and cannot join, B gets the
role and sees the private channel appear, A pins a message and B finds it in the pinned list,
a kicked member comes back with a new invite, and a phone's drawers work."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import select

from socialhub.db import make_engine, transaction
from socialhub.domain import permissions
from socialhub.domain import servers as servers_domain
from socialhub.domain.permissions import Permission
from socialhub.models import (
    MemberRoleLink,
    Message,
    PermissionOverwrite,
    PinnedMessage,
    Role,
    Server,
    ServerBan,
    User,
)
from tests.e2e.conftest import AppServer, register, ui_login, unique
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
    role's id.

    Set up through the domain's core: the channel and role helpers' functions are not on
    main yet. TODO: create them from the server settings pages once those land."""
    with transaction(engine) as s:
        server = s.get(Server, server_id)
        assert server is not None
        channel = servers_domain.do_create_channel(
            s,
            server,
            name="mods",
            category_id=general(s, server_id).category_id,
            position=1,
            topic="Moderators only",
            created_by=owner,
        )
        channel.synced = False
        everyone = s.exec(select(Role).where(Role.server_id == server_id, Role.is_everyone)).one()
        role = Role(server_id=server_id, name="Mods", position=1, colour="#e5484d")
        s.add(role)
        s.flush()
        for target, allow, deny in (
            (everyone.id, 0, Permission.VIEW_CHANNEL),
            (role.id, Permission.VIEW_CHANNEL, 0),
        ):
            s.add(
                PermissionOverwrite(
                    server_id=server_id,
                    scope_id=channel.id,
                    target_type="role",
                    target_id=target,
                    allow=int(allow),
                    deny=int(deny),
                )
            )
        permissions.bump_version(s, server)
        return role.id


def test_servers(new_context: Callable[..., BrowserContext], app_db: Engine) -> None:
    alice, bob, carol = unique("alice"), unique("bob"), unique("carol")
    for name, shown in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        register(name, display_name=shown)
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

    # A pins a message; B finds it in the pinned list.
    # Set up through the domain: the pins helper's functions are not on main yet.
    with transaction(app_db) as s:
        message = s.exec(select(Message).where(Message.body == "welcome bob")).one()
        s.add(
            PinnedMessage(
                message_id=message.id,
                conversation_id=message.conversation_id,
                pinned_by=user_id(app_db, alice),
            )
        )
    b.get_by_label("Pinned messages").click()
    expect(b.locator("#pins-list")).to_contain_text("welcome bob")
    b.keyboard.press("Escape")

    # C is banned: the invite shows the server, and joining is refused with a toast.
    with transaction(app_db) as s:
        s.add(ServerBan(server_id=server_id, user_id=user_id(app_db, carol), reason="spam"))
    c = new_context().new_page()
    ui_login(c, carol)
    c.goto(link)
    expect(c.locator("#server-invite-name")).to_have_text(server_name)
    c.get_by_role("button", name="Join server").click()
    expect(c.get_by_text("you are banned from this server")).to_be_visible()
    expect(c).to_have_url(re.compile(r"/server-invite/"))

    # B gets the role: the private channel appears for B.
    with transaction(app_db) as s:
        server = s.get(Server, server_id)
        assert server is not None
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id(app_db, bob), role_id=mods_role))
    # TODO(live): through the roles helper's grant once it is on main, with no reload.
    b.reload()
    expect(channel_link(b, "mods")).to_be_visible()

    # B is kicked, and comes back with a new invite.
    with transaction(app_db) as s:
        server = s.get(Server, server_id)
        assert server is not None
        servers_domain.do_remove_member(s, server, user_id(app_db, bob), reason="kick")
    b.goto("/servers")
    expect(b.get_by_label(server_name, exact=True)).to_have_count(0)
    join_by_link(b, invite_link(a), server_name)
    expect(b.get_by_label(server_name, exact=True)).to_be_visible()

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
