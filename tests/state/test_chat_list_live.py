"""The chat list follows the stream from the events themselves (`chat_list.apply_to_rows`):
after each live change the rows equal what a fresh read of the database gives, and only what
the events cannot tell is read again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialhub.db import transaction
from socialhub.domain import chats, messages
from socialhub.state.chat_list import apply_to_rows, list_changes
from socialhub.state.chat_rows import ChatRow, chat_row
from socialhub.state.clock import UTC_CLOCK
from tests.support.chat import create_group, load_user, open_dm, send

Events = list[tuple[str, Any]]


def fresh(user_id: int) -> list[ChatRow]:
    with transaction() as s:
        return [
            chat_row(summary, UTC_CLOCK) for summary in chats.list_chats(s, load_user(s, user_id))
        ]


def heard(events: Events, user_id: int) -> list[dict[str, Any]]:
    """What the user's stream got since the last call, as the list sees it."""
    mine = [event for key, event in events if key == f"user:{user_id}"]
    events.clear()
    return list_changes(mine, user_id)


def test_the_live_rows_match_a_fresh_read_through_sends_reads_edits_and_deletes(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    dm = open_dm(alice, "bob")
    group = create_group(alice, ["bob", "carol"], title="Team")
    send(bob, dm, "first")
    rows = fresh(alice)
    events.clear()

    def step(reading: str = "") -> None:
        nonlocal rows
        rows, reload = apply_to_rows(rows, heard(events, alice), alice, reading, UTC_CLOCK)
        assert reload == set()
        expected = fresh(alice)
        if reading:
            for row in expected:
                row.unread = 0 if row.id == reading else row.unread
        assert rows == expected

    send(carol, group, "hello team")  # the group comes first, one unread
    step()
    assert [(r.id, r.unread) for r in rows] == [(group, 1), (dm, 1)]
    last = send(bob, dm, "second")
    step()
    assert rows[0].preview == "second"
    with transaction() as s:
        messages.check_edit_message(s, load_user(s, bob), last.id, body="second, edited")
    step()
    with transaction() as s:
        messages.check_mark_read(s, load_user(s, alice), dm, last.seq)
    step()
    assert [(r.id, r.unread) for r in rows] == [(dm, 0), (group, 1)]
    send(alice, group, "my answer")  # my own message reads the group up to it
    step()
    send(bob, dm, "while alice reads")
    step(reading=dm)
    with transaction() as s:
        messages.check_delete_message(s, load_user(s, bob), rows[0].last_id, for_everyone=True)
    step()
    assert rows[0].preview == "Message deleted"


def test_what_the_events_cannot_tell_is_read_again(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    make_user("dave")
    dm = open_dm(alice, "bob")
    message = send(bob, dm, "hi")
    rows = fresh(alice)
    events.clear()

    with transaction() as s:
        messages.check_delete_message(s, load_user(s, alice), message.id, for_everyone=False)
    assert apply_to_rows(rows, heard(events, alice), alice, "", UTC_CLOCK)[1] == {
        dm
    }  # hidden for me

    group = create_group(bob, ["alice"], title="New")
    assert (
        group in apply_to_rows(rows, heard(events, alice), alice, "", UTC_CLOCK)[1]
    )  # new to the list
    with transaction() as s:
        chats.check_add_members(s, load_user(s, bob), group, ["dave"])
    assert group in apply_to_rows(fresh(alice), heard(events, alice), alice, "", UTC_CLOCK)[1]


def test_a_live_message_is_parsed_once_for_all_the_tabs_that_show_it(
    make_user: Callable[..., int], events: Events
) -> None:
    from socialhub.state.chat_rows import live_row

    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, ["bob", "carol"])
    events.clear()
    send(alice, group, "to both")
    [data] = {id(e["data"]): e["data"] for _, e in events if e["type"] == "message"}.values()
    for_bob, for_carol, for_alice = (
        live_row(data, user, UTC_CLOCK) for user in (bob, carol, alice)
    )
    assert for_bob is for_carol  # one row for every tab that is not the author's
    assert not for_bob.mine
    assert for_alice.mine
    assert live_row(dict(data), bob, UTC_CLOCK) is not for_bob  # another event: parsed again


def test_receipts_written_together_reach_the_list_and_the_ticks(
    make_user: Callable[..., int], events: Events
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, ["bob", "carol"], title="Team")
    mine = send(alice, group, "mine")
    theirs = send(bob, group, "theirs")
    rows = fresh(alice)
    events.clear()
    with transaction() as s:
        messages.do_record_receipts(
            s,
            {(alice, group): theirs.seq, (carol, group): theirs.seq},
            {(alice, group): theirs.seq, (carol, group): mine.seq},
        )
    rows, reload = apply_to_rows(rows, heard(events, alice), alice, "", UTC_CLOCK)
    assert reload == set()
    assert rows == fresh(alice)
    assert rows[0].unread == 0


def test_server_channel_traffic_is_not_the_chat_lists(
    make_user: Callable[..., int], events: Events
) -> None:
    """A channel's messages, edits, reactions and read markers reach the member's stream but
    change no chat-list row and ask for no read (a busy server must cost the list nothing)."""
    from socialhub.db import read_session
    from tests.support.servers import general, make_server

    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, members=(bob,))
    with read_session() as s:
        channel = general(s, server_id).id
    rows = fresh(alice)
    events.clear()
    sent = send(bob, channel, "hello server")
    with transaction() as s:
        messages.check_edit_message(s, load_user(s, bob), sent.id, body="hello, edited")
        messages.check_react(s, load_user(s, alice), sent.id, "👍")
        messages.check_mark_read(s, load_user(s, alice), channel, sent.seq)
    assert any(key == f"user:{alice}" for key, _ in events)
    changes = heard(events, alice)
    assert changes == []
    after, reload = apply_to_rows(rows, changes, alice, "", UTC_CLOCK)
    assert (after, reload) == (rows, set())
