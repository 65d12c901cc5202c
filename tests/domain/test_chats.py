"""Conversations in the domain layer: DMs, groups, membership, roles, settings and invite links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from socialhub import db
from socialhub.db import transaction
from socialhub.domain import blocks, chats, messages
from socialhub.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnsupportedMedia,
)
from socialhub.models import (
    Conversation,
    ConversationMember,
    InviteLink,
    MemberRole,
    SendPolicy,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.chat import ChatSummary
from tests.support.chat import (
    Events,
    create_group,
    history,
    key,
    load_user,
    open_dm,
    recipients,
    send,
)

# Helpers -----------------------------------------------------------------------------------------


def summary(actor: int, conversation_id: str) -> ChatSummary:
    with transaction() as s:
        return chats.get_chat(s, load_user(s, actor), conversation_id)


def roles(conversation_id: str, actor: int) -> dict[str, MemberRole]:
    with transaction() as s:
        members = chats.list_members(s, load_user(s, actor), conversation_id)
        return {m.user.username: m.role for m in members}


def block(actor: int, username: str) -> None:
    with transaction() as s:
        blocks.check_block(s, load_user(s, actor), username)


def add_members(actor: int, conversation_id: str, usernames: Sequence[str]) -> list[User]:
    with transaction() as s:
        return chats.check_add_members(s, load_user(s, actor), conversation_id, usernames)


def remove_member(actor: int, conversation_id: str, username: str) -> None:
    with transaction() as s:
        chats.check_remove_member(s, load_user(s, actor), conversation_id, username)


def leave(actor: int, conversation_id: str) -> None:
    with transaction() as s:
        chats.check_leave(s, load_user(s, actor), conversation_id)


def set_role(actor: int, conversation_id: str, username: str, role: MemberRole) -> None:
    with transaction() as s:
        chats.check_set_role(s, load_user(s, actor), conversation_id, username, role)


def update_group(actor: int, conversation_id: str, **changes: object) -> Conversation:
    with transaction() as s:
        return chats.check_update_group(
            s,
            load_user(s, actor),
            conversation_id,
            **changes,  # type: ignore[arg-type]
        )


def create_invite(
    actor: int,
    conversation_id: str,
    *,
    expires_in: timedelta | None = None,
    max_uses: int | None = None,
) -> str:
    with transaction() as s:
        invite = chats.check_create_invite(
            s, load_user(s, actor), conversation_id, expires_in=expires_in, max_uses=max_uses
        )
        return invite.code


def join(actor: int, code: str) -> str:
    with transaction() as s:
        return chats.check_join_by_invite(s, load_user(s, actor), code).id


def invite_row(session: Session, code: str) -> InviteLink:
    session.expire_all()
    invite = session.get(InviteLink, code)
    assert invite is not None
    return invite


def member_row(session: Session, conversation_id: str, user_id: int) -> ConversationMember:
    session.expire_all()
    member = session.get(ConversationMember, (conversation_id, user_id))
    assert member is not None
    return member


def conversation_row(session: Session, conversation_id: str) -> Conversation:
    session.expire_all()
    conversation = session.get(Conversation, conversation_id)
    assert conversation is not None
    return conversation


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """alice, bob and carol."""
    return make_user("alice", display_name="Alice A"), make_user("bob"), make_user("carol")


@pytest.fixture
def group(trio: tuple[int, int, int]) -> str:
    """A group alice created with bob and carol; alice is its only admin."""
    return create_group(trio[0], ["bob", "carol"])


# DMs ---------------------------------------------------------------------------------------------


def test_open_dm_creates_once_in_either_direction(
    trio: tuple[int, int, int], events: Events, session: Session
) -> None:
    alice, bob, _ = trio
    events.clear()
    first = open_dm(alice, "bob")
    assert recipients(events, "chat", "add") == {key(alice), key(bob)}
    assert {e["data"]["conversation_id"] for _, e in events} == {first}
    events.clear()

    assert open_dm(alice, "  BOB ") == first
    assert open_dm(bob, "alice") == first
    assert events == []

    assert session.exec(select(func.count()).select_from(Conversation)).one() == 1
    conversation = conversation_row(session, first)
    assert conversation.kind == "dm"
    assert conversation.member_count == 2
    assert conversation.dm_key == f"{min(alice, bob)}:{max(alice, bob)}"
    assert roles(first, bob) == {"alice": MemberRole.member, "bob": MemberRole.member}
    # A DM starts empty: no system message.
    assert history(alice, first) == []


def test_dm_summary_shows_the_partner(trio: tuple[int, int, int]) -> None:
    alice, bob, _ = trio
    dm = open_dm(alice, "bob")
    mine = summary(alice, dm)
    assert (mine.kind, mine.title, mine.dm_username) == ("dm", "bob", "bob")
    theirs = summary(bob, dm)
    assert (theirs.title, theirs.dm_username) == ("Alice A", "alice")
    assert theirs.my_role == MemberRole.member
    assert theirs.member_count == 2


def test_dm_with_yourself_is_refused(trio: tuple[int, int, int], session: Session) -> None:
    with pytest.raises(InvalidInput) as err:
        open_dm(trio[0], "Alice")
    assert err.value.code == "dm_self"
    assert err.value.field == "username"
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


@pytest.mark.parametrize("username", ["nobody", ""])
def test_dm_with_unknown_user_is_not_found(trio: tuple[int, int, int], username: str) -> None:
    with pytest.raises(NotFound) as err:
        open_dm(trio[0], username)
    assert err.value.code == "user_not_found"


@pytest.mark.parametrize("blocker", ["actor", "partner"])
def test_new_dm_refused_when_blocked_either_way(
    trio: tuple[int, int, int], events: Events, session: Session, blocker: str
) -> None:
    alice, bob, _ = trio
    if blocker == "actor":
        block(alice, "bob")
    else:
        block(bob, "alice")
    events.clear()
    with pytest.raises(PermissionDenied) as err:
        open_dm(alice, "bob")
    assert err.value.code == "blocked"
    assert events == []
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


@pytest.mark.parametrize("blocker", ["actor", "partner"])
def test_sending_into_existing_dm_refused_when_blocked_either_way(
    trio: tuple[int, int, int], events: Events, blocker: str
) -> None:
    alice, bob, _ = trio
    blocker_id, blocked_name = (alice, "bob") if blocker == "actor" else (bob, "alice")
    dm = open_dm(alice, "bob")
    send(alice, dm, "before")
    block(blocker_id, blocked_name)
    # The existing DM (and its history) stays reachable...
    assert open_dm(alice, "bob") == dm
    assert [m.body for m in history(alice, dm)] == ["before"]
    events.clear()
    # ...but neither side can send into it.
    for sender in (alice, bob):
        with pytest.raises(PermissionDenied) as err:
            send(sender, dm, "after")
        assert err.value.code == "blocked"
    assert events == []
    with transaction() as s:
        blocks.check_unblock(s, load_user(s, blocker_id), blocked_name)
    assert send(bob, dm, "again").seq == 2


def test_group_only_actions_are_refused_in_dms(trio: tuple[int, int, int]) -> None:
    alice, _, carol = trio
    dm = open_dm(alice, "bob")
    with pytest.raises(PermissionDenied) as denied:
        add_members(alice, dm, ["carol"])
    assert denied.value.code == "not_a_group"
    with pytest.raises(PermissionDenied) as denied:
        update_group(alice, dm, title="Renamed")
    assert denied.value.code == "not_a_group"
    with pytest.raises(PermissionDenied) as denied:
        create_invite(alice, dm)
    assert denied.value.code == "not_a_group"
    with pytest.raises(PermissionDenied) as denied:
        remove_member(alice, dm, "bob")
    assert denied.value.code == "not_a_group"
    with pytest.raises(InvalidInput) as invalid:
        leave(alice, dm)
    assert invalid.value.code == "not_a_group"
    # And an outsider does not even learn the DM exists.
    with pytest.raises(NotFound) as missing:
        summary(carol, dm)
    assert missing.value.code == "chat_not_found"


# Creating groups ---------------------------------------------------------------------------------


def test_create_group_resolves_members_and_makes_creator_admin(
    trio: tuple[int, int, int], make_user: Callable[..., int], events: Events, session: Session
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    events.clear()
    group = create_group(
        alice,
        [" Bob", "carol", "BOB", "alice"],
        title="  Weekend   plans ",
        description="Line one\nLine two",
    )
    conversation = conversation_row(session, group)
    assert conversation.kind == "group"
    assert conversation.title == "Weekend plans"
    assert conversation.description == "Line one\nLine two"
    assert conversation.created_by == alice
    assert conversation.member_count == 3
    assert conversation.send_policy == SendPolicy.everyone.value
    assert roles(group, bob) == {
        "alice": MemberRole.admin,
        "bob": MemberRole.member,
        "carol": MemberRole.member,
    }
    everyone = {key(alice), key(bob), key(carol)}
    assert recipients(events, "chat", "add") == everyone
    assert recipients(events, "message", "add") == everyone
    assert key(dave) not in {k for k, _ in events}

    [created] = history(carol, group)
    assert (created.seq, created.kind, created.author) == (1, "system", None)
    assert created.body == "alice created the group"
    chat = summary(bob, group)
    assert chat.my_role == MemberRole.member
    assert chat.title == "Weekend plans"
    assert chat.last_message is not None
    assert chat.last_message.id == created.id
    with pytest.raises(NotFound) as err:
        summary(dave, group)
    assert err.value.code == "chat_not_found"


def test_group_may_start_with_only_its_creator(trio: tuple[int, int, int]) -> None:
    group = create_group(trio[0], [])
    assert roles(group, trio[0]) == {"alice": MemberRole.admin}


@pytest.mark.parametrize(
    ("title", "description", "field", "code"),
    [
        ("", "", "title", "empty"),
        ("  \n\t ", "", "title", "empty"),
        ("t" * 101, "", "title", "too_long"),
        ("Fine", "d" * 501, "description", "too_long"),
    ],
    ids=["empty", "blank", "long-title", "long-description"],
)
def test_create_group_validates_title_and_description(
    trio: tuple[int, int, int],
    events: Events,
    session: Session,
    title: str,
    description: str,
    field: str,
    code: str,
) -> None:
    events.clear()
    with pytest.raises(InvalidInput) as err:
        create_group(trio[0], ["bob"], title=title, description=description)
    assert (err.value.field, err.value.code) == (field, code)
    assert events == []
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


def test_title_of_exactly_the_limit_is_accepted(trio: tuple[int, int, int]) -> None:
    group = create_group(trio[0], ["bob"], title="t" * 100, description="d" * 500)
    assert summary(trio[1], group).title == "t" * 100


def test_create_group_with_unknown_user_creates_nothing(
    trio: tuple[int, int, int], session: Session
) -> None:
    with pytest.raises(NotFound) as err:
        create_group(trio[0], ["bob", "ghost"])
    assert err.value.code == "user_not_found"
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


@pytest.mark.parametrize("blocker", ["actor", "invitee"])
def test_create_group_refuses_blocked_users(
    trio: tuple[int, int, int], session: Session, blocker: str
) -> None:
    alice, _, carol = trio
    if blocker == "actor":
        block(alice, "carol")
    else:
        block(carol, "alice")
    with pytest.raises(PermissionDenied) as err:
        create_group(alice, ["bob", "carol"])
    assert err.value.code == "blocked"
    assert err.value.details == {"username": "carol"}
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0


def test_group_member_limit(
    trio: tuple[int, int, int],
    make_user: Callable[..., int],
    lower_limits: Callable[..., None],
    session: Session,
) -> None:
    alice = trio[0]
    dave = make_user("dave")
    lower_limits(GROUP_MAX_MEMBERS="3")
    with pytest.raises(InvalidInput) as err:
        create_group(alice, ["bob", "carol", "dave"])
    assert (err.value.code, err.value.field) == ("group_full", "usernames")
    assert session.exec(select(func.count()).select_from(Conversation)).one() == 0

    group = create_group(alice, ["bob", "carol"])  # exactly the limit
    assert conversation_row(session, group).member_count == 3
    with pytest.raises(InvalidInput) as err:
        add_members(alice, group, ["dave"])
    assert err.value.code == "group_full"
    # Adding people already in the group does not count against the limit.
    assert add_members(alice, group, ["bob"]) == []

    code = create_invite(alice, group)
    with pytest.raises(PermissionDenied) as denied:
        join(dave, code)
    assert denied.value.code == "group_full"
    assert invite_row(session, code).uses == 0

    # A place frees up when someone leaves.
    leave(trio[2], group)
    assert join(dave, code) == group
    assert conversation_row(session, group).member_count == 3


# Membership --------------------------------------------------------------------------------------


def test_admin_adds_members(
    trio: tuple[int, int, int], make_user: Callable[..., int], events: Events, session: Session
) -> None:
    alice, bob, carol = trio
    dave, erin = make_user("dave"), make_user("erin")
    group = create_group(alice, ["bob"])
    events.clear()
    added = add_members(alice, group, ["carol", "Dave", "bob", "carol"])
    assert sorted(u.username for u in added) == ["carol", "dave"]
    assert recipients(events, "chat", "add") == {key(carol), key(dave)}
    assert recipients(events, "member", "add") == {key(alice), key(bob), key(carol), key(dave)}
    assert recipients(events, "message", "add") == {key(alice), key(bob), key(carol), key(dave)}
    assert key(erin) not in {k for k, _ in events}
    assert conversation_row(session, group).member_count == 4
    bodies = [m.body for m in history(dave, group)]
    assert bodies[0] == "alice created the group"
    assert sorted(bodies[1:]) == ["alice added carol", "alice added dave"]
    # Newcomers start with the history already read.
    assert summary(dave, group).unread_count == 0

    events.clear()
    assert add_members(alice, group, ["bob"]) == []
    assert events == []


def test_only_admins_manage_members_and_strangers_see_nothing(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str
) -> None:
    _, bob, _ = trio
    dave = make_user("dave")
    make_user("erin")
    for action in (
        lambda actor: add_members(actor, group, ["erin"]),
        lambda actor: remove_member(actor, group, "carol"),
        lambda actor: set_role(actor, group, "carol", MemberRole.admin),
        lambda actor: update_group(actor, group, title="Mine now"),
        lambda actor: create_invite(actor, group),
    ):
        with pytest.raises(PermissionDenied) as denied:
            action(bob)
        assert denied.value.code == "not_admin"
        with pytest.raises(NotFound) as missing:
            action(dave)
        assert missing.value.code == "chat_not_found"
    assert set(roles(group, bob)) == {"alice", "bob", "carol"}


@pytest.mark.parametrize("conversation_id", ["", "0" * 32, "no-such-chat"])
def test_unknown_chat_is_not_found(trio: tuple[int, int, int], conversation_id: str) -> None:
    with pytest.raises(NotFound) as err:
        summary(trio[0], conversation_id)
    assert err.value.code == "chat_not_found"


def test_add_members_refuses_blocked_users(trio: tuple[int, int, int]) -> None:
    alice, _, carol = trio
    group = create_group(alice, ["bob"])
    block(carol, "alice")
    with pytest.raises(PermissionDenied) as err:
        add_members(alice, group, ["carol"])
    assert err.value.code == "blocked"


def test_admin_removes_a_member(
    trio: tuple[int, int, int], events: Events, session: Session, group: str
) -> None:
    alice, bob, carol = trio
    events.clear()
    remove_member(alice, group, "bob")
    assert recipients(events, "chat", "remove") == {key(bob)}
    # The removal reaches the removed member too (the last event of their span), nothing after.
    assert recipients(events, "member", "remove") == {key(alice), key(bob), key(carol)}
    assert recipients(events, "message", "add") == {key(alice), key(bob), key(carol)}
    assert member_row(session, group, bob).left_at is not None
    assert conversation_row(session, group).member_count == 2
    assert history(alice, group)[-1].body == "alice removed bob"
    # A removed member keeps the history up to the removal, read-only, and is told why.
    assert [m.body for m in history(bob, group)][-1] == "alice removed bob"
    with pytest.raises(PermissionDenied) as denied:
        send(bob, group)
    assert denied.value.code == "removed_from_group"
    # Nothing said after the removal reaches them.
    events.clear()
    send(alice, group, "after bob left")
    assert recipients(events, "message", "add") == {key(alice), key(carol)}
    # Removing again: they are no longer a member.
    with pytest.raises(NotFound) as err:
        remove_member(alice, group, "bob")
    assert err.value.code == "member_not_found"


def test_remove_member_errors(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str
) -> None:
    alice = trio[0]
    make_user("dave")
    with pytest.raises(InvalidInput) as invalid:
        remove_member(alice, group, "alice")
    assert invalid.value.code == "remove_self"
    with pytest.raises(NotFound) as missing:
        remove_member(alice, group, "dave")
    assert missing.value.code == "member_not_found"
    with pytest.raises(NotFound) as missing:
        remove_member(alice, group, "ghost")
    assert missing.value.code == "user_not_found"


def test_a_removed_member_keeps_the_history_up_to_the_removal(
    trio: tuple[int, int, int], events: Events, session: Session, group: str
) -> None:
    alice, bob, carol = trio
    send(alice, group, "before")
    remove_member(alice, group, "bob")
    send(alice, group, "after")
    member = member_row(session, group, bob)
    notice = history(alice, group)[-2]
    assert notice.body == "alice removed bob"
    assert (member.removed_by, member.left_seq) == (alice, notice.seq)
    # Every way of paging stops at the removal notice.
    seen = [m.body for m in history(bob, group)]
    assert seen[-2:] == ["before", "alice removed bob"]
    assert "after" not in seen
    assert [m.body for m in history(bob, group, after=notice.seq - 1)] == ["alice removed bob"]
    assert history(bob, group, after=notice.seq) == []
    with pytest.raises(InvalidInput) as bad:
        history(bob, group, after=notice.seq + 2)
    assert bad.value.code == "bad_cursor"
    later = history(alice, group)[-1]
    with pytest.raises(NotFound) as hidden:
        history(bob, group, around=later.id)
    assert hidden.value.code == "message_not_found"
    # The chat stays in their list, told who removed them, ending with the notice.
    chat = summary(bob, group)
    assert (chat.removed, chat.removed_by) == (True, "alice")
    assert chat.last_message is not None
    assert chat.last_message.body == "alice removed bob"
    assert (chat.last_seq, chat.unread_count) == (notice.seq, notice.seq - chat.read_seq)
    with transaction() as s:
        listed = {c.id: c for c in chats.list_chats(s, load_user(s, bob))}
    assert listed[group].removed
    assert not summary(carol, group).removed
    # Marking read goes no further than the notice, and tells the members nothing.
    events.clear()
    with transaction() as s:
        messages.check_mark_read(s, load_user(s, bob), group, 10_000)
    assert member_row(session, group, bob).read_seq == notice.seq
    assert summary(bob, group).unread_count == 0
    assert not [e for _, e in events if e["type"] == "receipt"]
    # Anything else a member does is refused.
    with pytest.raises(PermissionDenied) as denied:
        send(bob, group)
    assert denied.value.code == "removed_from_group"
    with pytest.raises(NotFound):
        roles(group, bob)
    with pytest.raises(NotFound):
        leave(bob, group)


def test_the_removed_member_hears_who_removed_them(
    trio: tuple[int, int, int], events: Events, group: str
) -> None:
    alice, bob, _ = trio
    events.clear()
    remove_member(alice, group, "bob")
    mine = [e for k, e in events if k == key(bob) and (e["type"], e["op"]) == ("chat", "remove")]
    assert [e["data"]["removed_by"] for e in mine] == ["alice"]


def test_being_added_back_ends_the_read_only_view(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    remove_member(alice, group, "bob")
    add_members(alice, group, ["bob"])
    member = member_row(session, group, bob)
    assert (member.removed_by, member.left_seq, member.removed_at) == (None, None, None)
    send(alice, group, "welcome back")
    assert not summary(bob, group).removed
    assert history(bob, group)[-1].body == "welcome back"


def test_an_admin_removed_by_an_account_since_deleted_still_reads(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    group = create_group(dave, ["alice", "bob"])
    remove_member(dave, group, "bob")
    with transaction() as s:
        user = s.get(User, dave)
        assert user is not None
        s.delete(user)
    chat = summary(bob, group)
    assert (chat.removed, chat.removed_by) == (True, None)
    assert history(bob, group)[-1].body == "dave removed bob"
    assert summary(alice, group).member_count == 2


def test_removed_member_can_be_added_back_with_a_fresh_start(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    send(alice, group, "one")
    remove_member(alice, group, "bob")
    send(alice, group, "said while bob was away")
    add_members(alice, group, ["bob"])
    member = member_row(session, group, bob)
    assert member.left_at is None
    assert member.role == MemberRole.member.value
    assert conversation_row(session, group).member_count == 3
    chat = summary(bob, group)
    assert chat.unread_count == 0
    assert chat.my_role == MemberRole.member
    send(alice, group, "welcome back")
    assert summary(bob, group).unread_count == 1


def test_member_leaves(
    trio: tuple[int, int, int], events: Events, session: Session, group: str
) -> None:
    alice, bob, carol = trio
    events.clear()
    leave(bob, group)
    assert recipients(events, "chat", "remove") == {key(bob)}
    assert recipients(events, "member", "remove") == {key(alice), key(bob), key(carol)}
    assert recipients(events, "message", "add") == {key(alice), key(bob), key(carol)}
    assert conversation_row(session, group).member_count == 2
    assert history(carol, group)[-1].body == "bob left"
    assert roles(group, alice) == {"alice": MemberRole.admin, "carol": MemberRole.member}
    with pytest.raises(NotFound) as err:
        leave(bob, group)
    assert err.value.code == "chat_not_found"
    with transaction() as s:
        assert group not in {c.id for c in chats.list_chats(s, load_user(s, bob))}


def test_last_admin_leaving_promotes_the_longest_standing_member(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session, group: str
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    add_members(alice, group, ["dave"])
    # carol has been here longest (even though bob was listed first), dave the shortest.
    with transaction() as s:
        for user_id, year in ((alice, 2019), (carol, 2020), (bob, 2021), (dave, 2022)):
            member = s.get(ConversationMember, (group, user_id))
            assert member is not None
            member.joined_at = datetime(year, 1, 1, tzinfo=UTC)
            s.add(member)
    leave(alice, group)
    assert roles(group, bob) == {
        "bob": MemberRole.member,
        "carol": MemberRole.admin,
        "dave": MemberRole.member,
    }
    # The new admin can administer.
    remove_member(carol, group, "dave")
    # The last member standing leaves: no heir, nothing breaks.
    leave(carol, group)
    leave(bob, group)
    assert conversation_row(session, group).member_count == 0


def test_admin_leaving_keeps_other_admins(trio: tuple[int, int, int], group: str) -> None:
    alice, bob, _ = trio
    set_role(alice, group, "carol", MemberRole.admin)
    leave(alice, group)
    assert roles(group, bob) == {"bob": MemberRole.member, "carol": MemberRole.admin}


def test_rejoining_admin_comes_back_as_member(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    code = create_invite(alice, group)
    leave(alice, group)
    assert join(alice, code) == group
    member = member_row(session, group, alice)
    assert member.role == MemberRole.member.value
    assert member.left_at is None
    # One of the remaining members took over as admin while alice was away.
    current = roles(group, bob)
    assert current["alice"] == MemberRole.member
    assert sorted(current[name] for name in ("bob", "carol")) == [
        MemberRole.admin,
        MemberRole.member,
    ]


# Roles -------------------------------------------------------------------------------------------


def test_set_role_promotes_and_demotes(
    trio: tuple[int, int, int], events: Events, group: str
) -> None:
    alice, bob, carol = trio
    events.clear()
    set_role(alice, group, "BOB", MemberRole.admin)
    assert recipients(events, "chat", "update") == {key(alice), key(bob), key(carol)}
    assert {(e["type"], e["op"]) for _, e in events} == {("chat", "update")}
    assert roles(group, carol)["bob"] == MemberRole.admin
    # The new admin can act as one, including demoting the old admin.
    set_role(bob, group, "alice", MemberRole.member)
    assert roles(group, carol) == {
        "alice": MemberRole.member,
        "bob": MemberRole.admin,
        "carol": MemberRole.member,
    }
    # Setting the role someone already has changes nothing and tells nobody.
    events.clear()
    set_role(bob, group, "carol", MemberRole.member)
    set_role(bob, group, "bob", MemberRole.admin)
    assert events == []


def test_last_admin_cannot_step_down(
    trio: tuple[int, int, int], make_user: Callable[..., int], events: Events, group: str
) -> None:
    alice = trio[0]
    make_user("dave")
    events.clear()
    with pytest.raises(Conflict) as err:
        set_role(alice, group, "alice", MemberRole.member)
    assert err.value.code == "last_admin"
    assert events == []
    assert roles(group, alice)["alice"] == MemberRole.admin
    with pytest.raises(NotFound) as missing:
        set_role(alice, group, "dave", MemberRole.admin)
    assert missing.value.code == "member_not_found"


# Group settings ----------------------------------------------------------------------------------


def test_rename_adds_a_system_message(
    trio: tuple[int, int, int], events: Events, session: Session, group: str
) -> None:
    alice, bob, carol = trio
    events.clear()
    update_group(alice, group, title="  New   name ")
    everyone = {key(alice), key(bob), key(carol)}
    assert recipients(events, "chat", "update") == everyone
    assert recipients(events, "message", "add") == everyone
    assert conversation_row(session, group).title == "New name"
    last = history(bob, group)[-1]
    assert (last.kind, last.body) == ("system", "alice renamed the group to New name")
    assert summary(carol, group).title == "New name"

    # The same name again is not a rename.
    events.clear()
    update_group(alice, group, title="New name")
    assert len(history(bob, group)) == 2
    assert recipients(events, "message", "add") == set()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"title": " "}, "title", "empty"),
        ({"title": "x" * 101}, "title", "too_long"),
        ({"description": "x" * 501}, "description", "too_long"),
    ],
    ids=["blank-title", "long-title", "long-description"],
)
def test_update_group_validates(
    trio: tuple[int, int, int],
    events: Events,
    session: Session,
    group: str,
    changes: dict,
    field: str,
    code: str,
) -> None:
    events.clear()
    with pytest.raises(InvalidInput) as err:
        update_group(trio[0], group, **changes)
    assert (err.value.field, err.value.code) == (field, code)
    assert events == []
    assert conversation_row(session, group).title == "Team"


def test_update_description_and_send_policy(
    trio: tuple[int, int, int], events: Events, session: Session, group: str
) -> None:
    alice, bob, carol = trio
    events.clear()
    update_group(alice, group, description="Rules:\n1. be nice", send_policy=SendPolicy.admins)
    assert recipients(events, "chat", "update") == {key(alice), key(bob), key(carol)}
    assert recipients(events, "message", "add") == set()  # no rename, no system message
    conversation = conversation_row(session, group)
    assert conversation.description == "Rules:\n1. be nice"
    assert conversation.send_policy == "admins"
    assert summary(bob, group).send_policy == SendPolicy.admins

    with pytest.raises(PermissionDenied) as err:
        send(bob, group, "may I?")
    assert err.value.code == "admins_only"
    assert send(alice, group, "announcement").body == "announcement"
    # A member promoted to admin may send; back to everyone, all may send.
    set_role(alice, group, "carol", MemberRole.admin)
    assert send(carol, group, "me too").body == "me too"
    update_group(alice, group, send_policy=SendPolicy.everyone)
    assert send(bob, group, "finally").body == "finally"


# Invite links ------------------------------------------------------------------------------------


def test_invite_link_lets_people_join(
    trio: tuple[int, int, int], make_user: Callable[..., int], events: Events, session: Session
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    group = create_group(alice, ["bob", "carol"])
    code = create_invite(alice, group, expires_in=timedelta(days=7), max_uses=5)
    with transaction() as s:
        [listed] = chats.list_invites(s, load_user(s, alice), group)
        view = chats.invite_view(listed)
    assert (view.code, view.conversation_id, view.max_uses, view.uses) == (code, group, 5, 0)
    assert view.expires_at is not None
    assert timedelta(days=6) < view.expires_at - utcnow() <= timedelta(days=7)

    events.clear()
    assert join(dave, code) == group
    everyone = {key(alice), key(bob), key(carol), key(dave)}
    assert recipients(events, "chat", "add") == {key(dave)}
    assert recipients(events, "member", "add") == everyone
    assert recipients(events, "message", "add") == everyone
    assert invite_row(session, code).uses == 1
    assert conversation_row(session, group).member_count == 4
    assert roles(group, dave)["dave"] == MemberRole.member
    last = history(dave, group)[-1]
    assert (last.kind, last.body) == ("system", "dave joined via an invite link")

    # Joining again is harmless: no second use, message or event.
    events.clear()
    assert join(dave, code) == group
    assert events == []
    assert invite_row(session, code).uses == 1
    assert conversation_row(session, group).member_count == 4
    assert len(history(dave, group)) == 2
    # Members already in the group do not use the link up either.
    assert join(bob, code) == group
    assert invite_row(session, code).uses == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": -1}, "max_uses"),
        ({"max_uses": 10_001}, "max_uses"),
        ({"expires_in": timedelta(seconds=59)}, "expires_in"),
        ({"expires_in": timedelta(days=366)}, "expires_in"),
        ({"expires_in": timedelta(minutes=-5)}, "expires_in"),
    ],
    ids=["uses-0", "uses-neg", "uses-big", "expiry-short", "expiry-long", "expiry-neg"],
)
def test_create_invite_validates(
    trio: tuple[int, int, int], session: Session, group: str, kwargs: dict, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        create_invite(trio[0], group, **kwargs)
    assert (err.value.field, err.value.code) == (field, "invalid_input")
    assert session.exec(select(func.count()).select_from(InviteLink)).one() == 0


def test_invite_limits_at_the_edges_are_accepted(trio: tuple[int, int, int], group: str) -> None:
    create_invite(trio[0], group, max_uses=1, expires_in=timedelta(minutes=1))
    create_invite(trio[0], group, max_uses=10_000, expires_in=timedelta(days=365))


def test_expired_invite(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session, group: str
) -> None:
    dave = make_user("dave")
    code = create_invite(trio[0], group, expires_in=timedelta(hours=1))
    with transaction() as s:
        invite = s.get(InviteLink, code)
        assert invite is not None
        invite.expires_at = utcnow() - timedelta(seconds=1)
        s.add(invite)
    with pytest.raises(PermissionDenied) as err:
        join(dave, code)
    assert err.value.code == "invite_expired"
    assert invite_row(session, code).uses == 0
    with pytest.raises(NotFound):
        summary(dave, group)


def test_used_up_invite(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session, group: str
) -> None:
    dave, erin = make_user("dave"), make_user("erin")
    code = create_invite(trio[0], group, max_uses=1)
    join(dave, code)
    with pytest.raises(PermissionDenied) as err:
        join(erin, code)
    assert err.value.code == "invite_used_up"
    assert invite_row(session, code).uses == 1
    with pytest.raises(NotFound):
        summary(erin, group)
    # dave was let in and keeps access.
    assert summary(dave, group).member_count == 4


def test_revoked_invite(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    keep = create_invite(alice, group)
    code = create_invite(alice, group)
    with pytest.raises(PermissionDenied) as denied, transaction() as s:
        chats.check_revoke_invite(s, load_user(s, bob), code)
    assert denied.value.code == "not_admin"
    with pytest.raises(NotFound) as missing, transaction() as s:
        chats.check_revoke_invite(s, load_user(s, dave), code)
    assert missing.value.code == "chat_not_found"
    with transaction() as s:
        chats.check_revoke_invite(s, load_user(s, alice), code)
    assert invite_row(session, code).revoked_at is not None
    with transaction() as s:
        assert [i.code for i in chats.list_invites(s, load_user(s, alice), group)] == [keep]
    with pytest.raises(NotFound) as err:
        join(dave, code)
    assert err.value.code == "invite_not_found"
    assert join(dave, keep) == group


@pytest.mark.parametrize("code", ["", "nope", "x" * 40])
def test_unknown_invite_code(trio: tuple[int, int, int], code: str) -> None:
    with pytest.raises(NotFound) as err:
        join(trio[0], code)
    assert err.value.code == "invite_not_found"
    with pytest.raises(NotFound) as err, transaction() as s:
        chats.check_revoke_invite(s, load_user(s, trio[0]), code)
    assert err.value.code == "invite_not_found"


def test_list_invites_is_for_admins(trio: tuple[int, int, int], group: str) -> None:
    create_invite(trio[0], group)
    with pytest.raises(PermissionDenied) as err, transaction() as s:
        chats.list_invites(s, load_user(s, trio[1]), group)
    assert err.value.code == "not_admin"


def test_rejoining_by_invite_starts_with_nothing_unread(
    trio: tuple[int, int, int], group: str
) -> None:
    alice, bob, _ = trio
    code = create_invite(alice, group)
    leave(bob, group)
    send(alice, group, "while bob was gone")
    assert join(bob, code) == group
    assert summary(bob, group).unread_count == 0
    send(alice, group, "hi bob")
    assert summary(bob, group).unread_count == 1


def test_a_removed_member_cannot_rejoin_with_an_older_link(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    old = create_invite(alice, group)
    remove_member(alice, group, "bob")
    assert member_row(session, group, bob).removed_at is not None
    with pytest.raises(PermissionDenied) as err:
        join(bob, old)
    assert err.value.code == "removed_from_group"
    assert invite_row(session, old).uses == 0
    assert conversation_row(session, group).member_count == 2
    # A link made after the removal is the admins' choice to let them back.
    fresh = create_invite(alice, group)
    assert join(bob, fresh) == group
    assert member_row(session, group, bob).removed_at is None
    assert invite_row(session, fresh).uses == 1


def test_the_old_link_still_works_for_everyone_else(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str
) -> None:
    alice = trio[0]
    dave = make_user("dave")
    old = create_invite(alice, group)
    remove_member(alice, group, "bob")
    assert join(dave, old) == group


def test_a_member_who_left_may_rejoin_with_an_older_link(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    old = create_invite(alice, group)
    leave(bob, group)
    assert member_row(session, group, bob).removed_at is None
    assert join(bob, old) == group


def test_being_added_back_forgives_the_removal(
    trio: tuple[int, int, int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    old = create_invite(alice, group)
    remove_member(alice, group, "bob")
    add_members(alice, group, ["bob"])
    assert member_row(session, group, bob).removed_at is None
    # Now bob leaves by himself: like anyone who left, any valid link lets him back.
    leave(bob, group)
    assert join(bob, old) == group


def test_a_second_removal_counts_from_the_second_time(
    trio: tuple[int, int, int], group: str
) -> None:
    alice, bob, _ = trio
    remove_member(alice, group, "bob")
    between = create_invite(alice, group)
    assert join(bob, between) == group
    remove_member(alice, group, "bob")
    with pytest.raises(PermissionDenied) as err:
        join(bob, between)
    assert err.value.code == "removed_from_group"
    assert join(bob, create_invite(alice, group)) == group


def test_admins_revoke_every_invite_at_once(
    trio: tuple[int, int, int],
    make_user: Callable[..., int],
    session: Session,
    events: Events,
    group: str,
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    other_group = create_group(alice, [])
    elsewhere = create_invite(alice, other_group)
    codes = [create_invite(alice, group), create_invite(alice, group, max_uses=3)]
    with transaction() as s:
        chats.check_revoke_invite(s, load_user(s, alice), codes[0])
    events.clear()
    with transaction() as s:
        assert chats.check_revoke_all_invites(s, load_user(s, alice), group) == 1
    assert events == []
    assert all(invite_row(session, c).revoked_at is not None for c in codes)
    with transaction() as s:
        assert chats.list_invites(s, load_user(s, alice), group) == []
    for code in codes:
        with pytest.raises(NotFound) as err:
            join(dave, code)
        assert err.value.code == "invite_not_found"
    # Other groups' links are untouched; revoking when nothing is live is harmless.
    assert invite_row(session, elsewhere).revoked_at is None
    with transaction() as s:
        assert chats.check_revoke_all_invites(s, load_user(s, alice), group) == 0
    # New links work again afterwards.
    assert join(dave, create_invite(alice, group)) == group
    assert summary(bob, group).member_count == 4


def test_revoke_all_invites_is_for_admins_of_groups(
    trio: tuple[int, int, int], make_user: Callable[..., int], session: Session, group: str
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    code = create_invite(alice, group)
    for actor, conversation_id, error, expected in (
        (bob, group, PermissionDenied, "not_admin"),
        (dave, group, NotFound, "chat_not_found"),
        (alice, "0" * 32, NotFound, "chat_not_found"),
        (alice, open_dm(alice, "carol"), PermissionDenied, "not_a_group"),
    ):
        with pytest.raises(error) as err, transaction() as s:
            chats.check_revoke_all_invites(s, load_user(s, actor), conversation_id)
        assert err.value.code == expected
    assert invite_row(session, code).revoked_at is None


# Per-member settings and the chat list -----------------------------------------------------------


def test_flags_are_per_member(trio: tuple[int, int, int], events: Events, group: str) -> None:
    alice, bob, _ = trio
    events.clear()
    with transaction() as s:
        chats.check_set_flags(s, load_user(s, bob), group, muted=True, archived=True)
    assert recipients(events, "chat", "update") == {key(bob)}
    assert len(events) == 1
    mine = summary(bob, group)
    assert (mine.muted, mine.pinned, mine.archived) == (True, False, True)
    theirs = summary(alice, group)
    assert (theirs.muted, theirs.pinned, theirs.archived) == (False, False, False)
    with transaction() as s:
        chats.check_set_flags(s, load_user(s, bob), group, muted=False)
    assert (summary(bob, group).muted, summary(bob, group).archived) == (False, True)


def test_list_chats_pinned_first_then_latest_activity(
    trio: tuple[int, int, int], make_user: Callable[..., int]
) -> None:
    alice, _, _ = trio
    make_user("dave")
    dm_bob = open_dm(alice, "bob")
    dm_carol = open_dm(alice, "carol")
    group = create_group(alice, ["bob"], title="Group")
    other = create_group(make_user("erin"), ["dave"], title="Not mine")

    def order() -> list[str]:
        with transaction() as s:
            return [c.id for c in chats.list_chats(s, load_user(s, alice))]

    assert order() == [group, dm_carol, dm_bob]
    send(alice, dm_bob, "bump")
    assert order() == [dm_bob, group, dm_carol]
    with transaction() as s:
        chats.check_set_flags(s, load_user(s, alice), dm_carol, pinned=True)
    assert order() == [dm_carol, dm_bob, group]
    send(alice, group, "bump")
    assert order() == [dm_carol, group, dm_bob]
    with transaction() as s:
        chats.check_set_flags(s, load_user(s, alice), group, pinned=True)
    assert order() == [group, dm_carol, dm_bob]
    with transaction() as s:
        listed = chats.list_chats(s, load_user(s, alice), limit=2)
        assert [c.id for c in listed] == [group, dm_carol]
        assert all(c.pinned for c in listed)
    assert other not in order()


def test_unread_count_is_what_came_after_the_read_marker(
    trio: tuple[int, int, int], group: str
) -> None:
    """`last_seq - read_seq`: two numbers per chat, no rows counted. Your own messages move your
    marker; system notices and tombstones after it count, as on WhatsApp."""
    alice, bob, carol = trio
    assert summary(bob, group).unread_count == 0  # joining: "created the group" is read
    send(alice, group, "one")
    send(bob, group, "mine")
    gone = send(carol, group, "two")
    update_group(alice, group, title="Renamed")  # system message
    send(carol, group, "three")
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, carol), gone.id, for_everyone=True)
    # bob sent a message after "one", which marks everything up to it as read for bob.
    bob_view = summary(bob, group)
    assert (bob_view.unread_count, bob_view.read_seq, bob_view.last_seq) == (3, 3, 6)
    with transaction() as s:
        listed = {c.id: c for c in chats.list_chats(s, load_user(s, bob))}
    assert listed[group].unread_count == 3
    assert summary(alice, group).unread_count == 1  # "three" after her rename
    assert summary(carol, group).unread_count == 0
    with transaction() as s:
        messages.check_mark_read(s, load_user(s, bob), group, 10_000)
    assert summary(bob, group).unread_count == 0


def test_group_picture_by_admins_only_and_nothing_stored_on_bad_files(
    make_user: Callable[..., int], events: Events
) -> None:
    from socialhub.domain import media
    from tests.support import images

    owner, member = make_user("owner"), make_user("member")
    group = create_group(owner, ["member"])
    with pytest.raises(PermissionDenied) as err, transaction() as s:
        chats.check_set_group_picture(s, load_user(s, member), group, images.png())
    assert err.value.code == "not_admin"
    with pytest.raises(UnsupportedMedia) as bad, transaction() as s:
        chats.check_set_group_picture(s, load_user(s, owner), group, images.SCRIPT_AS_PNG)
    assert bad.value.code == "unsupported_media"
    assert not media.get_storage().path(f"groups/{group}").exists()

    events.clear()
    with transaction() as s:
        conversation = chats.check_set_group_picture(
            s, load_user(s, owner), group, images.photo_with_exif()
        )
        summary = chats.get_chat(s, load_user(s, member), group)
    assert summary.avatar_url is not None
    assert f"/groups/{group}/" in summary.avatar_url
    assert media.get_storage().path(chats.group_picture_key(conversation, 400)).is_file()
    assert recipients(events, "chat", "update") == {key(owner), key(member)}


def test_the_chat_list_costs_a_fixed_number_of_queries(
    trio: tuple[int, int, int], make_user: Callable[..., int]
) -> None:
    """No query per chat: partners, last messages, hidden ones and their views are batched."""
    alice = trio[0]

    def statements_for_list() -> tuple[int, int]:
        count = 0

        def observe(*_args: object) -> None:
            nonlocal count
            count += 1

        engine = db.get_engine()
        with transaction() as s:
            user = load_user(s, alice)
            sa.event.listen(engine, "before_cursor_execute", observe)
            try:
                listed = chats.list_chats(s, user)
            finally:
                sa.event.remove(engine, "before_cursor_execute", observe)
        return count, len(listed)

    for n in range(3):
        other = make_user(f"few{n}")
        send(other, open_dm(other, "alice"), f"hi {n}")
    few, chats_few = statements_for_list()
    for n in range(12):
        other = make_user(f"many{n}")
        send(other, open_dm(other, "alice"), f"hello {n}")
        create_group(alice, [f"many{n}"], title=f"Group {n}")
    many, chats_many = statements_for_list()
    assert chats_many > chats_few + 20
    assert many == few
