"""Messages in the domain layer: sending, keyset history, edits, deletes, reactions, forwarding
and receipts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import pytest
from sqlmodel import Session, col, func, select

from socialhub.db import transaction
from socialhub.domain import blocks, chats, messages
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from socialhub.models import (
    ConversationMember,
    HiddenMessage,
    MemberRole,
    Message,
    MessageEdit,
    Reaction,
    SendPolicy,
)
from socialhub.models.chat import MessageView
from tests.support.chat import (
    Events,
    create_group,
    history,
    key,
    load_user,
    only,
    open_dm,
    recipients,
    send,
)

# Helpers -----------------------------------------------------------------------------------------


def seqs(views: Sequence[MessageView]) -> list[int]:
    return [v.seq for v in views]


def view(actor: int, conversation_id: str, message_id: str) -> MessageView:
    [found] = [v for v in history(actor, conversation_id, limit=100) if v.id == message_id]
    return found


def edit(actor: int, message_id: str, body: str) -> Message:
    with transaction() as s:
        return messages.check_edit_message(s, load_user(s, actor), message_id, body=body)


def edits(actor: int, message_id: str) -> list[str]:
    with transaction() as s:
        return [e.body for e in messages.list_edits(s, load_user(s, actor), message_id)]


def delete(actor: int, message_id: str, *, for_everyone: bool) -> Message:
    with transaction() as s:
        return messages.check_delete_message(
            s, load_user(s, actor), message_id, for_everyone=for_everyone
        )


def react(actor: int, message_id: str, value: str) -> None:
    with transaction() as s:
        messages.check_react(s, load_user(s, actor), message_id, value)


def unreact(actor: int, message_id: str, value: str) -> None:
    with transaction() as s:
        messages.check_unreact(s, load_user(s, actor), message_id, value)


def forward(actor: int, message_id: str, targets: Sequence[str]) -> list[Message]:
    with transaction() as s:
        return messages.check_forward(s, load_user(s, actor), message_id, targets)


def mark_read(actor: int, conversation_id: str, seq: int) -> ConversationMember:
    with transaction() as s:
        return messages.check_mark_read(s, load_user(s, actor), conversation_id, seq)


def mark_delivered(actor: int, conversation_id: str, seq: int) -> ConversationMember:
    with transaction() as s:
        return messages.check_mark_delivered(s, load_user(s, actor), conversation_id, seq)


def unread(actor: int, conversation_id: str) -> int:
    with transaction() as s:
        return chats.get_chat(s, load_user(s, actor), conversation_id).unread_count


def receipts(actor: int, conversation_id: str) -> dict[str, tuple[int, int]]:
    with transaction() as s:
        members = chats.list_members(s, load_user(s, actor), conversation_id)
        return {m.user.username: (m.delivered_seq, m.read_seq) for m in members}


def message_count(session: Session, conversation_id: str | None = None) -> int:
    query = select(func.count()).select_from(Message)
    if conversation_id is not None:
        query = query.where(Message.conversation_id == conversation_id)
    return session.exec(query).one()


@pytest.fixture
def trio(make_user: Callable[..., int]) -> tuple[int, int, int]:
    """alice, bob and carol."""
    return make_user("alice"), make_user("bob"), make_user("carol")


@pytest.fixture
def dm(trio: tuple[int, int, int]) -> str:
    """The DM between alice and bob."""
    return open_dm(trio[0], "bob")


@pytest.fixture
def group(trio: tuple[int, int, int]) -> str:
    """A group alice (admin) created with bob and carol; seq 1 is its system message."""
    return create_group(trio[0], ["bob", "carol"])


# Sending -----------------------------------------------------------------------------------------


def test_send_numbers_messages_in_order(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str, events: Events
) -> None:
    alice, bob, carol = trio
    events.clear()
    first = send(alice, dm, "one")
    second = send(bob, dm, "two")
    third = send(alice, dm, "three")
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert len({first.id, second.id, third.id}) == 3
    views = history(bob, dm)
    assert [(v.seq, v.body, v.author.username if v.author else None) for v in views] == [
        (1, "one", "alice"),
        (2, "two", "bob"),
        (3, "three", "alice"),
    ]
    first_view = views[0]
    assert first_view.kind == "text"
    assert (first_view.forwarded, first_view.deleted, first_view.edited_at) == (False, False, None)
    assert (first_view.reply_to, first_view.client_id, first_view.reactions) == (None, None, [])

    added = only(events, "message", "add")
    assert recipients(events, "message", "add") == {key(alice), key(bob)}
    assert key(carol) not in {k for k, _ in events}
    assert len(added) == 6  # three messages, each to both
    assert [e["data"]["seq"] for k, e in events if k == key(bob)] == [1, 2, 3]
    assert [e["data"]["seq"] for k, e in events if k == key(alice)] == [1, 2, 3]
    assert {e["data"]["id"] for e in added} == {first.id, second.id, third.id}
    assert added[0]["data"] == first_view.model_dump(mode="json")


def test_group_messages_follow_the_system_message(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    events.clear()
    assert [send(u, group, f"from {u}").seq for u in (bob, carol, alice, bob)] == [2, 3, 4, 5]
    assert recipients(events, "message", "add") == {key(alice), key(bob), key(carol)}
    assert key(dave) not in {k for k, _ in events}
    assert seqs(history(carol, group)) == [1, 2, 3, 4, 5]
    with transaction() as s:
        chat = chats.get_chat(s, load_user(s, carol), group)
    assert chat.last_seq == 5
    assert chat.last_message is not None
    assert chat.last_message.body == f"from {bob}"


def test_body_is_cleaned_but_kept_multiline(trio: tuple[int, int, int], dm: str) -> None:
    message = send(trio[0], dm, "  hi\u202e\x00 there\n\n  second line  ")
    assert message.body == "hi there\n\n  second line"
    body = "<b>not html</b> 'quoted'; DROP TABLE messages; --"
    assert send(trio[0], dm, body).body == body


@pytest.mark.parametrize(
    "body", ["", "   ", "\n\t\n", "\x00\x01\u202e"], ids=["empty", "spaces", "blank", "controls"]
)
def test_empty_message_is_refused(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session, body: str
) -> None:
    events.clear()
    with pytest.raises(InvalidInput) as err:
        send(trio[0], dm, body)
    assert (err.value.code, err.value.field) == ("empty", "body")
    assert events == []
    assert message_count(session) == 0


def test_message_length_limit(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session
) -> None:
    assert len(send(trio[0], dm, "x" * 4096).body) == 4096
    events.clear()
    with pytest.raises(InvalidInput) as err:
        send(trio[0], dm, "x" * 4097)
    assert (err.value.code, err.value.field) == ("too_long", "body")
    assert events == []
    assert message_count(session) == 1


def test_client_id_makes_sending_idempotent(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session
) -> None:
    alice, bob, _ = trio
    first = send(alice, dm, "once", client_id="c-1")
    assert first.client_id == "c-1"
    events.clear()
    again = send(alice, dm, "once (retried with a different body)", client_id="c-1")
    assert again.id == first.id
    assert again.seq == first.seq == 1
    assert again.body == "once"
    assert events == []
    assert message_count(session) == 1
    assert view(bob, dm, first.id).client_id == "c-1"
    # The client id is per author: bob may use the same one.
    theirs = send(bob, dm, "mine", client_id="c-1")
    assert theirs.id != first.id
    assert theirs.seq == 2
    assert message_count(session) == 2


def test_client_id_for_another_chat_is_refused(
    trio: tuple[int, int, int], dm: str, group: str, events: Events, session: Session
) -> None:
    alice = trio[0]
    send(alice, dm, "here", client_id="c-9")
    events.clear()
    with pytest.raises(InvalidInput) as err:
        send(alice, group, "there", client_id="c-9")
    assert (err.value.code, err.value.field) == ("client_id_reused", "client_id")
    assert events == []
    assert message_count(session, group) == 1  # just the system message


@pytest.mark.parametrize("client_id", ["", "x" * 65], ids=["empty", "too-long"])
def test_client_id_length(trio: tuple[int, int, int], dm: str, client_id: str) -> None:
    with pytest.raises(InvalidInput) as err:
        send(trio[0], dm, client_id=client_id)
    assert err.value.field == "client_id"
    assert send(trio[0], dm, client_id="x" * 64).client_id == "x" * 64


def test_reply_shows_a_preview_of_the_original(trio: tuple[int, int, int], dm: str) -> None:
    alice, bob, _ = trio
    original = send(alice, dm, "q" * 300)
    reply = send(bob, dm, "answer", reply_to_id=original.id)
    assert reply.reply_to_id == original.id
    preview = view(alice, dm, reply.id).reply_to
    assert preview is not None
    assert (preview.id, preview.seq, preview.deleted) == (original.id, 1, False)
    assert preview.body == "q" * 200
    assert preview.author is not None
    assert preview.author.username == "alice"
    delete(alice, original.id, for_everyone=True)
    preview = view(bob, dm, reply.id).reply_to
    assert preview is not None
    assert (preview.body, preview.deleted) == ("", True)


@pytest.mark.parametrize("where", ["other-chat", "unknown"])
def test_reply_must_be_in_the_same_chat(
    trio: tuple[int, int, int], dm: str, group: str, session: Session, where: str
) -> None:
    alice = trio[0]
    elsewhere = send(alice, group, "in the group").id if where == "other-chat" else "0" * 32
    with pytest.raises(NotFound) as err:
        send(alice, dm, "reply", reply_to_id=elsewhere)
    assert err.value.code == "reply_not_found"
    assert message_count(session, dm) == 0


def test_strangers_cannot_send(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str, group: str
) -> None:
    dave = make_user("dave")
    for target in (dm, group, "", "0" * 32):
        with pytest.raises(NotFound) as err:
            send(dave, target)
        assert err.value.code == "chat_not_found"
    # A DM stays private to its pair, even for someone in a group with both.
    with pytest.raises(NotFound) as err:
        send(trio[2], dm)
    assert err.value.code == "chat_not_found"


def test_rolled_back_send_leaves_nothing(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session
) -> None:
    """A send is part of the caller's transaction: if that fails later, nothing was sent."""
    alice, bob, _ = trio
    events.clear()
    with pytest.raises(RuntimeError), transaction() as s:
        messages.check_send_message(s, load_user(s, alice), dm, body="oops", client_id="c-1")
        raise RuntimeError("the request failed after sending")
    assert events == []
    assert message_count(session) == 0
    assert send(alice, dm, "again", client_id="c-1").seq == 1
    assert receipts(bob, dm) == {"alice": (1, 1), "bob": (0, 0)}


# History -----------------------------------------------------------------------------------------


@pytest.fixture
def thirty(trio: tuple[int, int, int], dm: str) -> list[str]:
    """30 messages in the DM, alternating authors; the list of ids is indexed by seq - 1."""
    alice, bob, _ = trio
    with transaction() as s:
        users = [load_user(s, alice), load_user(s, bob)]
        return [
            messages.check_send_message(s, users[n % 2], dm, body=f"message {n + 1}").id
            for n in range(30)
        ]


def test_history_latest_page_by_default(
    trio: tuple[int, int, int], dm: str, thirty: list[str]
) -> None:
    alice = trio[0]
    assert seqs(history(alice, dm)) == list(range(1, 31))
    page = history(alice, dm, limit=10)
    assert seqs(page) == list(range(21, 31))
    assert [v.id for v in page] == thirty[20:]
    assert page[-1].body == "message 30"


def test_history_before_and_after(trio: tuple[int, int, int], dm: str, thirty: list[str]) -> None:
    bob = trio[1]
    assert seqs(history(bob, dm, before=21, limit=10)) == list(range(11, 21))
    assert seqs(history(bob, dm, before=5, limit=10)) == [1, 2, 3, 4]
    assert seqs(history(bob, dm, before=31, limit=10)) == list(range(21, 31))
    assert history(bob, dm, before=1) == []
    assert history(bob, dm, before=0) == []
    assert seqs(history(bob, dm, after=20, limit=10)) == list(range(21, 31))
    assert seqs(history(bob, dm, after=25, limit=10)) == list(range(26, 31))
    assert seqs(history(bob, dm, after=0, limit=5)) == [1, 2, 3, 4, 5]
    assert history(bob, dm, after=30) == []
    assert history(bob, dm, after=31) == []


def test_history_pages_cover_everything_once(
    trio: tuple[int, int, int], dm: str, thirty: list[str]
) -> None:
    alice = trio[0]
    backwards: list[str] = []
    cursor: int | None = None
    while True:
        page = history(alice, dm, before=cursor, limit=7)
        if not page:
            break
        assert seqs(page) == sorted(seqs(page))
        backwards = [v.id for v in page] + backwards
        cursor = page[0].seq
    assert backwards == thirty
    forwards: list[str] = []
    after = 0
    while page := history(alice, dm, after=after, limit=8):
        forwards += [v.id for v in page]
        after = page[-1].seq
    assert forwards == thirty


@pytest.mark.parametrize(
    ("seq", "limit", "expected"),
    [
        (15, 10, list(range(10, 20))),
        (15, 11, list(range(10, 21))),
        (15, 1, [15]),
        (1, 10, list(range(1, 11))),
        (30, 10, list(range(25, 31))),
    ],
    ids=["middle", "odd-limit", "one", "first", "last"],
)
def test_history_around_a_message(
    trio: tuple[int, int, int],
    dm: str,
    thirty: list[str],
    seq: int,
    limit: int,
    expected: list[int],
) -> None:
    page = history(trio[1], dm, around=thirty[seq - 1], limit=limit)
    assert seqs(page) == expected
    assert thirty[seq - 1] in {v.id for v in page}


def test_history_limit_is_capped(
    trio: tuple[int, int, int], dm: str, thirty: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = trio[0]
    assert len(history(alice, dm, limit=1000)) == 30
    monkeypatch.setattr(messages, "PAGE_MAX", 7)
    assert seqs(history(alice, dm, limit=1000)) == list(range(24, 31))
    assert seqs(history(alice, dm, after=0, limit=1000)) == list(range(1, 8))
    assert len(history(alice, dm, around=thirty[14], limit=1000)) == 7
    assert seqs(history(alice, dm, limit=0)) == [30]
    assert seqs(history(alice, dm, limit=-5)) == [30]


@pytest.mark.parametrize(
    "cursor",
    [
        {"before": 10, "after": 5},
        {"before": 10, "around": "x"},
        {"after": 1, "around": "x"},
        {"before": 1, "after": 1, "around": "x"},
    ],
    ids=["before-after", "before-around", "after-around", "all"],
)
def test_history_refuses_conflicting_cursors(
    trio: tuple[int, int, int], dm: str, thirty: list[str], cursor: dict
) -> None:
    if "around" in cursor:
        cursor = {**cursor, "around": thirty[0]}
    with pytest.raises(InvalidInput) as err:
        history(trio[0], dm, **cursor)
    assert err.value.code == "cursor_conflict"


@pytest.mark.parametrize(
    ("name", "value"),
    [("before", -1), ("before", 32), ("after", -1), ("after", 32), ("after", 10**9)],
    ids=["before-neg", "before-past", "after-neg", "after-past", "after-huge"],
)
def test_history_refuses_out_of_range_cursors(
    trio: tuple[int, int, int], dm: str, thirty: list[str], name: str, value: int
) -> None:
    with pytest.raises(InvalidInput) as err:
        history(trio[0], dm, **{name: value})
    assert (err.value.code, err.value.field) == ("bad_cursor", name)


def test_history_around_unknown_or_foreign_message(
    trio: tuple[int, int, int], dm: str, group: str, thirty: list[str]
) -> None:
    alice = trio[0]
    foreign = send(alice, group, "elsewhere").id
    for around in ("0" * 32, foreign):
        with pytest.raises(NotFound) as err:
            history(alice, dm, around=around)
        assert err.value.code == "message_not_found"


def test_history_is_for_members_only(
    make_user: Callable[..., int], dm: str, thirty: list[str]
) -> None:
    dave = make_user("dave")
    with pytest.raises(NotFound) as err:
        history(dave, dm)
    assert err.value.code == "chat_not_found"


# Edits -------------------------------------------------------------------------------------------


def test_author_edits_and_history_is_kept(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    message = send(bob, group, "first draft")
    events.clear()
    edited = edit(bob, message.id, " second draft ")
    assert edited.body == "second draft"
    assert edited.edited_at is not None
    assert recipients(events, "message", "edit") == {key(alice), key(bob), key(carol)}
    assert key(dave) not in {k for k, _ in events}
    [event] = [e for k, e in events if k == key(carol)]
    assert (event["data"]["id"], event["data"]["body"]) == (message.id, "second draft")
    assert event["data"]["edited_at"] is not None

    edit(bob, message.id, "final")
    shown = view(carol, group, message.id)
    assert (shown.body, shown.seq) == ("final", message.seq)
    assert shown.edited_at is not None
    assert edits(carol, message.id) == ["first draft", "second draft"]
    with pytest.raises(NotFound) as err:
        edits(dave, message.id)
    assert err.value.code == "message_not_found"


def test_unchanged_edit_is_a_no_op(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session
) -> None:
    alice = trio[0]
    message = send(alice, dm, "same")
    events.clear()
    result = edit(alice, message.id, "  same ")
    assert result.edited_at is None
    assert events == []
    assert edits(alice, message.id) == []


def test_only_the_author_edits(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str, events: Events
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    message = send(bob, group, "bob's words")
    system = history(alice, group)[0]
    events.clear()
    # Not even a group admin may put words in someone's mouth, nor edit a system message.
    for actor, target in ((alice, message.id), (alice, system.id)):
        with pytest.raises(PermissionDenied) as denied:
            edit(actor, target, "changed")
        assert denied.value.code == "not_author"
    for target in (message.id, "0" * 32, ""):
        with pytest.raises(NotFound) as missing:
            edit(dave, target, "changed")
        assert missing.value.code == "message_not_found"
    assert events == []
    assert view(alice, group, message.id).body == "bob's words"


@pytest.mark.parametrize(
    ("body", "code"), [("  ", "empty"), ("x" * 4097, "too_long")], ids=["empty", "too-long"]
)
def test_edit_validates_the_body(trio: tuple[int, int, int], dm: str, body: str, code: str) -> None:
    message = send(trio[0], dm, "text")
    with pytest.raises(InvalidInput) as err:
        edit(trio[0], message.id, body)
    assert err.value.code == code
    assert edits(trio[0], message.id) == []


def test_deleted_message_cannot_be_edited(trio: tuple[int, int, int], dm: str) -> None:
    message = send(trio[0], dm, "text")
    delete(trio[0], message.id, for_everyone=True)
    with pytest.raises(InvalidInput) as err:
        edit(trio[0], message.id, "revived")
    assert err.value.code == "message_deleted"


# Deletes -----------------------------------------------------------------------------------------


def test_delete_for_me_hides_only_for_the_actor(
    trio: tuple[int, int, int], group: str, events: Events, session: Session
) -> None:
    alice, bob, carol = trio
    keep = send(alice, group, "keep")
    message = send(alice, group, "hide me")
    events.clear()
    delete(bob, message.id, for_everyone=False)
    assert [(k, e["type"], e["op"]) for k, e in events] == [(key(bob), "message", "hide")]
    assert events[0][1]["data"] == {"id": message.id, "conversation_id": group}

    assert message.id not in {v.id for v in history(bob, group)}
    assert message.id in {v.id for v in history(alice, group)}
    assert message.id in {v.id for v in history(carol, group)}
    assert [v.id for v in history(bob, group, after=2)] == []
    assert [v.id for v in history(bob, group, around=message.id)][-1] == keep.id
    stored = session.get(Message, message.id)
    assert stored is not None
    assert stored.body == "hide me"
    assert stored.deleted_at is None
    with transaction() as s:
        last = chats.get_chat(s, load_user(s, bob), group).last_message
        assert last is not None
        assert last.id == keep.id
        last = chats.get_chat(s, load_user(s, carol), group).last_message
        assert last is not None
        assert last.id == message.id
    # For bob the message is gone: hiding it again or reacting to it finds nothing.
    with pytest.raises(NotFound) as err:
        delete(bob, message.id, for_everyone=False)
    assert err.value.code == "message_not_found"
    with pytest.raises(NotFound):
        react(bob, message.id, "👍")
    # The author may hide their own message just for themselves too.
    delete(alice, keep.id, for_everyone=False)
    assert keep.id in {v.id for v in history(carol, group)}
    assert session.exec(select(func.count()).select_from(HiddenMessage)).one() == 2


def test_author_deletes_for_everyone_leaving_a_tombstone(
    trio: tuple[int, int, int], dm: str, events: Events, session: Session
) -> None:
    alice, bob, _ = trio
    message = send(alice, dm, "regrettable")
    edit(alice, message.id, "more regrettable")
    react(bob, message.id, "😮")
    events.clear()
    delete(alice, message.id, for_everyone=True)
    assert recipients(events, "message", "delete") == {key(alice), key(bob)}
    assert len(events) == 2
    data = events[0][1]["data"]
    assert (data["id"], data["deleted"], data["body"], data["reactions"]) == (
        message.id,
        True,
        "",
        [],
    )
    for reader in (alice, bob):
        tomb = view(reader, dm, message.id)
        assert (tomb.deleted, tomb.body, tomb.reactions, tomb.seq) == (True, "", [], 1)
    assert edits(bob, message.id) == []
    session.expire_all()
    stored = session.get(Message, message.id)
    assert stored is not None
    assert (stored.body, stored.attachments) == ("", [])
    assert stored.deleted_at is not None
    assert session.exec(select(func.count()).select_from(MessageEdit)).one() == 0
    assert session.exec(select(func.count()).select_from(Reaction)).one() == 0
    # Unread is what came after the read marker: the tombstone is news, like on WhatsApp.
    assert unread(bob, dm) == 1
    # Deleting again changes nothing and tells nobody.
    events.clear()
    delete(alice, message.id, for_everyone=True)
    assert events == []


def test_group_admin_deletes_anyones_message(
    trio: tuple[int, int, int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    message = send(bob, group, "spam")
    events.clear()
    delete(alice, message.id, for_everyone=True)
    assert recipients(events, "message", "delete") == {key(alice), key(bob), key(carol)}
    assert view(carol, group, message.id).deleted


def test_others_cannot_delete_for_everyone(
    trio: tuple[int, int, int], dm: str, group: str, events: Events
) -> None:
    alice, bob, carol = trio
    in_group = send(bob, group, "bob in group")
    in_dm = send(alice, dm, "alice in dm")
    events.clear()
    for actor, message_id in ((carol, in_group.id), (bob, in_dm.id)):
        with pytest.raises(PermissionDenied) as err:
            delete(actor, message_id, for_everyone=True)
        assert err.value.code == "not_author"
    with pytest.raises(NotFound) as missing:
        delete(carol, in_dm.id, for_everyone=True)
    assert missing.value.code == "message_not_found"
    assert events == []
    assert not view(alice, group, in_group.id).deleted
    assert not view(bob, dm, in_dm.id).deleted


def test_system_messages_cannot_be_deleted_for_everyone(
    trio: tuple[int, int, int], group: str
) -> None:
    alice = trio[0]
    system = history(alice, group)[0]
    with pytest.raises(PermissionDenied) as err:
        delete(alice, system.id, for_everyone=True)
    assert err.value.code == "system_message"
    # ...but anyone may hide one for themselves.
    delete(trio[1], system.id, for_everyone=False)
    assert history(trio[1], group) == []


# Reactions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["👍", " 🎉 ", "👍🏽", "👨\u200d👩\u200d👧", "❤️", "🇫🇷"],
    ids=["thumbs", "padded", "skin-tone", "zwj-family", "heart-vs16", "flag"],
)
def test_react_with_a_single_emoji(trio: tuple[int, int, int], dm: str, value: str) -> None:
    message = send(trio[0], dm, "react to me")
    react(trio[1], message.id, value)
    [summary] = view(trio[0], dm, message.id).reactions
    assert (summary.emoji, summary.count, summary.user_ids) == (value.strip(), 1, [trio[1]])


@pytest.mark.parametrize(
    "value",
    ["a", "👍👍", "", "   ", "👍 a", ":thumbsup:", "1", "👍 🎉"],
    ids=["letter", "two-emojis", "empty", "blank", "emoji-text", "shortcode", "digit", "spaced"],
)
def test_react_refuses_anything_but_one_emoji(
    trio: tuple[int, int, int], dm: str, events: Events, value: str
) -> None:
    message = send(trio[0], dm, "react to me")
    events.clear()
    with pytest.raises(InvalidInput) as err:
        react(trio[1], message.id, value)
    assert (err.value.code, err.value.field) == ("invalid_emoji", "emoji")
    assert events == []
    assert view(trio[0], dm, message.id).reactions == []


def test_reactions_are_summarised_and_published(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    message = send(alice, group, "vote")
    events.clear()
    react(alice, message.id, "👍")
    assert recipients(events, "message", "react") == {key(alice), key(bob), key(carol)}
    assert key(dave) not in {k for k, _ in events}
    react(bob, message.id, "👍")
    react(carol, message.id, "❤️")
    react(bob, message.id, "❤️")
    summaries = {r.emoji: r for r in view(carol, group, message.id).reactions}
    assert set(summaries) == {"👍", "❤️"}
    assert (summaries["👍"].count, sorted(summaries["👍"].user_ids)) == (2, sorted([alice, bob]))
    assert (summaries["❤️"].count, sorted(summaries["❤️"].user_ids)) == (2, sorted([carol, bob]))
    [latest] = [e for k, e in events if k == key(alice)][-1:]
    assert latest["data"]["id"] == message.id
    assert latest["data"]["conversation_id"] == group
    assert {r["emoji"]: r["count"] for r in latest["data"]["reactions"]} == {"👍": 2, "❤️": 2}

    # Reacting twice with the same emoji is harmless.
    events.clear()
    react(bob, message.id, " 👍")
    assert events == []
    assert {r.emoji: r.count for r in view(bob, group, message.id).reactions} == {"👍": 2, "❤️": 2}


def test_unreact(trio: tuple[int, int, int], group: str, events: Events) -> None:
    alice, bob, carol = trio
    message = send(alice, group, "vote")
    react(bob, message.id, "👍")
    react(carol, message.id, "👍")
    events.clear()
    unreact(bob, message.id, "👍")
    assert recipients(events, "message", "react") == {key(alice), key(bob), key(carol)}
    assert events[0][1]["data"]["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [carol]}]
    [summary] = view(alice, group, message.id).reactions
    assert (summary.count, summary.user_ids) == (1, [carol])
    # Taking back a reaction you never made changes nothing.
    events.clear()
    unreact(bob, message.id, "👍")
    unreact(alice, message.id, "🎉")
    assert events == []
    unreact(carol, message.id, "👍")
    assert view(alice, group, message.id).reactions == []


def test_reactions_need_access_and_a_live_text_message(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str, group: str
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    message = send(alice, dm, "private")
    with pytest.raises(NotFound) as missing:
        react(dave, message.id, "👍")
    assert missing.value.code == "message_not_found"
    with pytest.raises(NotFound):
        unreact(dave, message.id, "👍")
    system = history(alice, group)[0]
    with pytest.raises(InvalidInput) as invalid:
        react(bob, system.id, "👍")
    assert invalid.value.code == "message_deleted"
    delete(alice, message.id, for_everyone=True)
    with pytest.raises(InvalidInput) as invalid:
        react(bob, message.id, "👍")
    assert invalid.value.code == "message_deleted"


# Forwarding --------------------------------------------------------------------------------------


def test_forward_copies_the_message(
    trio: tuple[int, int, int], dm: str, group: str, events: Events
) -> None:
    alice, bob, carol = trio
    original = send(alice, dm, "worth sharing", client_id="c-1")
    react(bob, original.id, "👍")
    carol_dm = open_dm(bob, "carol")
    events.clear()
    copies = forward(bob, original.id, [group, carol_dm, group])
    assert [c.conversation_id for c in copies] == [group, carol_dm]
    for copy in copies:
        assert copy.id != original.id
        assert (copy.body, copy.forwarded, copy.author_id) == ("worth sharing", True, bob)
        assert copy.client_id is None
    assert [c.seq for c in copies] == [2, 1]
    forwarded = view(carol, group, copies[0].id)
    assert forwarded.forwarded
    assert forwarded.reactions == []
    assert forwarded.author is not None
    assert forwarded.author.username == "bob"
    added = [(k, e["data"]["conversation_id"]) for k, e in events if e["type"] == "message"]
    assert sorted(added) == sorted(
        [
            (key(alice), group),
            (key(bob), group),
            (key(carol), group),
            (key(bob), carol_dm),
            (key(carol), carol_dm),
        ]
    )
    assert not view(alice, dm, original.id).forwarded
    # The forwarder's own copies count as read for them.
    assert unread(bob, group) == 0


def test_forward_refuses_chats_the_actor_is_not_in(
    trio: tuple[int, int, int],
    make_user: Callable[..., int],
    dm: str,
    events: Events,
    session: Session,
) -> None:
    alice = trio[0]
    make_user("dave")
    theirs = open_dm(trio[2], "dave")
    group = create_group(alice, ["bob"])
    original = send(alice, dm, "share")
    events.clear()
    with pytest.raises(NotFound) as err:
        forward(alice, original.id, [group, theirs])
    assert err.value.code == "chat_not_found"
    assert events == []
    assert message_count(session, group) == 1
    assert message_count(session, theirs) == 0


def test_forward_checks_the_source_and_target_count(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str, group: str
) -> None:
    alice, bob, _ = trio
    dave = make_user("dave")
    original = send(alice, dm, "share")
    with pytest.raises(InvalidInput) as invalid:
        forward(alice, original.id, [])
    assert invalid.value.code == "bad_targets"
    too_many = [f"{n:032x}" for n in range(21)]
    with pytest.raises(InvalidInput) as invalid:
        forward(alice, original.id, too_many)
    assert invalid.value.code == "bad_targets"
    # Duplicates are counted once.
    assert len(forward(alice, original.id, [group] * 25)) == 1
    with pytest.raises(NotFound) as missing:
        forward(dave, original.id, [group])
    assert missing.value.code == "message_not_found"
    system = history(bob, group)[0]
    with pytest.raises(InvalidInput) as invalid:
        forward(bob, system.id, [dm])
    assert invalid.value.code == "message_deleted"
    delete(alice, original.id, for_everyone=True)
    with pytest.raises(InvalidInput) as invalid:
        forward(bob, original.id, [group])
    assert invalid.value.code == "message_deleted"


def test_forward_respects_send_rules(trio: tuple[int, int, int], dm: str, group: str) -> None:
    alice, bob, _ = trio
    original = send(alice, dm, "share")
    with transaction() as s:
        chats.check_update_group(s, load_user(s, alice), group, send_policy=SendPolicy.admins)
    with pytest.raises(PermissionDenied) as err:
        forward(bob, original.id, [group])
    assert err.value.code == "admins_only"
    in_group = send(alice, group, "from the group")
    carol_dm = open_dm(bob, "carol")
    with transaction() as s:
        blocks.check_block(s, load_user(s, bob), "carol")
    with pytest.raises(PermissionDenied) as err:
        forward(bob, in_group.id, [carol_dm])
    assert err.value.code == "blocked"


# Receipts ----------------------------------------------------------------------------------------


def test_receipts_move_forward_only_and_are_clamped(
    trio: tuple[int, int, int], dm: str, events: Events
) -> None:
    alice, bob, carol = trio
    for n in range(3):
        send(alice, dm, f"m{n}")
    assert receipts(bob, dm) == {"alice": (3, 3), "bob": (0, 0)}
    assert unread(bob, dm) == 3
    assert unread(alice, dm) == 0

    events.clear()
    member = mark_delivered(bob, dm, 2)
    assert (member.delivered_seq, member.read_seq) == (2, 0)
    assert recipients(events, "receipt", "update") == {key(alice), key(bob)}
    assert key(carol) not in {k for k, _ in events}
    assert events[0][1]["data"] == {
        "conversation_id": dm,
        "user_id": bob,
        "delivered_seq": 2,
        "read_seq": 0,
    }

    member = mark_read(bob, dm, 1)
    assert (member.delivered_seq, member.read_seq) == (2, 1)
    assert unread(bob, dm) == 2

    events.clear()
    assert (mark_delivered(bob, dm, 1).delivered_seq, mark_read(bob, dm, 0).read_seq) == (2, 1)
    assert mark_read(bob, dm, 1).read_seq == 1
    assert events == []

    member = mark_read(bob, dm, 1_000)
    assert (member.delivered_seq, member.read_seq) == (3, 3)
    assert only(events, "receipt", "update")[0]["data"]["read_seq"] == 3
    assert receipts(alice, dm) == {"alice": (3, 3), "bob": (3, 3)}
    assert unread(bob, dm) == 0
    events.clear()
    mark_read(bob, dm, 1_000)
    assert events == []


def test_negative_receipts_are_refused(trio: tuple[int, int, int], dm: str) -> None:
    for mark in (mark_read, mark_delivered):
        with pytest.raises(InvalidInput) as err:
            mark(trio[1], dm, -1)
        assert err.value.field == "seq"


def test_receipts_are_for_members(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str
) -> None:
    dave = make_user("dave")
    send(trio[0], dm, "hi")
    with pytest.raises(NotFound) as err:
        mark_read(dave, dm, 1)
    assert err.value.code == "chat_not_found"


def test_a_receipt_is_one_conversation_event_for_its_current_members(
    trio: tuple[int, int, int], make_user: Callable[..., int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    dave = make_user("dave")
    with transaction() as s:
        chats.check_add_members(s, load_user(s, alice), group, ["dave"])
    with transaction() as s:
        chats.check_leave(s, load_user(s, dave), group)
    send(bob, group, "hi")
    events.clear()
    mark_read(carol, group, 10)
    # Stored once in the group: its members' streams carry it (dave has left).
    assert recipients(events, "receipt", "update") == {key(alice), key(bob), key(carol)}
    assert len(events) == 3
    assert {(e["type"], e["op"]) for _, e in events} == {("receipt", "update")}


def test_own_messages_count_as_delivered_and_read(
    trio: tuple[int, int, int], group: str, session: Session
) -> None:
    alice, bob, carol = trio
    send(alice, group, "a")
    send(bob, group, "b")
    send(carol, group, "c")
    assert receipts(alice, group) == {"alice": (2, 2), "bob": (3, 3), "carol": (4, 4)}
    assert [unread(u, group) for u in (alice, bob, carol)] == [2, 1, 0]
    session.expire_all()
    rows = session.exec(
        select(ConversationMember).where(col(ConversationMember.conversation_id) == group)
    ).all()
    assert {r.user_id: r.read_seq for r in rows} == {alice: 2, bob: 3, carol: 4}
    assert all(r.role == MemberRole.admin.value for r in rows if r.user_id == alice)


def test_racing_client_id_returns_the_stored_message(
    trio: tuple[int, int, int], dm: str, events: Events
) -> None:
    """Two requests with one client id at once: one stores it, the other's INSERT meets the
    unique index and returns the stored message; the numbering keeps no gap."""
    alice, bob, _ = trio
    start = threading.Barrier(2)
    results: list[Message] = []

    def attempt(body: str) -> None:
        start.wait()
        results.append(send(alice, dm, body, client_id="c-race"))

    events.clear()
    threads = [threading.Thread(target=attempt, args=(b,)) for b in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 2
    assert results[0].id == results[1].id
    assert results[0].seq == 1
    assert len(only(events, "message", "add")) == 2  # one message, to its two members
    assert send(bob, dm, "next").seq == 2


# Typing ------------------------------------------------------------------------------------------


def typing(actor: int, conversation_id: str) -> None:
    with transaction() as s:
        messages.check_typing(s, load_user(s, actor), conversation_id)


def test_typing_reaches_the_chat_and_is_never_stored(
    trio: tuple[int, int, int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    with transaction() as s:
        load_user(s, alice).display_name = "Alice A."
    events.clear()
    typing(alice, group)
    # Pushed to the chat's members (alice's own clients ignore their own signal).
    assert recipients(events, "typing", "start") == {key(alice), key(bob), key(carol)}
    for signal in only(events, "typing", "start"):
        assert signal["data"] == {"conversation_id": group, "user_id": alice, "name": "Alice A."}
        assert "position" not in signal


def test_typing_follows_the_send_rules(
    trio: tuple[int, int, int], make_user: Callable[..., int], dm: str, group: str, events: Events
) -> None:
    alice, bob, _ = trio
    stranger = make_user("dave")
    with pytest.raises(NotFound):
        typing(stranger, group)
    with transaction() as s:
        chats.check_update_group(s, load_user(s, alice), group, send_policy=SendPolicy.admins)
        blocks.check_block(s, load_user(s, bob), "alice")
    events.clear()
    with pytest.raises(PermissionDenied) as err:
        typing(bob, group)
    assert err.value.code == "admins_only"
    with pytest.raises(PermissionDenied) as err:
        typing(alice, dm)
    assert err.value.code == "blocked"
    assert only(events, "typing", "start") == []


# Rate limits -------------------------------------------------------------------------------------


def test_messages_typing_reactions_and_forwards_are_limited_per_account(
    trio: tuple[int, int, int],
    dm: str,
    group: str,
    session: Session,
    lower_limits: Callable[..., None],
    events: Events,
) -> None:
    alice, bob, _ = trio
    lower_limits(
        RATE_LIMIT_MESSAGE="2/minute",
        RATE_LIMIT_TYPING="1/minute",
        RATE_LIMIT_REACTION="1/minute",
        RATE_LIMIT_FORWARD="2/minute",
    )
    first = send(alice, dm, "one", client_id="c-1")
    send(alice, dm, "two")
    with pytest.raises(RateLimited) as limited:
        send(alice, dm, "three")
    assert 0 < limited.value.retry_after <= 60
    # The same client id again returns the stored message, at no cost.
    assert send(alice, dm, "one", client_id="c-1").id == first.id
    assert message_count(session, dm) == 2
    send(bob, dm, "others still write")

    events.clear()
    typing(alice, group)
    with pytest.raises(RateLimited):
        typing(alice, group)
    assert len(only(events, "typing", "start")) == 3  # one signal, to the group's three members

    react(bob, first.id, "👍")
    with pytest.raises(RateLimited):
        unreact(bob, first.id, "👍")
    assert [r.emoji for r in view(alice, dm, first.id).reactions] == ["👍"]

    # Forwards count every chat they reach: two more would make three.
    forward(bob, first.id, [group])
    with pytest.raises(RateLimited):
        forward(bob, first.id, [dm, open_dm(bob, "carol")])
    assert message_count(session, group) == 2  # its system message and the first forward


def test_receipts_written_together_are_one_event_per_chat(
    trio: tuple[int, int, int], group: str, events: Events
) -> None:
    alice, bob, carol = trio
    for n in range(3):
        send(alice, group, f"m{n}")
    events.clear()
    with transaction() as s:
        messages.do_record_receipts(
            s, {(bob, group): 3, (carol, group): 2}, {(bob, group): 3, (carol, group): 1}
        )
    # One event for the chat, however many readers moved; every member's stream carries it.
    assert recipients(events, "receipt", "batch") == {key(alice), key(bob), key(carol)}
    batch = only(events, "receipt", "batch")[0]
    assert messages.receipt_marks(batch) == [(bob, 3, 3), (carol, 2, 1)]
    events.clear()
    with transaction() as s:
        messages.do_record_receipts(s, {(bob, group): 3}, {(bob, group): 2})
    assert events == []  # nothing moved forward: nothing published
