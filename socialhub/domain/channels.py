"""Channels and categories of a server: create, rename, topic, slow mode, order, delete.

Every change needs MANAGE_CHANNELS: server-wide for the server's layout (new categories, the
full order), and in the channel itself (its overwrites may grant or take it) for one channel's
settings. A category's overwrites count for what is created or managed in it.

Events: a channel added, moved or removed is told, with its id, in the channel's own stream,
which only those who may view it follow; when what a member may see can change with it (a
channel added or removed, moved to another category), every member also hears a bare
"channels changed" in the server's stream, naming no channel (a private channel's id, name or
topic is not for those who cannot see it), and re-reads the list, which the permission
function filters. Categories are told in the server's stream by id. A channel's new name,
topic or slow mode goes to the channel's own stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain import permissions, posts
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import (
    ChannelAccess,
    Permission,
    ServerAccess,
    access_channel,
    access_server,
)
from socialhub.domain.servers import do_create_channel
from socialhub.domain.validation import clean_text
from socialhub.models import (
    ChannelCategory,
    ChannelType,
    Conversation,
    NotificationSetting,
    OverwriteTarget,
    PermissionOverwrite,
    ServerInvite,
    Thread,
    User,
)
from socialhub.models.channel_views import CategoryView, ChannelList, ChannelView
from socialhub.models.threads import THREAD_TYPE
from socialhub.realtime.events import publish_on_commit

NAME_MAX = 100
TOPIC_MAX = 1024
CATEGORY_NAME_MAX = 100
# Discord's choices: off, 5 s to 6 h.
SLOW_MODES = (0, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600)
# What a new channel may be (voice channels come with calls).
CREATABLE = (ChannelType.text, ChannelType.announcement, ChannelType.posts)


def category_not_found() -> NotFound:
    return NotFound("no such category", code="category_not_found")


# Input -----------------------------------------------------------------------------------------


def clean_channel_name(name: str) -> str:
    """Discord's channel names: lower case, words joined by dashes, 1-100 characters."""
    text = clean_text(name, field="name", max_length=NAME_MAX * 4)
    slug = "-".join(part for part in text.lower().replace("-", " ").split() if part)
    if not slug:
        raise InvalidInput("give the channel a name", field="name", code="empty")
    if len(slug) > NAME_MAX:
        raise InvalidInput(
            f"Name is too long: {len(slug)} characters, the limit is {NAME_MAX}",
            field="name",
            code="too_long",
            details={"max_length": NAME_MAX},
        )
    return slug


def clean_category_name(name: str) -> str:
    text = clean_text(name, field="name", max_length=CATEGORY_NAME_MAX)
    if not text:
        raise InvalidInput("give the category a name", field="name", code="empty")
    return text


def clean_slow_mode(seconds: object) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds not in SLOW_MODES:
        raise InvalidInput(
            "slow mode is off (0) or one of 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 6 h",
            field="slow_mode_seconds",
            code="bad_slow_mode",
            details={"choices": list(SLOW_MODES)},
        )
    return seconds


def clean_channel_type(value: str) -> ChannelType:
    try:
        kind = ChannelType(value)
    except ValueError:
        kind = None
    if kind not in CREATABLE:
        raise InvalidInput(
            "a channel is text, announcement or posts",
            field="channel_type",
            code="bad_channel_type",
        )
    assert kind is not None
    return kind


# Access ----------------------------------------------------------------------------------------


def category_bits(access: ServerAccess, category_id: str | None) -> int:
    """What the actor may do in a category (its overwrites over their server-wide bits)."""
    if category_id is None or access.bits == permissions.ALL:
        return access.bits
    snap = access.snapshot
    return permissions.apply_overwrites(
        access.bits, snap.overwrites.get(category_id, ()), snap.everyone_id, access.facts
    )


def _require_manage(bits: int) -> None:
    if not bits & Permission.MANAGE_CHANNELS:
        raise PermissionDenied(
            "you need the MANAGE_CHANNELS permission",
            code="missing_permission",
            details={"permission": Permission.MANAGE_CHANNELS.name},
        )


def access_category(
    session: Session, actor: User, category_id: str
) -> tuple[ChannelCategory, ServerAccess]:
    category = session.get(ChannelCategory, category_id) if category_id else None
    if category is None:
        raise category_not_found()
    try:
        access = access_server(session, actor, category.server_id)
    except NotFound as exc:
        raise category_not_found() from exc
    return category, access


def manage_channel(session: Session, actor: User, channel_id: str) -> ChannelAccess:
    """A channel the actor may view and manage (MANAGE_CHANNELS there)."""
    access = access_channel(session, actor, channel_id)
    _require_manage(access.bits)
    return access


def _category_in(session: Session, server_id: str, category_id: str) -> ChannelCategory:
    category = session.get(ChannelCategory, category_id) if category_id else None
    if category is None or category.server_id != server_id:
        raise category_not_found()
    return category


# Reads -----------------------------------------------------------------------------------------


def _categories(session: Session, server_id: str) -> list[ChannelCategory]:
    return list(
        session.exec(
            select(ChannelCategory)
            .where(ChannelCategory.server_id == server_id)
            .order_by(col(ChannelCategory.position), col(ChannelCategory.id))
        ).all()
    )


def _channels(session: Session, server_id: str) -> list[Conversation]:
    return list(
        session.exec(
            select(Conversation)
            .where(
                Conversation.server_id == server_id,
                col(Conversation.channel_type).is_distinct_from(THREAD_TYPE),
            )
            .order_by(col(Conversation.position), col(Conversation.id))
        ).all()
    )


@dataclass
class Layout:
    """A server's channels by category (None: the uncategorised, shown first), in order."""

    categories: list[ChannelCategory]
    groups: dict[str | None, list[Conversation]]

    def flat(self) -> list[Conversation]:
        return [c for key in self.order() for c in self.groups[key]]

    def order(self) -> list[str | None]:
        return [None, *(c.id for c in self.categories)]


def layout(session: Session, server_id: str) -> Layout:
    categories = _categories(session, server_id)
    groups: dict[str | None, list[Conversation]] = {None: [], **{c.id: [] for c in categories}}
    for channel in _channels(session, server_id):
        groups.setdefault(channel.category_id, []).append(channel)
    return Layout(categories, groups)


def channel_view(channel: Conversation, bits: int) -> ChannelView:
    return ChannelView(
        id=channel.id,
        server_id=channel.server_id or "",
        name=channel.title,
        channel_type=channel.channel_type or ChannelType.text.value,
        category_id=channel.category_id,
        position=channel.position,
        topic=channel.topic,
        slow_mode_seconds=channel.slow_mode_seconds,
        synced=channel.synced,
        can_send=bool(bits & Permission.SEND_MESSAGES),
        can_manage=bool(bits & Permission.MANAGE_CHANNELS),
        can_manage_messages=bool(bits & Permission.MANAGE_MESSAGES),
    )


def category_view(category: ChannelCategory, access: ServerAccess) -> CategoryView:
    return CategoryView(
        id=category.id,
        server_id=category.server_id,
        name=category.name,
        position=category.position,
        can_manage=bool(category_bits(access, category.id) & Permission.MANAGE_CHANNELS),
    )


def viewable(
    access: ServerAccess, channels: Sequence[Conversation]
) -> list[tuple[Conversation, int]]:
    """The channels the member may view, each with what they may do there."""
    found = []
    for channel in channels:
        bits = access.in_channel(channel.id)
        if bits & Permission.VIEW_CHANNEL:
            found.append((channel, bits))
    return found


def list_channels(session: Session, actor: User, server_id: str) -> ChannelList:
    access = access_server(session, actor, server_id)
    plan = layout(session, server_id)
    seen = viewable(access, plan.flat())
    manager = access.can(Permission.MANAGE_CHANNELS)
    shown = {c.category_id for c, _ in seen}
    return ChannelList(
        categories=[category_view(c, access) for c in plan.categories if manager or c.id in shown],
        channels=[channel_view(c, bits) for c, bits in seen],
        can_manage_channels=manager,
    )


def get_channel(session: Session, actor: User, channel_id: str) -> ChannelView:
    access = access_channel(session, actor, channel_id)
    return channel_view(access.channel, access.bits)


# Events ----------------------------------------------------------------------------------------


def _publish_list(session: Session, server_id: str, type: str, op: str) -> None:
    """The channel list changed: a bare signal in the server's stream, naming no channel and no
    category (a member who may see none of a category's channels must not learn it exists);
    each tab reads its own list again."""
    permissions.publish_server_event(session, server_id, type=type, op=op, data={})


def _publish_to_viewers(session: Session, channel: Conversation, op: str, **data: Any) -> None:
    """A channel added, moved or removed, with its id: in its own stream, for its viewers."""
    publish_on_commit(
        session,
        type="channel",
        op=op,
        data={"server_id": channel.server_id, "channel_id": channel.id, **data},
        conversation=channel.id,
    )


def _publish_channel(session: Session, channel: Conversation) -> None:
    """A channel's own settings changed: its viewers hear the new ones in its stream."""
    publish_on_commit(
        session,
        type="channel",
        op="update",
        data={
            "server_id": channel.server_id,
            "channel_id": channel.id,
            "name": channel.title,
            "topic": channel.topic,
            "slow_mode_seconds": channel.slow_mode_seconds,
            "channel_type": channel.channel_type,
        },
        conversation=channel.id,
    )


# Categories ------------------------------------------------------------------------------------


def check_create_category(
    session: Session, actor: User, server_id: str, *, name: str
) -> ChannelCategory:
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_CHANNELS)
    clean = clean_category_name(name)
    return do_create_category(session, access, name=clean)


def do_create_category(session: Session, access: ServerAccess, *, name: str) -> ChannelCategory:
    server = access.server
    last = session.exec(
        select(sa.func.max(ChannelCategory.position)).where(ChannelCategory.server_id == server.id)
    ).one()
    category = ChannelCategory(
        server_id=server.id, name=name, position=0 if last is None else int(last) + 1
    )
    session.add(category)
    session.flush()
    permissions.bump_version(session, server)
    do_audit(
        session,
        server.id,
        access.member.user_id,
        "category_create",
        target_type="category",
        target_id=category.id,
        changes={"name": {"old": None, "new": name}},
    )
    _publish_list(session, server.id, "category", "add")
    return category


def check_rename_category(
    session: Session, actor: User, category_id: str, *, name: str
) -> ChannelCategory:
    category, access = access_category(session, actor, category_id)
    _require_manage(category_bits(access, category.id))
    clean = clean_category_name(name)
    if clean != category.name:
        do_audit(
            session,
            category.server_id,
            actor.id,
            "category_update",
            target_type="category",
            target_id=category.id,
            changes={"name": {"old": category.name, "new": clean}},
        )
        category.name = clean
        session.add(category)
        session.flush()
        _publish_list(session, category.server_id, "category", "update")
    return category


def _copy_overwrites(session: Session, server_id: str, source: str, target: str) -> None:
    """`target` gets `source`'s overwrites instead of its own."""
    po = PermissionOverwrite
    session.execute(sa.delete(po).where(col(po.scope_id) == target))
    for o in session.exec(select(po).where(po.scope_id == source)).all():
        session.add(
            po(
                server_id=server_id,
                scope_id=target,
                target_type=o.target_type,
                target_id=o.target_id,
                allow=o.allow,
                deny=o.deny,
            )
        )


def _leave_category(session: Session, channel: Conversation, category_id: str) -> None:
    """A synced channel leaving its category keeps the permissions it had: the category's
    overwrites become its own."""
    if channel.synced:
        _copy_overwrites(session, channel.server_id or "", category_id, channel.id)
        channel.synced = False


def check_delete_category(session: Session, actor: User, category_id: str) -> None:
    category, access = access_category(session, actor, category_id)
    _require_manage(category_bits(access, category.id))
    do_delete_category(session, access, category)


def do_delete_category(session: Session, access: ServerAccess, category: ChannelCategory) -> None:
    """The category goes; its channels join the uncategorised ones, after them, keeping who
    may see them."""
    server = access.server
    plan = layout(session, server.id)
    moved = plan.groups.get(category.id, [])
    uncategorised = plan.groups[None]
    for channel in moved:
        _leave_category(session, channel, category.id)
        channel.category_id = None
        session.add(channel)
    _renumber([*uncategorised, *moved])
    session.flush()
    session.execute(
        sa.delete(PermissionOverwrite).where(col(PermissionOverwrite.scope_id) == category.id)
    )
    session.delete(category)
    session.flush()
    _renumber_categories([c for c in plan.categories if c.id != category.id])
    session.flush()
    permissions.bump_version(session, server)
    do_audit(
        session,
        server.id,
        access.member.user_id,
        "category_delete",
        target_type="category",
        target_id=category.id,
        changes={"name": {"old": category.name, "new": None}, "channels": [c.id for c in moved]},
    )
    _publish_list(session, server.id, "category", "remove")


def _renumber(channels: Sequence[Conversation]) -> list[Conversation]:
    changed = []
    for index, channel in enumerate(channels):
        if channel.position != index:
            channel.position = index
            changed.append(channel)
    return changed


def _renumber_categories(categories: Sequence[ChannelCategory]) -> list[ChannelCategory]:
    changed = []
    for index, category in enumerate(categories):
        if category.position != index:
            category.position = index
            changed.append(category)
    return changed


# Channels --------------------------------------------------------------------------------------


def check_create_channel(
    session: Session,
    actor: User,
    server_id: str,
    *,
    name: str,
    channel_type: str = ChannelType.text.value,
    category_id: str | None = None,
    topic: str = "",
) -> Conversation:
    access = access_server(session, actor, server_id)
    category = _category_in(session, server_id, category_id) if category_id else None
    _require_manage(category_bits(access, category.id if category else None))
    return do_create_text_channel(
        session,
        access,
        name=clean_channel_name(name),
        channel_type=clean_channel_type(channel_type),
        category=category,
        topic=clean_text(topic, field="topic", max_length=TOPIC_MAX),
    )


def do_create_text_channel(
    session: Session,
    access: ServerAccess,
    *,
    name: str,
    channel_type: ChannelType,
    category: ChannelCategory | None,
    topic: str = "",
) -> Conversation:
    """A channel at the end of its category (synced with it). An announcement channel denies
    @everyone SEND_MESSAGES: only roles given an allow post there."""
    server = access.server
    category_id = category.id if category else None
    siblings = layout(session, server.id).groups.get(category_id, [])
    channel = do_create_channel(
        session,
        server,
        name=name,
        channel_type=channel_type,
        category_id=category_id,
        position=len(siblings),
        topic=topic,
        created_by=access.member.user_id,
    )
    if channel_type == ChannelType.announcement:
        if category is not None:
            _copy_overwrites(session, server.id, category.id, channel.id)
            session.flush()
        channel.synced = False
        _deny_everyone_send(session, server.id, channel.id, access.snapshot.everyone_id)
        session.add(channel)
        session.flush()
        permissions.bump_version(session, server)
    do_audit(
        session,
        server.id,
        access.member.user_id,
        "channel_create",
        target_type="channel",
        target_id=channel.id,
        changes={
            "name": {"old": None, "new": name},
            "channel_type": {"old": None, "new": channel_type.value},
            "category_id": {"old": None, "new": category_id},
        },
    )
    # The bare notice first: a member who may view the new channel re-reads their streams on it,
    # then replays the channel's own event, which must come after it.
    _publish_list(session, server.id, "channel", "add")
    _publish_to_viewers(session, channel, "add", category_id=category_id)
    return channel


def _deny_everyone_send(session: Session, server_id: str, channel_id: str, everyone: str) -> None:
    po = PermissionOverwrite
    found = session.exec(
        select(po).where(
            po.scope_id == channel_id,
            po.target_type == OverwriteTarget.role.value,
            po.target_id == everyone,
        )
    ).first()
    row = found or po(
        server_id=server_id,
        scope_id=channel_id,
        target_type=OverwriteTarget.role.value,
        target_id=everyone,
    )
    send = int(Permission.SEND_MESSAGES)
    row.deny |= send
    row.allow &= ~send
    session.add(row)


_UNSET: Any = object()


def check_update_channel(
    session: Session,
    actor: User,
    channel_id: str,
    *,
    name: str | None = None,
    topic: str | None = None,
    slow_mode_seconds: int | None = None,
    category_id: str | None = _UNSET,
) -> Conversation:
    """Rename, set the topic or slow mode, or move to another category (its end; None: to the
    uncategorised), which needs MANAGE_CHANNELS in the category it goes to as well."""
    access = manage_channel(session, actor, channel_id)
    channel = access.channel
    changes: dict[str, dict[str, Any]] = {}
    values: dict[str, Any] = {}
    if name is not None:
        values["title"] = clean_channel_name(name)
    if topic is not None:
        values["topic"] = clean_text(topic, field="topic", max_length=TOPIC_MAX)
    if slow_mode_seconds is not None:
        values["slow_mode_seconds"] = clean_slow_mode(slow_mode_seconds)
    labels = {"title": "name"}
    for attr, value in values.items():
        old = getattr(channel, attr)
        if old != value:
            changes[labels.get(attr, attr)] = {"old": old, "new": value}
            setattr(channel, attr, value)
    if changes:
        session.add(channel)
        session.flush()
        _publish_channel(session, channel)
    if category_id is not _UNSET and category_id != channel.category_id:
        target = (
            _category_in(session, channel.server_id or "", category_id) if category_id else None
        )
        _require_manage(category_bits(access.server, target.id if target else None))
        plan = layout(session, channel.server_id or "")
        changes["category_id"] = {"old": channel.category_id, "new": category_id}
        _place(session, access.server, plan, channel, category_id, len(plan.groups[category_id]))
    if changes:
        do_audit(
            session,
            channel.server_id or "",
            actor.id,
            "channel_update",
            target_type="channel",
            target_id=channel.id,
            changes=changes,
        )
    return channel


def _place(
    session: Session,
    access: ServerAccess,
    plan: Layout,
    channel: Conversation,
    category_id: str | None,
    index: int,
) -> None:
    """Put `channel` at `index` of a category's list, renumbering both lists; a change of
    category changes what the permission function reads."""
    old_category = channel.category_id
    plan.groups[old_category] = [c for c in plan.groups[old_category] if c.id != channel.id]
    target = [c for c in plan.groups[category_id] if c.id != channel.id]
    target.insert(index, channel)
    plan.groups[category_id] = target
    moved_category = old_category != category_id
    if moved_category:
        if old_category is not None:
            _leave_category(session, channel, old_category)
        channel.category_id = category_id
    _renumber(plan.groups[old_category])
    _renumber(target)
    for c in [*plan.groups[old_category], *target]:
        session.add(c)
    session.flush()
    if moved_category:
        # Another category's overwrites may show it to others or hide it: everyone re-reads.
        permissions.bump_version(session, access.server)
        _publish_list(session, channel.server_id or "", "channel", "move")
    _publish_to_viewers(
        session, channel, "move", category_id=category_id, position=channel.position
    )


def check_move_channel(
    session: Session, actor: User, channel_id: str, direction: str
) -> Conversation:
    """One place up or down among what the actor sees; past the top or bottom of its category,
    into the end of the one before or the start of the one after (nothing at the very ends)."""
    if direction not in ("up", "down"):
        raise InvalidInput("move up or down", field="direction", code="bad_direction")
    access = manage_channel(session, actor, channel_id)
    channel = access.channel
    server_id = channel.server_id or ""
    plan = layout(session, server_id)
    group = plan.groups[channel.category_id]
    seen = {c.id for c, _ in viewable(access.server, plan.flat())}
    mine = [c for c in group if c.id in seen]
    at = mine.index(channel)
    step = -1 if direction == "up" else 1
    old = {"position": channel.position, "category_id": channel.category_id}
    if 0 <= at + step < len(mine):
        neighbour = mine[at + step]
        index = group.index(neighbour)
        # The neighbour's place: before it going up, after it going down (the channel leaves
        # its own place first); channels the actor cannot see keep theirs.
        target_category = channel.category_id
    else:
        keys = plan.order()
        k = keys.index(channel.category_id) + step
        if not 0 <= k < len(keys):
            return channel
        target_category = keys[k]
        _require_manage(category_bits(access.server, target_category))
        index = len(plan.groups[target_category]) if step < 0 else 0
    _place(session, access.server, plan, channel, target_category, index)
    new = {"position": channel.position, "category_id": channel.category_id}
    do_audit(
        session,
        server_id,
        actor.id,
        "channel_update",
        target_type="channel",
        target_id=channel.id,
        changes={k: {"old": old[k], "new": new[k]} for k in old if old[k] != new[k]},
    )
    return channel


@dataclass(frozen=True)
class Group:
    """One category (None: the uncategorised) with its channels, in order, in a full reorder."""

    category_id: str | None
    channel_ids: Sequence[str]


def check_reorder(session: Session, actor: User, server_id: str, groups: Sequence[Group]) -> None:
    """The whole sidebar at once (a drag and drop): every category the server has, in order,
    each with the channels the actor sees in it, in order (the uncategorised may come first,
    as category None). Channels the actor cannot see stay in their category, after the listed."""
    access = access_server(session, actor, server_id)
    access.require(Permission.MANAGE_CHANNELS)
    plan = layout(session, server_id)
    seen = {c.id: c for c, _ in viewable(access, plan.flat())}
    category_ids = [g.category_id for g in groups if g.category_id is not None]
    if len([g for g in groups if g.category_id is None]) > 1 or len(set(category_ids)) != len(
        category_ids
    ):
        raise InvalidInput("each category once", field="groups", code="duplicate_category")
    known = {c.id for c in plan.categories}
    for category_id in category_ids:
        if category_id not in known:
            raise category_not_found()
    if set(category_ids) != known:
        raise InvalidInput("list every category", field="groups", code="order_incomplete")
    listed = [cid for g in groups for cid in g.channel_ids]
    if len(set(listed)) != len(listed):
        raise InvalidInput("each channel once", field="groups", code="duplicate_channel")
    for cid in listed:
        if cid not in seen:
            raise permissions.channel_not_found()
    if set(listed) != set(seen):
        raise InvalidInput(
            "list every channel you can see", field="groups", code="order_incomplete"
        )
    do_reorder(session, access, plan, groups, seen)


def do_reorder(
    session: Session,
    access: ServerAccess,
    plan: Layout,
    groups: Sequence[Group],
    seen: dict[str, Conversation],
) -> None:
    server = access.server
    by_id = {c.id: c for c in plan.categories}
    order = [by_id[g.category_id] for g in groups if g.category_id is not None]
    moved_categories = _renumber_categories(order)
    for category in moved_categories:
        session.add(category)
    placed = {cid: g.category_id for g in groups for cid in g.channel_ids}
    perms_changed = False
    audits: list[tuple[Conversation, dict[str, dict[str, Any]]]] = []
    new_groups: dict[str | None, list[Conversation]] = {key: [] for key in plan.order()}
    for g in groups:
        new_groups[g.category_id].extend(seen[cid] for cid in g.channel_ids)
    for key in plan.order():
        new_groups[key].extend(c for c in plan.groups[key] if c.id not in placed)
    before = {c.id: (c.position, c.category_id) for c in plan.flat()}
    for key, channels in new_groups.items():
        for channel in channels:
            if channel.category_id != key:
                for check in (key, channel.category_id):
                    _require_manage(category_bits(access, check))
                if channel.category_id is not None:
                    _leave_category(session, channel, channel.category_id)
                channel.category_id = key
                perms_changed = True
        _renumber(channels)
    for channel in plan.flat():
        old_position, old_category = before[channel.id]
        changes: dict[str, dict[str, Any]] = {}
        if old_position != channel.position:
            changes["position"] = {"old": old_position, "new": channel.position}
        if old_category != channel.category_id:
            changes["category_id"] = {"old": old_category, "new": channel.category_id}
        if changes:
            session.add(channel)
            audits.append((channel, changes))
    session.flush()
    if perms_changed:
        permissions.bump_version(session, server)
    actor_id = access.member.user_id
    for category in moved_categories:
        do_audit(
            session,
            server.id,
            actor_id,
            "category_update",
            target_type="category",
            target_id=category.id,
            changes={"position": {"new": category.position}},
        )
    for channel, changes in audits:
        do_audit(
            session,
            server.id,
            actor_id,
            "channel_update",
            target_type="channel",
            target_id=channel.id,
            changes=changes,
        )
    if moved_categories or audits:
        _publish_list(session, server.id, "channel", "move")


def check_delete_channel(session: Session, actor: User, channel_id: str) -> None:
    access = manage_channel(session, actor, channel_id)
    do_delete_channel(session, access)


def do_delete_channel(session: Session, access: ChannelAccess) -> None:
    """The channel goes with its messages, pins, read markers, overwrites and members'
    notification levels; invites to it land on the server instead."""
    channel = access.channel
    server = access.server.server
    channel_id, name = channel.id, channel.title
    plan = layout(session, server.id)
    session.execute(
        sa.update(ServerInvite)
        .where(col(ServerInvite.channel_id) == channel_id)
        .values(channel_id=None)
    )
    session.execute(
        sa.delete(PermissionOverwrite).where(col(PermissionOverwrite.scope_id) == channel_id)
    )
    session.execute(
        sa.delete(NotificationSetting).where(col(NotificationSetting.channel_id) == channel_id)
    )
    posts.do_drop_channel_images(session, [channel_id])
    # Its threads go with it (their messages by cascade).
    session.execute(
        sa.delete(Conversation).where(
            col(Conversation.id).in_(
                select(Thread.conversation_id).where(col(Thread.parent_id) == channel_id)
            )
        )
    )
    session.expunge(channel)
    session.execute(sa.delete(Conversation).where(col(Conversation.id) == channel_id))
    rest = [c for c in plan.groups[channel.category_id] if c.id != channel_id]
    for c in _renumber(rest):
        session.add(c)
    session.flush()
    permissions.bump_version(session, server)
    do_audit(
        session,
        server.id,
        access.server.member.user_id,
        "channel_delete",
        target_type="channel",
        target_id=channel_id,
        changes={"name": {"old": name, "new": None}},
    )
    # Its viewers hear it in its stream while they still follow it, then everyone re-reads.
    _publish_to_viewers(session, channel, "remove")
    _publish_list(session, server.id, "channel", "remove")
