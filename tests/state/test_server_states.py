"""The server pages' states: opening a server shows its rail, sidebar and channel through the
messenger's own conversation state; the listener's `ServerLive` lights dots and badges from
the events alone and reads the server again when what the member may see changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflex.state import State

from socialhub.db import transaction
from socialhub.domain import channels, messages, moderation, notify_levels
from socialhub.domain import servers as servers_domain
from socialhub.models import Server
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import _sent
from socialhub.state.server_live import ServerLive
from socialhub.state.servers import ServerState
from tests.state.conftest import SignedInTab, deliver_to
from tests.support.chat import load_user
from tests.support.servers import general, make_server

Events = list[tuple[str, Any]]


async def deliver(root: State, events: Events, me: int) -> list[Any]:
    return await deliver_to(ServerLive(), root, events, me)


def add_channel(server_id: str, name: str) -> str:
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        category = general(s, server_id).category_id
        return servers_domain.do_create_channel(s, server, name=name, category_id=category).id


async def test_a_server_page_opens_its_channel_and_follows_the_stream(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    random_id = add_channel(server_id, "random")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    conversation = await root.get_state(ConversationState)
    assert (servers.server_name, servers.channel_id, conversation.open_id) == (
        "Guild",
        random_id,
        random_id,
    )
    assert [(c.name, c.header) for c in servers.channels] == [
        ("general", "Text channels"),
        ("random", ""),
    ]
    events.clear()

    # Bob writes in #general, not on screen: its dot, then a mention adds to the badge.
    with transaction() as s:
        messages.check_send_message(s, load_user(s, bob), general_id, body="hi", client_id="a")
        messages.check_send_message(
            s, load_user(s, bob), general_id, body="@alice look", client_id="b"
        )
    await deliver(root, events, alice)
    assert general_id in servers.unread_ids
    assert servers.mention_counts == {general_id: 1}
    assert [(s.unread, s.mentions) for s in servers.servers] == [(True, 1)]

    # A channel created (by someone who may) shows up in the sidebar, read again live.
    with transaction() as s:
        channels.check_create_channel(s, load_user(s, alice), server_id, name="news")
    await deliver(root, events, alice)
    # Outside any category: above the categories, as in Discord.
    assert [c.name for c in servers.channels] == ["news", "general", "random"]

    # Bob's tab on the server leaves it when he is kicked, with a toast.
    bob_root = await signed_in_tab(bob, f"/servers/{server_id}/{general_id}")
    bob_servers = await bob_root.get_state(ServerState)
    await ServerState.load.fn(bob_servers)
    events.clear()
    with transaction() as s:
        moderation.check_kick_member(s, load_user(s, alice), server_id, bob)
    shown = await deliver(bob_root, events, bob)
    assert bob_servers.server_id == ""
    assert bob_servers.servers == []
    assert any("You were removed from Guild" in str(e) for e in shown)


def pushed(root: State) -> dict[str, set[str]]:
    """The states and vars the next push would carry (keys without their suffix)."""
    return {
        name.rsplit("____", 1)[-1]: {var.removesuffix("_rx_state_") for var in delta}
        for name, delta in root.get_delta().items()
        if delta
    }


async def test_a_message_into_a_channel_already_unread_pushes_no_row(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """The first message lights the dot (a push of the sidebar row and the rail); the next
    ones into the same channel, or into another server already lit, change nothing on screen
    and push nothing; a mention still adds to the badge."""
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    elsewhere = make_server(bob, "Other", members=(alice,))
    with transaction() as s:
        general_id, other_general = general(s, server_id).id, general(s, elsewhere).id
    random_id = add_channel(server_id, "random")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)

    def bob_says(channel: str, body: str) -> None:
        with transaction() as s:
            messages.check_send_message(s, load_user(s, bob), channel, body=body)

    for channel in (general_id, other_general):
        events.clear()
        bob_says(channel, "first")
        root._clean()
        await deliver(root, events, alice)
        assert {"unread_ids", "servers"} & pushed(root).get("server_state", set())
        assert "channels" not in pushed(root).get("server_state", set())  # the rows stay
    assert general_id in servers.unread_ids
    assert [(s.name, s.unread) for s in servers.servers] == [("Guild", True), ("Other", True)]

    for channel in (general_id, other_general):
        root._clean()
        events.clear()
        bob_says(channel, "and again")
        await deliver(root, events, alice)
        assert not {"channels", "unread_ids", "mention_counts", "servers"} & pushed(root).get(
            "server_state", set()
        )

    root._clean()
    events.clear()
    bob_says(general_id, "@alice look")
    await deliver(root, events, alice)
    assert pushed(root).get("server_state", set()) & {"mention_counts", "servers"} == {
        "mention_counts",
        "servers",
    }
    assert servers.mention_counts[general_id] == 1


async def test_a_muted_channel_or_server_lights_no_dot_live(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """As the domain's badges have it on a read: a message into a muted channel shows no dot
    and one into a muted server lights none on the rail; a mention still counts."""
    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    elsewhere = make_server(bob, "Other", members=(alice,))
    with transaction() as s:
        general_id, other_general = general(s, server_id).id, general(s, elsewhere).id
    quiet_id = add_channel(server_id, "quiet")
    with transaction() as s:
        me = load_user(s, alice)
        notify_levels.check_set_channel_notifications(s, me, quiet_id, mute="forever")
        notify_levels.check_set_server_notifications(s, me, elsewhere, mute="1h")
    root = await signed_in_tab(alice, f"/servers/{server_id}/{general_id}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    events.clear()

    for channel, body in ((quiet_id, "psst"), (other_general, "over here")):
        with transaction() as s:
            messages.check_send_message(s, load_user(s, bob), channel, body=body)
    root._clean()
    await deliver(root, events, alice)
    assert not {"unread_ids", "mention_counts", "servers"} & pushed(root).get("server_state", set())
    quiet = next(c for c in servers.channels if c.id == quiet_id)
    assert quiet.muted
    assert quiet_id not in servers.unread_ids
    assert [(s.name, s.unread) for s in servers.servers] == [("Guild", False), ("Other", False)]

    with transaction() as s:
        messages.check_send_message(s, load_user(s, bob), quiet_id, body="@alice you there?")
    await deliver(root, events, alice)
    assert quiet_id not in servers.unread_ids
    assert servers.mention_counts[quiet_id] == 1


async def test_discovery_asks_to_join_and_cancels_the_request(
    make_user: Callable[..., int], signed_in_tab: SignedInTab
) -> None:
    from socialhub.state.server_invites import ServerJoinState

    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Asking", is_public=True, join_mode="request")
    root = await signed_in_tab(bob, "/servers")
    join = await root.get_state(ServerJoinState)
    await ServerJoinState.load_discovery.fn(join)
    [item] = join.results
    assert (item.id, item.takes_requests, item.request_pending) == (server_id, True, False)

    shown = _sent(await ServerJoinState.request_join.fn(join, server_id))
    assert join.results[0].request_pending
    assert any("Request sent" in str(e) for e in shown)
    with transaction() as s:
        pending = servers_domain.list_join_requests(s, load_user(s, alice), server_id)
    assert [r.user.username for r in pending.requests] == ["bob"]
    # A fresh read of discovery knows the request is pending.
    await ServerJoinState.load_discovery.fn(join)
    assert join.results[0].request_pending

    shown = _sent(await ServerJoinState.cancel_join_request.fn(join, server_id))
    assert not join.results[0].request_pending
    assert any("Request cancelled" in str(e) for e in shown)
    with transaction() as s:
        pending = servers_domain.list_join_requests(s, load_user(s, alice), server_id)
    assert pending.requests == []
    # Nothing left to cancel: the error's toast, and the card stays as it is.
    shown = _sent(await ServerJoinState.cancel_join_request.fn(join, server_id))
    assert any("no such pending join request" in str(e) for e in shown)
    assert not join.results[0].request_pending


async def test_a_posts_channel_opens_as_a_feed_of_its_posts(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """A posts channel shows the social feed's posts and composer instead of messages: a post
    written there goes into the channel, a member's new post shows as "new posts", and the
    channel's slow mode refuses a second post at once with a toast (the draft kept)."""
    from socialhub.domain import posts
    from socialhub.models import ChannelType, Conversation
    from socialhub.state.feed import FeedState
    from socialhub.state.live_features import Feed
    from tests.state.test_server_settings_states import toasts

    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        server = s.get(Server, server_id)
        assert server is not None
        board = servers_domain.do_create_channel(
            s, server, name="board", channel_type=ChannelType.posts
        ).id
        posts.check_create_post(s, load_user(s, alice), body="welcome", channel_id=board)
    root = await signed_in_tab(bob, f"/servers/{server_id}/{board}")
    servers = await root.get_state(ServerState)
    await ServerState.load.fn(servers)
    feed = await root.get_state(FeedState)
    conversation = await root.get_state(ConversationState)
    assert (servers.channel_kind, feed.kind, conversation.open_id) == ("posts", "channel", "")
    assert [p.body for p in feed.posts] == ["welcome"]

    feed.draft = "hello board"
    sent = [e async for e in FeedState.publish.fn(feed, [])]  # type: ignore[attr-defined]
    assert not toasts([e for e in sent if e is not None and "Posted" not in str(e)])
    assert [p.body for p in feed.posts] == ["hello board", "welcome"]
    events.clear()
    with transaction() as s:
        posts.check_create_post(s, load_user(s, alice), body="news", channel_id=board)
    await deliver_to(Feed(), root, events, bob)
    assert feed.new_count == 1

    with transaction() as s:
        channel = s.get(Conversation, board)
        assert channel is not None
        channel.slow_mode_seconds = 60
        s.add(channel)
    feed.draft = "too soon"
    sent = [e async for e in FeedState.publish.fn(feed, [])]  # type: ignore[attr-defined]
    assert any("slow mode" in t for t in toasts(sent))
    assert feed.draft == "too soon"


async def test_the_server_page_writes_the_reads_the_buffer_still_holds_first(
    make_user: Callable[..., int], signed_in_tab: SignedInTab, events: Events
) -> None:
    """Read live in a tab, not written yet (a channel's markers wait for their interval): a
    reload must not light the dot of what was read."""
    from socialhub.delivery.receipts import receipts

    alice, bob = make_user("alice"), make_user("bob")
    server_id = make_server(alice, "Guild", members=(bob,))
    with transaction() as s:
        general_id = general(s, server_id).id
    random_id = add_channel(server_id, "random")
    events.clear()
    with transaction() as s:
        messages.check_send_message(s, load_user(s, bob), general_id, body="seen live")
    seen = [e for k, e in events if k == f"user:{alice}" and e["type"] == "message"]
    receipts._channel_due = float("inf")  # not due: held in the buffer
    try:
        receipts.note(alice, seen, reading=general_id)
        assert receipts._channel_read
        root = await signed_in_tab(alice, f"/servers/{server_id}/{random_id}")
        servers = await root.get_state(ServerState)
        await ServerState.load.fn(servers)
    finally:
        receipts._channel_due = 0.0
    assert general_id not in servers.unread_ids
    assert (alice, general_id) not in receipts._channel_read
