"""How members are named in a server's settings (`servers.member_names`)."""

from __future__ import annotations

from collections.abc import Callable

from socialhub.db import transaction
from socialhub.domain import servers
from socialhub.models import ServerMember
from tests.support.servers import make_server


def test_a_member_is_named_by_nickname_then_display_name_then_username(
    make_user: Callable[..., int],
) -> None:
    alice = make_user("alice", display_name="Alice A")
    bob, carol = make_user("bob", display_name="Bobby"), make_user("carol")
    dave = make_user("dave", display_name="Dave D")
    server_id = make_server(alice, members=(bob, carol))
    other = make_server(dave, "Elsewhere", members=(bob,))
    with transaction() as s:
        member = s.get(ServerMember, (server_id, bob))
        assert member is not None
        member.nickname = "the bob"
        s.add(member)
        # Bob's nickname belongs to this server only; Dave is no member here.
        assert servers.member_names(s, server_id, [alice, bob, carol, dave, 0, 2**40]) == {
            alice: "Alice A",
            bob: "the bob",
            carol: "carol",
            dave: "Dave D",
        }
        assert servers.member_names(s, other, [bob]) == {bob: "Bobby"}
        assert servers.member_names(s, server_id, []) == {}
