"""A ban and an unban (and an invite made or revoked) tell the server's members that the list
changed, naming nobody (the list itself is for those who may see it: the settings page reads
it again)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from socialhub.db import transaction
from socialhub.domain import moderation
from socialhub.domain.errors import PermissionDenied
from tests.support.chat import Events, key, load_user, only, recipients
from tests.support.servers import make_server


def test_a_ban_and_an_unban_say_the_list_changed_to_the_members_only(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    outsider = make_user("dora")
    server_id = make_server(alice, "Guild", members=(bob, carol))
    events.clear()
    with transaction() as s:
        moderation.check_ban_member(s, load_user(s, alice), server_id, bob, reason="spam")
    # Bob left with the ban: he is no longer told.
    assert recipients(events, "bans", "update") == {key(alice), key(carol)}
    assert [e["data"] for e in only(events, "bans", "update")] == [{"server_id": server_id}] * 2

    events.clear()
    with transaction() as s:
        moderation.check_ban_member(s, load_user(s, alice), server_id, outsider)
        moderation.check_unban(s, load_user(s, alice), server_id, bob)
    assert recipients(events, "bans", "update") == {key(alice), key(carol)}
    assert len(only(events, "bans", "update")) == 2 * 2

    # Refused: nothing is said.
    events.clear()
    with pytest.raises(PermissionDenied), transaction() as s:
        moderation.check_unban(s, load_user(s, carol), server_id, outsider)
    assert only(events, "bans", "update") == []


def test_an_invite_made_or_revoked_says_the_list_changed_naming_no_code(
    make_user: Callable[..., int], events: Events
) -> None:
    from socialhub.domain import servers

    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    events.clear()
    with transaction() as s:
        invite = servers.check_create_server_invite(s, load_user(s, bob), server_id)
    assert recipients(events, "invites", "update") == {key(alice), key(bob)}
    assert [e["data"] for e in only(events, "invites", "update")] == [{"server_id": server_id}] * 2
    events.clear()
    with transaction() as s:
        servers.check_revoke_server_invite(s, load_user(s, alice), invite.code)
        servers.check_revoke_server_invite(s, load_user(s, alice), invite.code)  # again: no change
    assert len(only(events, "invites", "update")) == 2
