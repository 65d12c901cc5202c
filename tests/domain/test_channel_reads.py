"""The read markers live tabs note for the channels on screen, written in one batch
(`do_record_channel_reads`): only for readers who may still view the channel, never
backwards, never past its last message, each heard in the reader's own stream."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from socialhub.db import transaction
from socialhub.domain import channel_messages, messages
from socialhub.domain.permissions import Permission
from socialhub.models import ChannelState
from tests.domain.test_channels import create, everyone_id, overwrite
from tests.support.chat import Events, key, load_user
from tests.support.servers import general, make_server


def markers(channel: str) -> dict[int, int]:
    with transaction() as s:
        rows = s.exec(select(ChannelState).where(ChannelState.conversation_id == channel)).all()
        return {row.user_id: row.read_seq for row in rows if row.read_seq}


def test_a_batch_of_reads_moves_only_the_markers_it_may(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob, carol, dave = (make_user(n) for n in ("alice", "bob", "carol", "dave"))
    server_id = make_server(alice, members=(bob, carol))
    with transaction() as s:
        general_id = general(s, server_id).id
    staff = create(alice, server_id, "staff")
    overwrite(server_id, staff, everyone_id(server_id), deny=int(Permission.VIEW_CHANNEL))
    overwrite(server_id, staff, str(bob), allow=int(Permission.VIEW_CHANNEL), kind="member")
    with transaction() as s:
        for body in ("one", "two", "three"):
            messages.check_send_message(s, load_user(s, alice), general_id, body=body)
        messages.check_send_message(s, load_user(s, alice), staff, body="secret")
        channel_messages.do_record_channel_reads(s, {(bob, general_id): 1})

    events.clear()
    with transaction() as s:
        channel_messages.do_record_channel_reads(
            s,
            {
                (bob, general_id): 3,  # forward
                (carol, general_id): 99,  # past the end: to the last message
                (dave, general_id): 2,  # not a member
                (carol, staff): 1,  # may not view it
                (bob, staff): 1,  # may: his own overwrite
            },
        )
    # (Alice's own sends moved hers.)
    assert markers(general_id) == {alice: 3, bob: 3, carol: 3}
    assert markers(staff) == {alice: 1, bob: 1}
    heard = {(k, e["data"]["conversation_id"], e["data"]["read_seq"]) for k, e in events}
    assert heard == {(key(bob), general_id, 3), (key(carol), general_id, 3), (key(bob), staff, 1)}

    # Backwards, or where it is already: nothing is written and nobody hears anything.
    events.clear()
    with transaction() as s:
        channel_messages.do_record_channel_reads(s, {(bob, general_id): 2, (carol, general_id): 3})
    assert markers(general_id) == {alice: 3, bob: 3, carol: 3}
    assert events == []
