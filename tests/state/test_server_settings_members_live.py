"""The Members section of the server settings follows the stream member by member: a
server_member event reads that member's row again and puts it where it sorts (or drops it),
keeping every page loaded, however many; and the Nickname dialog on a row."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import col

from socialhub.db import transaction
from socialhub.domain import roles as roles_domain
from socialhub.domain import servers as servers_domain
from socialhub.domain.permissions import Permission
from socialhub.models import Server, ServerMember, User
from socialhub.state.server_settings_members import PAGE_SIZE, MemberSettingsState
from tests.domain.test_moderation import SQLITE_ONLY, give_role
from tests.state.conftest import SignedInTab
from tests.state.test_server_settings_states import Events, deliver, open_section, toasts
from tests.support.chat import load_user
from tests.support.servers import add_members, make_server

CROWD = 260


def crowd(server_id: str, count: int) -> list[int]:
    """`count` members m000, m001, ... written straight into the tables (signing each up and
    telling every member of every join would take minutes)."""
    ids = []
    with transaction() as s:
        for n in range(count):
            name = f"m{n:03d}"
            user = User(
                username=name,
                username_lower=name,
                email=f"{name}@example.com",
                email_lower=f"{name}@example.com",
                password_hash="-",
            )
            s.add(user)
            s.flush()
            assert user.id is not None
            s.add(ServerMember(server_id=server_id, user_id=user.id, sort_name=name))
            ids.append(user.id)
        s.execute(
            sa.update(Server)
            .where(col(Server.id) == server_id)
            .values(member_count=col(Server.member_count) + count)
        )
    return ids


def rename(actor: int, server_id: str, user_id: int | None, nickname: str) -> None:
    with transaction() as s:
        servers_domain.check_set_nickname(s, load_user(s, actor), server_id, user_id, nickname)


def names(state: MemberSettingsState) -> list[str]:
    return [m.username for m in state.members]


@SQLITE_ONLY
async def test_a_live_update_touches_only_the_member_it_names_and_keeps_every_page(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Crowd", members=(bob,))
    people = crowd(server_id, CROWD)
    tab = await signed_in_tab(alice, f"/servers/{server_id}/settings")
    members, _ = await open_section(tab, server_id, "members", MemberSettingsState)
    for _ in range(4):
        await MemberSettingsState.load_more.fn(members)  # type: ignore[attr-defined]
    loaded = 5 * PAGE_SIZE
    assert len(members.members) == loaded
    assert members.next_cursor
    before = names(members)
    assert before[:3] == ["alice", "bob", "m000"]

    # Bob's nickname sorts him past the loaded pages: he leaves them, nothing else moves.
    events.clear()
    rename(bob, server_id, None, "zz top")
    await deliver(tab, events, alice)
    assert names(members) == [n for n in before if n != "bob"]
    # Back within them: he goes where he sorts (after m050), with his new name.
    rename(bob, server_id, None, "m050x")
    await deliver(tab, events, alice)
    after = names(members)
    assert after.index("bob") == after.index("m050") + 1
    assert len(after) == loaded
    assert members.members[after.index("bob")].shown_name == "m050x"

    # Joins: one sorting within the loaded pages is added in place, one beyond is not.
    dan, zed = make_user("m0505"), make_user("zzz")
    events.clear()
    add_members(server_id, dan, zed)
    await deliver(tab, events, alice)
    after = names(members)
    assert after.index("m0505") == after.index("m050") + 1
    assert "zzz" not in after
    assert len(after) == loaded + 1

    # Leaves: within the pages the row goes, beyond them nothing changes.
    events.clear()
    for gone in (people[10], people[-1]):
        with transaction() as s:
            servers_domain.check_leave_server(s, load_user(s, gone), server_id)
    await deliver(tab, events, alice)
    assert "m010" not in names(members)
    assert len(members.members) == loaded
    # The next page carries on where the loaded ones end, without repeats or gaps.
    await MemberSettingsState.load_more.fn(members)  # type: ignore[attr-defined]
    everyone = names(members)
    assert len(everyone) == len(set(everyone))
    assert everyone[-2:] == ["m258", "zzz"]

    # A role change shows on every loaded row (the chips), still without letting pages go.
    events.clear()
    with transaction() as s:
        role = roles_domain.check_create_role(s, load_user(s, alice), server_id, name="Helpers")
    await deliver(tab, events, alice)
    assert "Helpers" in [r.name for r in members.roles]
    assert names(members) == everyone
    events.clear()
    with transaction() as s:
        roles_domain.check_add_member_role(s, load_user(s, alice), server_id, people[200], role.id)
    await deliver(tab, events, alice)
    row = next(m for m in members.members if m.user_id == people[200])
    assert [r.name for r in row.roles] == ["Helpers"]
    assert names(members) == everyone


async def test_the_nickname_dialog_renames_a_member_where_the_domain_allows(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    server_id = make_server(alice, "Guild", members=(bob, carol))
    give_role(server_id, carol, "Mods", Permission.MANAGE_NICKNAMES, 1)

    # Bob may rename only himself: his row alone offers it, and the domain refuses the rest.
    tab = await signed_in_tab(bob, f"/servers/{server_id}/settings")
    members, _ = await open_section(tab, server_id, "members", MemberSettingsState)
    assert [m.username for m in members.members if m.can_edit_nickname] == ["bob"]
    MemberSettingsState.edit_nickname.fn(members, carol)  # type: ignore[attr-defined]
    assert members.nickname_user_id == carol
    sent = await MemberSettingsState.save_nickname.fn(members, {"nickname": "Boss"})  # type: ignore[attr-defined]
    assert any("Manage nicknames" in t for t in toasts(sent))
    assert members.nickname_user_id == carol  # the dialog stays open on a refusal

    # Carol renames Bob (below her); the dialog closes and his row moves where it sorts.
    carol_tab = await signed_in_tab(carol, f"/servers/{server_id}/settings")
    mods, _ = await open_section(carol_tab, server_id, "members", MemberSettingsState)
    assert {m.username for m in mods.members if m.can_edit_nickname} == {"bob", "carol"}
    MemberSettingsState.edit_nickname.fn(mods, bob)  # type: ignore[attr-defined]
    sent = await MemberSettingsState.save_nickname.fn(mods, {"nickname": " Zebra "})  # type: ignore[attr-defined]
    assert any("Nickname saved" in t for t in toasts(sent))
    assert mods.nickname_user_id == 0
    assert [(m.username, m.shown_name) for m in mods.members] == [
        ("alice", "alice"),
        ("carol", "carol"),
        ("bob", "Zebra"),
    ]
    # Bad input is the domain's to refuse, with its message.
    MemberSettingsState.edit_nickname.fn(mods, bob)  # type: ignore[attr-defined]
    sent = await MemberSettingsState.save_nickname.fn(mods, {"nickname": "a\tb"})  # type: ignore[attr-defined]
    assert any("control characters" in t for t in toasts(sent))
    # Bob's tab hears it from the stream.
    await deliver(tab, events, bob)
    assert members.members[-1].shown_name == "Zebra"
