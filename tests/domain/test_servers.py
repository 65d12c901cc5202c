"""Servers: settings, icon, ownership, deletion and its job, leaving, discovery, joining (open,
invites, requests) with bans blocking every path, the member list, the rail and a server's
channels."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from backend_jobs import servers as server_jobs
from socialhub.db import get_engine, transaction
from socialhub.domain import blocks, media, permissions, presence, servers
from socialhub.domain.errors import DomainError
from socialhub.domain.permissions import Permission
from socialhub.models import (
    AuditLogEntry,
    ChannelCategory,
    Conversation,
    ConversationEvent,
    JoinRequest,
    MemberRoleLink,
    Message,
    PermissionOverwrite,
    Role,
    Server,
    ServerBan,
    ServerInvite,
    ServerMember,
)
from socialhub.models.base import utcnow
from tests.support import images
from tests.support.chat import Events, key, load_user, only, open_dm, recipients, send
from tests.support.servers import everyone, general, make_server

SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def call(actor: int, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """`fn(session, actor, *args)` in its own transaction."""
    with transaction() as s:
        return fn(s, load_user(s, actor), *args, **kw)


@contextmanager
def refused(code: str) -> Iterator[None]:
    with pytest.raises(DomainError) as caught:
        yield
    assert caught.value.code == code, caught.value


def give_role(server_id: str, user_id: int, bits: int, *, name: str = "Mod", **kw: Any) -> str:
    """A role with these permissions, given to the user; its id."""
    with transaction() as s:
        role = Role(server_id=server_id, name=name, permissions=bits, position=1, **kw)
        s.add(role)
        s.flush()
        s.add(MemberRoleLink(server_id=server_id, user_id=user_id, role_id=role.id))
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)
        return role.id


def set_everyone(server_id: str, bits: int) -> None:
    with transaction() as s:
        role = everyone(s, server_id)
        role.permissions = bits
        s.add(role)
        server = s.get(Server, server_id)
        assert server is not None
        permissions.bump_version(s, server)


def audit_actions(s: Session, server_id: str) -> list[tuple[str, str]]:
    rows = s.exec(
        select(AuditLogEntry)
        .where(AuditLogEntry.server_id == server_id)
        .order_by(col(AuditLogEntry.id))
    ).all()
    return [(r.action, r.target_id) for r in rows]


def test_settings_icon_and_ownership_transfer(
    make_user: Callable[..., int], events: Events, session: Session
) -> None:
    owner, member, outsider = make_user("olga"), make_user("mia"), make_user("otto")
    with refused("bad_join_mode"):
        make_server(owner, join_mode="sometimes")
    server_id = make_server(owner, "Guild", members=(member,), is_public=True)

    with refused("missing_permission"):
        call(member, servers.check_update_server, server_id, name="Mine now")
    with refused("server_not_found"):
        call(outsider, servers.check_update_server, server_id, name="Mine now")
    with refused("invalid_fields"):  # every wrong field at once
        call(owner, servers.check_update_server, server_id, name="  ", join_mode="x")
    events.clear()
    call(owner, servers.check_update_server, server_id, name="Guild 2", join_mode="request")
    assert recipients(events, "server", "update") == {key(owner), key(member)}
    assert only(events, "server", "update")[0]["data"]["server"]["name"] == "Guild 2"
    entry = session.exec(select(AuditLogEntry).where(AuditLogEntry.action == "server_update")).one()
    assert entry.changes == {
        "name": {"old": "Guild", "new": "Guild 2"},
        "join_mode": {"old": "open", "new": "request"},
    }
    # Nothing changed: no audit entry, no event.
    events.clear()
    call(owner, servers.check_update_server, server_id, name="Guild 2")
    assert only(events, "server", "update") == []

    # The icon goes through the avatar pipeline (re-encoded WebP, a new version).
    with refused("missing_permission"):
        call(member, servers.check_set_server_icon, server_id, images.png())
    with refused("unsupported_media"):
        call(owner, servers.check_set_server_icon, server_id, images.SCRIPT_AS_PNG)
    server = call(owner, servers.check_set_server_icon, server_id, images.png())
    view = servers.server_view(server)
    assert view.icon_url
    assert view.icon_url.startswith(f"/api/v1/media/servers/{server_id}/")
    stored = media.get_storage().path(f"servers/{server_id}/{server.icon_version}-400.webp")
    assert stored.read_bytes()[8:12] == b"WEBP"
    assert (
        servers.server_view(call(owner, servers.check_remove_server_icon, server_id)).icon_url
        is None
    )

    with refused("not_owner"):
        call(member, servers.check_transfer_ownership, server_id, member)
    with refused("member_not_found"):
        call(owner, servers.check_transfer_ownership, server_id, outsider)
    with refused("already_owner"):
        call(owner, servers.check_transfer_ownership, server_id, owner)
    call(owner, servers.check_transfer_ownership, server_id, member)
    # The new owner may do what only owners do; the former owner, now a member, may not.
    with refused("not_owner"):
        call(owner, servers.check_delete_server, server_id, confirm_name="Guild 2")
    call(owner, servers.check_leave_server, server_id)
    session.expire_all()
    assert ("server_transfer", str(member)) in audit_actions(session, server_id)


def test_leave_delete_and_the_purge_job(
    make_user: Callable[..., int], events: Events, session: Session
) -> None:
    owner, a, b = make_user("olga"), make_user("ann"), make_user("bob")
    server_id = make_server(owner, "Doomed", members=(a, b))
    call(owner, servers.check_create_server_invite, server_id)
    with transaction() as s:
        channel_id = general(s, server_id).id
    send(a, channel_id, "hello")

    with refused("owner_cannot_leave"):
        call(owner, servers.check_leave_server, server_id)
    events.clear()
    call(a, servers.check_leave_server, server_id)
    assert recipients(events, "server", "remove") == {key(a)}
    assert recipients(events, "server_member", "remove") == {key(owner), key(b)}
    with refused("server_not_found"):
        call(a, servers.check_leave_server, server_id)
    assert session.get(Server, server_id).member_count == 2  # type: ignore[union-attr]

    with refused("not_owner"):
        call(b, servers.check_delete_server, server_id, confirm_name="Doomed")
    with refused("name_mismatch"):
        call(owner, servers.check_delete_server, server_id, confirm_name="doomed")
    events.clear()
    call(owner, servers.check_delete_server, server_id, confirm_name="Doomed")
    assert recipients(events, "server", "delete") == {key(owner), key(b)}
    # Invisible at once, to everyone, everywhere.
    for user in (owner, b):
        with refused("server_not_found"):
            call(user, servers.get_server, server_id)
        assert call(user, servers.list_my_servers) == []
    with transaction() as s:
        assert permissions.viewable_channels(s, b) == {}

    assert server_jobs.purge_deleted_servers.call_local() == 1
    assert server_jobs.purge_deleted_servers.call_local() == 0  # idempotent
    with transaction() as s:
        for table, column in (
            (Server, Server.id),
            (ServerMember, ServerMember.server_id),
            (Role, Role.server_id),
            (ChannelCategory, ChannelCategory.server_id),
            (Conversation, Conversation.server_id),
            (ServerInvite, ServerInvite.server_id),
            (AuditLogEntry, AuditLogEntry.server_id),
        ):
            assert s.exec(select(table).where(column == server_id)).all() == [], table
        assert s.exec(select(Message).where(Message.conversation_id == channel_id)).all() == []
        streams = [server_id, channel_id]
        assert (
            s.exec(
                select(ConversationEvent).where(col(ConversationEvent.conversation_id).in_(streams))
            ).all()
            == []
        )
        # Purging twice, or a live server, does nothing.
        assert servers.do_purge_server(s, server_id)
        live = make_server(owner, "Alive")
        assert servers.do_purge_server(s, live)
        assert s.get(Server, live) is not None


def test_discovery_search_counts_and_pages(make_user: Callable[..., int]) -> None:
    owner = make_user("olga")
    people = [make_user(f"usr{i}") for i in range(4)]
    big = make_server(owner, "Chess Club", members=tuple(people), is_public=True)
    small = make_server(owner, "chess_100%", members=(people[0],), is_public=True)
    make_server(owner, "Chess secret")  # private: never listed
    gone = make_server(owner, "Chess gone", is_public=True)
    call(owner, servers.check_delete_server, gone, confirm_name="Chess gone")
    make_server(owner, "Gardening", is_public=True)
    with transaction() as s:
        now = utcnow()
        for user_id, presence, visibility in (
            (people[0], "online", "everyone"),
            (people[1], "dnd", "everyone"),
            (people[2], "invisible", "everyone"),  # hides: not counted
            (people[3], "online", "nobody"),  # hides: not counted
        ):
            user = load_user(s, user_id)
            user.online, user.last_seen_at = True, now
            user.presence, user.presence_visibility = presence, visibility
            s.add(user)

    page = call(people[0], servers.discover_servers, query="CHESS", limit=1)
    assert [
        (i.server.id, i.server.member_count, i.online_count, i.is_member) for i in page.servers
    ] == [(big, 5, 2, True)]
    rest = call(people[1], servers.discover_servers, query="chess", cursor=page.next_cursor)
    assert [(i.server.id, i.online_count, i.is_member) for i in rest.servers] == [(small, 1, False)]
    assert rest.next_cursor is None
    # LIKE wildcards in the query are literal; contains, not only prefix.
    assert [i.server.id for i in call(owner, servers.discover_servers, query="100%").servers] == [
        small
    ]
    assert [
        i.server.name for i in call(owner, servers.discover_servers, query="arden").servers
    ] == ["Gardening"]
    assert len(call(owner, servers.discover_servers).servers) == 3
    with refused("bad_cursor"):
        call(owner, servers.discover_servers, cursor="nope")


def test_joining_open_request_and_bans_block_every_path(
    make_user: Callable[..., int], events: Events, session: Session
) -> None:
    owner, joiner, banned = make_user("olga"), make_user("joe"), make_user("bart")
    open_id = make_server(owner, "Open", is_public=True)
    private_id = make_server(owner, "Private")
    asking_id = make_server(owner, "Asking", join_mode="request")
    with transaction() as s:
        for server_id in (open_id, private_id, asking_id):
            s.add(ServerBan(server_id=server_id, user_id=banned, reason="spam", banned_by=owner))

    events.clear()
    assert call(joiner, servers.check_join_server, open_id).id == open_id
    assert recipients(events, "server", "add") == {key(joiner)}
    assert recipients(events, "server_member", "add") == {key(owner), key(joiner)}
    assert call(joiner, servers.check_join_server, open_id).id == open_id  # idempotent
    assert session.get(Server, open_id).member_count == 2  # type: ignore[union-attr]
    with refused("server_not_found"):  # a private server is not there for outsiders
        call(joiner, servers.check_join_server, private_id)
    with refused("server_not_found"):
        call(joiner, servers.check_join_server, "0" * 32)
    with refused("server_not_found"):
        call(joiner, servers.check_request_join, private_id)
    with refused("requests_closed"):
        call(make_user("zed"), servers.check_request_join, open_id)
    with refused("already_member"):
        call(joiner, servers.check_request_join, open_id)

    # A ban blocks every way in: open join, invites, requests and accepting an old request.
    with refused("banned"):
        call(banned, servers.check_join_server, open_id)
    for server_id in (open_id, private_id):
        code = call(owner, servers.check_create_server_invite, server_id).code
        with refused("banned"):
            call(banned, servers.check_join_by_server_invite, code)
    with refused("banned"):
        call(banned, servers.check_request_join, asking_id)
    with transaction() as s:
        s.add(JoinRequest(server_id=asking_id, user_id=banned))
    with refused("banned"):
        call(owner, servers.check_decide_join_request, asking_id, banned, accept=True)
    assert session.get(ServerMember, (open_id, banned)) is None
    assert session.get(ServerMember, (private_id, banned)) is None


def test_invites_limits_revocation_preview_and_the_atomic_last_use(
    make_user: Callable[..., int], session: Session
) -> None:
    owner, member, a, b, c = (make_user(n) for n in ("olga", "mia", "ann", "bob", "cat"))
    server_id = make_server(owner, "Club", members=(member,))
    with refused("bad_expiry"):
        call(owner, servers.check_create_server_invite, server_id, expires_in_seconds=60)
    with refused("invalid_fields"):
        call(
            owner, servers.check_create_server_invite, server_id, expires_in_seconds=5, max_uses=101
        )
    with refused("channel_not_found"):
        call(owner, servers.check_create_server_invite, server_id, channel_id="0" * 32)
    mine = call(member, servers.check_create_server_invite, server_id, max_uses=1)
    forever = call(owner, servers.check_create_server_invite, server_id, expires_in_seconds=None)
    assert forever.expires_at is None
    week = call(owner, servers.check_create_server_invite, server_id, expires_in_seconds=604800)
    assert timedelta(days=6, hours=23) < week.expires_at - utcnow() <= timedelta(days=7)

    # A member sees their own invites; MANAGE_SERVER sees them all, with who made them.
    assert [i.code for i in call(member, servers.list_server_invites, server_id)] == [mine.code]
    listed = call(owner, servers.list_server_invites, server_id)
    assert {i.code: i.created_by.username for i in listed} == {  # type: ignore[union-attr]
        mine.code: "mia",
        forever.code: "olga",
        week.code: "olga",
    }
    set_everyone(server_id, permissions.DEFAULT_EVERYONE & ~Permission.CREATE_INVITE)
    with refused("missing_permission"):
        call(member, servers.check_create_server_invite, server_id)
    with refused("missing_permission"):
        call(member, servers.list_server_invites, server_id)

    preview = call(a, lambda s, u, code: servers.preview_invite(s, u.id, code), mine.code)
    assert (preview.name, preview.member_count, preview.is_member) == ("Club", 2, False)
    assert call(a, servers.check_join_by_server_invite, mine.code).id == server_id
    assert call(a, servers.check_join_by_server_invite, mine.code).id == server_id  # a member
    with refused("invite_used_up"):
        call(b, servers.check_join_by_server_invite, mine.code)
    with refused("invite_used_up"):
        servers.preview_invite(session, None, mine.code)
    # Used up: no longer among the live invites.
    assert mine.code not in {i.code for i in call(owner, servers.list_server_invites, server_id)}

    # Revoking: the creator or MANAGE_SERVER; others are refused; revoked links are dead.
    with refused("missing_permission"):
        call(a, servers.check_revoke_server_invite, week.code)
    with refused("invite_not_found"):
        call(b, servers.check_revoke_server_invite, week.code)  # not a member: nothing there
    call(owner, servers.check_revoke_server_invite, week.code)
    call(owner, servers.check_revoke_server_invite, week.code)  # again: nothing changes
    with refused("invite_revoked"):
        call(b, servers.check_join_by_server_invite, week.code)
    with refused("invite_not_found"):
        call(b, servers.check_join_by_server_invite, "nosuchcode")
    with transaction() as s:
        expired = s.get(ServerInvite, forever.code)
        assert expired is not None
        expired.expires_at = utcnow() - timedelta(seconds=1)
        s.add(expired)
    with refused("invite_expired"):
        call(b, servers.check_join_by_server_invite, forever.code)
    session.expire_all()
    assert [a for a, _ in audit_actions(session, server_id)].count("invite_create") == 3
    assert ("invite_revoke", week.code) in audit_actions(session, server_id)

    # The last use: a join that read the invite while it had a use left still loses it to
    # the join that committed first (the guarded UPDATE decides, not what was read).
    last = call(owner, servers.check_create_server_invite, server_id, max_uses=2)
    call(b, servers.check_join_by_server_invite, last.code)
    with Session(get_engine(), expire_on_commit=False) as stale:
        seen = stale.get(ServerInvite, last.code)
        assert seen is not None
        assert seen.uses == 1
        call(make_user("dan"), servers.check_join_by_server_invite, last.code)  # takes it
        with refused("invite_used_up"):
            servers.check_join_by_server_invite(stale, load_user(stale, c), last.code)
        stale.rollback()
    session.expire_all()
    assert session.get(ServerInvite, last.code).uses == 2  # type: ignore[union-attr]
    assert session.get(ServerMember, (server_id, c)) is None


def test_two_joins_racing_for_the_last_use_one_wins(make_user: Callable[..., int]) -> None:
    owner, a, b = make_user("olga"), make_user("ann"), make_user("bob")
    server_id = make_server(owner, "Club")
    code = call(owner, servers.check_create_server_invite, server_id, max_uses=1).code
    start = threading.Barrier(2)

    def attempt(user_id: int) -> str:
        start.wait()
        try:
            call(user_id, servers.check_join_by_server_invite, code)
        except DomainError as exc:
            return exc.code
        return "joined"

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = sorted(pool.map(attempt, (a, b)))
    assert outcomes == ["invite_used_up", "joined"]
    with transaction() as s:
        invite = s.get(ServerInvite, code)
        assert invite is not None
        assert invite.uses == 1
        assert s.get(Server, server_id).member_count == 2  # type: ignore[union-attr]


def test_join_requests_accept_and_decline(
    make_user: Callable[..., int], events: Events, session: Session
) -> None:
    owner, mod, member, asker, other, admin, muted = (
        make_user(n) for n in ("olga", "max", "mia", "ask", "oth", "ada", "mut")
    )
    server_id = make_server(
        owner, "Asking", members=(mod, member, admin, muted), join_mode="request"
    )
    give_role(server_id, mod, Permission.MANAGE_SERVER)
    give_role(server_id, admin, Permission.ADMINISTRATOR, name="Admin")
    # A timed-out manager reviews nothing while the timeout lasts.
    give_role(server_id, muted, Permission.MANAGE_SERVER, name="Mod too")
    with transaction() as s:
        held = s.get(ServerMember, (server_id, muted))
        assert held is not None
        held.timeout_until = utcnow() + timedelta(hours=1)
        s.add(held)
    with refused("server_not_found"):  # private: it takes requests, not open joins
        call(asker, servers.check_join_server, server_id)
    call(owner, servers.check_update_server, server_id, is_public=True)
    with refused("request_required"):
        call(asker, servers.check_join_server, server_id)
    events.clear()
    call(asker, servers.check_request_join, server_id, message="let me in")
    # Those who may review it (and the requester), not every member.
    reviewers = {key(owner), key(mod), key(admin)}
    assert recipients(events, "join_request", "add") == reviewers | {key(asker)}
    call(other, servers.check_request_join, server_id)

    with refused("missing_permission"):
        call(member, servers.list_join_requests, server_id)
    first = call(mod, servers.list_join_requests, server_id, limit=1)
    assert [(r.user.username, r.message) for r in first.requests] == [("ask", "let me in")]
    second = call(mod, servers.list_join_requests, server_id, cursor=first.next_cursor)
    assert [r.user.username for r in second.requests] == ["oth"]
    assert second.next_cursor is None

    with refused("missing_permission"):
        call(member, servers.check_decide_join_request, server_id, asker, accept=True)
    events.clear()
    call(mod, servers.check_decide_join_request, server_id, asker, accept=True)
    assert recipients(events, "server", "add") == {key(asker)}
    update = [e for k, e in events if k == key(asker) and e["type"] == "join_request"]
    assert update
    assert update[0]["data"]["status"] == "accepted"
    assert recipients(events, "join_request", "update") == reviewers | {key(asker)}
    assert session.get(ServerMember, (server_id, asker)) is not None
    events.clear()
    call(mod, servers.check_decide_join_request, server_id, other, accept=False)
    assert recipients(events, "join_request", "update") == reviewers | {key(other)}
    assert recipients(events, "server", "add") == set()
    with refused("join_request_not_found"):
        call(mod, servers.check_decide_join_request, server_id, other, accept=True)
    session.expire_all()
    actions = audit_actions(session, server_id)
    assert ("join_request_accept", str(asker)) in actions
    assert ("join_request_decline", str(other)) in actions


def test_member_list_pages_presence_roles_in_a_fixed_number_of_queries(
    make_user: Callable[..., int], session: Session
) -> None:
    owner = make_user("olga", display_name="Olga")
    people = [make_user(f"user{i:02d}") for i in range(12)]
    server_id = make_server(owner, "Big", members=tuple(people))
    hoisted = give_role(server_id, people[3], 0, name="Crew", hoist=True)
    with transaction() as s:
        member = s.get(ServerMember, (server_id, people[5]))
        assert member is not None
        servers.do_set_nickname(s, member, "Aaron")
        now = utcnow()
        for user_id, visibility, status in (
            (people[0], "everyone", "online"),
            (people[1], "nobody", "online"),
            (people[2], "everyone", "invisible"),
            (people[6], "contacts", "online"),  # a DM with the viewer: shown
            (people[7], "contacts", "dnd"),  # no DM: hidden
            (people[8], "everyone", "online"),  # blocks the viewer: hidden
        ):
            user = load_user(s, user_id)
            user.online, user.last_seen_at = True, now
            user.presence_visibility, user.presence = visibility, status
            s.add(user)

    open_dm(owner, "user06")
    call(people[8], blocks.check_block, "olga")
    with refused("server_not_found"):
        call(make_user("stranger"), servers.list_members, server_id)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = get_engine()
    pages, cursor = [], None
    while True:
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            page = call(owner, servers.list_members, server_id, limit=5, cursor=cursor)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    names = [m.shown_name for p in pages for m in p.members]
    assert names == ["Aaron", "Olga", *[f"user{i:02d}" for i in range(12) if i != 5]]
    by_name = {m.user.username: m for p in pages for m in p.members}
    assert by_name["user00"].status == "online"
    assert by_name["user01"].status == "hidden"
    assert by_name["user02"].status == "hidden"
    assert by_name["user04"].status == "offline"
    assert by_name["user06"].status == "online"
    assert by_name["user07"].status == "hidden"
    assert by_name["user08"].status == "hidden"
    # The batched rule is the one-at-a-time rule.
    with transaction() as s:
        for member in by_name.values():
            single = presence.presence_view(s, owner, load_user(s, member.user.id))
            assert member.status == single.status, member.user.username
    assert by_name["olga"].is_owner
    assert (by_name["user03"].role_ids, by_name["user03"].hoisted_role_id) == ([hoisted], hoisted)
    assert [r.id for r in pages[0].hoisted_roles] == [hoisted]
    # The same few queries for a page of 8 as for a page of all 13: none per member.
    counts = []
    for limit in (8, 13):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            call(owner, servers.list_members, server_id, limit=limit)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], statements
    with refused("bad_cursor"):
        call(owner, servers.list_members, server_id, cursor="e30=")
    # Any cursor of the documented shape positions a page, even one no page gave.
    assert call(owner, servers.list_members, server_id, cursor="ff-1").members == []
    assert len(call(owner, servers.list_members, server_id, cursor="-0").members) == 13


def test_a_requester_cancels_their_own_pending_request(
    make_user: Callable[..., int], events: Events, session: Session
) -> None:
    owner, mod, member, asker, other = (make_user(n) for n in ("olga", "max", "mia", "ask", "oth"))
    server_id = make_server(owner, "Asking", members=(mod, member), join_mode="request")
    give_role(server_id, mod, Permission.MANAGE_SERVER)
    call(asker, servers.check_request_join, server_id, message="please")
    call(other, servers.check_request_join, server_id)
    with refused("join_request_not_found"):  # nothing of mia's to cancel
        call(member, servers.check_cancel_join_request, server_id)
    with refused("join_request_not_found"):
        call(asker, servers.check_cancel_join_request, "0" * 32)
    events.clear()
    call(asker, servers.check_cancel_join_request, server_id)
    # The reviewers drop it from their list; the requester hears it too; nobody else.
    assert recipients(events, "join_request", "remove") == {key(owner), key(mod), key(asker)}
    assert only(events, "join_request", "remove")[0]["data"] == {
        "server_id": server_id,
        "user_id": asker,
        "status": "cancelled",
    }
    pending = call(mod, servers.list_join_requests, server_id)
    assert [r.user.username for r in pending.requests] == ["oth"]
    session.expire_all()
    assert session.get(JoinRequest, (server_id, asker)) is None
    with refused("join_request_not_found"):  # already withdrawn
        call(asker, servers.check_cancel_join_request, server_id)
    # Asking again starts a new request; a decided one cannot be withdrawn.
    call(asker, servers.check_request_join, server_id, message="again")
    call(mod, servers.check_decide_join_request, server_id, asker, accept=False)
    with refused("join_request_not_found"):
        call(asker, servers.check_cancel_join_request, server_id)


def test_invites_and_join_requests_are_rate_limited(
    make_user: Callable[..., int], lower_limits: Callable[..., None], session: Session
) -> None:
    owner, asker = make_user("olga"), make_user("ask")
    server_id = make_server(owner, "Busy")
    lower_limits(RATE_LIMIT_SERVER_INVITE="2/minute", RATE_LIMIT_JOIN_REQUEST="2/minute")
    with refused("bad_max_uses"):  # a refused input counts for nothing
        call(owner, servers.check_create_server_invite, server_id, max_uses=0)
    call(owner, servers.check_create_server_invite, server_id)
    call(owner, servers.check_create_server_invite, server_id)
    with refused("rate_limited"):
        call(owner, servers.check_create_server_invite, server_id)
    assert len(call(owner, servers.list_server_invites, server_id)) == 2

    asking = [
        make_server(owner, f"Asks {n}", join_mode="request", is_public=True) for n in range(3)
    ]
    call(asker, servers.check_request_join, asking[0])
    call(asker, servers.check_request_join, asking[1])
    with refused("rate_limited"):  # over all servers
        call(asker, servers.check_request_join, asking[2])
    session.expire_all()
    assert session.get(JoinRequest, (asking[2], asker)) is None


# "Anna" with a full-width A (U+FF21): NFKC makes it a plain A.
WIDE_ANNA = "\uff21nna"


def _member_pages(viewer: int, server_id: str, limit: int) -> list[str]:
    """Every member's shown name, page after page."""
    names: list[str] = []
    cursor = None
    while True:
        page = call(viewer, servers.list_members, server_id, limit=limit, cursor=cursor)
        names += [m.shown_name for m in page.members]
        cursor = page.next_cursor
        if cursor is None:
            return names


def _rename(user_id: int, name: str) -> None:
    from socialhub.domain import users
    from socialhub.models.users import UserUpdate

    call(user_id, users.check_update_profile, UserUpdate(display_name=name))


def test_member_list_orders_by_a_stored_folded_name_and_pages_by_keyset_across_renames(
    make_user: Callable[..., int], session: Session
) -> None:
    owner = make_user("olga", display_name="Olga")
    named = {
        n: make_user(f"u_{i}", display_name=n)
        for i, n in enumerate(("zoë", "Émile", "emma", "ÉMILE", WIDE_ANNA, "bob", "Bob", "carl"))
    }
    server_id = make_server(owner, "Names", members=tuple(named.values()))
    # Case, accents and width fold (U+FF21 is a full-width A); equal names keep the user id order.
    everyone_in_order = [WIDE_ANNA, "bob", "Bob", "carl", "Émile", "ÉMILE", "emma", "Olga", "zoë"]
    assert _member_pages(owner, server_id, 50) == everyone_in_order
    assert _member_pages(owner, server_id, 2) == everyone_in_order
    with transaction() as s:
        stored = s.get(ServerMember, (server_id, named["ÉMILE"]))
        assert stored is not None
        assert stored.sort_name == "emile"

    # A rename moves the member at once (the profile edit updates the sort name in its own
    # transaction); a page read after it goes on from its cursor: nobody who kept their name
    # is skipped or shown twice.
    first = call(owner, servers.list_members, server_id, limit=3)
    assert [m.shown_name for m in first.members] == [WIDE_ANNA, "bob", "Bob"]
    _rename(named["zoë"], "Aaron")  # from a later page to before the cursor
    _rename(named["bob"], "Yves")  # from this page to after the cursor
    rest, cursor = [], first.next_cursor
    while cursor is not None:
        page = call(owner, servers.list_members, server_id, limit=3, cursor=cursor)
        rest += [m.shown_name for m in page.members]
        cursor = page.next_cursor
    assert rest == ["carl", "Émile", "ÉMILE", "emma", "Olga", "Yves"]
    assert _member_pages(owner, server_id, 4) == [
        "Aaron",
        WIDE_ANNA,
        "Bob",
        "carl",
        "Émile",
        "ÉMILE",
        "emma",
        "Olga",
        "Yves",
    ]
    # A nickname stands for the display name; a rename under it changes nothing.
    with transaction() as s:
        member = s.get(ServerMember, (server_id, named["carl"]))
        assert member is not None
        servers.do_set_nickname(s, member, "Zed")
    _rename(named["carl"], "Abe")
    assert _member_pages(owner, server_id, 50)[-2:] == ["Yves", "Zed"]
    with transaction() as s:
        member = s.get(ServerMember, (server_id, named["carl"]))
        assert member is not None
        servers.do_set_nickname(s, member, "")
    assert _member_pages(owner, server_id, 50)[:2] == ["Aaron", "Abe"]


@SQLITE
def test_a_member_page_reads_the_sort_index_and_sorts_nothing(
    make_user: Callable[..., int],
) -> None:
    """The page's query walks (server, sort name, user id) from the cursor: no sort of the
    server's members (SQLite's plan would say USE TEMP B-TREE FOR ORDER BY)."""
    owner = make_user("olga")
    server_id = make_server(owner, "Plan", members=tuple(make_user(f"mem{i}") for i in range(3)))
    first = call(owner, servers.list_members, server_id, limit=2)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "FROM server_members" in statement and "ORDER BY" in statement:
            captured.append((statement, parameters))

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        call(owner, servers.list_members, server_id, limit=2, cursor=first.next_cursor)
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    assert len(captured) == 1
    statement, parameters = captured[0]
    with engine.connect() as connection:
        plan = " | ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        )
    assert "ix_server_members_sort" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_my_servers_and_the_channels_a_member_may_view(make_user: Callable[..., int]) -> None:
    owner, mod, member = make_user("olga"), make_user("max"), make_user("mia")
    first = make_server(owner, "First", members=(mod, member))
    second = make_server(member, "Second")
    give_role(first, mod, Permission.KICK_MEMBERS | Permission.MANAGE_CHANNELS)
    with transaction() as s:
        server = s.get(Server, first)
        assert server is not None
        staff = servers.do_create_channel(
            s, server, name="staff", category_id=general(s, first).category_id, position=1
        )
        news = servers.do_create_channel(s, server, name="news", position=2)
        hidden_category = ChannelCategory(server_id=first, name="Archive", position=5)
        s.add(hidden_category)
        s.flush()
        s.add(
            PermissionOverwrite(
                server_id=first,
                scope_id=staff.id,
                target_type="role",
                target_id=everyone(s, first).id,
                deny=int(Permission.VIEW_CHANNEL),
            )
        )
        s.add(
            PermissionOverwrite(
                server_id=first,
                scope_id=news.id,
                target_type="role",
                target_id=everyone(s, first).id,
                deny=int(Permission.SEND_MESSAGES),
            )
        )
        staff.synced = False
        news.synced = False
        s.add_all([staff, news])
        permissions.bump_version(s, server)
        staff_id, news_id = staff.id, news.id

    rail = call(member, servers.list_my_servers)
    assert [(r.server.id, r.is_owner) for r in rail] == [(first, False), (second, True)]
    assert rail[0].flags.can_create_invite
    assert not rail[0].flags.can_kick
    assert rail[1].flags.can_manage_server
    assert rail[1].permissions == str(permissions.ALL)
    mod_rail = call(mod, servers.list_my_servers)[0]
    assert mod_rail.flags.can_kick
    assert mod_rail.flags.can_manage_channels
    assert not mod_rail.flags.can_ban

    detail = call(member, servers.get_server, first)
    assert [c.name for c in detail.categories] == ["Text channels"]
    assert [c.name for c in detail.categories[0].channels] == ["general"]
    assert [(c.id, c.can_send, c.can_manage) for c in detail.channels] == [(news_id, False, False)]
    owner_view = call(owner, servers.get_server, first)
    assert [c.name for c in owner_view.categories] == ["Text channels", "Archive"]
    assert [c.id for c in owner_view.categories[0].channels][1] == staff_id
    assert all(c.can_manage for c in owner_view.categories[0].channels)
    with refused("server_not_found"):
        call(mod, servers.get_server, second)
