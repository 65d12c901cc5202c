"""The webhooks section of the server settings: incoming webhooks (create, copy the URL,
regenerate it, delete; the last two confirmed) and the channels' outgoing webhooks (set, status
and last failure, remove), through the domain (MANAGE_WEBHOOKS, asked per channel)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import webhooks
from socialhub.models import User
from socialhub.models.webhooks import IncomingWebhookView, OutgoingWebhookView
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.server_settings import ServerSettingsState


class IncomingRow(BaseModel):
    id: str
    name: str
    channel_name: str
    url: str
    created: str
    last_used: str


class OutgoingRow(BaseModel):
    channel_id: str
    channel_name: str
    url: str
    secret: str
    enabled: bool
    failures: int
    disabled_reason: str
    last_error: str
    last_failure: str
    last_success: str


class ChannelChoice(BaseModel):
    id: str
    name: str


def incoming_rows(views: list[IncomingWebhookView], clock: Clock) -> list[IncomingRow]:
    return [
        IncomingRow(
            id=v.id,
            name=v.name,
            channel_name=v.channel_name,
            url=v.url,
            created=clock.date_time(v.created_at),
            last_used=clock.date_time(v.last_used_at) if v.last_used_at else "",
        )
        for v in views
    ]


def outgoing_rows(views: list[OutgoingWebhookView], clock: Clock) -> list[OutgoingRow]:
    return [
        OutgoingRow(
            channel_id=v.channel_id,
            channel_name=v.channel_name,
            url=v.url,
            secret=v.secret,
            enabled=v.enabled,
            failures=v.consecutive_failures,
            disabled_reason=v.disabled_reason,
            last_error=v.last_error,
            last_failure=clock.date_time(v.last_failure_at) if v.last_failure_at else "",
            last_success=clock.date_time(v.last_success_at) if v.last_success_at else "",
        )
        for v in views
    ]


# What the confirmation dialog asks, by kind: title, body, button.
CONFIRM_TEXT: dict[str, tuple[str, str, str]] = {
    "delete": (
        "Delete this webhook?",
        "Whatever posts through its URL gets an error from now on. This cannot be undone.",
        "Delete webhook",
    ),
    "regenerate": (
        "Regenerate the URL?",
        "The current URL stops working at once; whatever uses it needs the new one.",
        "Regenerate",
    ),
    "remove_outgoing": (
        "Remove the outgoing webhook?",
        "The channel's new messages are no longer sent to its URL.",
        "Remove",
    ),
}


class WebhookSettingsState(rx.State):
    incoming: list[IncomingRow] = []
    outgoing: list[OutgoingRow] = []
    channels: list[ChannelChoice] = []
    new_channel: str = ""
    out_channel: str = ""
    # What the confirmation dialog asks about ("": closed): a kind of CONFIRM_TEXT and its target
    # (a webhook id, or a channel id for an outgoing webhook).
    confirm_kind: str = ""
    confirm_target: str = ""
    confirm_label: str = ""

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    @staticmethod
    def _read(
        session: Session, user: User, server_id: str, clock: Clock
    ) -> tuple[list[IncomingRow], list[OutgoingRow], list[ChannelChoice]]:
        channels = webhooks.list_webhook_channels(session, user, server_id)
        return (
            incoming_rows(webhooks.list_incoming(session, user, server_id), clock),
            outgoing_rows(webhooks.list_outgoing(session, user, server_id), clock),
            [ChannelChoice(id=cid, name=name) for cid, name in channels],
        )

    async def _load_section(self, server_id: str) -> Failed | None:
        clock, read = tab_clock(self), self._read
        result = await run_as_user(self, lambda s, u: read(s, u, server_id, clock))
        if isinstance(result, Failed):
            return result
        self._live_show(result)
        return None

    # The live protocol (server_settings_live.LiveSection): the same read as opening it.
    def _live_args(self) -> Any:
        return tab_clock(self)

    @classmethod
    def _live_read(cls, session: Session, user: User, server_id: str, args: Any) -> Any:
        return cls._read(session, user, server_id, args)

    def _live_show(self, data: Any) -> None:
        self.incoming, self.outgoing, self.channels = data
        ids = [c.id for c in self.channels]
        if self.new_channel not in ids:
            self.new_channel = ids[0] if ids else ""
        if self.out_channel not in ids:
            self.out_channel = ids[0] if ids else ""

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        # Read again even when refused: the list may be out of date.
        failed = await self._load_section(server_id)
        if isinstance(result, Failed):
            return result.toast
        return failed.toast if failed else rx.toast.success(success)

    @rx.var
    def confirm_title(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[0]

    @rx.var
    def confirm_body(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[1]

    @rx.var
    def confirm_action(self) -> str:
        return CONFIRM_TEXT.get(self.confirm_kind, ("", "", ""))[2]

    @rx.event
    def set_new_channel(self, value: str) -> None:
        self.new_channel = value

    @rx.event
    def set_out_channel(self, value: str) -> None:
        self.out_channel = value

    @rx.event
    async def create_incoming(self, form: dict[str, Any]) -> Any:
        name, channel_id = str(form.get("name", "")), self.new_channel
        return await self._change(
            lambda s, u, server_id: webhooks.check_create_incoming(
                s, u, server_id, channel_id=channel_id, name=name
            ),
            "Webhook created: copy its URL",
        )

    @rx.event
    async def set_outgoing(self, form: dict[str, Any]) -> Any:
        url, channel_id = str(form.get("url", "")), self.out_channel
        return await self._change(
            lambda s, u, server_id: webhooks.check_set_outgoing(
                s, u, server_id, channel_id=channel_id, url=url
            ),
            "Outgoing webhook saved",
        )

    @rx.event
    def ask(self, kind: str, target: str, label: str) -> None:
        if kind in CONFIRM_TEXT:
            self.confirm_kind, self.confirm_target, self.confirm_label = kind, target, label

    @rx.event
    def set_confirm_open(self, is_open: bool) -> None:
        if not is_open:
            self.confirm_kind = ""

    @rx.event
    async def confirm(self) -> Any:
        kind, target = self.confirm_kind, self.confirm_target
        self.confirm_kind = ""
        if kind == "delete":
            return await self._change(
                lambda s, u, server_id: webhooks.check_delete_incoming(s, u, server_id, target),
                "Webhook deleted",
            )
        if kind == "regenerate":
            return await self._change(
                lambda s, u, server_id: webhooks.check_regenerate_incoming(s, u, server_id, target),
                "New URL made: the old one no longer works",
            )
        if kind == "remove_outgoing":
            return await self._change(
                lambda s, u, server_id: webhooks.check_delete_outgoing(s, u, server_id, target),
                "Outgoing webhook removed",
            )
        return None
