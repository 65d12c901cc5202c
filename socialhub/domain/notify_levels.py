"""Notification levels per server and per channel, and the unread badges that honour them.

A member's server is at `all` (the default), `mentions` or `nothing`; a channel is at one of
those or as its server (None). Either may be muted, for 1 h, 8 h, 24 h or until turned back on.
Stored for the notifications to come; the badges use them already:
- a muted channel shows no unread dot, and a muted server lights no dot on the rail;
- at `nothing` no mention is counted; at `mentions` only mentions light the server's dot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from socialhub.domain.channel_messages import channel_unreads
from socialhub.domain.errors import InvalidInput
from socialhub.domain.permissions import (
    MemberFacts,
    Permission,
    access_channel,
    access_server,
    channel_permissions,
    snapshot,
)
from socialhub.models import (
    MemberRoleLink,
    NotificationSetting,
    NotifyLevel,
    Server,
    ServerMember,
    User,
)
from socialhub.models.base import utcnow
from socialhub.models.channel_views import (
    ChannelBadge,
    NotificationLevelView,
    ServerBadge,
    ServerNotifications,
)
from socialhub.realtime.events import publish_on_commit

# How long a mute lasts; "forever": until turned back on; "off" unmutes.
MUTES: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1),
    "8h": timedelta(hours=8),
    "24h": timedelta(hours=24),
    "forever": None,
}
UNMUTE = "off"
MUTE_CHOICES = (*MUTES, UNMUTE)
LEVELS = tuple(level.value for level in NotifyLevel)

Settings = Mapping[tuple[str, str], NotificationSetting]


def clean_level(value: str | None, *, allow_inherit: bool) -> str | None:
    if value is None and allow_inherit:
        return None
    if value not in LEVELS:
        choices = "all, mentions or nothing" + (
            " (or null: as the server)" if allow_inherit else ""
        )
        raise InvalidInput(f"level is {choices}", field="level", code="bad_level")
    return value


def clean_mute(value: str) -> str:
    if value not in MUTE_CHOICES:
        raise InvalidInput(
            "mute for 1h, 8h, 24h, forever (until turned back on), or off",
            field="mute",
            code="bad_mute",
        )
    return value


def is_muted(setting: NotificationSetting | None, now: datetime) -> bool:
    return (
        setting is not None
        and setting.muted
        and (setting.muted_until is None or setting.muted_until > now)
    )


@dataclass(frozen=True)
class Effective:
    level: NotifyLevel
    muted: bool
    server_muted: bool


def effective_level(
    settings: Settings, server_id: str, channel_id: str | None, now: datetime
) -> Effective:
    """The level in effect in a channel (or the server when None): the channel's own level,
    else the server's, else `all`; muted if the channel or the server is (a timed mute that
    ended is not)."""
    server = settings.get((server_id, ""))
    channel = settings.get((server_id, channel_id)) if channel_id else None
    level = (channel.level if channel else None) or (server.level if server else None) or "all"
    server_muted = is_muted(server, now)
    return Effective(NotifyLevel(level), server_muted or is_muted(channel, now), server_muted)


# Settings --------------------------------------------------------------------------------------


def _view(
    setting: NotificationSetting | None, server_id: str, channel_id: str | None, now: datetime
) -> NotificationLevelView:
    muted = is_muted(setting, now)
    return NotificationLevelView(
        server_id=server_id,
        channel_id=channel_id,
        level=(setting.level if setting else None) or (None if channel_id else "all"),
        muted=muted,
        muted_until=setting.muted_until if setting and muted else None,
    )


def _settings(
    session: Session, user_id: int, server_ids: Sequence[str]
) -> dict[tuple[str, str], NotificationSetting]:
    if not server_ids:
        return {}
    return {
        (s.server_id, s.channel_id): s
        for s in session.exec(
            select(NotificationSetting).where(
                NotificationSetting.user_id == user_id,
                col(NotificationSetting.server_id).in_(list(server_ids)),
            )
        ).all()
    }


def get_notifications(session: Session, actor: User, server_id: str) -> ServerNotifications:
    """The actor's levels in a server: the server's and each viewable channel's own."""
    access = access_server(session, actor, server_id)
    now = utcnow()
    settings = _settings(session, actor.id or 0, [server_id])
    channels = [
        _view(s, server_id, cid, now)
        for (_, cid), s in sorted(settings.items())
        if cid and access.in_channel(cid) & Permission.VIEW_CHANNEL
    ]
    return ServerNotifications(
        server=_view(settings.get((server_id, "")), server_id, None, now), channels=channels
    )


KEEP: Any = object()  # a level not given: left as it is


def _apply(
    session: Session,
    user_id: int,
    server_id: str,
    channel_id: str,
    *,
    level: str | object | None,
    mute: str | None,
    now: datetime,
) -> NotificationSetting:
    setting = session.get(NotificationSetting, (user_id, server_id, channel_id))
    if setting is None:
        setting = NotificationSetting(user_id=user_id, server_id=server_id, channel_id=channel_id)
    if level is not KEEP:
        setting.level = level  # type: ignore[assignment]
    if mute is not None:
        if mute == UNMUTE:
            setting.muted, setting.muted_until = False, None
        else:
            span = MUTES[mute]
            setting.muted, setting.muted_until = True, (now + span if span else None)
    session.add(setting)
    session.flush()
    publish_on_commit(
        session,
        type="notification_level",
        op="update",
        data={"server_id": server_id, "channel_id": channel_id or None},
        users=[user_id],
    )
    return setting


def check_set_server_notifications(
    session: Session,
    actor: User,
    server_id: str,
    *,
    level: str | object | None = KEEP,
    mute: str | None = None,
) -> NotificationLevelView:
    """`level`: all, mentions or nothing (left as it is when not given); `mute`: 1h, 8h, 24h,
    forever, or off."""
    access_server(session, actor, server_id)
    clean = KEEP if level is KEEP else clean_level(level, allow_inherit=False)  # type: ignore[arg-type]
    now = utcnow()
    setting = _apply(
        session,
        actor.id or 0,
        server_id,
        "",
        level=clean,
        mute=clean_mute(mute) if mute is not None else None,
        now=now,
    )
    return _view(setting, server_id, None, now)


def check_set_channel_notifications(
    session: Session,
    actor: User,
    channel_id: str,
    *,
    level: str | object | None = KEEP,
    mute: str | None = None,
) -> NotificationLevelView:
    """`level`: all, mentions, nothing, or None (as the server)."""
    access = access_channel(session, actor, channel_id)
    clean = KEEP if level is KEEP else clean_level(level, allow_inherit=True)  # type: ignore[arg-type]
    now = utcnow()
    server_id = access.server.server.id
    setting = _apply(
        session,
        actor.id or 0,
        server_id,
        channel_id,
        level=clean,
        mute=clean_mute(mute) if mute is not None else None,
        now=now,
    )
    return _view(setting, server_id, channel_id, now)


# Badges ----------------------------------------------------------------------------------------


def _badges(
    session: Session, actor: User, rows: Sequence[tuple[Server, ServerMember]]
) -> list[ServerBadge]:
    """Badges for these memberships in a handful of queries whatever the number of servers and
    channels: the roles, the settings, then the unread state of every viewable channel at once."""
    user_id = actor.id or 0
    server_ids = [server.id for server, _ in rows]
    roles: dict[str, set[str]] = {sid: set() for sid in server_ids}
    if server_ids:
        for server_id, role_id in session.execute(
            sa.select(col(MemberRoleLink.server_id), col(MemberRoleLink.role_id)).where(
                col(MemberRoleLink.user_id) == user_id,
                col(MemberRoleLink.server_id).in_(server_ids),
            )
        ).all():
            roles[str(server_id)].add(str(role_id))
    settings = _settings(session, user_id, server_ids)
    now = utcnow()
    viewable: dict[str, list[str]] = {}
    for server, member in rows:
        snap = snapshot(session, server)
        facts = MemberFacts(user_id, frozenset(roles[server.id]), member.timeout_until)
        viewable[server.id] = [
            cid
            for cid in snap.channels
            if channel_permissions(snap, facts, cid, now=now) & Permission.VIEW_CHANNEL
        ]
    every_channel = [cid for ids in viewable.values() for cid in ids]
    every_role = sorted({r for ids in roles.values() for r in ids})
    # Role ids are unique across servers: one query answers for all of them.
    unreads = channel_unreads(session, actor, "", every_channel, every_role)
    badges = []
    for server, _ in rows:
        channels = []
        lit = False
        total = 0
        for cid in viewable[server.id]:
            state = unreads.get(cid)
            if state is None:
                continue
            eff = effective_level(settings, server.id, cid, now)
            mentions = 0 if eff.level == NotifyLevel.nothing else state.mentions
            unread = state.unread and not eff.muted
            channels.append(
                ChannelBadge(
                    channel_id=cid,
                    unread=unread,
                    mentions=mentions,
                    muted=eff.muted,
                    level=eff.level.value,
                )
            )
            total += mentions
            if (unread and eff.level == NotifyLevel.all) or mentions:
                lit = True
        server_muted = is_muted(settings.get((server.id, "")), now)
        badges.append(
            ServerBadge(
                server_id=server.id,
                unread=lit and not server_muted,
                mentions=total,
                muted=server_muted,
                channels=channels,
            )
        )
    return badges


def _memberships(
    session: Session, user_id: int, server_id: str | None = None
) -> list[tuple[Server, ServerMember]]:
    query = (
        select(Server, ServerMember)
        .join(ServerMember, col(ServerMember.server_id) == col(Server.id))
        .where(col(ServerMember.user_id) == user_id, col(Server.deleted_at).is_(None))
        .order_by(col(ServerMember.joined_at), col(Server.id))
    )
    if server_id is not None:
        query = query.where(col(Server.id) == server_id)
    return [(s, m) for s, m in session.exec(query).all()]


def server_badges(session: Session, actor: User, server_id: str) -> ServerBadge:
    """One server's badges: per viewable channel, and its total for the rail."""
    access_server(session, actor, server_id)
    return _badges(session, actor, _memberships(session, actor.id or 0, server_id))[0]


def all_server_badges(session: Session, actor: User) -> list[ServerBadge]:
    """The badges of every server the actor is in, in the order they joined them."""
    return _badges(session, actor, _memberships(session, actor.id or 0))
