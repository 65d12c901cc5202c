"""The server settings page's sections driven as a tab drives them: bans with Unban, join
requests, invite creation, category overwrites, the audit log's filter and the live updates;
every refusal of the domain reaches the tab as a toast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any, TypeVar

from reflex.state import BaseState, State

import socialhub.pages.server_settings  # noqa: F401  (every section's state, as the app has them)
from socialhub.db import transaction
from socialhub.domain import audit, moderation
from socialhub.domain import channels as channels_domain
from socialhub.domain import roles as roles_domain
from socialhub.domain import servers as servers_domain
from socialhub.domain.permissions import Permission
from socialhub.domain.servers import is_banned, membership
from socialhub.models import ServerInvite
from socialhub.state.server_settings import ServerSettingsState
from socialhub.state.server_settings_access import BanSettingsState, JoinRequestSettingsState
from socialhub.state.server_settings_channels import ChannelSettingsState
from socialhub.state.server_settings_live import ServerSettingsLive
from socialhub.state.server_settings_members import (
    INVITE_EXPIRIES,
    INVITE_USE_LIMITS,
    InviteSettingsState,
    MemberSettingsState,
)
from socialhub.state.server_settings_moderation import ACTION_CHOICES, AuditLogState
from tests.state.conftest import ORIGIN, SignedInTab, deliver_to
from tests.support.chat import load_user
from tests.support.servers import add_members, general, make_server

S = TypeVar("S", bound=BaseState)
Events = list[tuple[str, Any]]


def toasts(events: Any) -> list[str]:
    """The JavaScript of every toast among the events a handler returned."""
    flat: list[Any] = []
    for event in events if isinstance(events, list) else [events]:
        flat.extend(event if isinstance(event, list) else [event])
    return [
        str(value)
        for event in flat
        if event is not None
        for _, value in getattr(event, "args", ())
        if "__toast" in str(value)
    ]


async def open_section(root: State, server_id: str, section: str, cls: type[S]) -> tuple[S, Any]:
    """The settings page of `server_id` opened on `section`: its state and what opening sent."""
    page = await root.get_state(ServerSettingsState)
    await ServerSettingsState.load.fn(page)  # type: ignore[attr-defined]
    sent = await ServerSettingsState.open_section.fn(page, section)  # type: ignore[attr-defined]
    return await root.get_state(cls), sent


async def test_bans_list_who_why_by_whom_and_unban_after_confirming(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob", display_name="Bob B")
    carol = make_user("carol")
    server_id = make_server(alice, "Guild", members=(bob, carol))
    with transaction() as s:
        moderation.check_ban_member(s, load_user(s, alice), server_id, bob, reason="spam links")

    # Carol may not ban, so she may not see the bans either: a toast says so, nothing listed.
    carol_tab = await signed_in_tab(carol, f"/servers/{server_id}/settings")
    carol_bans, sent = await open_section(carol_tab, server_id, "bans", BanSettingsState)
    assert carol_bans.bans == []
    assert any("Ban members" in t or "permission" in t for t in toasts(sent))

    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    bans, sent = await open_section(tab, server_id, "bans", BanSettingsState)
    assert toasts(sent) == []
    assert [(b.username, b.shown_name, b.reason, b.banned_by) for b in bans.bans] == [
        ("bob", "Bob B", "spam links", "@alice")
    ]
    assert bans.bans[0].when

    # Unban asks first; cancelling keeps the ban.
    BanSettingsState.ask_unban.fn(bans, bob, "Bob B")  # type: ignore[attr-defined]
    assert bans.unban_user_id == bob
    BanSettingsState.set_unban_open.fn(bans, False)  # type: ignore[attr-defined]
    assert await BanSettingsState.confirm_unban.fn(bans) is None  # type: ignore[attr-defined]
    with transaction() as s:
        assert is_banned(s, server_id, bob)

    BanSettingsState.ask_unban.fn(bans, bob, "Bob B")  # type: ignore[attr-defined]
    sent = await BanSettingsState.confirm_unban.fn(bans)  # type: ignore[attr-defined]
    assert any("Bob B is no longer banned" in t for t in toasts(sent))
    assert bans.bans == []
    with transaction() as s:
        assert not is_banned(s, server_id, bob)

    # A second tab still showing the ban: the domain refuses, the toast says why, the list
    # is read again.
    other = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    stale, _ = await open_section(other, server_id, "members", BanSettingsState)
    stale.bans = bans.bans
    BanSettingsState.ask_unban.fn(stale, bob, "Bob B")  # type: ignore[attr-defined]
    sent = await BanSettingsState.confirm_unban.fn(stale)  # type: ignore[attr-defined]
    assert any("not banned" in t for t in toasts(sent))


async def test_join_requests_are_accepted_or_declined_and_the_list_follows(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob, dan, erin = (make_user(n) for n in ("alice", "bob", "dan", "erin"))
    server_id = make_server(alice, "Club", members=(bob,), is_public=False, join_mode="request")
    with transaction() as s:
        for user_id, note in ((dan, "hi, I am Dan"), (erin, "")):
            servers_domain.check_request_join(s, load_user(s, user_id), server_id, message=note)

    # Bob is a member without MANAGE_SERVER: refused, with a toast.
    bob_tab = await signed_in_tab(bob, f"/servers/{server_id}/settings")
    bob_requests, sent = await open_section(
        bob_tab, server_id, "join-requests", JoinRequestSettingsState
    )
    assert bob_requests.requests == []
    assert toasts(sent)

    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    requests, sent = await open_section(tab, server_id, "join-requests", JoinRequestSettingsState)
    assert toasts(sent) == []
    assert [(r.username, r.message) for r in requests.requests] == [
        ("dan", "hi, I am Dan"),
        ("erin", ""),
    ]
    page = await tab.get_state(ServerSettingsState)
    assert page.member_count == 2

    sent = await JoinRequestSettingsState.accept.fn(requests, dan)  # type: ignore[attr-defined]
    assert any("dan joined the server" in t for t in toasts(sent))
    assert [r.username for r in requests.requests] == ["erin"]
    assert page.member_count == 3
    with transaction() as s:
        assert membership(s, server_id, dan) is not None

    sent = await JoinRequestSettingsState.decline.fn(requests, erin)  # type: ignore[attr-defined]
    assert any("erin's request was declined" in t for t in toasts(sent))
    assert requests.requests == []
    with transaction() as s:
        assert membership(s, server_id, erin) is None

    # Deciding again (another moderator was first): refused with a toast.
    sent = await JoinRequestSettingsState.decline.fn(requests, erin)  # type: ignore[attr-defined]
    assert any("no such pending join request" in t for t in toasts(sent))


async def test_an_invite_is_made_with_an_expiry_and_a_use_limit_and_its_link_shown(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice = make_user("alice")
    server_id = make_server(alice, "Guild")
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    invites, _ = await open_section(tab, server_id, "invites", InviteSettingsState)
    assert invites.invites == []
    assert invites.new_url == ""
    assert [v for v, _ in INVITE_EXPIRIES] == [
        "1800", "3600", "21600", "43200", "86400", "604800", "never"
    ]  # fmt: skip
    assert [v for v, _ in INVITE_USE_LIMITS] == ["none", "1", "5", "10", "25", "50", "100"]

    InviteSettingsState.set_expiry.fn(invites, "3600")  # type: ignore[attr-defined]
    InviteSettingsState.set_max_uses.fn(invites, "5")  # type: ignore[attr-defined]
    sent = await InviteSettingsState.create_invite.fn(invites)  # type: ignore[attr-defined]
    assert any("Invite created" in t for t in toasts(sent))
    [row] = invites.invites
    assert invites.new_url == f"{ORIGIN}/server-invite/{row.code}"
    assert (row.creator, row.uses) == ("@alice", "0 / 5")
    with transaction() as s:
        invite = s.get(ServerInvite, row.code)
        assert invite is not None
        assert invite.max_uses == 5
        assert invite.expires_at is not None
        lasts = invite.expires_at.replace(tzinfo=UTC) - invite.created_at.replace(tzinfo=UTC)
        assert abs(lasts.total_seconds() - 3600) < 60

    InviteSettingsState.set_expiry.fn(invites, "never")  # type: ignore[attr-defined]
    InviteSettingsState.set_max_uses.fn(invites, "none")  # type: ignore[attr-defined]
    await InviteSettingsState.create_invite.fn(invites)  # type: ignore[attr-defined]
    newest = invites.invites[0]
    assert (newest.expires, newest.uses) == ("Never", "0 / no limit")
    assert invites.new_url.endswith(newest.code)

    # What the domain refuses (an expiry it does not offer) is a toast; nothing is made.
    InviteSettingsState.set_expiry.fn(invites, "999")  # type: ignore[attr-defined]
    sent = await InviteSettingsState.create_invite.fn(invites)  # type: ignore[attr-defined]
    assert any("expiry must be" in t for t in toasts(sent))
    assert len(invites.invites) == 2

    # Revoking the invite just shown takes its link away too.
    sent = await InviteSettingsState.revoke.fn(invites, newest.code)  # type: ignore[attr-defined]
    assert any("Invite revoked" in t for t in toasts(sent))
    assert invites.new_url == ""
    assert [i.code for i in invites.invites] == [row.code]


async def test_a_category_has_overwrites_edited_like_a_channels_and_its_synced_channels_show_them(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, bob = make_user("alice"), make_user("bob", display_name="Bobby")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        channel = general(s, server_id)
        general_id, category_id = channel.id, channel.category_id
        mods = roles_domain.check_create_role(s, load_user(s, alice), server_id, name="Mods").id
    assert category_id
    send = str(int(Permission.SEND_MESSAGES))

    # Bob may not manage roles: the category's overwrites are refused him, with a toast.
    bob_tab = await signed_in_tab(bob, f"/servers/{server_id}/settings")
    bob_channels, _ = await open_section(bob_tab, server_id, "channels", ChannelSettingsState)
    sent = await ChannelSettingsState.select_category.fn(bob_channels, category_id)  # type: ignore[attr-defined]
    assert toasts(sent)
    assert bob_channels.targets == []

    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    channels, _ = await open_section(tab, server_id, "channels", ChannelSettingsState)
    sent = await ChannelSettingsState.select_category.fn(channels, category_id)  # type: ignore[attr-defined]
    assert toasts(sent) == []
    assert (channels.scope_kind, channels.edit_name, channels.targets) == (
        "category",
        "Text channels",
        [],
    )
    assert channels.category_synced == ["general"]

    await ChannelSettingsState.add_role_target.fn(channels, mods)  # type: ignore[attr-defined]
    sent = await ChannelSettingsState.set_cell.fn(channels, send, "deny")  # type: ignore[attr-defined]
    assert any("Permissions saved" in t for t in toasts(sent))
    assert [(t.label, t.deny) for t in channels.targets] == [("Mods", send)]
    # A member's overwrite is labelled with the name the server shows for them.
    await ChannelSettingsState.add_member_target.fn(channels, {"username": "@bob"})  # type: ignore[attr-defined]
    assert [t.label for t in channels.targets] == ["Mods", "Bobby"]
    assert channels.target_key == f"member:{bob}"
    sent = await ChannelSettingsState.add_member_target.fn(channels, {"username": "nobody"})  # type: ignore[attr-defined]
    assert any("no such user" in t for t in toasts(sent))
    with transaction() as s:
        scope = roles_domain.list_overwrites(s, load_user(s, alice), "category", category_id)
    assert [(o.target_type, o.deny) for o in scope.overwrites] == [("role", send), ("member", "0")]

    # #general is synced: its editor shows the category's overwrites, the ones that apply.
    await ChannelSettingsState.select_channel.fn(channels, general_id)  # type: ignore[attr-defined]
    assert channels.synced
    assert [t.label for t in channels.targets] == ["Mods", "Bobby"]
    # Changing one there gives the channel its own copy: no longer synced.
    ChannelSettingsState.select_target.fn(channels, f"role:{mods}")  # type: ignore[attr-defined]
    await ChannelSettingsState.set_cell.fn(channels, send, "allow")  # type: ignore[attr-defined]
    assert not channels.synced
    assert [(t.label, t.allow) for t in channels.targets] == [("Mods", send), ("Bobby", "0")]

    # Renaming the category; a name the domain refuses is a toast.
    await ChannelSettingsState.select_category.fn(channels, category_id)  # type: ignore[attr-defined]
    assert channels.category_synced == []
    ChannelSettingsState.set_edit_name.fn(channels, "Talk")  # type: ignore[attr-defined]
    sent = await ChannelSettingsState.save_category.fn(channels)  # type: ignore[attr-defined]
    assert any("Category saved" in t for t in toasts(sent))
    assert [c.name for c in channels.categories] == ["Talk"]
    ChannelSettingsState.set_edit_name.fn(channels, " ")  # type: ignore[attr-defined]
    sent = await ChannelSettingsState.save_category.fn(channels)  # type: ignore[attr-defined]
    assert toasts(sent)
    with transaction() as s:
        assert [
            c.name
            for c in channels_domain.list_channels(s, load_user(s, alice), server_id).categories
        ] == ["Talk"]


async def test_the_audit_logs_filter_offers_the_domains_actions_in_words(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    alice, dan = make_user("alice"), make_user("dan")
    server_id = make_server(alice, "Club", join_mode="request")
    with transaction() as s:
        servers_domain.check_request_join(s, load_user(s, dan), server_id)
        servers_domain.check_decide_join_request(
            s, load_user(s, alice), server_id, dan, accept=True
        )
    assert [("all", "All actions"), *audit.ACTIONS.items()] == ACTION_CHOICES

    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    log, _ = await open_section(tab, server_id, "audit-log", AuditLogState)
    assert [e.action for e in log.entries] == ["join_request_accept", "server_create"]
    await AuditLogState.set_action.fn(log, "join_request_accept")  # type: ignore[attr-defined]
    [entry] = log.entries
    assert (entry.action_label, entry.actor, entry.target) == (
        "Join request accepted",
        "@alice",
        "@dan",
    )
    await AuditLogState.set_action.fn(log, "member_ban")  # type: ignore[attr-defined]
    assert log.entries == []
    # Who acted: a name nobody has is refused with a toast.
    sent = await AuditLogState.filter_actor.fn(log, {"actor": "@nobody"})  # type: ignore[attr-defined]
    assert toasts(sent)


async def deliver(root: State, events: Events, me: int) -> list[Any]:
    return await deliver_to(ServerSettingsLive(), root, events, me)


async def test_the_open_settings_page_follows_what_others_change(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    dan = make_user("dan")
    server_id = make_server(alice, "Guild", members=(bob, carol))
    with transaction() as s:
        admins = roles_domain.check_create_role(
            s,
            load_user(s, alice),
            server_id,
            name="Admins",
            permissions_bits=str(int(Permission.ADMINISTRATOR)),
        )
        roles_domain.check_add_member_role(s, load_user(s, alice), server_id, bob, admins.id)
        general_id = general(s, server_id).id

    # Bob, an administrator, has the channels section open with #general in the editor,
    # half-way through typing a new name.
    tab = await signed_in_tab(bob, f"/servers/{server_id}/settings")
    channels, _ = await open_section(tab, server_id, "channels", ChannelSettingsState)
    await ChannelSettingsState.select_channel.fn(channels, general_id)  # type: ignore[attr-defined]
    ChannelSettingsState.set_edit_name.fn(channels, "half-typed")  # type: ignore[attr-defined]
    page = await tab.get_state(ServerSettingsState)
    assert page.can_manage_roles
    events.clear()

    # Alice adds a channel and a role overwrite on #general: both show, the typing stays.
    with transaction() as s:
        channels_domain.check_create_channel(s, load_user(s, alice), server_id, name="news")
        roles_domain.check_set_overwrite(
            s, load_user(s, alice), "channel", general_id, "member", str(carol), deny="0"
        )
    assert await deliver(tab, events, bob) == []
    assert "news" in [c.name for cat in channels.categories for c in cat.channels]
    assert [t.label for t in channels.targets] == ["carol"]
    assert not channels.synced
    assert channels.edit_name == "half-typed"

    # A join request does not concern the channels section (nothing read but the server).
    with transaction() as s:
        servers_domain.check_update_server(
            s, load_user(s, alice), server_id, name="Guild II", join_mode="request"
        )
        servers_domain.check_request_join(s, load_user(s, dan), server_id)
    await deliver(tab, events, bob)
    assert (page.name, page.join_mode) == ("Guild II", "request")

    # Bob's role taken away: the flags follow, and the channels section gives way.
    with transaction() as s:
        roles_domain.check_remove_member_role(s, load_user(s, alice), server_id, bob, admins.id)
    shown = await deliver(tab, events, bob)
    assert not page.can_manage_roles
    assert not page.can_manage_channels
    assert page.section == "overview"
    assert any("You can no longer use that section" in t for t in toasts(shown))

    # Kicked: the page says the server is not available.
    with transaction() as s:
        moderation.check_kick_member(s, load_user(s, alice), server_id, bob)
    await deliver(tab, events, bob)
    assert page.missing


async def test_the_bans_and_join_requests_sections_follow_the_stream(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob, dan = make_user("alice"), make_user("bob"), make_user("dan")
    server_id = make_server(alice, "Club", members=(bob,), join_mode="request")
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    requests, _ = await open_section(tab, server_id, "join-requests", JoinRequestSettingsState)
    assert requests.requests == []
    events.clear()
    with transaction() as s:
        servers_domain.check_request_join(s, load_user(s, dan), server_id, message="me too")
    await deliver(tab, events, alice)
    assert [r.username for r in requests.requests] == ["dan"]

    bans, _ = await open_section(tab, server_id, "bans", BanSettingsState)
    events.clear()
    other = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    # Another moderator's ban (here Alice's other tab, through the domain) shows at once.
    assert other is not tab
    with transaction() as s:
        moderation.check_ban_member(s, load_user(s, alice), server_id, bob, reason="rude")
    await deliver(tab, events, alice)
    assert [(b.username, b.reason) for b in bans.bans] == [("bob", "rude")]


async def test_the_invites_section_follows_the_stream(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """An invite made or revoked elsewhere, and one used by a join, show at once."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    server_id = make_server(alice, "Guild", members=(bob,))
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    invites, _ = await open_section(tab, server_id, "invites", InviteSettingsState)
    assert invites.invites == []
    events.clear()
    with transaction() as s:
        code = servers_domain.check_create_server_invite(s, load_user(s, bob), server_id).code
    await deliver(tab, events, alice)
    assert [i.code for i in invites.invites] == [code]
    with transaction() as s:
        servers_domain.check_join_by_server_invite(s, load_user(s, carol), code)
    await deliver(tab, events, alice)
    assert [i.uses for i in invites.invites] == ["1 / no limit"]
    with transaction() as s:
        servers_domain.check_revoke_server_invite(s, load_user(s, bob), code)
    await deliver(tab, events, alice)
    assert invites.invites == []


async def test_the_audit_log_shows_new_entries_as_filtered(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    log, _ = await open_section(tab, server_id, "audit-log", AuditLogState)
    await AuditLogState.set_action.fn(log, "role_create")  # type: ignore[attr-defined]
    assert log.entries == []
    events.clear()
    with transaction() as s:
        roles_domain.check_create_role(s, load_user(s, alice), server_id, name="Mods")
        channels_domain.check_create_channel(s, load_user(s, alice), server_id, name="news")
    await deliver(tab, events, alice)
    assert [e.action_label for e in log.entries] == ["Role created"]

    # Filtered on someone who does not exist: nothing matches, and the section stays.
    await AuditLogState.filter_actor.fn(log, {"actor": "nobody"})  # type: ignore[attr-defined]
    with transaction() as s:
        roles_domain.check_create_role(s, load_user(s, alice), server_id, name="Helpers")
    assert await deliver(tab, events, alice) == []
    page = await tab.get_state(ServerSettingsState)
    assert page.section == "audit-log"
    assert log.entries == []


async def test_the_members_section_shows_who_joins_and_leaves(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob, erin = make_user("alice"), make_user("bob"), make_user("erin")
    server_id = make_server(alice, "Guild", members=(bob,))
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    members, _ = await open_section(tab, server_id, "members", MemberSettingsState)
    assert [m.username for m in members.members] == ["alice", "bob"]
    events.clear()
    add_members(server_id, erin)
    with transaction() as s:
        servers_domain.check_leave_server(s, load_user(s, bob), server_id)
    await deliver(tab, events, alice)
    assert [m.username for m in members.members] == ["alice", "erin"]
    page = await tab.get_state(ServerSettingsState)
    assert page.member_count == 2
