"""How the server pages follow the stream (a `LiveFeature` of the tab's listener).

Most events are applied from the event alone: a message into a channel not on screen lights
its dot (and its server's on the rail), a mention that names me, one of my roles or everyone
adds to the badge, my own read marker moving in another tab clears them. What changes what I
may see (roles, channels, categories, my membership, the server itself) reads the server again
through the same `access_server` as the page; being removed (kick, ban) leaves the server on
the spot, with a toast saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from sqlmodel import Session

from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.realtime.hub import Event
from socialhub.state.conversation import ConversationState
from socialhub.state.realtime import (
    RealtimeState,
    Screen,
    register_feature,
    register_screen_reader,
)
from socialhub.state.server_members import ServerMembersState
from socialhub.state.server_pins import ServerPinsState
from socialhub.state.server_reads import (
    MemberPage,
    Rail,
    ServerView,
    member_page,
    my_servers,
    server_view,
)
from socialhub.state.servers import ServerState, server_path
from socialhub.state.thread_parent import ThreadParentState

SERVER_TYPES = frozenset(
    {"server", "server_member", "role", "channel", "category", "pin", "mention", "channel_read"}
)
# What reading the server again follows from (who may see which channel, its name).
RELOAD_TYPES = frozenset({"role", "channel", "category"})
# The reasons of ("server", "remove") that the member did not choose (servers.do_remove_member).
REMOVAL_REASONS = {
    "banned": "You were banned from {name}",
    "kicked": "You were removed from {name}",
    "delete": "{name} was deleted",
}


@dataclass
class Plan:
    """What a batch needs from the database for this tab."""

    rail: bool = False
    server: str = ""
    members: str = ""
    pins: str = ""
    # Servers I am no longer in -> why (a reason of REMOVAL_REASONS, or "" for my own leave).
    removed: dict[str, str] = field(default_factory=dict)

    def any(self) -> bool:
        return bool(self.rail or self.server or self.members or self.pins)


@dataclass
class Loaded:
    rail: Rail | None = None
    # The server read again; None when it is gone for me (NotFound).
    server: ServerView | None = None
    members: MemberPage | None = None
    pins: list[Any] | None = None


def _mentions_me(data: dict[str, Any], me: int, role_ids: set[str]) -> bool:
    for mention in data.get("mentions", []):
        kind, target = mention.get("kind"), str(mention.get("target", ""))
        if kind in ("everyone", "here") or (kind == "user" and target == str(me)):
            return True
        if kind == "role" and target in role_ids:
            return True
    return False


def _may_light(events: list[Event], conversation: ConversationState) -> bool:
    """Whether `_mark_arrivals` could change anything for these events: a message into a
    channel not being read, a mention, a read marker."""
    reading = "" if conversation._hidden else conversation.open_id
    for event in events:
        kind, data = event.get("type"), event.get("data") or {}
        if kind in ("mention", "channel_read"):
            return True
        if kind == "message" and data.get("server_id") and data.get("conversation_id") != reading:
            return True
    return False


class ServerLive:
    def wants(self, events: list[Event]) -> bool:
        return any(
            e.get("type") in SERVER_TYPES
            or (e.get("type") == "message" and (e.get("data") or {}).get("server_id"))
            for e in events
        )

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> Plan:
        if not any(e.get("type") in SERVER_TYPES for e in events):
            return Plan()  # messages only: their dots are worked out in `apply`
        servers = await listener.get_state(ServerState)
        members = await listener.get_state(ServerMembersState)
        pins = await listener.get_state(ServerPinsState)
        current = servers.server_id
        plan = Plan()
        for event in events:
            kind, data = (event.get("type"), event.get("op")), event.get("data") or {}
            server_id = str(data.get("server_id", ""))
            if kind[0] == "server":
                plan.rail = True
                if kind[1] in ("remove", "delete"):
                    reason = "delete" if kind[1] == "delete" else str(data.get("reason", ""))
                    plan.removed[server_id] = reason
                elif server_id == current:
                    plan.server = current
            elif kind[0] == "server_member":
                if data.get("user_id") == me and kind[1] == "update":
                    plan.rail = True
                    plan.server = current if server_id == current else plan.server
                if server_id == current and members._shown_for(current):
                    plan.members = current
            elif kind[0] in RELOAD_TYPES:
                plan.rail = True
                if server_id == current:
                    plan.server = current
            elif kind[0] == "pin" and data.get("conversation_id") == servers.channel_id:
                if pins.open:
                    plan.pins = servers.channel_id
            elif kind == ("channel_read", "update") and server_id != current:
                plan.rail = True
        for gone in plan.removed:
            if gone == plan.server:
                plan.server = ""
        return plan

    def needs_database(self, observed: Plan) -> bool:
        return observed.any()

    def load(self, session: Session, user: User, observed: Plan) -> Loaded:
        loaded = Loaded()
        if observed.rail:
            loaded.rail = my_servers(session, user)
        if observed.server:
            try:
                loaded.server = server_view(session, user, observed.server)
            except NotFound:
                loaded.server = None
        if observed.members:
            try:
                loaded.members = member_page(session, user, observed.members)
            except NotFound:
                loaded.members = MemberPage([], "")
        if observed.pins:
            loaded.pins = ServerPinsState._load_pins(session, user, observed.pins)
        return loaded

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: Plan,
        loaded: Loaded | None,
        me: int,
    ) -> list[Any]:
        conversation = await listener.get_state(ConversationState)
        if loaded is None and not observed.removed and not _may_light(events, conversation):
            return []  # the open channel's own messages: nothing here for the sidebar
        servers = await listener.get_state(ServerState)
        shown: list[Any] = []
        names = {s.id: s.name for s in servers.get_value("servers")}
        self._mark_arrivals(servers, conversation, events, me)
        if loaded is not None and loaded.rail is not None:
            servers._show_rail(loaded.rail)
        current = servers.server_id
        for server_id, reason in observed.removed.items():
            template = REMOVAL_REASONS.get(reason)
            name = names.get(server_id, "the server")
            if server_id == current:
                conversation.open_id = ""
                shown += servers._left(
                    server_id,
                    (template or "You left {name}").format(name=name),
                    error=template is not None,
                )
            elif template:
                shown.append(rx.toast.info(template.format(name=name)))
        if loaded is None:
            return shown
        if observed.server and observed.server == servers.server_id:
            if loaded.server is None:
                conversation.open_id = ""
                shown += servers._left(observed.server, "You can no longer see this server")
            else:
                servers._show_server(loaded.server)
                if servers.channel_id not in {c.id for c in loaded.server.channels}:
                    conversation.open_id = ""
                    shown.append(rx.redirect(server_path(servers.server_id)))
                else:
                    servers._mark_seen(servers.channel_id)
        if loaded.members is not None:
            members = await listener.get_state(ServerMembersState)
            members._set_page(loaded.members)
        if loaded.pins is not None:
            pins = await listener.get_state(ServerPinsState)
            pins._set_pins(loaded.pins)
        return shown

    def _mark_arrivals(
        self,
        servers: ServerState,
        conversation: ConversationState,
        events: list[Event],
        me: int,
    ) -> None:
        """Dots and badges from the events alone: a message or a mention of me into a channel
        not on screen; my read marker moving (another tab read the channel)."""
        channel_servers = servers.get_value("_channel_servers")
        reading = "" if conversation._hidden else conversation.open_id
        unread: set[str] = set()
        mentioned: dict[str, int] = {}
        read: set[str] = set()
        role_ids = set(servers.get_value("_role_ids"))
        for event in events:
            kind, data = (event.get("type"), event.get("op")), event.get("data") or {}
            channel = str(data.get("conversation_id", ""))
            if channel not in channel_servers or channel == reading:
                continue
            if kind == ("message", "add") and (data.get("author") or {}).get("id") != me:
                unread.add(channel)
            elif kind == ("mention", "add") and data.get("author_id") != me:
                in_current = channel_servers[channel] == servers.server_id
                # Off the open server my roles there are not at hand: the badge counts what
                # names me or everyone; the next read of the rail adds the role mentions.
                if _mentions_me(data, me, role_ids if in_current else set()):
                    mentioned[channel] = mentioned.get(channel, 0) + 1
            elif kind == ("channel_read", "update"):
                read.add(channel)
        if not (unread or mentioned or read):
            return
        rows = servers.get_value("channels")
        rail = servers.get_value("servers")
        # A muted channel shows no dot, a muted server lights none (the domain's badges say
        # which are muted; a mention still counts).
        unread -= {c.id for c in rows if c.muted}
        muted_servers = {s.id for s in rail if s.muted}
        # Only what would look different: another message into a channel whose dot is already
        # lit changes nothing on screen, and pushes nothing; lighting one pushes its id alone.
        here = {c.id for c in rows}
        lit_ids = servers.get_value("unread_ids")
        counts = servers.get_value("mention_counts")
        cleared = read & here
        new_unread = (unread & here) - cleared - set(lit_ids)
        if new_unread or cleared & set(lit_ids):
            servers.unread_ids = [c for c in lit_ids if c not in cleared] + sorted(new_unread)
        mentioned_here = {c: n for c, n in mentioned.items() if c in here and c not in cleared}
        if mentioned_here or cleared & set(counts):
            servers.mention_counts = {
                **{c: n for c, n in counts.items() if c not in cleared},
                **{c: counts.get(c, 0) + n for c, n in mentioned_here.items()},
            }
        lit = {s.id for s in rail if s.unread}
        elsewhere_unread = (
            {channel_servers[c] for c in unread} - {servers.server_id} - lit - muted_servers
        )
        elsewhere_mentions: dict[str, int] = {}
        for channel, count in mentioned.items():
            server_id = channel_servers[channel]
            if server_id != servers.server_id:
                elsewhere_mentions[server_id] = elsewhere_mentions.get(server_id, 0) + count
        if elsewhere_unread or elsewhere_mentions:
            servers.servers = [
                s.model_copy(
                    update={
                        "unread": s.unread or s.id in elsewhere_unread,
                        "mentions": s.mentions + elsewhere_mentions.get(s.id, 0),
                    }
                )
                if s.id in elsewhere_unread or s.id in elsewhere_mentions
                else s
                for s in rail
            ]
        servers._refresh_rail_badge()


async def read_screen(listener: RealtimeState) -> Screen:
    """Which server events change something on this tab (see `Screen`): the same rules as
    `_mark_arrivals` and `OpenChat`, turned around."""
    servers = await listener.get_state(ServerState)
    conversation = await listener.get_state(ConversationState)
    reading = "" if conversation._hidden else conversation.open_id
    rows = servers.get_value("channels")
    lit = set(servers.get_value("unread_ids"))
    counts = servers.get_value("mention_counts")
    # A thread whose starter message is on screen: its messages change the count shown there.
    shown = await conversation._rows()
    starters = frozenset(r.thread_id for r in shown.all() if r.thread_id)
    # The channel shown beside an open thread: its messages, and its starters' threads.
    if conversation._beside:
        beside = await (await listener.get_state(ThreadParentState))._rows()
        starters |= {conversation._beside} | {r.thread_id for r in beside.all() if r.thread_id}
    return Screen(
        open_id=conversation.open_id,
        reading=reading,
        server_id=servers.server_id,
        loud=frozenset(c.id for c in rows if not (c.id in lit or c.muted) and c.id != reading)
        | starters,
        unlit=frozenset(c.id for c in rows if c.id not in lit and not counts.get(c.id)) | {reading},
        channel_servers=servers.get_value("_channel_servers"),
        quiet_servers=frozenset(s.id for s in servers.get_value("servers") if s.unread or s.muted),
    )


register_feature(ServerLive())
register_screen_reader(read_screen)
