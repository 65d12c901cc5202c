"""Webhooks of server channels (MANAGE_WEBHOOKS in the channel, asked of the permission function).

Incoming: a secret URL posts messages into its channel through the shared message code (so they
reach viewers live), shown with the webhook's name (or the override of the request) and marked as
a webhook's; the server's automod and the mentions apply as to a member's message
(`channel_messages.check_webhook_send`). The URL's token is an HMAC of the webhook's id and a
salt, under a key derived for webhooks: it is shown to managers at any time, and regenerating it
(a new salt) ends the old URL.
A wrong token is the same `webhook_not_found` as an unknown webhook.

Outgoing: a channel's setting (URL and a generated secret); every new message a member sends
there is queued for the job that POSTs it, signed (`webhook_delivery.py`). A webhook's own
messages are not sent on, so two channels' webhooks pointing at each other cannot loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlmodel import Session, col, select

from socialhub.config import get_settings
from socialhub.delivery.outbound import OutboundError, check_url
from socialhub.domain import channel_messages, messages, ratelimit
from socialhub.domain.audit import do_audit
from socialhub.domain.errors import InvalidInput, NotFound, PermissionDenied
from socialhub.domain.permissions import (
    ChannelAccess,
    Permission,
    access_channel,
    access_server,
    members_who_can,
)
from socialhub.domain.validation import clean_text
from socialhub.keys import KeyPurpose, derive_key
from socialhub.models import ChannelType, Conversation, Message, Server, User
from socialhub.models.base import utcnow
from socialhub.models.webhooks import (
    IncomingWebhook,
    IncomingWebhookView,
    OutgoingWebhook,
    OutgoingWebhookView,
)
from socialhub.realtime.events import publish_on_commit

NAME_MAX = 80
AVATAR_URL_MAX = 512
URL_MAX = 2048
API_PATH = "/api/v1/webhooks"


def webhook_not_found() -> NotFound:
    return NotFound("no such webhook", code="webhook_not_found")


# Who may manage -----------------------------------------------------------------------------------


def _manage(session: Session, actor: User, server_id: str, channel_id: str) -> ChannelAccess:
    """MANAGE_WEBHOOKS in a text channel of this server the actor can see."""
    access = access_channel(session, actor, channel_id)
    if access.server.server.id != server_id:
        raise NotFound("no such channel", code="channel_not_found")
    access.require(Permission.MANAGE_WEBHOOKS, "you may not manage this channel's webhooks")
    if access.channel.channel_type == ChannelType.posts.value:
        raise InvalidInput(
            "a posts channel takes no webhooks", field="channel_id", code="posts_channel"
        )
    return access


def _managed_channels(session: Session, actor: User, server_id: str) -> dict[str, str]:
    """The channels of the server where the actor may manage webhooks: id -> name. Without
    MANAGE_WEBHOOKS anywhere in the server, PermissionDenied."""
    access = access_server(session, actor, server_id)
    channels = session.exec(
        select(Conversation.id, Conversation.title).where(Conversation.server_id == server_id)
    ).all()
    wanted = Permission.VIEW_CHANNEL | Permission.MANAGE_WEBHOOKS
    found = {cid: title for cid, title in channels if access.in_channel(cid) & wanted == wanted}
    if not found:
        access.require(Permission.MANAGE_WEBHOOKS, "you need the Manage webhooks permission")
    return found


def list_webhook_channels(session: Session, actor: User, server_id: str) -> list[tuple[str, str]]:
    """(id, name) of the text channels where the actor may add webhooks, in channel order."""
    managed = _managed_channels(session, actor, server_id)
    rows = session.exec(
        select(Conversation.id, Conversation.title)
        .where(
            col(Conversation.id).in_(list(managed)),
            Conversation.channel_type != ChannelType.posts.value,
        )
        .order_by(col(Conversation.position), col(Conversation.title))
    ).all()
    return [(cid, title) for cid, title in rows]


def do_publish_webhooks_changed(session: Session, server_id: str) -> None:
    """Tell the server's webhook managers (their own streams: the URLs and statuses are theirs
    only) that its webhooks changed, so an open settings page reads them again."""
    server = session.get(Server, server_id)
    if server is None:
        return
    publish_on_commit(
        session,
        type="webhooks",
        op="update",
        data={"server_id": server_id},
        users=members_who_can(session, server, Permission.MANAGE_WEBHOOKS),
    )


def _name(value: str) -> str:
    name = clean_text(value, field="name", max_length=NAME_MAX)
    if not name:
        raise InvalidInput("give the webhook a name", field="name", code="empty")
    return name


# The two kinds ------------------------------------------------------------------------------------

_Hook = TypeVar("_Hook", IncomingWebhook, OutgoingWebhook)


@dataclass(frozen=True)
class _HookKind(Generic[_Hook]):
    model: type[_Hook]
    # How a path names one: an incoming webhook by its own id, the outgoing one by its channel
    # (a channel has at most one), which is also what its audit entries point at.
    by_channel: bool
    # What an entry of the audit log says of one that is created or deleted.
    described: Callable[[_Hook], dict[str, object]]
    # Give it a new secret (the incoming URL's, the outgoing signing one): what the audit
    # entry says.
    renew: Callable[[_Hook], dict[str, object] | None]


def _new_url(webhook: IncomingWebhook) -> dict[str, object]:
    webhook.token_salt = secrets.token_hex(16)
    return {"name": webhook.name}


def _new_secret(webhook: OutgoingWebhook) -> None:
    webhook.secret = secrets.token_hex(32)


_INCOMING = _HookKind(
    IncomingWebhook,
    by_channel=False,
    described=lambda w: {"name": w.name, "channel_id": w.channel_id},
    renew=_new_url,
)
_OUTGOING = _HookKind(
    OutgoingWebhook,
    by_channel=True,
    described=lambda w: {"url": w.url},
    renew=_new_secret,
)


def _list(session: Session, actor: User, kind: _HookKind[_Hook], server_id: str) -> Sequence[_Hook]:
    """Those of the channels where the actor manages webhooks, oldest first."""
    channels = _managed_channels(session, actor, server_id)
    model = kind.model
    return session.exec(
        select(model)
        .where(col(model.server_id) == server_id, col(model.channel_id).in_(list(channels)))
        .order_by(col(model.created_at), col(model.id))
    ).all()


def _access(
    session: Session, actor: User, kind: _HookKind[_Hook], server_id: str, key: str
) -> _Hook:
    """The webhook `key` names (its id, or its channel's) in a channel where the actor manages
    webhooks. An unknown one, or one in a channel the actor cannot see, is `webhook_not_found`;
    a channel named in the path is checked first, as `_manage` does."""
    model = kind.model
    if kind.by_channel:
        _manage(session, actor, server_id, key)
    column = model.channel_id if kind.by_channel else model.id
    webhook = session.exec(
        select(model).where(col(column) == key, col(model.server_id) == server_id)
    ).first()
    if webhook is None:
        access_server(session, actor, server_id)  # an unknown server says so
        raise webhook_not_found()
    if not kind.by_channel:
        try:
            _manage(session, actor, server_id, webhook.channel_id)
        except NotFound as exc:
            raise webhook_not_found() from exc
    return webhook


def _audit_change(
    session: Session,
    actor: User,
    kind: _HookKind[_Hook],
    webhook: _Hook,
    action: str,
    changes: dict[str, object] | None = None,
) -> None:
    """The audit entry of a change to a webhook, and the managers' pages told."""
    do_audit(
        session,
        webhook.server_id,
        actor.id,
        action,
        target_type="channel" if kind.by_channel else "webhook",
        target_id=webhook.channel_id if kind.by_channel else webhook.id,
        changes=changes,
    )
    do_publish_webhooks_changed(session, webhook.server_id)


def _renew(
    session: Session, actor: User, kind: _HookKind[_Hook], server_id: str, key: str
) -> _Hook:
    webhook = _access(session, actor, kind, server_id, key)
    changes = kind.renew(webhook)
    session.add(webhook)
    session.flush()
    _audit_change(
        session,
        actor,
        kind,
        webhook,
        "webhook_regenerate" if kind is _INCOMING else "outgoing_webhook_secret",
        changes,
    )
    return webhook


def _delete(
    session: Session, actor: User, kind: _HookKind[_Hook], server_id: str, key: str
) -> None:
    webhook = _access(session, actor, kind, server_id, key)
    _audit_change(
        session,
        actor,
        kind,
        webhook,
        "webhook_delete" if kind is _INCOMING else "outgoing_webhook_delete",
        kind.described(webhook),
    )
    session.delete(webhook)
    session.flush()


# Incoming -----------------------------------------------------------------------------------------


def token(webhook: IncomingWebhook) -> str:
    digest = hmac.new(
        derive_key(KeyPurpose.webhook),
        f"incoming:{webhook.id}:{webhook.token_salt}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def incoming_url(webhook: IncomingWebhook) -> str:
    return f"{get_settings().public_url}{API_PATH}/{webhook.id}/{token(webhook)}"


def incoming_views(
    session: Session, webhooks: Sequence[IncomingWebhook]
) -> list[IncomingWebhookView]:
    names = _channel_names(session, [w.channel_id for w in webhooks])
    return [
        IncomingWebhookView(
            id=w.id,
            server_id=w.server_id,
            channel_id=w.channel_id,
            channel_name=names.get(w.channel_id, ""),
            name=w.name,
            url=incoming_url(w),
            created_by=w.created_by,
            created_at=w.created_at,
            last_used_at=w.last_used_at,
        )
        for w in webhooks
    ]


def _channel_names(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.exec(
        select(Conversation.id, Conversation.title).where(col(Conversation.id).in_(list(ids)))
    ).all()
    return dict(rows)


def check_create_incoming(
    session: Session, actor: User, server_id: str, *, channel_id: str, name: str
) -> IncomingWebhook:
    _manage(session, actor, server_id, channel_id)
    webhook = IncomingWebhook(
        server_id=server_id,
        channel_id=channel_id,
        name=_name(name),
        token_salt=secrets.token_hex(16),
        created_by=actor.id,
    )
    session.add(webhook)
    session.flush()
    _audit_change(
        session, actor, _INCOMING, webhook, "webhook_create", _INCOMING.described(webhook)
    )
    return webhook


def list_incoming(session: Session, actor: User, server_id: str) -> list[IncomingWebhookView]:
    """The incoming webhooks of the channels where the actor manages webhooks, oldest first."""
    return incoming_views(session, _list(session, actor, _INCOMING, server_id))


def check_regenerate_incoming(
    session: Session, actor: User, server_id: str, webhook_id: str
) -> IncomingWebhook:
    """A new secret URL; the old one stops working with this commit."""
    return _renew(session, actor, _INCOMING, server_id, webhook_id)


def check_delete_incoming(session: Session, actor: User, server_id: str, webhook_id: str) -> None:
    _delete(session, actor, _INCOMING, server_id, webhook_id)


def _avatar_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip()
    if len(url) > AVATAR_URL_MAX:
        raise InvalidInput(
            f"avatar_url is over {AVATAR_URL_MAX} characters", field="avatar_url", code="too_long"
        )
    if not url.startswith("https://"):
        raise InvalidInput("avatar_url must be an https:// URL", field="avatar_url")
    return url


def check_execute_incoming(
    session: Session,
    webhook_id: str,
    given_token: str,
    *,
    content: str,
    username: str | None = None,
    avatar_url: str | None = None,
) -> Message:
    """Post `content` into the webhook's channel as the webhook (or the name given). The
    server's automod screens it as a member's message (a block rule refuses it, 403
    `automod_blocked`, nothing stored; a flag rule flags it for the moderators), and its
    mentions ping as a member's do, @everyone/@here only while the webhook's creator may
    (`channel_messages.check_webhook_send`)."""
    webhook = session.get(IncomingWebhook, webhook_id)
    if webhook is None or not hmac.compare_digest(token(webhook), given_token):
        raise webhook_not_found()
    channel = session.get(Conversation, webhook.channel_id)
    server = session.get(Server, webhook.server_id)
    if channel is None or server is None or server.deleted_at is not None:
        raise webhook_not_found()
    if channel.channel_type == ChannelType.posts.value:
        raise PermissionDenied("post in a posts channel", code="posts_channel")
    body = clean_text(content, field="content", max_length=messages.BODY_MAX, multiline=True)
    if not body:
        raise InvalidInput("the message is empty", field="content", code="empty")
    name = _name(username) if username is not None and username.strip() else webhook.name
    avatar = _avatar_url(avatar_url)
    ratelimit.hit("webhook", f"webhook:{webhook.id}", limit=get_settings().rate_limit_webhook)
    checked = channel_messages.check_webhook_send(
        session, channel, server, webhook.created_by, body
    )
    now = utcnow()
    webhook.last_used_at = now
    session.add(webhook)
    message = messages.do_append_message(
        session,
        channel,
        author=None,
        body=body,
        webhook={"id": webhook.id, "name": name, "avatar_url": avatar},
    )
    channel_messages.do_channel_sent(session, checked, None, message, now=now)
    return message


# Outgoing -----------------------------------------------------------------------------------------


def _receiver_url(value: str) -> str:
    url = value.strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"the URL is over {URL_MAX} characters", field="url", code="too_long")
    try:
        check_url(url)
    except OutboundError as error:
        raise InvalidInput(error.message, field="url", code="invalid_url") from None
    return url


def outgoing_views(
    session: Session, webhooks: Sequence[OutgoingWebhook]
) -> list[OutgoingWebhookView]:
    names = _channel_names(session, [w.channel_id for w in webhooks])
    return [
        OutgoingWebhookView(
            id=w.id,
            server_id=w.server_id,
            channel_id=w.channel_id,
            channel_name=names.get(w.channel_id, ""),
            url=w.url,
            secret=w.secret,
            enabled=w.enabled,
            consecutive_failures=w.consecutive_failures,
            disabled_reason=w.disabled_reason,
            last_error=w.last_error,
            last_failure_at=w.last_failure_at,
            last_success_at=w.last_success_at,
            created_at=w.created_at,
        )
        for w in webhooks
    ]


def check_set_outgoing(
    session: Session, actor: User, server_id: str, *, channel_id: str, url: str
) -> OutgoingWebhook:
    """Send the channel's new messages to `url` (set or changed; a disabled one is enabled
    again with its failures forgotten). The secret is made once and kept across changes."""
    _manage(session, actor, server_id, channel_id)
    target = _receiver_url(url)
    webhook = session.exec(
        select(OutgoingWebhook).where(OutgoingWebhook.channel_id == channel_id)
    ).first()
    created = webhook is None
    webhook = webhook or OutgoingWebhook(
        server_id=server_id,
        channel_id=channel_id,
        url=target,
        secret=secrets.token_hex(32),
        created_by=actor.id,
    )
    webhook.url = target
    webhook.enabled = True
    webhook.consecutive_failures = 0
    webhook.disabled_reason = ""
    session.add(webhook)
    session.flush()
    _audit_change(
        session,
        actor,
        _OUTGOING,
        webhook,
        "outgoing_webhook_set",
        {"url": target, "created": created},
    )
    return webhook


def list_outgoing(session: Session, actor: User, server_id: str) -> list[OutgoingWebhookView]:
    return outgoing_views(session, _list(session, actor, _OUTGOING, server_id))


def check_regenerate_outgoing_secret(
    session: Session, actor: User, server_id: str, channel_id: str
) -> OutgoingWebhook:
    """A new signing secret; deliveries are signed with it from this commit on."""
    return _renew(session, actor, _OUTGOING, server_id, channel_id)


def check_delete_outgoing(session: Session, actor: User, server_id: str, channel_id: str) -> None:
    _delete(session, actor, _OUTGOING, server_id, channel_id)
