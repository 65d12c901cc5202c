"""Slash commands in the composer: what the open channel offers (the `/` menu of
assets/commands.js reads it from `#command-data`), invoking one typed as `/name options`, and
what the invoker is told of it under the channel's messages: "waiting", a private answer, or
"the bot did not answer".

The outcome arrives in the invoker's own stream (("command", "answered" | "answer" |
"timeout")), so only their tabs hear it: `CommandsLive` below, in the listener.
"""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import BaseModel
from sqlmodel import Session

from socialhub.domain import commands
from socialhub.domain.errors import DomainError
from socialhub.models import User
from socialhub.models.commands import CommandView
from socialhub.realtime.hub import Event
from socialhub.state.base import Failed, run_as_user
from socialhub.state.realtime import RealtimeState, register_feature

# Notices kept on screen at once (the oldest go first).
NOTICES_MAX = 5


class CommandNotice(BaseModel):
    id: str
    channel_id: str
    # "pending", "private" (an answer only the invoker reads) or "timeout".
    kind: str
    bot: str
    command: str
    text: str


def menu_entry(command: CommandView) -> dict[str, Any]:
    """What the `/` menu shows of a command: name, description, its bot, the options' hint."""
    hint = " ".join(
        (f"{o.name}:<{o.type.value}>" if o.required else f"[{o.name}:<{o.type.value}>]")
        for o in command.options
    )
    return {
        "name": command.name,
        "description": command.description,
        "bot": str(command.bot.get("display_name", "")),
        "hint": hint,
        "options": [
            {"name": o.name, "type": o.type.value, "required": o.required, "hint": o.description}
            for o in command.options
        ],
    }


class CommandState(rx.State):
    # JSON of `menu_entry`s, for assets/commands.js.
    menu: str = "[]"
    notices: list[CommandNotice] = []
    _chat: str = ""
    _commands: list[dict[str, Any]] = []

    @rx.event
    async def load_for_chat(self, chat_id: str) -> None:
        """The open chat's commands (none outside server channels)."""
        found = await run_as_user(self, lambda s, u: commands.channel_commands(s, u, chat_id))
        self._show(chat_id, [] if isinstance(found, Failed) else found)

    def _show(self, chat_id: str, offered: list[CommandView]) -> None:
        self._chat = chat_id
        self._commands = [c.model_dump(mode="json") for c in offered]
        menu = json.dumps([menu_entry(c) for c in offered])
        if menu != self.menu:
            self.menu = menu

    def _bots(self) -> set[int]:
        """The bots whose commands the menu offers."""
        return {int(c["bot"].get("id") or 0) for c in self._commands}

    def _find(self, chat_id: str, body: str) -> tuple[CommandView, str] | None:
        """The command `body` invokes (`/name rest`) in this chat, and the rest; None when it
        names none of its commands (the text is sent as a message)."""
        if chat_id != self._chat or not body.startswith("/"):
            return None
        name, _, rest = body[1:].partition(" ")
        for raw in self._commands:
            if raw["name"] == name.strip().lower():
                return CommandView.model_validate(raw), rest
        return None

    async def _invoke_typed(self, chat_id: str, body: str) -> list[Any] | None:
        """Invoke the command typed in the composer: None when `body` is not one of the chat's
        commands, else what to answer the tab (a toast and the text given back on a refusal)."""
        found = self._find(chat_id, body)
        if found is None:
            return None
        command, rest = found
        values = commands.parse_text(command, rest)
        made = await run_as_user(
            self,
            lambda s, u: commands.check_invoke(
                s, u, chat_id, command_id=command.id, options=values
            ),
        )
        if isinstance(made, Failed):
            # Nothing is lost: the text goes back into the box to be corrected.
            return [made.toast, rx.set_value("composer", body)]
        bot = str(command.bot.get("display_name", "The bot"))
        notice = CommandNotice(
            id=made.id,
            channel_id=chat_id,
            kind="pending",
            bot=bot,
            command=command.name,
            text=f"{bot} is answering /{command.name}…",
        )
        self.notices = [*self.notices, notice][-NOTICES_MAX:]
        return []

    @rx.event
    def dismiss(self, notice_id: str) -> None:
        self.notices = [n for n in self.notices if n.id != notice_id]

    def _apply(self, events: list[Event]) -> None:
        notices = {n.id: n for n in self.notices}
        for event in events:
            data = event.get("data") or {}
            op, known = event.get("op"), notices.get(str(data.get("invocation_id")))
            if known is None:
                continue  # another tab's invocation, or one dismissed
            bot = str((data.get("bot") or {}).get("display_name") or known.bot)
            if op == "answered":
                notices.pop(known.id)
            elif op == "answer":
                text = str(data.get("answer", ""))
                notices[known.id] = known.model_copy(update={"kind": "private", "text": text})
            elif op == "timeout":
                text = f"{bot} did not answer /{known.command}."
                notices[known.id] = known.model_copy(update={"kind": "timeout", "text": text})
        self.notices = list(notices.values())


def _changes_menu(event: Event, bots: set[int]) -> bool:
    """A bot's commands changed, a bot joined the server, or one whose commands are offered
    left it (any other member coming and going changes no menu: no read for it)."""
    kind, op, data = event.get("type"), event.get("op"), event.get("data") or {}
    if kind == "commands":
        return True
    if kind != "server_member":
        return False
    if op == "add":
        return bool(data.get("is_bot"))
    return op == "remove" and data.get("user_id") in bots


class CommandsLive:
    """The invoker's notices follow their ("command", ...) events; the `/` menu is read again
    when a bot of the server on screen changes its commands (("commands", "update") in the
    server's stream)."""

    def wants(self, events: list[Event]) -> bool:
        return any(e.get("type") in ("command", "commands", "server_member") for e in events)

    async def observe(self, listener: RealtimeState, events: list[Event], me: int) -> str:
        state = await listener.get_state(CommandState)
        changed = any(_changes_menu(e, state._bots()) for e in events)
        return state._chat if changed else ""

    def needs_database(self, observed: str) -> bool:
        return bool(observed)

    def load(self, session: Session, user: User, observed: str) -> list[CommandView] | None:
        try:
            return commands.channel_commands(session, user, observed)
        except DomainError:  # no longer mine to read: the conversation's own feature says so
            return None

    async def apply(
        self,
        listener: RealtimeState,
        events: list[Event],
        observed: str,
        loaded: list[CommandView] | None,
        me: int,
    ) -> None:
        state = await listener.get_state(CommandState)
        if observed and state._chat == observed:
            state._show(observed, loaded or [])
        if state.notices:
            state._apply([e for e in events if e.get("type") == "command"])


register_feature(CommandsLive())
