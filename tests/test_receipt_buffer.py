"""The receipt buffer: a chat's receipts are written at the next flush, a server channel's read
markers only once they are due (or when the reader's server page loads, before it shows the
badges), so a busy channel's viewers do not write, and wake their listeners, every second."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import select

from socialhub.db import transaction
from socialhub.delivery.receipts import ReceiptBuffer
from socialhub.domain import chats, messages
from socialhub.models import ChannelState, ConversationMember
from tests.support.chat import Events, load_user
from tests.support.servers import general, make_server


def channel_marker(channel: str, user_id: int) -> int:
    with transaction() as s:
        state = s.get(ChannelState, (channel, user_id))
        return state.read_seq if state is not None else 0


def chat_marker(chat: str, user_id: int) -> int:
    with transaction() as s:
        row = s.exec(
            select(ConversationMember).where(
                ConversationMember.conversation_id == chat, ConversationMember.user_id == user_id
            )
        ).one()
        return row.read_seq


def test_channel_reads_wait_for_their_interval_and_chats_do_not(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    with transaction() as s:
        channel = general(s, server_id).id
        dm = chats.check_open_dm(s, load_user(s, alice), "bob").id
        messages.check_send_message(s, load_user(s, alice), channel, body="in the channel")
        messages.check_send_message(s, load_user(s, alice), dm, body="in the dm")
    arrived = [e for k, e in events if k == f"user:{bob}" and e["type"] == "message"]
    assert len(arrived) == 2
    buffer = ReceiptBuffer(channel_interval=3600)

    # (No event loop here: each note writes at once, as a flush would.) The first channel
    # read is due at once; the next waits for the interval, the DM's do not.
    buffer.note(bob, [e for e in arrived if e["data"].get("server_id")], reading=channel)
    assert channel_marker(channel, bob) == 1
    with transaction() as s:
        messages.check_send_message(s, load_user(s, alice), channel, body="again")
    again = [e for k, e in events if k == f"user:{bob}" and e["data"].get("body") == "again"]
    buffer.note(bob, again, reading=channel)
    buffer.note(bob, [e for e in arrived if not e["data"].get("server_id")], reading=dm)
    assert chat_marker(dm, bob) == 1
    assert channel_marker(channel, bob) == 1
    assert buffer.flush() == 0  # still not due

    # The reader's page takes theirs to write before showing badges; nothing is left after.
    assert buffer.take_channel_reads(alice) == {}
    assert buffer.take_channel_reads(bob) == {(bob, channel): 2}
    assert buffer.flush(everything=True) == 0

    buffer.note(bob, again, reading=channel)
    assert buffer.flush(everything=True) == 1
    assert channel_marker(channel, bob) == 2
