"""The audit log and automod sections of the server settings: the log newest first, filtered
by action and by who acted; automod's word and pattern rules (block or flag) and the messages
and channel posts its flag rules let through, for moderators to look at."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import audit, automod, moderation
from socialhub.domain import users as users_domain
from socialhub.domain.errors import NotFound
from socialhub.models import User
from socialhub.models.moderation_views import AuditEntryView, AutomodFlagView, AutomodRuleView
from socialhub.state.base import Failed, run_as_user
from socialhub.state.clock import Clock, tab_clock
from socialhub.state.server_settings import ServerSettingsState

ALL_ACTIONS = "all"
# The filter offers every action the domain records, in words.
ACTION_CHOICES: list[tuple[str, str]] = [(ALL_ACTIONS, "All actions"), *audit.ACTIONS.items()]
PAGE_SIZE = 50


class AuditRow(BaseModel):
    id: int
    when: str
    actor: str
    action: str
    action_label: str
    target: str
    reason: str
    changes: str


class RuleRow(BaseModel):
    id: int
    kind: str
    value: str
    action: str
    creator: str


class FlagRow(BaseModel):
    id: int
    kind: str  # message or post
    when: str
    author: str
    body: str
    rule: str
    channel: str
    href: str  # the flagged post's page ("" for a message)


def _name(user: Any) -> str:
    return "@" + user.username if user is not None else "someone gone"


def audit_rows(
    entries: list[AuditEntryView], clock: Clock, targets: dict[int, str]
) -> list[AuditRow]:
    """The entries as rows; `targets` names their targets (moderation.audit_targets)."""
    return [
        AuditRow(
            id=e.id,
            when=clock.date_time(e.created_at),
            actor=_name(e.actor),
            action=e.action,
            action_label=audit.action_label(e.action),
            target=targets.get(e.id) or f"{e.target_type} {e.target_id}".strip(),
            reason=e.reason,
            changes=json.dumps(e.changes, ensure_ascii=False) if e.changes else "",
        )
        for e in entries
    ]


def rule_rows(rules: list[AutomodRuleView]) -> list[RuleRow]:
    return [
        RuleRow(id=r.id, kind=r.kind, value=r.value, action=r.action, creator=_name(r.created_by))
        for r in rules
    ]


def _flag_row(flag: AutomodFlagView, clock: Clock) -> FlagRow:
    if flag.post is not None:
        author, body, href = _name(flag.post.author), flag.post.body, "/p/" + flag.post.id
    else:
        assert flag.message is not None
        author, body, href = _name(flag.message.author), flag.message.body, ""
    return FlagRow(
        id=flag.id,
        kind=flag.kind,
        when=clock.date_time(flag.created_at),
        author=author,
        body=body,
        rule=flag.rule.value if flag.rule else "a deleted rule",
        channel=flag.channel_name,
        href=href,
    )


def flag_rows(flags: list[AutomodFlagView], clock: Clock) -> list[FlagRow]:
    return [_flag_row(f, clock) for f in flags]


def read_audit(
    session: Session,
    user: User,
    server_id: str,
    before: int | None,
    filters: tuple[str | None, str, Clock],
) -> tuple[list[AuditRow], int]:
    """A page of the log, newest first, and where the next starts (0 at the end)."""
    action, actor_name, clock = filters
    actor_id = users_domain.access_user(session, actor_name).id if actor_name else None
    page = moderation.list_audit_log(
        session, user, server_id, before=before, action=action, actor_id=actor_id, limit=PAGE_SIZE
    )
    targets = moderation.audit_targets(session, server_id, page.entries)
    return audit_rows(page.entries, clock, targets), page.next_before or 0


class AuditLogState(rx.State):
    entries: list[AuditRow] = []
    action: str = ALL_ACTIONS
    actor: str = ""
    next_before: int = 0
    loading: bool = False

    def _filters(self) -> tuple[str | None, str, Clock]:
        """The action chosen (None: all), who acted (a username, "" for anyone), the clock."""
        action = None if self.action == ALL_ACTIONS else self.action
        return action, self.actor.strip().lstrip("@"), tab_clock(self)

    async def _read(self, server_id: str, before: int | None) -> Failed | None:
        filters = self._filters()
        result = await run_as_user(self, lambda s, u: read_audit(s, u, server_id, before, filters))
        if isinstance(result, Failed):
            return result
        rows, self.next_before = result
        self.entries = [*self.entries, *rows] if before else rows
        return None

    # The live protocol (server_settings_live.LiveSection): the newest entries, as filtered.
    def _live_args(self) -> Any:
        return self._filters()

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        try:
            return read_audit(session, user, server_id, None, args)
        except NotFound:  # who acted is nobody (the filter already said so): nothing matches
            return [], 0

    def _live_show(self, data: Any) -> None:
        self.entries, self.next_before = data

    async def _load_section(self, server_id: str) -> Failed | None:
        return await self._read(server_id, None)

    async def _reload(self) -> Any:
        failed = await self._read((await self.get_state(ServerSettingsState)).server_id, None)
        return failed.toast if failed else None

    @rx.event
    async def set_action(self, value: str) -> Any:
        self.action = value
        return await self._reload()

    @rx.event
    async def filter_actor(self, form: dict[str, Any]) -> Any:
        self.actor = str(form.get("actor", ""))
        return await self._reload()

    @rx.event
    async def load_more(self) -> Any:
        if not self.next_before or self.loading:
            return None
        self.loading = True
        try:
            server_id = (await self.get_state(ServerSettingsState)).server_id
            failed = await self._read(server_id, self.next_before)
        finally:
            self.loading = False
        return failed.toast if failed else None


class AutomodState(rx.State):
    rules: list[RuleRow] = []
    flags: list[FlagRow] = []
    new_kind: str = "word"
    new_action: str = "block"

    async def _server_id(self) -> str:
        return (await self.get_state(ServerSettingsState)).server_id

    async def _load_section(self, server_id: str) -> Failed | None:
        clock = tab_clock(self)
        result = await run_as_user(self, lambda s, u: self._live_read(s, u, server_id, clock))
        if isinstance(result, Failed):
            return result
        self._live_show(result)
        return None

    # The live protocol (server_settings_live.LiveSection): the same read as opening it.
    def _live_args(self) -> Any:
        return tab_clock(self)

    @staticmethod
    def _live_read(session: Session, user: User, server_id: str, args: Any) -> Any:
        rules = automod.list_rules(session, user, server_id)
        flags = automod.list_flags(session, user, server_id)
        return rule_rows(rules), flag_rows(flags.flags, args)

    def _live_show(self, data: Any) -> None:
        self.rules, self.flags = data

    async def _change(self, work: Callable[[Session, User, str], object], success: str) -> Any:
        server_id = await self._server_id()
        result = await run_as_user(self, lambda s, u: work(s, u, server_id))
        if isinstance(result, Failed):
            return result.toast
        failed = await self._load_section(server_id)
        return failed.toast if failed else rx.toast.success(success)

    @rx.event
    def set_new_kind(self, value: str) -> None:
        self.new_kind = value

    @rx.event
    def set_new_action(self, value: str) -> None:
        self.new_action = value

    @rx.event
    async def add_rule(self, form: dict[str, Any]) -> Any:
        value, kind, action = str(form.get("value", "")), self.new_kind, self.new_action
        return await self._change(
            lambda s, u, server_id: automod.check_create_rule(
                s, u, server_id, kind=kind, value=value, action=action
            ),
            "Rule added",
        )

    @rx.event
    async def delete_rule(self, rule_id: int) -> Any:
        return await self._change(
            lambda s, u, server_id: automod.check_delete_rule(s, u, server_id, rule_id),
            "Rule deleted",
        )

    @rx.event
    async def resolve_flag(self, flag_id: int) -> Any:
        return await self._change(
            lambda s, u, server_id: automod.check_resolve_flag(s, u, server_id, flag_id),
            "Marked as reviewed",
        )
