"""Automod flag rules on the posts of posts channels, in the domain and through the API: a new or
edited post that a flag rule matches is published and files a flag naming the post; moderators
read post and message flags in one list and resolve either; a block rule still refuses; flags of
a channel a moderator cannot see stay hidden from them; a deleted post takes its flags along."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.db import transaction
from socialhub.domain import automod, feeds, posts
from socialhub.domain.errors import NotFound, PermissionDenied
from socialhub.domain.permissions import Permission
from socialhub.models import AuditLogEntry, AutomodFlag, Conversation
from tests.api import conftest as api_fixtures
from tests.api import test_channel_posts_api as api_club_fixtures
from tests.api.conftest import bearer
from tests.api.test_auth_api import error_code
from tests.domain import test_channel_posts as club_fixtures
from tests.domain.test_automod import create_rule
from tests.domain.test_channel_posts import Club, channel_post, refused
from tests.domain.test_moderation import give_role
from tests.support.chat import Events, key, only, recipients, send
from tests.support.social import act

# Fixtures shared with the posts-channel and API tests (a conftest applies to its own folder):
# `club` is the domain's server with its hidden posts channel, `api_club` the API's.
client, signup = api_fixtures.client, api_fixtures.signup
club = club_fixtures.club
api_club = api_club_fixtures.club
API = "/api/v1"


def flags_of(session: Session) -> list[AutomodFlag]:
    session.expire_all()
    return list(session.exec(select(AutomodFlag).order_by(col(AutomodFlag.id))).all())


def open_flags(reader: int, server_id: str, **options: Any) -> list[Any]:
    return act(reader, lambda s, u: automod.list_flags(s, u, server_id, **options).flags)


def edit(author: int, post_id: str, body: str) -> None:
    act(author, lambda s, u: posts.check_edit_post(s, u, post_id, body=body))


# Domain ---------------------------------------------------------------------------------------


def test_a_flag_rule_files_a_flag_on_a_new_and_on_an_edited_post(
    club: Club, events: Events, session: Session
) -> None:
    rule = create_rule(club.ada, club.server_id, "word", "nitro", "flag")
    events.clear()
    flagged = channel_post(club.bob, club.channel_id, "free NITRO here")
    # Published as any post: the channel's viewers hear of it and read it in the feed.
    assert recipients(events, "post", "add") == {key(club.ada), key(club.bob), key(club.eve)}
    feed = act(club.ada, lambda s, u: feeds.channel_feed(s, u, club.channel_id)).posts
    assert [p.id for p in feed] == [flagged]
    [flag] = flags_of(session)
    assert (flag.post_id, flag.message_id, flag.rule_id, flag.server_id) == (
        flagged,
        None,
        rule,
        club.server_id,
    )
    # The same live event as a message's flag, for the channel's moderators (Eve manages
    # messages in the channel only, so the server's flags are not hers).
    assert recipients(events, "automod", "flag") == {key(club.ada)}
    assert only(events, "automod", "flag")[0]["data"] == {
        "server_id": club.server_id,
        "flag_ids": [flag.id],
        "rule_ids": [rule],
        "channel_id": club.channel_id,
        "post_id": flagged,
        "author_id": club.bob,
    }

    # A clean post is not flagged; its edit to a matching text is; the owner is exempt.
    edited = channel_post(club.bob, club.channel_id, "all good")
    assert len(flags_of(session)) == 1
    events.clear()
    edit(club.bob, edited, "nitro, after all")
    assert recipients(events, "automod", "flag") == {key(club.ada)}
    edit(club.bob, edited, "nitro, after all")  # the same text again: nothing new
    channel_post(club.ada, club.channel_id, "no nitro talk please")
    assert [f.post_id for f in flags_of(session)] == [flagged, edited]

    # One list with the messages' flags, newest first, with the post's text and author.
    message = send(club.bob, club.text_channel_id, "nitro in the chat").id
    listed = open_flags(club.ada, club.server_id)
    assert [(f.kind, f.channel_id, f.channel_name) for f in listed] == [
        ("message", club.text_channel_id, "general"),
        ("post", club.channel_id, "club"),
        ("post", club.channel_id, "club"),
    ]
    assert listed[0].message is not None
    assert (listed[0].message.id, listed[0].post) == (message, None)
    newest_post = listed[1].post
    assert newest_post is not None
    assert (newest_post.id, newest_post.body, newest_post.author.username) == (
        edited,
        "nitro, after all",
        "bob",
    )
    assert newest_post.edited_at is not None
    assert listed[1].message is None
    assert listed[2].post is not None
    assert listed[2].post.id == flagged
    assert listed[1].rule is not None
    assert listed[1].rule.id == rule


def test_a_block_rule_still_refuses_a_post_and_an_edit(club: Club, session: Session) -> None:
    create_rule(club.ada, club.server_id, "word", "spoiler", "block")
    create_rule(club.ada, club.server_id, "word", "ending", "flag")
    error = refused(
        lambda s, u: posts.check_create_post(
            s, u, body="spoiler: the ending", channel_id=club.channel_id
        ),
        club.bob,
    )
    assert (type(error), error.code) == (PermissionDenied, "automod_blocked")
    kept = channel_post(club.bob, club.channel_id, "no spoilers here")
    error = refused(lambda s, u: posts.check_edit_post(s, u, kept, body="spoiler ending"), club.bob)
    assert (type(error), error.code) == (PermissionDenied, "automod_blocked")
    # Nothing refused was written: no post, no edit, no flag.
    feed = act(club.ada, lambda s, u: feeds.channel_feed(s, u, club.channel_id)).posts
    assert [(p.id, p.body) for p in feed] == [(kept, "no spoilers here")]
    assert flags_of(session) == []


def test_only_moderators_of_the_channel_read_and_resolve_its_post_flags(
    club: Club, events: Events
) -> None:
    """Cyd gets MANAGE_MESSAGES server-wide but may not view the posts channel: its flags stay
    hidden from them, as for messages. Bob (a poster) and Eve (a moderator of that channel
    only) may not read the server's flags; Dan is no member."""
    give_role(club.server_id, club.cyd, "Mods", Permission.MANAGE_MESSAGES, 1)
    create_rule(club.ada, club.server_id, "word", "nitro", "flag")
    events.clear()
    channel_post(club.bob, club.channel_id, "nitro")
    assert recipients(events, "automod", "flag") == {key(club.ada)}
    assert open_flags(club.cyd, club.server_id) == []
    [flag] = open_flags(club.ada, club.server_id)
    error = refused(
        lambda s, u: automod.check_resolve_flag(s, u, club.server_id, flag.id), club.cyd
    )
    assert (type(error), error.code) == (NotFound, "flag_not_found")
    for reader in (club.bob, club.eve):
        error = refused(lambda s, u: automod.list_flags(s, u, club.server_id), reader)
        assert (type(error), error.code) == (PermissionDenied, "missing_permission")
    error = refused(lambda s, u: automod.list_flags(s, u, club.server_id), club.dan)
    assert (type(error), error.code) == (NotFound, "server_not_found")
    # A message flag in a channel Cyd sees is theirs, beside the hidden post flag.
    send(club.bob, club.text_channel_id, "nitro")
    assert [f.kind for f in open_flags(club.cyd, club.server_id)] == ["message"]


def test_resolving_a_post_flag(club: Club, events: Events, session: Session) -> None:
    rule = create_rule(club.ada, club.server_id, "word", "nitro", "flag")
    post_id = channel_post(club.bob, club.channel_id, "nitro")
    [flag] = open_flags(club.ada, club.server_id)
    events.clear()
    resolved = act(club.ada, lambda s, u: automod.check_resolve_flag(s, u, club.server_id, flag.id))
    assert (resolved.kind, resolved.resolved_at is not None) == ("post", True)
    assert resolved.post is not None
    assert resolved.post.id == post_id
    assert recipients(events, "automod", "resolve") == {key(club.ada)}
    assert only(events, "automod", "resolve")[0]["data"] == {
        "server_id": club.server_id,
        "flag_ids": [flag.id],
        "channel_id": club.channel_id,
        "post_id": post_id,
    }
    assert open_flags(club.ada, club.server_id) == []
    assert [f.id for f in open_flags(club.ada, club.server_id, resolved=True)] == [flag.id]
    events.clear()
    act(club.ada, lambda s, u: automod.check_resolve_flag(s, u, club.server_id, flag.id))
    assert only(events, "automod", "resolve") == []  # twice changes nothing
    entries = session.exec(
        select(AuditLogEntry).where(AuditLogEntry.action == "automod_flag_resolve")
    ).all()
    assert [(e.actor_id, e.target_type, e.target_id, e.changes) for e in entries] == [
        (club.ada, "post", post_id, {"flag_id": flag.id, "rule_id": rule})
    ]


def test_a_deleted_post_takes_its_flags_along(club: Club, session: Session) -> None:
    create_rule(club.ada, club.server_id, "word", "nitro", "flag")
    by_author = channel_post(club.bob, club.channel_id, "nitro one")
    by_moderator = channel_post(club.bob, club.channel_id, "nitro two")
    edit(club.bob, by_moderator, "nitro two, edited")
    assert [f.post_id for f in flags_of(session)] == [by_author, by_moderator, by_moderator]
    act(club.bob, lambda s, u: posts.check_delete_post(s, u, by_author))
    assert [f.post_id for f in flags_of(session)] == [by_moderator, by_moderator]
    act(club.ada, lambda s, u: posts.check_delete_post(s, u, by_moderator))
    assert flags_of(session) == []
    assert open_flags(club.ada, club.server_id) == []


def test_a_flag_names_exactly_one_message_or_post(club: Club) -> None:
    post_id = channel_post(club.bob, club.channel_id, "hello")
    message = send(club.bob, club.text_channel_id, "hello").id
    for target in ({}, {"post_id": post_id, "message_id": message}):
        with pytest.raises(sa.exc.IntegrityError), transaction() as s:
            s.add(AutomodFlag(server_id=club.server_id, **target))
            s.flush()


# API ------------------------------------------------------------------------------------------


async def test_post_flags_through_the_api(
    client: httpx.AsyncClient, api_club: api_club_fixtures.Club
) -> None:
    """Ada owns the server; Bob posts in #club; Cyd, a member who cannot see #club, may not
    read the flags at all (no MANAGE_MESSAGES)."""
    c = api_club
    with transaction() as s:
        channel = s.get(Conversation, c.club)
        assert channel is not None
        server_id = channel.server_id
    flags = f"{API}/servers/{server_id}/automod/flags"
    rule = await client.post(
        f"{API}/servers/{server_id}/automod/rules",
        json={"kind": "pattern", "value": r"free\s*nitro", "action": "flag"},
        headers=bearer(c.ada),
    )
    assert rule.status_code == 201, rule.text
    blocked = await client.post(
        f"{API}/servers/{server_id}/automod/rules",
        json={"kind": "word", "value": "spam", "action": "block"},
        headers=bearer(c.ada),
    )
    assert blocked.status_code == 201, blocked.text
    refused_post = await api_club_fixtures.publish(client, c.bob, c.club, "buy spam")
    assert (refused_post.status_code, error_code(refused_post)) == (403, "automod_blocked")

    created = await api_club_fixtures.publish(client, c.bob, c.club, "free nitro inside")
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    page = await client.get(flags, headers=bearer(c.ada))
    assert page.status_code == 200, page.text
    [filed] = page.json()["flags"]
    assert {k: filed[k] for k in ("kind", "channel_id", "channel_name", "message")} == {
        "kind": "post",
        "channel_id": c.club,
        "channel_name": "club",
        "message": None,
    }
    assert filed["rule"]["id"] == rule.json()["id"]
    assert {k: filed["post"][k] for k in ("id", "body")} == {
        "id": post_id,
        "body": "free nitro inside",
    }
    assert filed["post"]["author"]["username"] == "bob"
    for reader in (c.bob, c.cyd):
        answer = await client.get(flags, headers=bearer(reader))
        assert (answer.status_code, error_code(answer)) == (403, "missing_permission")
    answer = await client.get(flags, headers=bearer(c.dan))
    assert (answer.status_code, error_code(answer)) == (404, "server_not_found")
    answer = await client.post(f"{flags}/{filed['id']}/resolve", headers=bearer(c.bob))
    assert (answer.status_code, error_code(answer)) == (403, "missing_permission")

    resolved = await client.post(f"{flags}/{filed['id']}/resolve", headers=bearer(c.ada))
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["kind"], resolved.json()["post"]["id"]) == ("post", post_id)
    assert resolved.json()["resolved_at"] is not None
    assert (await client.get(flags, headers=bearer(c.ada))).json()["flags"] == []
    done = await client.get(flags, params={"resolved": True}, headers=bearer(c.ada))
    assert [f["id"] for f in done.json()["flags"]] == [filed["id"]]

    # The post's deletion takes its flag along.
    deleted = await client.delete(f"{API}/posts/{post_id}", headers=bearer(c.bob))
    assert deleted.status_code == 204, deleted.text
    done = await client.get(flags, params={"resolved": True}, headers=bearer(c.ada))
    assert done.json()["flags"] == []
    answer = await client.post(f"{flags}/{filed['id']}/resolve", headers=bearer(c.ada))
    assert (answer.status_code, error_code(answer)) == (404, "flag_not_found")


async def test_the_openapi_documents_both_kinds_of_flag(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    flag = schemas["AutomodFlagView"]["properties"]
    assert flag["kind"]["enum"] == ["message", "post"]
    assert "description" in flag["kind"]
    assert {"$ref": "#/components/schemas/FlaggedPostView"} in flag["post"]["anyOf"]
    assert {"$ref": "#/components/schemas/MessageView"} in flag["message"]["anyOf"]
    assert set(schemas["FlaggedPostView"]["required"]) >= {"id", "author", "body", "created_at"}
    listing = spec["paths"]["/api/v1/servers/{server_id}/automod/flags"]["get"]
    assert "post" in listing["description"]
    assert listing["summary"]
    resolving = spec["paths"]["/api/v1/servers/{server_id}/automod/flags/{flag_id}/resolve"]
    assert "flag_not_found" in resolving["post"]["description"]
    assert {"403", "404"} <= set(resolving["post"]["responses"])
