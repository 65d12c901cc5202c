"""Who is told about a message (`should_notify`), and the unread counts behind the badge."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from socialhub.db import transaction
from socialhub.domain import blocks, chats, messages, notify
from socialhub.models import User
from socialhub.models.chat import MessageKind, MessageView
from socialhub.models.unread_views import ChatUnread
from tests.support.chat import create_group, load_user, open_dm, send
from tests.support.social import act


def told(user_id: int, chat_id: str, message_id: str, *, viewing: str = "") -> bool:
    """Whether `user_id` is told about the message, from facts read as a client reads them."""
    with transaction() as s:
        user = load_user(s, user_id)
        person = notify.recipient(s, user)
        (chat,) = notify.unread_facts(s, user, only=[chat_id]).chats
        view = view_of(s, user, message_id)
    return notify.should_notify(person, chat, view, viewing=viewing)


def view_of(s: Session, user: User, message_id: str) -> MessageView:
    return messages.message_view(s, messages.access_message(s, user, message_id)[0])


def mute(user_id: int, chat_id: str, muted: bool = True) -> None:
    act(user_id, lambda s, u: chats.check_set_flags(s, u, chat_id, muted=muted))


def test_a_direct_message_is_told_to_the_other_person_only(make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    dm = open_dm(alice, "bob")
    message = send(alice, dm, "hi bob")
    assert told(bob, dm, message.id)
    assert not told(alice, dm, message.id)  # your own message
    assert not told(bob, dm, message.id, viewing=dm)  # reading the chat already


def test_a_group_message_is_told_only_to_those_it_mentions(make_user: Callable[..., int]) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("Carol")
    group = create_group(alice, ["bob", "carol"])
    plain = send(alice, group, "morning all")
    mention = send(alice, group, "@carol can you look? (not @bobby)")
    assert not told(bob, group, plain.id)
    assert not told(carol, group, plain.id)
    assert told(carol, group, mention.id)  # usernames are matched whatever their case
    assert not told(bob, group, mention.id)


def test_a_muted_chat_tells_nothing_until_unmuted(make_user: Callable[..., int]) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    dm = open_dm(alice, "bob")
    mute(bob, dm)
    first = send(alice, dm, "are you there?")
    assert not told(bob, dm, first.id)
    mute(bob, dm, False)
    assert told(bob, dm, send(alice, dm, "now?").id)


def test_nobody_is_told_about_someone_they_block(make_user: Callable[..., int]) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    group = create_group(alice, ["bob", "carol"])
    message = send(alice, group, "@bob @carol look")
    act(bob, lambda s, u: blocks.check_block(s, u, "alice"))
    assert not told(bob, group, message.id)
    assert told(carol, group, message.id)


def test_a_message_already_read_deleted_or_from_the_system_is_not_told(
    make_user: Callable[..., int],
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    dm = open_dm(alice, "bob")
    read = send(alice, dm, "read at once")
    act(bob, lambda s, u: messages.check_mark_read(s, u, dm, read.seq))
    assert not told(bob, dm, read.id)
    with transaction() as s:
        user = load_user(s, bob)
        view = view_of(s, user, send(alice, dm, "soon gone").id)
        person, chat = notify.recipient(s, user), notify.unread_facts(s, user).chats[0]
    assert notify.should_notify(person, chat, view)
    assert not notify.should_notify(person, chat, view.model_copy(update={"deleted": True}))
    system = view.model_copy(update={"kind": MessageKind.system, "author": None})
    assert not notify.should_notify(person, chat, system)
    other = ChatUnread.model_validate(chat.model_dump() | {"id": "another"})
    assert not notify.should_notify(person, other, view)  # facts of another chat


def test_the_unread_facts_are_the_chat_lists_counts_with_muted_chats_out_of_the_total(
    make_user: Callable[..., int],
) -> None:
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    dm = open_dm(bob, "alice")
    group = create_group(carol, ["alice", "bob"])
    for n in range(3):
        send(bob, dm, f"dm {n}")
    send(carol, group, "group 1")
    send(carol, group, "group 2")
    send(alice, group, "mine")  # your own message reads the chat up to it
    send(carol, group, "group 3")

    with transaction() as s:
        user = load_user(s, alice)
        facts = notify.unread_facts(s, user)
        listed = {c.id: c.unread_count for c in chats.list_chats(s, user)}
    assert {c.id: c.unread for c in facts.chats} == listed == {dm: 3, group: 1}
    assert facts.total == 4
    assert [c.kind.value for c in facts.chats] == ["group", "dm"]  # latest activity first

    mute(alice, group)
    with transaction() as s:
        facts = notify.unread_facts(s, load_user(s, alice))
    assert (facts.total, {c.id: c.muted for c in facts.chats}) == (3, {dm: False, group: True})
    assert notify.unread_total(facts.chats, reading=dm) == 0

    act(alice, lambda s, u: messages.check_mark_read(s, u, dm, 2))
    with transaction() as s:
        assert notify.unread_facts(s, load_user(s, alice)).total == 1
        assert notify.unread_facts(s, load_user(s, carol), only=[dm]).chats == []
